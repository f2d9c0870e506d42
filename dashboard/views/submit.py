"""月次実績の提出 — an organisation's monthly figures: download the Excel template (a month or a 年度),
upload it filled, read the problems (cell by cell) or the preview (rows and totals by month), and
submit. A resubmission of a month replaces the organisation's rows for that month; every
submission stays in the history (data/submission_store.py) and in the audit log.

Organisation accounts submit for their own organisation (User.org); the secretariat may submit on
an organisation's behalf (figures sent by mail), choosing it first. The router lists this page for
roles allowed 'submission.send'; the page checks again, and again before it writes.
"""

from __future__ import annotations

import logging
from pathlib import PurePath

import pandas as pd
import streamlit as st

from dashboard import state, submissions as subs
from dashboard.access import audit, roles
from dashboard.i18n import t
from dashboard.state import PageContext
from data import codebook as cb, submission_read as reader, submission_store as store, submission_template as tpl

log = logging.getLogger("tsunagari.submit")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DONE_KEY = "_submit_done"  # the last submission of this session: {sha256, org, time}
MAX_UPLOAD_MB = 2
LISTED = 8  # problems written out above their table


@st.cache_data(show_spinner=False, max_entries=32)
def template_bytes(org_id: str, name: str, fields: tuple, districts: tuple, kind: str, value: str) -> bytes:
    return tpl.build_template(org_id, name, fields, districts, tpl.Period(kind, value))


def _the_org(ctx: PageContext, orgs: pd.DataFrame) -> pd.Series | None:
    """The organisation this page submits for, or None after saying why there is none."""
    lang, user = ctx.lang, ctx.user
    if user.org:
        found = orgs[orgs["org_id"] == user.org]
        if found.empty:
            st.warning(t("submit.org_unknown", lang, org=user.org), icon=":material/domain_disabled:")
            return None
        return found.iloc[0]
    if user.role != "secretariat":
        st.warning(t("submit.no_org", lang), icon=":material/domain_disabled:")
        return None
    if orgs.empty:
        st.info(t("submit.no_orgs", lang), icon=":material/info:")
        return None
    labels = dict(zip(orgs["org_id"], orgs["name"]))
    chosen = st.selectbox(
        t("submit.choose_org", lang),
        list(orgs["org_id"]),
        format_func=lambda o: f"{labels[o]}（{o}）",
        key="submit_org",
    )
    return orgs[orgs["org_id"] == chosen].iloc[0]


def _codes_text(value_set: str, codes: list[int], lang: str) -> str:
    every = cb.codes(value_set)
    if value_set == "district" and set(codes) >= set(every):
        return cb.all_label(lang)
    sep = "、" if lang == "ja" else ", "
    return sep.join(cb.code_label(value_set, c, lang) for c in every if c in set(codes))


def _template(ctx: PageContext, org: pd.Series) -> None:
    lang = ctx.lang
    st.subheader(t("submit.step_template", lang))
    c1, c2 = st.columns([1, 1])
    kind = c1.radio(
        t("submit.period_kind", lang),
        ["month", "fiscal_year"],
        format_func=lambda k: t("submit.kind_month" if k == "month" else "submit.kind_year", lang),
        horizontal=True,
        key="submit_kind",
    )
    if kind == "month":
        options = subs.month_options()
        month = c2.selectbox(
            t("submit.month", lang),
            options,
            index=options.index(subs.previous_month()),
            format_func=lambda m: tpl.month_label(m, lang),
            key="submit_month",
        )
        period = tpl.month_period(month)
    else:
        current = tpl.fiscal_year_of(subs.last_month())
        years = [current, current - 1, current - 2]
        fy = c2.selectbox(
            t("submit.fiscal_year", lang),
            years,
            index=years.index(tpl.fiscal_year_of(subs.previous_month())),
            format_func=lambda y: subs.fiscal_year_label(y, lang),
            key="submit_fy",
        )
        period = tpl.fiscal_year_period(fy)
    fields = tuple(int(f) for f in org["fields"])
    districts = tuple(int(d) for d in org["districts"])
    data = template_bytes(org["org_id"], str(org["name"]), fields, districts, period.kind, period.value)
    name = tpl.file_name(org["org_id"], period)
    st.download_button(
        t("submit.template_button", lang),
        data=data,
        file_name=name,
        mime=XLSX,
        key="submit_template",
        icon=":material/download:",
        type="primary",
        on_click=lambda: audit.record("download", ctx.user, file=name, org=org["org_id"], what="template"),
    )
    st.caption(
        t(
            "submit.template_help",
            lang,
            fields=_codes_text("field", list(fields), lang),
            districts=_codes_text("district", list(districts) or cb.codes("district"), lang),
        )
    )


