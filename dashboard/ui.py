"""Small Streamlit building blocks shared by the pages: banners, legends, tables with downloads."""
from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from dashboard.i18n import t
from dashboard.state import PageContext
from data import codebook as cb
from queries import disclosure, export

ENCODINGS = ("utf-8-sig", "cp932")
ENCODING_KEY = "csv_encoding"

# Print: leave out the sidebar, header, toolbar and widgets; keep tables and charts.
PRINT_CSS = """
<style>
@media print {
  [data-testid="stSidebar"], [data-testid="stHeader"], [data-testid="stToolbar"],
  [data-testid="stDecoration"], [data-testid="stSidebarCollapsedControl"],
  [data-testid="stDownloadButton"], [data-testid="stElementToolbar"],
  .tsg-no-print { display: none !important; }
  [data-testid="stMain"] { margin-left: 0 !important; }
  .block-container { padding: 0 !important; max-width: 100% !important; }
  .tsg-print-entry { break-inside: avoid; }
}
.tsg-legend { font-size: 0.9rem; line-height: 1.6; }
.tsg-card-marks { font-size: 0.85rem; color: #444; }
</style>
"""


def demo_banner(lang: str) -> None:
    st.warning(t("banner.demo", lang), icon=":material/science:")


def open_web_banner(ctx: PageContext) -> None:
    if ctx.filters.channel != "random":
        st.info(f"**{cb.mark_label('open_web', ctx.lang)}** — {t('banner.open_web', ctx.lang)}",
                icon=":material/info:")


def marks_legend(lang: str) -> None:
    st.caption(t(
        "marks.legend", lang,
        suppressed=cb.mark_label("suppressed", lang),
        low=cb.mark_label("low_reliability", lang),
        higher=cb.mark_label("higher", lang),
        lower=cb.mark_label("lower", lang),
        min_n=disclosure.min_n(),
    ))


def filters_caption(ctx: PageContext) -> None:
    st.caption(f"{t('common.filters_now', ctx.lang)}: {ctx.filters.describe(ctx.lang)}")


def encoding_choice(lang: str) -> str:
    """The CSV encoding chosen in the sidebar (UTF-8 with BOM unless Shift_JIS is asked for)."""
    if st.session_state.get(ENCODING_KEY) not in ENCODINGS:
        st.session_state[ENCODING_KEY] = ENCODINGS[0]
    st.sidebar.radio(
        t("download.encoding", lang),
        options=list(ENCODINGS),
        format_func=lambda e: t("download.utf8" if e == "utf-8-sig" else "download.cp932", lang),
        key=ENCODING_KEY,
    )
    return st.session_state[ENCODING_KEY]


def current_encoding() -> str:
    enc = st.session_state.get(ENCODING_KEY)
    return enc if enc in ENCODINGS else ENCODINGS[0]


def _cp932_warning(warnings: Sequence[str], lang: str) -> None:
    if warnings:
        st.warning(t("download.cp932_warn", lang, chars="、".join(str(w) for w in warnings)))


def download_frame(df: pd.DataFrame, what: str, ctx: PageContext, key: str) -> None:
    """A CSV download of DF (already labelled and masked by the query layer)."""
    data, warnings = export.csv_bytes(df, encoding=current_encoding())
    _cp932_warning(warnings, ctx.lang)
    st.download_button(
        t("download.csv", ctx.lang),
        data=data,
        file_name=export.file_name(what, ctx.filters, ctx.lang),
        mime="text/csv",
        key=key,
        icon=":material/download:",
        on_click="ignore",
    )


def table_with_download(df: pd.DataFrame, what: str, ctx: PageContext, key: str,
                        expanded: bool = True) -> None:
    """The table beneath a chart, and its CSV download."""
    st.dataframe(df, hide_index=True, width="stretch")
    download_frame(df, what, ctx, key)


def indicator_table_block(ctx: PageContext, table: pd.DataFrame, indicator: str, by: Sequence[str],
                          key: str) -> None:
    """The labelled indicator table and its download, byte-identical to
    `python -m queries table INDICATOR --by ... --lang LANG` for this view."""
    shown = export.labelled_table(table, indicator, list(by), ctx.lang)
    st.dataframe(shown, hide_index=True, width="stretch")
    encoding = current_encoding()
    data = export.indicator_csv(ctx.con, indicator, list(by), ctx.filters, lang=ctx.lang, encoding=encoding)
    if encoding == "cp932":
        _cp932_warning(export.csv_bytes(shown, encoding="cp932")[1], ctx.lang)
    what = cb.indicator(indicator).short[ctx.lang]
    if by:
        what += "_" + "×".join(cb.dimension_label(d, ctx.lang) for d in by)
    st.download_button(
        t("download.csv", ctx.lang),
        data=data,
        file_name=export.file_name(what, ctx.filters, ctx.lang),
        mime="text/csv",
        key=key,
        icon=":material/download:",
        on_click="ignore",
    )
