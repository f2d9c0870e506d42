"""Hostile URLs are harmless (issue 13, item 5), and no visitor-facing message carries a server path
or a library's exception text (item 3).

Every page-level URL value is read through dashboard.urlparams; a fuzz test (hypothesis) opens every
page under random query parameters (known keys and junk, unicode digits, very long values) and finds
no exception."""

from __future__ import annotations

import string

import pytest
from hypothesis import HealthCheck, given, settings, strategies as hs
from streamlit.testing.v1 import AppTest

from dashboard import i18n, urlparams
from dashboard.app import PAGES
from dashboard.i18n import t
from dashboard.presenter import PAGE_FILE as PRESENTER_FILE, deck as dk
from dashboard.presenter.strings import STRINGS as PRESENTER_STRINGS, ps
from queries.filters import MAX_PARAM_CHARS

from .conftest import APP

TIMEOUT = 120
PRESENTER = "presenter/page.py"
PAGE_FILES = [*(f"views/{file}" for file, *_ in PAGES), PRESENTER]

# Every key a page or the sidebar reads from the URL.
KNOWN_KEYS = (
    "lang",
    "wave",
    "channel",
    "district",
    "age_band",
    "sex",
    "household",
    "ind",
    "by",
    "by2",
    "view",
    "measure",
    "act_by",
    "act_fy",
    "ref_level",
    "q",
    "dir_field",
    "dir_district",
    "print",
    "deck",
    "slide",
)


