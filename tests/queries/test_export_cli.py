"""The CSV layout of `python -m queries table` (run as a subprocess) and queries.export.

The figures are the protected ones (test_indicators checks them against the truth); here: the
layout, the labels, the row order, n as the true n released by its cell key, the note row last."""

from __future__ import annotations

import os
import subprocess
import sys

import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from data import codebook
from queries import disclosure, export, indicators
from queries.filters import Filters

from . import reference as ref
from .conftest import ROOT

BOM = b"\xef\xbb\xbf"
# English labels as the contract (extract_format.md) gives them.
EN = {
    "district": {1: "Tsuruoka", 2: "Fujishima", 3: "Haguro", 4: "Kushibiki", 5: "Asahi", 6: "Atsumi"},
    "sex": {1: "Male", 2: "Female", 3: "Other or not stated"},
    "age_band": {1: "16-19", 2: "20-29", 3: "30-39", 4: "40-49", 5: "50-59", 6: "60-69", 7: "70-79", 8: "80+"},
    "household": {1: "Single-person", 2: "Couple only", 3: "Two-generation", 4: "Three-generation", 5: "Other"},
    "channel": {1: "Random sample", 2: "Open web"},
}
JA_DISTRICT = {1: "鶴岡", 2: "藤島", 3: "羽黒", 4: "櫛引", 5: "朝日", 6: "温海"}
JA_HEADER = "回答者数(n),推定値(%),95%信頼区間下限(%),95%信頼区間上限(%),信頼性,秘匿,それ以外の人との差,調整済みp値"
JA_DIFFERENCE = {"higher": "高い", "lower": "低い", "none": "差なし"}


def cli(*args: str, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("TSUNAGARI_MIN_N", None)
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "queries", *args], cwd=ROOT, capture_output=True, env=env, timeout=120)


def en_label(dim, code):
    if code is None:
        return "All"
    if dim == "wave":
        return str(code)
    return "No answer" if code == 9 else EN[dim][code]


def one(v):
    return "" if v is None or v is pd.NA or pd.isna(v) else f"{float(v):.1f}"


def p3(v):
    return "" if v is None or v is pd.NA or pd.isna(v) else f"{float(v):.3f}"


def diff_cells(r: dict, lang: str) -> list[str]:
    """The mark (difference / それ以外の人との差) and the adjusted p-value of a protected row:
    empty where the row was not tested (All, 秘匿, 参考値)."""
    d = r["difference"]
    if pd.isna(d):
        return ["", ""]
    return [d if lang == "en" else JA_DIFFERENCE[d], p3(r["p_adjusted"])]


def note(lang: str) -> str:
    return ("注：" if lang == "ja" else "Note: ") + codebook.disclosure_notice(lang)


def note_line(lang: str) -> str:
    """The note as the CSV's last line: one cell (quoted, since the English one has commas)."""
    text = note(lang)
    return f'"{text}"' if "," in text else text


def protected_rows(con, rows, indicator, by, filters: Filters, **kw) -> list[dict]:
    """The protected table's rows, each with the true row of reference.py beside it (key "true")."""
    table = indicators.indicator_table(con, indicator, by, filters).to_dict("records")
    expected = ref.table(rows, indicator, tuple(by), **kw)
    assert len(table) == len(expected)
    return [dict(t, true=e) for t, e in zip(table, expected)]


def released_n(true: dict) -> int:
    """The released n of a reference row: open-web rows with the survey_open ptable."""
    return ref.released(true["true_n"], true["key_n"], ref.survey_table(true["open_web"]))


def expected_en(con, rows, indicator, by, filters, **kw) -> bytes:
    tail = ["difference", "p_adjusted"] if by else []
    lines = [",".join([*by, "n", "estimate_pct", "ci_low_pct", "ci_high_pct", "reliability", "suppressed", *tail])]
    for r in protected_rows(con, rows, indicator, by, filters, **kw):
        hidden = released_n(r["true"]) < 10
        assert bool(r["suppressed"]) == hidden
        cells = [en_label(d, r["true"][d]) for d in by]
        cells += [
            "" if hidden else str(released_n(r["true"])),
            one(r["estimate_pct"]),
            one(r["ci_low_pct"]),
            one(r["ci_high_pct"]),
            r["reliability"],
            "true" if hidden else "false",
        ]
        if by:
            # tested exactly where shown with a reliable estimate (not the All row)
            assert pd.isna(r["difference"]) == (hidden or r["reliability"] == "low" or bool(r["is_total"]))
            cells += diff_cells(r, "en")
        lines.append(",".join(cells))
    lines.append(note_line("en"))
    return BOM + "".join(line + "\r\n" for line in lines).encode("utf-8")


