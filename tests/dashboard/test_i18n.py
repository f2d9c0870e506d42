"""UI strings: every key in both languages with the same placeholders; language fallback."""
from __future__ import annotations

import string

import pytest

from dashboard import i18n


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("table", [i18n.STRINGS, i18n.METHODS_TEXT])
def test_every_string_has_both_languages_with_the_same_placeholders(table):
    for key, entry in table.items():
        assert set(entry) == set(i18n.LANGS), key
        assert entry["ja"].strip() and entry["en"].strip(), key
        assert placeholders(entry["ja"]) == placeholders(entry["en"]), key


def test_language_values_from_the_url_fall_back_to_japanese():
    assert i18n.normalise_lang("en") == "en"
    assert i18n.normalise_lang(" EN ") == "en"
    for bad in (None, "", "fr", "<script>", ["en"]):
        assert i18n.normalise_lang(bad) == "ja"
    assert i18n.t("banner.demo", "xx") == i18n.t("banner.demo", "ja")
    assert "デモデータ（架空）" in i18n.t("banner.demo", "ja")


def test_indicator_definitions_read_from_the_codebook():
    from dashboard.views.methods import indicator_definitions

    ja = indicator_definitions("ja")
    assert list(ja["ID"]) == list(__import__("data.codebook", fromlist=["x"]).indicators())
    row = ja.set_index("ID").loc["ucla_high"]
    assert "UCLA孤独感尺度（3項目）の3問の合計が10点以上" in row.iloc[1]
    unreached = ja.set_index("ID").loc["unreached"].iloc[1]
    assert unreached.count(" かつ ") == 2 and "「いない」" in unreached
    en = indicator_definitions("en").set_index("ID")
    assert "'Often or always'" in en.loc["lonely_often"].iloc[1]
