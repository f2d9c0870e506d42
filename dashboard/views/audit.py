"""利用者と監査ログ — the accounts (no hashes) and the audit log, for the secretariat only.

The router lists this page only for roles allowed 'audit.read'; the page checks again, so its
address alone shows nothing to anyone else.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import state, ui
from dashboard.access import accounts, audit, roles, settings
from dashboard.i18n import t
from dashboard.state import PageContext


def accounts_table(lang: str) -> pd.DataFrame:
    rows = [
        {
            "name": a.name,
            "role": roles.ROLE_LABELS[a.role][lang],
            "org": a.org or "",
            "status": t("audit.disabled" if a.disabled else "audit.enabled", lang),
            "changed": audit.jst(a.changed),
        }
        for a in accounts.load().values()
    ]
    df = pd.DataFrame(rows, columns=["name", "role", "org", "status", "changed"])
    if lang == "ja":
        df.columns = ["利用者名", "役割", "団体", "状態", "最終変更（日本時間）"]
    return df


def render(ctx: PageContext) -> None:
    lang = ctx.lang
    st.title(t("page.audit", lang))
    if not roles.allowed(ctx.user, "audit.read"):
        st.warning(t("audit.forbidden", lang), icon=":material/lock:")
        return
    st.subheader(t("audit.accounts", lang))
    if settings.accounts_configured():
        st.dataframe(accounts_table(lang), hide_index=True, width="stretch")
    else:
        st.info(t("audit.no_accounts", lang), icon=":material/info:")
    st.caption(t("audit.accounts_help", lang))

    st.subheader(t("audit.log", lang))
    log = audit.frame(lang)
    if log.empty:
        st.info(t("audit.empty", lang), icon=":material/info:")
        return
    event_col = log.columns[1]
    chosen = st.multiselect(
        t("audit.events", lang),
        sorted(log[event_col].unique()),
        key="audit_events",
        placeholder=t("sidebar.all", lang),
    )
    shown = log[log[event_col].isin(chosen)] if chosen else log
    st.dataframe(shown, hide_index=True, width="stretch")
    st.caption(t("audit.help", lang, n=len(log)))
    ui.download_frame(shown, t("audit.file", lang), ctx, key="dl_audit", statistics=False)


if __name__ == "__main__":
    render(state.current_context())
