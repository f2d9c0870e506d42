"""What the two submission pages share: the organisations of the published data, the history as a
table, named CSV downloads, the months and fiscal years offered (no page imports another).

The figures themselves are read and kept in data/ (submission_read, submission_store); these are
an organisation's own unprotected counts, shown only on its own page and to the secretariat.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import ui
from dashboard.access import audit
from dashboard.i18n import t
from dashboard.state import PageContext
from data import codebook as cb, submission_store as store, submission_template as tpl
from data.paths import db_path
from data.validate import today
from queries import export


def organisations(ctx: PageContext) -> pd.DataFrame:
    """Every organisation of the published data: org_id, name, fields, districts (lists of codes)."""
    df = ctx.source.directory((), (), "", ctx.lang)
    return df[["org_id", "name", "fields", "districts"]].sort_values("org_id", kind="stable").reset_index(drop=True)


def last_month() -> str:
    """The latest month that may hold figures: this month (the loader's build month, UTC)."""
    return tpl.month_of(today())


def previous_month() -> str:
    d = today().replace(day=1)
    return tpl.month_of(d.replace(year=d.year - 1, month=12) if d.month == 1 else d.replace(month=d.month - 1))


def month_options(count: int = 24) -> list[str]:
    """The last COUNT months up to this one, newest first."""
    y, m = int(last_month()[:4]), int(last_month()[5:])
    out = []
    for _ in range(count):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return out


def fiscal_year_label(fy: int, lang: str) -> str:
    return tpl.fiscal_year_period(fy).label(lang)


def jst(stamp: str) -> str:
    """A history time as shown: JST to the minute."""
    return audit.jst(stamp)[:16] if stamp else ""


def history_frame(entries: list[store.Entry], lang: str, names: dict[str, str] | None = None) -> pd.DataFrame:
    """History lines as a table, newest first: time, (organisation,) month, who, file, rows, whether
    each is the current submission of its month or was replaced, and whether it is published."""
    cur = store.current()
    marker = store.published(db_path())  # what the data in use holds
    rows = []
    for e in reversed(entries):
        row = {t("submission.time", lang): jst(e.time)}
        if names is not None:
            row[cb.column_label("organisations", "org_id", lang)] = e.org_id
            row[cb.column_label("organisations", "name", lang)] = names.get(e.org_id, t("status.unlisted", lang))
        row |= {
            cb.column_label("activity", "month", lang): tpl.month_label(e.month, lang),
            t("submission.user", lang): e.user,
            t("submission.file", lang): e.file,
            t("submission.rows", lang): e.rows,
            t("submission.state", lang): t(
                "submission.current" if cur.get((e.org_id, e.month)) == e else "submission.replaced", lang
            ),
            t("submission.published", lang): t(
                "submission.is_published" if store.is_published(e, marker) else "submission.not_published", lang
            ),
            "SHA-256": e.sha256,
        }
        rows.append(row)
    return pd.DataFrame(rows)


def csv_download(df: pd.DataFrame, stem: str, ctx: PageContext, key: str, **detail: object) -> None:
    """A CSV of DF (a list, no statistics note) named STEM.csv, made when the button is clicked in
    the encoding the sidebar holds then (UTF-8 with BOM unless Shift_JIS is chosen; as
    ui.download_frame); taking it is written to the audit log."""
    encoding = ui.current_encoding()
    _, lost = ui.csv_bytes(df, encoding=encoding)
    if lost:
        st.warning(t("download.cp932_warn", ctx.lang, chars="、".join(lost)))
    name = export.safe_file_name(stem)
    chosen = ui.session_encoding()
    st.download_button(
        t("download.csv", ctx.lang),
        data=lambda: export.csv_bytes(df, encoding=chosen())[0],
        file_name=name,
        mime="text/csv",
        key=key,
        icon=":material/download:",
        on_click=ui.audited_download(ctx, name, encoding=ui.current_encoding, **detail),
    )