@pytest.mark.parametrize(
    "indicator,by,args,kw",
    [
        ("lonely_often", ["district"], [], {}),
        (
            "unreached",
            ["sex", "age_band"],
            ["--where", "age_band=young", "--channel", "open"],
            {"channel": "open", "attrs": {"age_band": (1, 2, 3)}},
        ),
        ("ucla_high", [], ["--wave", "2022"], {"wave": 2022}),
        ("no_confidant", ["wave", "channel"], [], {}),
        (
            "rare_contact",
            ["household"],
            ["--where", "sex=2", "--where", "age_band=older", "--channel", "random"],
            {"channel": "random", "attrs": {"sex": (2,), "age_band": (6, 7, 8)}},
        ),
        ("lonely_any", ["age_band"], ["--where", "district=2"], {"attrs": {"district": (2,)}}),
    ],
)
def test_cli_english_csv_is_exactly_the_contract_layout(
    survey_db_file, survey_con, survey_rows, indicator, by, args, kw
):
    by_args = [a for d in by for a in ("--by", d)]
    out = cli("table", indicator, *by_args, *args, "--lang", "en", "--db", str(survey_db_file))
    assert out.returncode == 0, out.stderr.decode()
    filters = Filters(wave=kw.get("wave"), channel=kw.get("channel", "random"), **kw.get("attrs", {}))
    assert out.stdout == expected_en(survey_con, survey_rows, indicator, by, filters, **kw)


def test_cli_japanese_csv(survey_db_file, survey_con, survey_rows):
    out = cli("table", "lonely_often", "--by", "district", "--db", str(survey_db_file))
    assert out.returncode == 0, out.stderr.decode()
    assert out.stdout.startswith(BOM)
    lines = out.stdout[len(BOM) :].decode("utf-8").split("\r\n")
    assert lines[0] == "地域," + JA_HEADER
    assert lines[-2] == note_line("ja") and lines[-1] == ""
    assert lines[-2].startswith("注：個人が特定されないよう、数値にはわずかな調整を加えています。")
    expected = protected_rows(survey_con, survey_rows, "lonely_often", ("district",), Filters())
    for line, r in zip(lines[1:-2], expected, strict=True):
        d = r["true"]["district"]
        label = "全体" if d is None else "無回答" if d == 9 else JA_DISTRICT[d]
        hidden = released_n(r["true"]) < 10
        rel = "" if hidden or r["reliability"] == "ok" else "参考値"
        cells = [
            label,
            "" if hidden else str(released_n(r["true"])),
            one(r["estimate_pct"]),
            one(r["ci_low_pct"]),
            one(r["ci_high_pct"]),
            rel,
            "秘匿" if hidden else "",
            *diff_cells(r, "ja"),
        ]
        assert line == ",".join(cells)


def test_cli_japanese_suppressed_and_low_rows(survey_db_file):
    out = cli("table", "lonely_often", "--by", "age_band", "--by", "household", "--db", str(survey_db_file))
    text = out.stdout.decode("utf-8-sig").split("\r\n")
    assert text[0] == "年齢,世帯構成," + JA_HEADER
    assert "16〜19歳,単身世帯," in text[1]
    # 秘匿 and 参考値 rows carry no mark and no p-value (left out of the correction)
    suppressed = [line for line in text[1:] if line.endswith(",秘匿,,")]
    assert suppressed and all(line.split(",")[2:7] == [""] * 5 for line in suppressed)
    assert any(line.endswith(",参考値,,,") for line in text[1:])
    assert not any(",参考値,," in line and not line.endswith(",参考値,,,") for line in text[1:])
    assert text[-2] == note_line("ja") and text[-1] == ""


def test_cli_bytes_equal_indicator_csv(survey_db_file, survey_con):
    filters = Filters(wave=2022, channel="open", age_band=(1, 2, 3))
    for lang in ("ja", "en"):
        for enc in ("utf-8-sig", "cp932"):
            out = cli(
                "table",
                "lonely_any",
                "--by",
                "household",
                "--where",
                "age_band=young",
                "--wave",
                "2022",
                "--channel",
                "open",
                "--lang",
                lang,
                "--encoding",
                enc,
                "--db",
                str(survey_db_file),
            )
            assert out.returncode == 0, out.stderr.decode()
            assert out.stdout == export.indicator_csv(
                survey_con, "lonely_any", ["household"], filters, lang=lang, encoding=enc
            )


