"""Presenter mode for the 準備会: decks (YAML), the full-screen presenter page, printed handouts."""

from __future__ import annotations

from pathlib import Path

PAGE_FILE = Path(__file__).resolve().parent / "page.py"
URL_PATH = "presenter"


def view_actions() -> tuple:
    """What the presenter offers under a page's view (the pages call each with the page's context
    and the View, never importing the presenter): 「このビューをデッキに追加」."""
    from dashboard.presenter.editor import add_to_deck

    return (add_to_deck,)


def nav_page(lang: str):
    """The presenter page for st.navigation (url /presenter)."""
    import streamlit as st

    from dashboard.presenter.strings import ps

    return st.Page(PAGE_FILE, title=ps("page.title", lang), url_path=URL_PATH, icon=":material/slideshow:")
