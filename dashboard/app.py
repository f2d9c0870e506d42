"""つながりダッシュボード — the router: each page run starts here. `make run` serves it through
dashboard/server.py (with the start-up warm-up); `streamlit run dashboard/app.py` serves it alone.

Draws what every page shares (page config, language switch, global filters in the sidebar, the
demo-data banner), then runs the page chosen in st.navigation. Pages live in dashboard/views/.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `streamlit run dashboard/app.py` puts only dashboard/ on the path
    sys.path.insert(0, str(ROOT))

from dashboard import warmup  # noqa: E402

warmup.wait()  # dashboard/server.py's warm-up may still be importing what follows

import streamlit as st  # noqa: E402

from dashboard import presenter, state, ui  # noqa: E402
from dashboard.access import member, roles  # noqa: E402
from dashboard.access.roles import LOCAL_USER, User  # noqa: E402
from dashboard.db import FOLLOW_SECONDS, connection, db_version  # noqa: E402
from dashboard.i18n import t  # noqa: E402
from dashboard.source import CachedSource  # noqa: E402
from data.paths import db_path  # noqa: E402

log = logging.getLogger("tsunagari.dashboard")

VIEWS = Path(__file__).resolve().parent / "views"
VERSION_SEEN = "db_version_seen"  # session: the database version this session's last run drew

# (file in views/, UI string of the title, url path, icon)
PAGES = (
    ("overview.py", "page.overview", "overview", ":material/dashboard:"),
    ("breakdown.py", "page.breakdown", "breakdown", ":material/bar_chart:"),
    ("trends.py", "page.trends", "trends", ":material/timeline:"),
    ("district_map.py", "page.map", "map", ":material/map:"),
    ("activity.py", "page.activity", "activity", ":material/handshake:"),
    ("national.py", "page.national", "national", ":material/compare_arrows:"),
    ("directory.py", "page.directory", "directory", ":material/call:"),
    ("methods.py", "page.methods", "methods", ":material/menu_book:"),
)


# Pages that do not read the sidebar's survey filters (their own choices, or none): the filters
# say so there, and stay as they are for the other pages.
FILTERLESS = frozenset({"directory", "methods", "submit", "submissions", "data", "audit"})

# Pages for the roles allowed their action only (the page checks again when it runs).
ROLE_PAGES = (
    ("submit.py", "page.submit", "submit", ":material/upload_file:", "submission.send"),
    ("submission_status.py", "page.submission_status", "submissions", ":material/fact_check:", "data.manage"),
    ("data_admin.py", "page.data", "data", ":material/database_upload:", "data.manage"),
    ("audit.py", "page.audit", "audit", ":material/policy:", "audit.read"),
)


def pages(lang: str, user: User = LOCAL_USER) -> list[st.Page]:
    """The navigation: the pages every member reads, then the work pages of the roles allowed them.
    One flat list: Streamlit draws section headings as <div>s inside its <ul> (axe: list, serious)."""
    shown = [
        st.Page(VIEWS / file, title=t(title, lang), url_path=url, icon=icon, default=(i == 0))
        for i, (file, title, url, icon) in enumerate(PAGES)
    ] + [presenter.nav_page(lang)]
    shown += [
        st.Page(VIEWS / file, title=t(title, lang), url_path=url, icon=icon)
        for file, title, url, icon, action in ROLE_PAGES
        if roles.allowed(user, action)
    ]
    return shown


def main() -> None:
    st.set_page_config(
        page_title=t("app.title", "ja"),
        page_icon=str(Path(__file__).resolve().parent / "static" / "icon.png"),
        layout="wide",
        # auto: open on tablets and larger, closed on a phone (over the content otherwise; issue 17)
        initial_sidebar_state="auto",
    )
    st.html(ui.PRINT_CSS)
    # Members only: nothing below (no data, no deck list, no filters) runs before this.
    user = member.signed_in_user(state.language_from_url())

    version = db_version()
    if version is None:
        lang = state.language_from_url()
        log.error("no database at %s", db_path())  # the path for the administrator, not the visitor
        st.error(t("error.no_db", lang), icon=":material/database:")
        st.stop()
    try:
        con = connection(version)
        source = CachedSource(version, con)
        missing = source.missing_objects()
        waves = tuple(source.waves()) if not missing else ()
    except Exception as exc:  # a corrupt or foreign file: say so instead of a traceback
        lang = state.language_from_url()
        # The path and the library's text go to the server's log only, never to a visitor.
        log.error("could not open the database %s: %s", version.path, exc, exc_info=True)
        st.error(t("error.db_open", lang), icon=":material/database:")
        st.stop()
    if missing:
        lang = state.language_from_url()
        log.error("the database %s lacks %s: rebuild it", version.path, ", ".join(missing))
        st.error(t("error.db_outdated", lang, tables=", ".join(missing)), icon=":material/database:")
        st.stop()

    if st.session_state.get(VERSION_SEEN, version) != version:
        # A new version can relabel choices (最新（2023年） becomes 最新（2024年）) that the browser
        # would otherwise keep showing: send their values again, as a language switch does.
        state.resend_relabelled()
    st.session_state[VERSION_SEEN] = version
    state.seed_from_url(waves)
    st.sidebar.markdown(f"### {t('app.title', state.session_language())}")
    lang = state.language_switch()
    member.account_box(user, lang)
    # expanded: every page listed (Streamlit folds a long list behind 「View N more」, which would
    # hide the secretariat's pages at the end). Streamlit draws the list at the sidebar's top
    # wherever it is called; called before the filters, so that they can say where they do not apply.
    page = st.navigation(pages(lang, user), position="sidebar", expanded=True)
    filters = state.filter_widgets(waves, lang, applies=page.url_path not in FILTERLESS)
    ui.encoding_choice(lang)
    ui.document_language(lang)
    state.write_global_url(filters, lang)
    ctx = state.PageContext(
        version=version,
        con=con,
        filters=filters,
        lang=lang,
        waves=waves,
        view_actions=presenter.view_actions(),
        user=user,
    )
    state.store_context(ctx)

    if source.is_demo():
        ui.demo_banner(lang)
    state.dropped_warning(lang)
    _follow_new_data(version)
    page.run()


@st.fragment(run_every=FOLLOW_SECONDS)
def _follow_new_data(version) -> None:
    """An open page shows a newly published (or rolled back) version within FOLLOW_SECONDS, with
    no one touching it: the browser reruns this empty fragment on a timer; it compares the version
    the page was drawn from with the current one and, when they differ, reruns the whole page
    (filters and slide kept: they live in the session and the URL)."""
    if db_version() != version:
        st.rerun(scope="app")


if __name__ == "__main__":  # Streamlit runs the entry point as __main__; importing it draws nothing
    main()