def test_cli_cp932_is_the_same_table_in_shift_jis(survey_db_file):
    utf8 = cli("table", "no_confidant", "--by", "age_band", "--db", str(survey_db_file)).stdout
    sjis = cli("table", "no_confidant", "--by", "age_band", "--encoding", "cp932", "--db", str(survey_db_file))
    assert sjis.returncode == 0 and sjis.stderr == b""
    assert not sjis.stdout.startswith(BOM)
    # 〜 (WAVE DASH) is written as cp932's ～, the character Japanese Excel shows
    assert sjis.stdout.decode("cp932") == utf8.decode("utf-8-sig").replace("〜", "～")


def test_min_n_env_applies_to_the_cli_and_cannot_go_below_ten(survey_db_file):
    low = cli(
        "table",
        "lonely_often",
        "--by",
        "district",
        "--lang",
        "en",
        "--db",
        str(survey_db_file),
        env_extra={"TSUNAGARI_MIN_N": "1"},
    )
    default = cli("table", "lonely_often", "--by", "district", "--lang", "en", "--db", str(survey_db_file))
    assert low.stdout == default.stdout
    high = cli(
        "table",
        "lonely_often",
        "--by",
        "district",
        "--lang",
        "en",
        "--db",
        str(survey_db_file),
        env_extra={"TSUNAGARI_MIN_N": "100000"},
    )
    # the suppressed column, before difference and p_adjusted (empty: nothing is tested)
    rows = [line.split(",") for line in high.stdout.decode("utf-8-sig").split("\r\n")[1:-2]]
    assert [r[-3:] for r in rows] == [["true", "", ""]] * 8


@pytest.mark.parametrize(
    "args,message",
    [
        (["table", "lonely"], "unknown indicator 'lonely'"),
        (["table", "lonely_often", "--by", "income"], "unknown dimension 'income'"),
        (["table", "lonely_often", "--by", "sex", "--by", "wave", "--by", "district"], "at most two"),
        (["table", "lonely_often", "--where", "district=7"], "district takes: 1, 2, 3, 4, 5, 6"),
        (["table", "lonely_often", "--where", "district=1;DROP TABLE responses"], "not a code or a named group"),
        (["table", "lonely_often", "--where", "town=1"], "unknown dimension 'town'"),
        (["table", "lonely_often", "--where", "district"], "expected DIM=VALUE"),
        (["table", "lonely_often", "--where", "district=1,9"], "not a list"),
        (["table", "lonely_often", "--where", "age_band=1,2,3,4,5,6,7,9"], "not a list"),
        (["table", "lonely_often", "--where", "district=9"], "not a code or a named group of district"),
        (["table", "lonely_often", "--where", "district=former_towns"], "district takes: 1, 2, 3, 4, 5, 6\n"),
        (["table", "lonely_often", "--channel", "all"], "invalid choice: 'all'"),
        (["table", "lonely_often", "--where", "age_band=young", "--where", "age_band=1"], "given twice"),
        (["table", "lonely_often", "--where", "sex=２"], "not a code or a named group of sex"),
        (["table", "lonely_often", "--wave", "1999"], "wave"),
        (["table", "lonely_often", "--wave", "2030"], "no such survey wave"),
    ],
)
def test_cli_errors_are_clear(survey_db_file, args, message):
    out = cli(*args, "--db", str(survey_db_file))
    assert out.returncode == 2
    assert out.stdout == b""
    assert message in out.stderr.decode()


def test_cli_missing_database(tmp_path):
    out = cli("table", "lonely_often", "--db", str(tmp_path / "none.duckdb"))
    assert out.returncode == 2 and "database not found" in out.stderr.decode()


def test_cli_list_shows_every_indicator_and_dimension():
    for lang in ("ja", "en"):
        out = cli("list", "--lang", lang)
        assert out.returncode == 0
        text = out.stdout.decode("utf-8")
        for ind in ref.INDICATORS:
            assert f"  {ind}: " in text
        for dim in ("age_band", "sex", "district", "household", "channel", "wave"):
            assert f"  {dim}: " in text
    assert "ucla_1 + ucla_2 + ucla_3 >= 10" in text
    assert "lonely_direct in 4 (Some of the time), 5 (Often or always) and confidant = 2 (Has no one)" in text


# ---- export helpers ---------------------------------------------------------------------


