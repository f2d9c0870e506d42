"""提出状況 — the secretariat's view of the monthly submissions: organisations × months of one
年度 (submitted when and by whom, published or not, or 未提出), what is not yet published, and the
whole history; both tables downloadable as CSV.

The router lists this page only for roles allowed 'data.manage'; the page checks again. Publishing
the submissions (a new database version) is the data page's (data/submission_store.py,
apply_to_extracts and mark_published).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import state, submissions as subs
from dashboard.access import roles
from dashboard.i18n import t
from dashboard.state import PageContext
from data import codebook as cb, submission_store as store, submission_template as tpl
from data.paths import db_path


def fiscal_years(ctx: PageContext, history: list[store.Entry]) -> list[int]:
    """This 年度 (and last month's), those of the published activity and those submitted for: newest
    first."""
    years = {tpl.fiscal_year_of(subs.last_month()), tpl.fiscal_year_of(subs.previous_month())}
    years |= {int(y) for y in ctx.source.fiscal_years()}
    years |= {tpl.fiscal_year_of(e.month) for e in history}
    return sorted(years, reverse=True)


def due_months(fy: int, history: list[store.Entry]) -> list[str]:
    """The months of FY up to last month (a month is reported once over), and any later month of
    FY that has a submission."""
    submitted = {e.month for e in history}
    last = subs.previous_month()
    return [m for m in tpl.fiscal_year_period(fy).months if m <= last or m in submitted]


def grid(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """STATUS (store.status) laid out as organisations × months: each cell 未提出, or the state with
    when and by whom."""

    def cell(r) -> str:
        if not r.submitted:
            return t("status.missing", lang)
        what = t("status.published" if r.published else "status.submitted", lang)
        return f"{what} {subs.jst(r.time)} {r.user}"

    shown = table.assign(cell=[cell(r) for r in table.itertuples(index=False)])
    wide = shown.pivot(index=["org_id", "name"], columns="month", values="cell")
    order = list(dict.fromkeys(table["org_id"]))
    wide = wide.reindex(pd.MultiIndex.from_frame(table[["org_id", "name"]].drop_duplicates())).loc[order]
    wide.columns = [tpl.month_label(m, lang) for m in wide.columns]
    wide = wide.reset_index()
    wide.columns = [
        cb.column_label("organisations", "org_id", lang),
        cb.column_label("organisations", "name", lang),
        *wide.columns[2:],
    ]
    return wide


def render(ctx: PageContext) -> None:
    lang = ctx.lang
    st.title(t("page.submission_status", lang))
    if not roles.allowed(ctx.user, "data.manage"):
        st.warning(t("status.forbidden", lang), icon=":material/lock:")
        return
    st.caption(t("status.lead", lang))
    history = store.history()
    orgs = subs.organisations(ctx)
    if orgs.empty and not history:
        st.info(t("status.no_orgs", lang), icon=":material/info:")
        return

    pending = store.pending(target=db_path())  # what the data in use holds (a rollback undoes a publish)
    marker = store.published(db_path())
    when = subs.jst(marker.get("published_at", ""))
    if pending:
        key = "status.pending" if marker else "status.pending_never"
        st.warning(t(key, lang, n=len(pending), when=when), icon=":material/pending_actions:")
    elif history:
        st.success(t("status.all_published", lang, when=when or "-"), icon=":material/task_alt:")

    years = fiscal_years(ctx, history)
    fy = st.selectbox(
        t("status.fiscal_year", lang),
        years,
        index=years.index(tpl.fiscal_year_of(subs.previous_month())),
        format_func=lambda y: subs.fiscal_year_label(y, lang),
        key="status_fy",
    )
    months = due_months(fy, history)
    if not months:
        st.info(t("status.no_months", lang), icon=":material/info:")
    else:
        table = store.status(zip(orgs["org_id"], orgs["name"]), months, db_path())
        table.loc[table["name"] == "", "name"] = t("status.unlisted", lang)
        done = int(table["submitted"].sum())
        st.markdown(
            t(
                "status.summary",
                lang,
                fy=subs.fiscal_year_label(fy, lang),
                orgs=table["org_id"].nunique(),
                months=len(months),
                done=done,
                missing=len(table) - done,
            )
        )
        shown = grid(table, lang)
        st.dataframe(shown, hide_index=True, width="stretch")
        subs.csv_download(shown, f"{t('status.file', lang)}_{subs.fiscal_year_label(fy, lang)}", ctx, key="status_csv")

    st.subheader(t("status.history", lang))
    if not history:
        st.info(t("status.empty", lang), icon=":material/info:")
        return
    names = dict(zip(orgs["org_id"], orgs["name"]))
    log = subs.history_frame(history, lang, names)
    st.dataframe(log, hide_index=True, width="stretch")
    subs.csv_download(log, t("status.history_file", lang), ctx, key="status_history_csv")


if __name__ == "__main__":
    render(state.current_context())
