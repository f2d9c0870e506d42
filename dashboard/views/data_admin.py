"""データ管理 — the secretariat updates the data from the browser: upload extracts, see the problem
list or a preview, publish a new version, roll back to an older one.

The work is data/staging.py's and data/versions.py's (the same checks as `python -m data build`);
this page only lays it out. Nothing members see changes before 公開する: the preview is a built but
unpublished version. The router lists the page only for roles allowed 'data.manage'; the page
checks again, so its address alone shows nothing to anyone else.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import labels, ui
from dashboard.access import audit, roles
from dashboard.i18n import t
from dashboard.source import Source
from dashboard.state import PageContext, current_context
from data import staging, submission_store, versions
from data.codebook import indicators
from data.paths import db_path
from data.problems import BuildRefused, errors, problems_frame
from queries.filters import Filters, wave_label

PENDING = "data_pending"  # session: (Staged, Version) of the preview waiting for 公開する
UPLOAD = "data_upload"
NOTICE = "data_notice"  # session: a message to show after the rerun that follows an action


def render(ctx: PageContext) -> None:
    lang = ctx.lang
    st.title(t("page.data", lang))
    if not roles.allowed(ctx.user, "data.manage"):
        st.warning(t("data.forbidden", lang), icon=":material/lock:")
        return
    target = db_path()
    notice = st.session_state.pop(NOTICE, None)
    if notice:
        st.success(notice, icon=":material/check_circle:")
    st.subheader(t("data.update", lang))
    if st.session_state.get(PENDING):
        _preview(ctx, target)
    else:
        _upload(ctx, target)
    st.subheader(t("data.versions", lang))
    _versions(ctx, target)


# ---- upload and check ------------------------------------------------------------------------


def _upload(ctx: PageContext, target) -> None:
    lang = ctx.lang
    st.markdown(t("data.upload_help", lang))
    files = st.file_uploader(t("data.upload_label", lang), type=["csv", "xlsx"], accept_multiple_files=True, key=UPLOAD)
    if st.button(t("data.check", lang), type="primary", icon=":material/fact_check:"):
        if files:
            _check(ctx, target, [(f.name, f.getvalue()) for f in files], with_submissions=False)
        else:
            st.warning(t("data.no_files", lang), icon=":material/upload_file:")
    st.markdown(f"**{t('data.subs_title', lang)}**")
    waiting = submission_store.pending(target=target)
    if not waiting:
        st.caption(t("data.subs_none", lang))
        return
    orgs = len({e.org_id for e in waiting})
    st.markdown(t("data.subs_lead", lang, n=len(waiting), orgs=orgs))
    if st.button(t("data.subs_check", lang), icon=":material/fact_check:"):
        _check(ctx, target, [], with_submissions=True)


def _check(ctx: PageContext, target, uploads: list[tuple[str, bytes]], with_submissions: bool) -> None:
    """Stage UPLOADS (and, WITH_SUBMISSIONS, the organisations' monthly figures) over the current
    version, build it as an unpublished version with a progress bar, and show the preview (rerun)
    or the problem list."""
    lang = ctx.lang
    if versions.busy(target):
        st.warning(t("data.busy", lang), icon=":material/hourglass_top:")
        return
    try:
        staged = staging.stage(target, uploads)
    except BuildRefused as refused:
        _refused(ctx, refused, [name for name, _ in uploads])
        return
    applied = None
    if with_submissions:
        applied = submission_store.apply_to_extracts(staged.folder)
        staged.uploaded.append(applied["file"])
    bar = st.progress(0.0, text=t("data.phase.read", lang))

    def progress(phase: str, fraction: float) -> None:
        bar.progress(min(max(fraction, 0.0), 1.0), text=t(f"data.phase.{phase}", lang))

    names = ", ".join(staged.uploaded)
    source = f"submissions {applied['pairs']}" if applied else f"upload {names}"
    try:
        pending = staging.build_pending(target, staged, ctx.user.name, source, progress)
    except versions.Busy:
        bar.empty()
        staging.discard(target, None, staged)
        st.warning(t("data.busy", lang), icon=":material/hourglass_top:")
        return
    except BuildRefused as refused:
        bar.empty()
        staging.discard(target, None, staged)
        _refused(ctx, refused, staged.uploaded)
        return
    bar.progress(1.0, text=t("data.phase.checked", lang))
    audit.record("data_checked", ctx.user, version=pending.id, files=names, source=source)
    st.session_state[PENDING] = (staged, pending, applied["as_of"] if applied else None)
    st.rerun()


def _refused(ctx: PageContext, refused: BuildRefused, files: list[str]) -> None:
    lang = ctx.lang
    problems = refused.problems
    audit.record("data_refused", ctx.user, files=", ".join(files), problems=len(errors(problems)))
    st.error(t("data.refused", lang, n=len(errors(problems))), icon=":material/error:")
    table = problems_frame(problems, lang)
    st.dataframe(table, hide_index=True, width="stretch")
    ui.download_frame(table, t("data.problems_file", lang), ctx, key="dl_data_problems", statistics=False)


# ---- preview and publish ---------------------------------------------------------------------


def _preview(ctx: PageContext, target) -> None:
    lang = ctx.lang
    staged, pending, submissions_as_of = st.session_state[PENDING]
    st.info(t("data.preview_lead", lang, version=pending.id), icon=":material/preview:")
    diff = staging.compare(target, pending)
    st.dataframe(_files_table(diff, lang), hide_index=True, width="stretch")
    st.markdown(_changes_text(diff, lang))
    if pending.summary.get("warnings"):
        st.caption(t("data.warnings", lang, n=pending.summary["warnings"]))
    st.markdown(f"**{t('data.headline', lang)}**")
    st.dataframe(_headline_table(target, pending, lang), hide_index=True, width="stretch")
    st.caption(t("data.headline_help", lang))
    publish, discard = st.columns(2)
    if publish.button(t("data.publish", lang), type="primary", icon=":material/publish:", width="stretch"):
        bar = st.progress(0.9, text=t("data.phase.publish", lang))
        try:
            pruned = staging.publish(target, pending, ctx.user.name)
        except versions.Busy:
            bar.empty()
            st.warning(t("data.busy", lang), icon=":material/hourglass_top:")
            return
        except staging.Outdated:
            bar.empty()
            st.error(t("data.outdated", lang), icon=":material/sync_problem:")
            return
        bar.progress(1.0, text=t("data.phase.done", lang))
        if submissions_as_of is not None:
            submission_store.mark_published(pending.id, as_of=submissions_as_of)
        staging.discard(target, None, staged)
        audit.record("data_publish", ctx.user, version=pending.id, pruned=", ".join(pruned))
        del st.session_state[PENDING]
        st.session_state[NOTICE] = t("data.published", lang, version=pending.id)
        st.rerun()
    if discard.button(t("data.discard", lang), icon=":material/delete:", width="stretch"):
        staging.discard(target, pending, staged)
        del st.session_state[PENDING]
        st.session_state[NOTICE] = t("data.discarded", lang)
        st.rerun()


def _files_table(diff: dict, lang: str) -> pd.DataFrame:
    """Each file of the current and the new version: rows in each, and whether it was added,
    removed, changed or left as it was (a table to read, not to download)."""

    def rows(n) -> str:
        return "—" if n is None else f"{n:,}"

    def change(f) -> str:
        if f["rows_before"] is None:
            return t("data.added", lang)
        if f["rows_after"] is None:
            return t("data.removed", lang)
        return t("data.changed" if f["changed"] else "data.unchanged", lang)

    cols = [t(k, lang) for k in ("data.col.file", "data.col.rows_before", "data.col.rows_after", "data.col.change")]
    return pd.DataFrame(
        [(f["file"], rows(f["rows_before"]), rows(f["rows_after"]), change(f)) for f in diff["files"]], columns=cols
    )


def _changes_text(diff: dict, lang: str) -> str:
    lines = []
    if diff["waves_added"]:
        lines.append(t("data.waves_added", lang, waves="、".join(wave_label(w, lang) for w in diff["waves_added"])))
    if diff["months_after"] != diff["months_before"] and diff["months_after"]:
        lines.append(t("data.months", lang, start=diff["months_after"][0], end=diff["months_after"][1]))
    if diff["organisations_after"] != diff["organisations_before"]:
        lines.append(
            t("data.orgs", lang, before=diff["organisations_before"] or 0, after=diff["organisations_after"] or 0)
        )
    if diff["responses_after"] != diff["responses_before"]:
        lines.append(t("data.responses", lang, before=diff["responses_before"] or 0, after=diff["responses_after"]))
    return "\n".join(f"- {line}" for line in lines) or t("data.no_changes", lang)


def _headline(path, lang: str) -> tuple[dict[str, float | None], int | None]:
    with Source.of_file(path) as source:
        wave = source.latest_wave()
        table = source.headline(Filters())
    shown = {row.indicator: None if row.suppressed else row.estimate_pct for row in table.itertuples()}
    return shown, wave


def _headline_table(target, pending: versions.Version, lang: str) -> pd.DataFrame:
    """Every indicator city-wide (latest wave of each, default filters), the current version
    beside the new one: protected figures, as the pages show them."""
    current = versions.current_id(target)
    before, wave_before = _headline(versions.get(target, current).path, lang) if current else ({}, None)
    after, wave_after = _headline(pending.path, lang)
    rows = [
        (
            labels.indicator_label(ind, lang),
            labels.pct_text(before.get(ind)) if current else "—",
            labels.pct_text(after.get(ind)),
        )
        for ind in indicators()
    ]
    return pd.DataFrame(
        rows,
        columns=[
            t("data.col.indicator", lang),
            t("data.col.before", lang, wave=wave_label(wave_before, lang) if wave_before else "—"),
            t("data.col.after", lang, wave=wave_label(wave_after, lang) if wave_after else "—"),
        ],
    )


# ---- versions and rollback -------------------------------------------------------------------


def _versions(ctx: PageContext, target) -> None:
    lang = ctx.lang
    listed = versions.list_versions(target)
    if not listed:
        st.info(t("data.no_versions", lang), icon=":material/info:")
        return
    st.dataframe(_versions_table(listed, lang), hide_index=True, width="stretch")
    st.caption(t("data.versions_help", lang, keep=versions.KEEP))
    ids = [v.id for v in listed]
    chosen = st.selectbox(t("data.version_pick", lang), ids, key="data_version_pick")
    version = next(v for v in listed if v.id == chosen)
    st.dataframe(_import_log(version, lang), hide_index=True, width="stretch")
    if version.current:
        st.caption(t("data.is_current", lang))
        return
    sure = st.checkbox(t("data.rollback_sure", lang, version=chosen), key="data_rollback_sure")
    if st.button(t("data.rollback", lang), icon=":material/history:", disabled=not sure):
        try:
            versions.rollback(target, chosen, by=ctx.user.name)
        except versions.Busy:
            st.warning(t("data.busy", lang), icon=":material/hourglass_top:")
            return
        audit.record("data_rollback", ctx.user, version=chosen)
        st.session_state[NOTICE] = t("data.rolled_back", lang, version=chosen)
        st.session_state.pop("data_rollback_sure", None)
        st.rerun()


def _when(stamp: object) -> str:
    return audit.jst(stamp) if stamp else "—"


def _versions_table(listed: list[versions.Version], lang: str) -> pd.DataFrame:
    rows = []
    for v in listed:
        s = v.summary
        months = s.get("months") or []
        rows.append(
            (
                "●" if v.current else "",
                v.id,
                _when(s.get("built_at")),
                s.get("published_by") or s.get("by") or "—",
                _source_text(s.get("source", ""), lang),
                s.get("responses"),
                ", ".join(str(w) for w in s.get("waves", [])) or "—",
                f"{months[0]}〜{months[1]}" if months else "—",
            )
        )
    cols = [
        t(k, lang)
        for k in (
            "data.col.current",
            "data.col.version",
            "data.col.built",
            "data.col.by",
            "data.col.source",
            "data.col.responses",
            "data.col.waves",
            "data.col.months",
        )
    ]
    df = pd.DataFrame(rows, columns=cols)
    df[cols[5]] = df[cols[5]].astype("Int64")
    return df


def _source_text(source: str, lang: str) -> str:
    kind, _, rest = source.partition(" ")
    key = {"demo": "data.src.demo", "folder": "data.src.folder", "upload": "data.src.upload"}.get(kind)
    if kind == "adopted":
        key = "data.src.adopted"
    if kind == "submissions":
        key = "data.src.submissions"
    return t(key, lang, detail=rest) if key else source


def _import_log(version: versions.Version, lang: str) -> pd.DataFrame:
    files = version.summary.get("files") or []
    rows = [(f["extract"], f["file_name"], f["rows"], f["encoding"], f["sha256"][:12]) for f in files]
    cols = [
        t(k, lang) for k in ("data.col.extract", "data.col.file", "data.col.rows", "data.col.encoding", "data.col.sha")
    ]
    return pd.DataFrame(rows, columns=cols)


if __name__ == "__main__":
    render(current_context())