def test_formula_cells_are_neutralised():
    df = pd.DataFrame({"a": ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "ok", "a=b", "\t=x"], "n": [1, -2, 3, 4, 5, 6, 7]})
    data, warnings = export.csv_bytes(df)
    lines = data.decode("utf-8-sig").split("\r\n")
    assert lines[1:8] == ["'=1+1,1", "'+SUM(A1),-2", "'-2+3,3", "'@cmd,4", "ok,5", "a=b,6", "'\t=x,7"]
    assert warnings == []
    head = export.csv_bytes(pd.DataFrame({"=HYPERLINK(1)": ["x"]}))[0].decode("utf-8-sig")
    assert head.startswith("'=HYPERLINK(1)")


def test_csv_quotes_commas_and_quotes():
    data, _ = export.csv_bytes(pd.DataFrame({"a": ['say "hi", then go', "line\nbreak"]}))
    assert data.decode("utf-8-sig") == 'a\r\n"say ""hi"", then go"\r\n"line\nbreak"\r\n'


def test_cp932_warns_about_characters_it_cannot_encode():
    df = pd.DataFrame({"name": ["𠮷野家", "髙橋", "16〜19歳", "😀"]})
    data, warnings = export.csv_bytes(df, encoding="cp932")
    assert warnings == ["𠮷 (U+20BB7)", "😀 (U+1F600)"]
    assert data.decode("cp932") == "name\r\n?野家\r\n髙橋\r\n16～19歳\r\n?\r\n"
    with pytest.raises(ValueError, match="encoding"):
        export.csv_bytes(df, encoding="latin-1")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=12), min_size=1, max_size=6))
def test_any_text_survives_the_csv_round_trip(values):
    import csv
    import io

    data, _ = export.csv_bytes(pd.DataFrame({"v": values}))
    back = [row[0] if row else "" for row in csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))][1:]
    expected = ["'" + v if v.startswith(("=", "+", "-", "@", "\t", "\r")) else v for v in values]
    assert back == expected


def test_labelled_table_of_headline_row(survey_con):
    head = indicators.headline(survey_con)
    one_row = head.drop(columns="indicator").iloc[[0]].reset_index(drop=True)
    en = export.labelled_table(one_row, "lonely_often", [], "en")
    assert list(en.columns) == ["n", "estimate_pct", "ci_low_pct", "ci_high_pct", "reliability", "suppressed"]
    assert en.iloc[0]["estimate_pct"] == f"{float(head.iloc[0]['estimate_pct']):.1f}"


def test_file_name_says_what_and_which_filters():
    f = Filters(wave=2023, district=(1,), channel="open")
    name = export.file_name("孤独感/時々以上?", f, "ja")
    assert name == "孤独感_時々以上__2023年_公開Web調査_鶴岡.csv"
    group = codebook.filter_groups("age_band")["young"]["ja"]
    assert export.file_name("x", Filters(wave=2023, age_band=(1, 2, 3)), "ja") == f"x_2023年_無作為抽出調査_{group}.csv"
    assert export.file_name("lonely", Filters(), "en") == "lonely_latest_Random-sample.csv"
    assert export.file_name("x", Filters(sex=(2,)), "en", ext="x/../lsx") == "x_latest_Random-sample_Female.xlsx"


def test_note_row_is_the_users_notice():
    assert export.note_row("ja") == "注：" + disclosure.notice("ja") == note("ja")
    assert export.note_row("en") == "Note: " + disclosure.notice("en")
    assert "内訳の合計が全体と一致しないことがあります" in disclosure.notice("ja")
    data, _ = export.csv_bytes(pd.DataFrame({"a": ["1"]}), note=export.note_row("en"))
    assert data.decode("utf-8-sig").split("\r\n")[-2] == note_line("en")
    assert export.csv_bytes(pd.DataFrame({"a": ["1"]}))[0].decode("utf-8-sig") == "a\r\n1\r\n"


def test_a_too_narrow_filter_is_refused_by_the_cli(survey_db_file):
    out = cli(
        "table",
        "lonely_often",
        "--by",
        "sex",
        "--where",
        "district=5",
        "--where",
        "age_band=1",
        "--where",
        "household=1",
        "--db",
        str(survey_db_file),
    )
    assert out.returncode == 2 and out.stdout == b""
    err = out.stderr.decode()
    assert err.startswith("error: ") and disclosure.FilterTooNarrow(disclosure.min_filter_n()).text("en") in err
