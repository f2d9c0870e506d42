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


def test_filters_in_view_read_as_words_and_file_names_keep_their_form():
    from dashboard.labels import filters_text
    from queries.filters import Filters

    f = Filters(district=(5,))
    assert filters_text(f, 2023, "ja") == "調査年: 最新（2023年） / 調査方法: 無作為抽出調査 / 地域: 朝日"
    assert filters_text(f, 2023, "en") == "Survey year: Latest (2023) / Survey channel: Random sample / District: Asahi"
    # a named group reads as the group's name, not as its codes
    older = Filters(age_band=(6, 7, 8))
    assert filters_text(older, 2023, "ja").endswith(" / 年齢: 60歳以上（3区分）")
    web = Filters(wave=2022, channel="open", age_band=(1, 2, 3), sex=(2,))
    assert (
        filters_text(web, 2023, "ja")
        == "調査年: 2022年 / 調査方法: 公開Web調査（参考） / 年齢: 16〜39歳（3区分） / 性別: 女性"
    )
    assert filters_text(web, 2023, "en") == (
        "Survey year: 2022 / Survey channel: Open web (reference) / Age: 16-39 (3 bands) / Sex: Female"
    )
    # downloads name their files with the other form
    assert f.describe("ja") == "最新年_無作為抽出調査_朝日"
    assert older.describe("en") == "latest_Random sample_60+ (3 bands)"


def test_both_channels_together_have_no_words():
    from dashboard.labels import channel_text

    assert "filter.channel.all" not in i18n.STRINGS
    for lang in i18n.LANGS:
        with pytest.raises(ValueError, match="channel"):
            channel_text("all", lang)
    for entry in (*i18n.STRINGS.values(), *i18n.METHODS_TEXT.values()):  # no 両方 offered, no 旧町村部
        assert "両方（" not in entry["ja"] and "旧町村部" not in entry["ja"] and "former towns" not in entry["en"]


def test_no_string_is_left_for_the_removed_audit():
    assert "activity.too_large" not in i18n.STRINGS
    for entry in (*i18n.STRINGS.values(), *i18n.METHODS_TEXT.values()):
        assert "差し引きで分かって" not in entry["ja"] and "by subtraction are hidden" not in entry["en"]