def _problems(ctx: PageContext, parsed: reader.Submission) -> None:
    lang = ctx.lang
    st.error(t("submit.refused", lang, n=len(parsed.problems)), icon=":material/error:")
    shown = parsed.problems[:LISTED]
    lines = [f"- {p.expected_ja if lang == 'ja' else p.expected_en}" for p in shown]
    if len(parsed.problems) > LISTED:
        lines.append(t("submit.more_problems", lang, n=len(parsed.problems) - LISTED))
    st.markdown("\n".join(lines))
    table = reader.problems_frame(parsed.problems, lang)
    wide = {c: st.column_config.TextColumn(width="large") for c in table.columns[-2:]}  # the two messages
    st.dataframe(table, hide_index=True, width="stretch", column_config=wide)
    st.caption(t("submit.problems_help", lang))
    subs.csv_download(
        table,
        f"{t('submit.problems_file', lang)}_{PurePath(parsed.file_name).stem}",
        ctx,
        key="submit_problems_csv",
        what="problems",
    )


def _months_text(months: list[str], lang: str) -> str:
    sep = "、" if lang == "ja" else ", "
    return sep.join(tpl.month_label(m, lang) for m in months)


def _preview(ctx: PageContext, org_id: str, parsed: reader.Submission) -> None:
    lang = ctx.lang
    st.subheader(t("submit.step_preview", lang))
    st.markdown(
        t(
            "submit.preview_lead",
            lang,
            file=parsed.file_name,
            months=_months_text(parsed.months, lang),
            rows=len(parsed.rows),
        )
    )
    if parsed.skipped:
        st.caption(t("submit.skipped", lang, months=_months_text(parsed.skipped, lang)))
    current = store.current()
    for month in parsed.months:
        before = current.get((org_id, month))
        if before is not None:
            label = tpl.month_label(month, lang)
            st.info(
                t("submit.replaces", lang, month=label, time=subs.jst(before.time), user=before.user),
                icon=":material/sync:",
            )
    st.markdown(f"**{t('submit.totals', lang)}**")
    st.dataframe(reader.month_totals(parsed.rows, lang), hide_index=True, width="stretch")
    with st.expander(t("submit.rows", lang), expanded=len(parsed.rows) <= 60):
        st.dataframe(reader.labelled_rows(parsed.rows, lang), hide_index=True, width="stretch")

    done = st.session_state.get(DONE_KEY)
    if done and done.get("sha256") == parsed.sha256 and done.get("org") == org_id:
        st.success(t("submit.already_sent", lang, time=subs.jst(done["time"])), icon=":material/task_alt:")
        return
    if st.button(t("submit.send", lang), type="primary", key="submit_send", icon=":material/send:"):
        _send(ctx, org_id, parsed)


def _send(ctx: PageContext, org_id: str, parsed: reader.Submission) -> None:
    lang, user = ctx.lang, roles.require(ctx.user, "submission.send")
    if user.org is not None and user.org != org_id:  # an organisation sends its own figures only
        raise roles.Forbidden(user, f"submission.send for {org_id}")
    try:
        entries = store.save(parsed.rows, org_id, user.name, user.role, parsed.file_name, parsed.sha256)
    except OSError as exc:
        log.error("submission of %s by %s not saved: %s", org_id, user.name, exc)
        st.error(t("submit.send_failed", lang), icon=":material/error:")
        return
    months = [e.month for e in entries]
    audit.record(
        "submission",
        user,
        org=org_id,
        months=",".join(months),
        rows=sum(e.rows for e in entries),
        file=parsed.file_name,
        sha256=parsed.sha256,
        replaced=",".join(e.month for e in entries if e.replaces) or "-",
    )
    st.session_state[DONE_KEY] = {"sha256": parsed.sha256, "org": org_id, "time": entries[0].time}
    st.success(
        t(
            "submit.sent",
            lang,
            time=subs.jst(entries[0].time),
            months=_months_text(months, lang),
            rows=sum(e.rows for e in entries),
        ),
        icon=":material/task_alt:",
    )


def _history(ctx: PageContext, org_id: str) -> None:
    lang = ctx.lang
    st.subheader(t("submit.history", lang))
    entries = [e for e in store.history() if e.org_id == org_id]
    if not entries:
        st.info(t("submit.history_empty", lang), icon=":material/info:")
        return
    st.dataframe(subs.history_frame(entries, lang), hide_index=True, width="stretch")


def render(ctx: PageContext) -> None:
    lang = ctx.lang
    st.title(t("page.submit", lang))
    if not roles.allowed(ctx.user, "submission.send"):
        st.warning(t("submit.forbidden", lang), icon=":material/lock:")
        return
    org = _the_org(ctx, subs.organisations(ctx))
    if org is None:
        return
    org_id = str(org["org_id"])
    st.markdown(t("submit.lead", lang, name=org["name"], org=org_id))
    _template(ctx, org)

    st.subheader(t("submit.step_upload", lang))
    uploaded = st.file_uploader(
        t("submit.upload_label", lang), key=f"submit_upload_{org_id}", max_upload_size=MAX_UPLOAD_MB
    )
    if uploaded is None:
        st.info(t("submit.upload_empty", lang), icon=":material/upload_file:")
    else:
        parsed = reader.read_submission(uploaded.getvalue(), uploaded.name, org_id, subs.last_month())
        if parsed.ok:
            _preview(ctx, org_id, parsed)
        else:
            _problems(ctx, parsed)
    _history(ctx, org_id)


if __name__ == "__main__":
    render(state.current_context())
