"""相談窓口一覧 — the consultation directory (the leaflet's content), searchable and printable."""

from __future__ import annotations

import html

import pandas as pd
import streamlit as st

from dashboard import state, tables, ui, urlparams
from dashboard.i18n import t
from dashboard.printouts import leaflet
from dashboard.state import PageContext
from data import codebook as cb


def controls(ctx: PageContext) -> tuple[tuple[int, ...], tuple[int, ...], str, bool]:
    lang = ctx.lang
    fields = cb.codes("field")
    districts = cb.codes("district")
    dropped: list[str] = []
    if "dir_q" not in st.session_state:
        raw = urlparams.raw("q")
        query = urlparams.text("q")
        st.session_state["dir_q"] = query or ""
        if raw is not None and query is None:
            dropped.append(urlparams.dropped_text("q", raw))
    for key, options in (("dir_field", fields), ("dir_district", districts)):
        if key not in st.session_state:
            raw = urlparams.raw(key)
            codes, lost = urlparams.code_list(raw, options)
            st.session_state[key] = codes
            if lost:
                dropped.append(urlparams.dropped_text(key, raw))
    if "dir_print" not in st.session_state:
        st.session_state["dir_print"] = urlparams.text("print") == "1"
    state.note_dropped(dropped, lang)
    c1, c2, c3 = st.columns([3, 2, 2])
    query = c1.text_input(t("directory.search", lang), key="dir_q")
    chosen_fields = c2.multiselect(
        t("directory.field", lang),
        fields,
        key=state.relabelled("dir_field"),
        format_func=lambda c: cb.code_label("field", c, lang),
        placeholder=t("filter.placeholder", lang),
        select_all=False,
    )
    chosen_districts = c3.multiselect(
        t("directory.district", lang),
        districts,
        key=state.relabelled("dir_district"),
        format_func=lambda c: cb.code_label("district", c, lang),
        placeholder=t("filter.placeholder", lang),
        select_all=False,
    )
    printable = st.toggle(t("directory.print", lang), key="dir_print")
    state.sync_url(
        {
            "q": query.strip() or None,
            "dir_field": ",".join(map(str, sorted(chosen_fields))) or None,
            "dir_district": ",".join(map(str, sorted(chosen_districts))) or None,
            "print": "1" if printable else None,
        }
    )
    return tuple(sorted(chosen_fields)), tuple(sorted(chosen_districts)), query.strip(), printable


def entry_html(row: pd.Series, lang: str) -> str:
    """One window as a printable card; every value is escaped."""

    def esc(v: object) -> str:
        return "" if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NA else html.escape(str(v))

    lines = [
        "<div class='tsg-print-entry' style='border:1px solid #ccc;border-radius:6px;padding:8px 12px;margin:6px 0'>",
        f"<div style='font-size:1.1em;font-weight:700'>{esc(row.get('name'))}</div>",
    ]
    for col in ("phone", "hours", "address", "url"):
        if col in row and esc(row.get(col)):
            lines.append(f"<div>{html.escape(cb.column_label('organisations', col, lang))}: {esc(row.get(col))}</div>")
    for col, label in (
        ("fields_label", cb.column_label("organisations", "fields", lang)),
        ("districts_label", cb.column_label("organisations", "districts", lang)),
        ("org_type_label", cb.value_set_label("org_type", lang)),
    ):
        if col in row and esc(row.get(col)):
            lines.append(f"<div style='color:#444;font-size:0.9em'>{html.escape(label)}: {esc(row.get(col))}</div>")
    lines.append("</div>")
    return "".join(lines)


def render(ctx: PageContext) -> None:
    lang = ctx.lang
    st.title(t("page.directory", lang))
    fields, districts, query, printable = controls(ctx)
    table = ctx.source.directory(fields, districts, query, lang)
    with st.container(key="dir_screen_only"):  # left out of the printout (ui.PRINT_CSS)
        st.caption(t("directory.count", lang, n=len(table)))
        if printable:
            st.caption(t("directory.print_hint", lang))
    if table.empty:  # what to do, in words (the empty table said only "empty")
        st.info(t("directory.none", lang), icon=":material/search_off:")
    elif printable:
        st.markdown(t("directory.intro", lang))
        entries = "".join(entry_html(r, lang) for _, r in table.iterrows())
        st.html(f"<div class='tsg-print-grid'>{entries}</div>")
    else:
        shown = tables.directory_table(table, lang)
        st.dataframe(
            shown,
            hide_index=True,
            width="stretch",
            column_config={
                c: st.column_config.LinkColumn(c)
                for c in shown.columns
                if c == cb.column_label("organisations", "url", lang)
            },
        )
    what = t("page.directory", lang)
    ui.download_frame(tables.directory_table(table, lang), what, ctx, key="dl_directory", statistics=False)
    # the residents' leaflet: all windows by worry, or one district's when one district is chosen
    district = districts[0] if len(districts) == 1 else None
    with st.container(key="directory_leaflet"):
        ui.printout_button(
            ctx,
            "directory_leaflet",
            (t("leaflet.button", lang), t("leaflet.making", lang), t("leaflet.download", lang)),
            lambda: leaflet.leaflet_pdf(ctx.source, lang, district),
            leaflet.file_name(lang, district),
            district=district or "-",
        )


if __name__ == "__main__":
    render(state.current_context())
