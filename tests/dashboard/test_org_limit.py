"""Referral matrices by organisation above the codebook's limit (queries.activity.TooManyGroups):
the activity page and the presenter say so and show the matrix by organisation type instead."""

from __future__ import annotations

import streamlit as st

from dashboard import content
from dashboard.content import View
from dashboard.i18n import t
from dashboard.source import Source
from queries import activity as qa
from queries.filters import ActivityFilters

from .test_app import no_exception, run_app, texts


def test_activity_page_explains_the_limit_and_shows_the_types(app_env, con, monkeypatch):
    count = qa.referral_org_count(con, ActivityFilters())
    assert count > 2
    monkeypatch.setattr(qa, "max_org_groups", lambda: 2)
    st.cache_data.clear()  # an org matrix cached by another test must not hide the limit
    try:
        for lang in ("ja", "en"):
            at = run_app({"ref_level": "org", "lang": lang}, page="views/activity.py")
            no_exception(at)
            message = t("activity.too_many_orgs", lang, count=count, limit=2)
            assert message in [w.value for w in at.warning], texts(at)
            assert ("上限2" if lang == "ja" else "the limit is 2") in message
            # the matrix below is by organisation type: its header row names the types
            types_ja = qa.referral_matrix(con, "org_type", lang=lang)["from_label"].dropna().unique()
            shown = "\n".join(str(df.value.to_csv()) for df in at.dataframe)
            assert all(label in shown for label in types_ja)
    finally:
        st.cache_data.clear()


def test_activity_page_shows_organisations_within_the_limit(app_env):
    st.cache_data.clear()
    at = run_app({"ref_level": "org"}, page="views/activity.py")
    no_exception(at)
    assert not any("上限" in w.value for w in at.warning)


def test_presenter_referrals_fall_back_to_types_with_a_note(con, monkeypatch):
    """The view the page and the slides share (dashboard.content): the reason as its warning and
    the first of a slide's notes, the matrix by type."""
    monkeypatch.setattr(qa, "max_org_groups", lambda: 2)
    view = View(kind="referrals", level="org")
    out = content.build(Source(con), view, "ja")
    count = qa.referral_org_count(con, ActivityFilters())
    assert out.warning == out.notes[0] == t("activity.too_many_orgs", "ja", count=count, limit=2)
    expected = qa.as_wide(qa.referral_matrix(con, "org_type", lang="ja"), "ja")
    assert list(out.table.iloc[:, 0]) == list(expected.iloc[:, 0])