def open_page(page: str, params: dict) -> AppTest:
    """PAGE opened from a link carrying PARAMS. The presenter page is reached from a first run (a
    switch before any run does not find it); its URL values are then read once as from a link."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.query_params.update(params)
    if page == PRESENTER:
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        at.query_params.update(params)
    at.switch_page(page)
    at.run()
    return at


def no_exception(at: AppTest) -> None:
    assert not at.exception, "\n".join(str(e.value) for e in at.exception)


def warnings(at: AppTest) -> list[str]:
    return [str(w.value) for w in at.warning]


# ---- the parser --------------------------------------------------------------------------------


def test_decimal_takes_ascii_digits_only_and_bounded():
    assert urlparams.decimal("2024", digits=4) == 2024
    assert urlparams.decimal(" 7 ") == 7
    for bad in ("²", "٣", "2０24", "1e3", "-1", "", " ", "0x10", "1_000", "9" * 5000, None):
        assert urlparams.decimal(bad) is None, bad
    assert urlparams.decimal("12345", digits=4) is None
    assert urlparams.decimal("0", lo=1) is None


def test_code_lists_keep_known_codes_and_say_what_was_dropped():
    assert urlparams.code_list("3,1,3", {1, 2, 3}) == ([3, 1], False)
    assert urlparams.code_list("1,²,9", {1, 2, 3}) == ([1], True)
    assert urlparams.code_list("1" * 5000, {1}) == ([], True)
    assert urlparams.code_list("1," * 100, {1}) == ([], True)
    assert urlparams.code_list("", {1}) == ([], False)


def test_deck_names_are_matched_whole():
    assert urlparams.deck_name("junbikai") == "junbikai"
    for bad in ("junbikai\n", "../secret", "a/b", "", "-x", "x" * 65, "junbikai\n.yaml"):
        assert urlparams.deck_name(bad) is None, repr(bad)
    with pytest.raises(dk.DeckError):
        dk.check_name("junbikai\n")


def test_choices_are_known_values_only():
    assert urlparams.choice("b", ["a", "b"]) == "b"
    assert urlparams.choice("b" * 5000, ["a", "b" * 5000]) is None
    assert urlparams.choice(None, ["a"]) is None


def test_dropped_values_are_named_short():
    assert urlparams.dropped_text("act_fy", "²") == "act_fy=²"
    assert len(urlparams.dropped_text("act_fy", "9" * 5000)) <= len("act_fy=") + MAX_PARAM_CHARS + 1


# ---- the crashes found as an outsider ----------------------------------------------------------


@pytest.mark.parametrize(
    ("page", "params", "dropped"),
    [
        ("views/activity.py", {"act_fy": "²"}, "act_fy=²"),
        ("views/activity.py", {"act_fy": "9" * 5000}, None),
        ("views/activity.py", {"measure": "x" * 5000, "act_by": "²", "ref_level": "../"}, "act_by=²"),
        ("views/directory.py", {"dir_field": "²"}, "dir_field=²"),
        ("views/directory.py", {"dir_district": "1" * 5000, "q": "q" * 5000}, None),
        ("views/breakdown.py", {"ind": "²", "by": "9" * 5000, "by2": "\n"}, "ind=²"),
        (PRESENTER, {"deck": "junbikai\n", "slide": "²"}, "deck=junbikai\n"),
    ],
)
def test_known_hostile_values_are_dropped_with_a_notice(app_env, page, params, dropped):
    at = open_page(page, params)
    no_exception(at)
    prefix = t("url.dropped", "ja", items="@").split("@")[0]
    notices = [w for w in warnings(at) if w.startswith(prefix)]
    assert notices, warnings(at)
    if dropped:
        assert any(dropped in w for w in notices), notices
    for w in notices:  # a long value is never echoed whole
        assert "9" * (MAX_PARAM_CHARS + 1) not in w and "q" * (MAX_PARAM_CHARS + 1) not in w


def test_an_impossible_slide_number_opens_the_first_slide(app_env):
    at = open_page(PRESENTER, {"deck": "junbikai", "slide": "9" * 5000})
    no_exception(at)
    assert at.session_state["pres_slide"] == 1 and at.query_params["slide"] in ("1", ["1"])


def test_the_deck_name_with_a_newline_falls_back_to_the_default_deck(app_env):
    at = open_page(PRESENTER, {"deck": "junbikai%0A"})
    no_exception(at)
    assert at.session_state["pres_deck"] == dk.DEFAULT_DECK
    assert at.query_params["deck"] in (dk.DEFAULT_DECK, [dk.DEFAULT_DECK])


# ---- the fuzz test -----------------------------------------------------------------------------

JUNK_KEYS = hs.text(alphabet=string.ascii_letters + "_-", min_size=1, max_size=12)
VALUES = hs.one_of(
    hs.text(max_size=80),  # any unicode
    hs.text(alphabet="0123456789²³¹٣०０", min_size=1, max_size=12),  # digits of every kind
    hs.integers(min_value=-(10**6), max_value=10**6).map(str),
    hs.integers(min_value=1, max_value=6000).map(lambda n: "9" * n),  # very long numbers
    hs.sampled_from(["", " ", "\n", "junbikai\n", "../../etc/passwd", "1,2,3", "2024", "young", "en", "none"]),
    hs.lists(hs.sampled_from(["1", "2", "9", "²", "x", ""]), max_size=40).map(",".join),
)
PARAMS = hs.dictionaries(hs.one_of(hs.sampled_from(KNOWN_KEYS), JUNK_KEYS), VALUES, max_size=8)


@pytest.mark.parametrize("page", PAGE_FILES)
def test_fuzzed_query_parameters_never_raise(app_env, page):
    @settings(
        max_examples=10,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(params=PARAMS)
    def run(params):
        at = open_page(page, params)
        no_exception(at)

    run()


# ---- messages to visitors ----------------------------------------------------------------------


def test_visitor_messages_have_no_slot_for_a_path_or_an_exception():
    for key in ("error.db_open", "map.no_geo"):
        for lang in i18n.LANGS:
            text = t(key, lang)
            assert "{" not in text and ("log" in text.lower() or "ログ" in text)
    for key in ("editor.saved", "editor.save_failed", "error.slide"):
        for lang in i18n.LANGS:
            assert "{path}" not in PRESENTER_STRINGS[key][lang] and "{error}" not in PRESENTER_STRINGS[key][lang]


def test_a_database_that_cannot_be_opened_is_named_to_the_log_only(tmp_path, monkeypatch, caplog):
    bad = tmp_path / "secret-folder" / "tsunagari.duckdb"
    bad.parent.mkdir()
    bad.write_bytes(b"this is not a DuckDB file" * 100)
    monkeypatch.setenv("TSUNAGARI_DB", str(bad))
    with caplog.at_level("ERROR", logger="tsunagari.dashboard"):
        at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
        at.run()
    no_exception(at)
    shown = [str(e.value) for e in at.error]
    assert shown == [t("error.db_open", "ja")]
    assert "secret-folder" not in "".join(shown)
    assert "secret-folder" in caplog.text  # the administrator still learns which file


@pytest.mark.parametrize("fails", [False, True])
def test_saving_a_deck_shows_no_server_path(app_env, tmp_path, monkeypatch, caplog, fails):
    where = tmp_path / "server-only" / "decks"

    def save(deck, user, folder=where):
        if fails:
            raise PermissionError(13, "Permission denied", str(where / f"{deck.name}.yaml"))
        return where / f"{deck.name}.yaml"

    monkeypatch.setattr(dk, "save_user_deck", save)
    at = open_page(PRESENTER, {})
    at.button(key="pres_edit").click().run()
    at.text_input(key="pres_ed_name_junbikai").set_value("my-copy").run()
    with caplog.at_level("INFO", logger="tsunagari.presenter"):
        at.button(key="pres_ed_save").click().run()
    no_exception(at)
    shown = " ".join(str(e.value) for e in [*at.error, *at.success])
    assert "server-only" not in shown and "Permission denied" not in shown
    if fails:
        assert [str(e.value) for e in at.error] == [ps("editor.save_failed", "ja")]
    else:
        assert [str(e.value) for e in at.success] == [ps("editor.saved", "ja", name="my-copy")]
    assert "server-only" in caplog.text


def test_presenter_page_file_is_the_one_fuzzed():
    assert PRESENTER_FILE.name == PRESENTER.split("/")[-1]
