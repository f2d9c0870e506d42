"""Chart builders: encodings, the look, and no suppressed/masked cell drawn as a value."""

from __future__ import annotations

import functools
import json

import altair as alt
import pandas as pd
import pytest

from dashboard import charts
from data import codebook as cb

from .layout import drawn, overlaps, texts


def one_dim_table() -> pd.DataFrame:
    """An indicator_table(by=[age_band]) as the contract lays it out: All, groups, 無回答."""
    return pd.DataFrame(
        {
            "age_band": pd.array([None, 1, 2, 3, 9], dtype="Int64"),
            "is_total": [True, False, False, False, False],
            "n": pd.array([500, None, 120, 40, None], dtype="Int64"),
            "n_eff": [450.0, None, 100.0, 22.0, None],
            "estimate_pct": [20.0, None, 25.0, 15.0, None],
            "ci_low_pct": [17.0, None, 18.0, 7.0, None],
            "ci_high_pct": [23.0, None, 33.0, 29.0, None],
            "reliability": ["ok", pd.NA, "ok", "low", pd.NA],
            "suppressed": [False, True, False, False, True],
            "difference": [pd.NA, pd.NA, "higher", "none", pd.NA],
            "open_web": [False] * 5,
        }
    )


def two_dim_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "age_band": pd.array([1, 1, 2, 2], dtype="Int64"),
            "sex": pd.array([1, 2, 1, 2], dtype="Int64"),
            "is_total": [False] * 4,
            "n": pd.array([25, None, 30, 40], dtype="Int64"),
            "n_eff": [25.0, None, 30.0, 40.0],
            "estimate_pct": [10.0, None, 20.0, 30.0],
            "ci_low_pct": [4.0, None, 10.0, 18.0],
            "ci_high_pct": [24.0, None, 35.0, 44.0],
            "reliability": ["low", pd.NA, "ok", "ok"],
            "suppressed": [False, True, False, False],
            "difference": ["none", pd.NA, "none", "higher"],
            "open_web": [False] * 4,
        }
    )


def layers_of(chart) -> list:
    out = []
    for layer in getattr(chart, "layer", []):
        out.extend(layers_of(layer) if hasattr(layer, "layer") else [layer])
    for part in getattr(chart, "concat", []) or getattr(chart, "hconcat", []) or []:
        out.extend(layers_of(part))
    return out


def mark_type(layer) -> str:
    mark = layer.mark
    return mark if isinstance(mark, str) else mark.type


def test_bars_plot_groups_on_y_with_interval_and_no_suppressed_value():
    chart = charts.indicator_bars(one_dim_table(), "age_band", "ja", title="t")
    assert isinstance(chart, alt.LayerChart)
    spec = chart.to_dict()
    assert spec["config"]["font"] == charts.FONT
    assert spec["config"]["axis"]["labelAngle"] == 0
    bars = [l for l in layers_of(chart) if mark_type(l) == "bar"][0]
    assert bars.encoding.y.shorthand == "label0:N"  # long labels go on the y-axis
    assert bars.encoding.x.shorthand == "estimate:Q"
    plotted = list(bars.data["label0"])
    assert plotted == ["20〜29歳", "30〜39歳"]  # 16〜19歳 and 無回答 are suppressed
    assert cb.all_label("ja") not in plotted  # the All row is the dotted rule
    rule = [l for l in layers_of(chart) if mark_type(l) == "rule"][0]
    assert rule.encoding.x.shorthand == "ci_low:Q" and rule.encoding.x2.shorthand == "ci_high:Q"
    texts = [l for l in layers_of(chart) if mark_type(l) == "text"]
    shown_text = [x for l in texts for x in l.data["note"]]
    assert "秘匿" in shown_text and "参考値" in shown_text and "高い" in shown_text
    # every category appears on the axis in the contract's order, suppressed ones too
    assert bars.to_dict()["encoding"]["y"]["scale"]["domain"] == ["16〜19歳", "20〜29歳", "30〜39歳", "無回答"]


def test_bars_status_colour_legend_explains_marks_in_english():
    chart = charts.indicator_bars(one_dim_table(), "age_band", "en")
    bars = [l for l in layers_of(chart) if mark_type(l) == "bar"][0]
    assert bars.to_dict()["encoding"]["color"]["scale"]["domain"] == ["ordinary", "low reliability", "suppressed"]
    low = bars.data[bars.data["status"] == "low"]
    assert list(low["label0"]) == ["30-39"]


def test_heatmap_and_small_multiples_leave_suppressed_cells_out_of_values():
    heat = charts.indicator_heatmap(two_dim_table(), ["age_band", "sex"], "ja")
    rects = [l for l in layers_of(heat) if mark_type(l) == "rect"]
    coloured = [l for l in rects if getattr(l.encoding.color, "shorthand", None) == "estimate:Q"][0]
    assert coloured.data["estimate"].notna().all()
    assert len(coloured.data) == 3
    grey = [l for l in rects if l is not coloured][0]
    assert list(zip(grey.data["label0"], grey.data["label1"])) == [("16〜19歳", "女性")]
    text = [l for l in layers_of(heat) if mark_type(l) == "text"][0]
    assert set(text.data["cell_text"]) == {"10.0% 参考", "秘匿", "20.0%", "30.0%"}
    # 参考値 keeps its true colour (no paler shade to be read as a lower value) and has a black
    # dashed frame of its own (issue 17)
    assert coloured.encoding.opacity is alt.Undefined
    frames = [l for l in rects if l is not coloured and l is not grey]
    assert len(frames) == 1 and frames[0].mark.strokeDash == [5, 3] and frames[0].mark.filled is False
    assert "status == 'low'" in json.dumps(frames[0].to_dict()["transform"])

    multiples = charts.indicator_small_multiples(two_dim_table(), ["age_band", "sex"], "ja")
    assert isinstance(multiples, alt.ConcatChart) and len(multiples.concat) == 2
    bars = [l for l in layers_of(multiples) if mark_type(l) == "bar"]
    assert sum(len(b.data) for b in bars) == 3


def activity_long() -> pd.DataFrame:
    """A queries.activity long table by month × field, margins included."""
    months = pd.to_datetime(["2024-04-01", "2024-05-01"])
    rows = []
    for m in months:
        for f, v, disp, mark in ((1, 12, "12", ""), (3, None, "<5", "small_count"), (4, None, "秘匿", "suppressed")):
            rows.append(
                {
                    "month": m,
                    "month_label": f"{m.year}年{m.month}月",
                    "field": f,
                    "field_label": cb.code_label("field", f, "ja"),
                    "value": v,
                    "display": disp,
                    "mark": mark,
                    "is_total": False,
                }
            )
        rows.append(
            {
                "month": m,
                "month_label": "",
                "field": None,
                "field_label": "全体",
                "value": 30,
                "display": "30",
                "mark": "",
                "is_total": True,
            }
        )
    df = pd.DataFrame(rows)
    df["value"] = df["value"].astype("Int64")
    df["field"] = df["field"].astype("Int64")
    return df


def test_activity_lines_masked_cells_are_marks_not_values():
    chart = charts.activity_lines(activity_long(), "ja", by="field", y_title="相談件数")
    line = [l for l in layers_of(chart) if mark_type(l) == "line"][0]
    assert line.encoding.x.shorthand == "month:T"
    assert line.encoding.y.shorthand == "value_f:Q"
    assert set(line.data["field_label"]) == {"高齢者"}
    assert not line.data["is_total"].any()
    small = [l for l in layers_of(chart) if mark_type(l) == "point"][0]
    assert set(small.data["display"]) == {"<5", "秘匿"}
    assert (small.data["zero"] == 0).all()


def test_referral_heatmap_and_need_chart():
    rows = []
    labels = {"A": "市役所", "B": "社協"}
    for f in "AB":
        for to in "AB":
            value, disp = {("A", "B"): (7, "7"), ("B", "A"): (None, "<5")}.get((f, to), (0, "0"))
            rows.append(
                {
                    "from": f,
                    "from_label": labels[f],
                    "to": to,
                    "to_label": labels[to],
                    "value": value,
                    "display": disp,
                    "mark": "",
                    "is_total": False,
                }
            )
    df = pd.DataFrame(rows)
    df["value"] = df["value"].astype("Int64")
    heat = charts.referral_heatmap(df, "ja")
    rects = [l for l in layers_of(heat) if mark_type(l) == "rect"]
    coloured = [l for l in rects if getattr(l.encoding.color, "shorthand", None) == "value_f:Q"][0]
    assert list(coloured.data["display"]) == ["7"]
    grey = [l for l in rects if l is not coloured][0]
    assert list(grey.data["display"]) == ["<5"]

    need = pd.DataFrame(
        {
            "district": pd.array([None, 1, 2], dtype="Int64"),
            "district_label": ["全体", "鶴岡", "藤島"],
            "is_total": [True, False, False],
            "n": pd.array([300, 200, None], dtype="Int64"),
            "estimate_pct": [20.0, 21.0, None],
            "ci_low_pct": [18.0, 18.0, None],
            "ci_high_pct": [22.0, 24.0, None],
            "reliability": ["ok", "ok", pd.NA],
            "suppressed": [False, False, True],
            "residents_est": pd.array([20000.0, 15000.0, None], dtype="Float64"),
            "residents_low": pd.array([18000.0, 13000.0, None], dtype="Float64"),
            "residents_high": pd.array([22000.0, 17000.0, None], dtype="Float64"),
            "residents_display": ["20,000", "15,000", "秘匿"],
            "consultations": pd.array([100, None, 96], dtype="Int64"),
            "consultations_display": ["100", "<5", "96"],
        }
    )
    chart = charts.need_chart(need, "ja")
    assert isinstance(chart, alt.HConcatChart)
    marks = drawn(chart)

    def on(side: str, marktype: str) -> list:
        return [
            (m.field("district_label"), m.text)
            for m in marks
            if m.name.startswith(f"concat_{side}_") and m.marktype == marktype
        ]

    assert on("0", "rect") == [("鶴岡", None)]  # residents: the suppressed 藤島 has no bar
    assert on("0", "text") == [("藤島", "秘匿")]
    assert on("1", "rect") == [("藤島", None)]  # consultations: the masked 鶴岡 has no bar
    assert on("1", "text") == [("鶴岡", "<5")]
    # a suppressed estimate that arrives with a value is still drawn only as its mark
    leaky = need.assign(residents_est=pd.array([20000.0, 15000.0, 900.0], dtype="Float64"))
    assert [
        m.marktype
        for m in drawn(charts.need_chart(leaky, "ja"))
        if m.name.startswith("concat_0_") and m.field("district_label") == "藤島"
    ] == ["text"]


def referral_matrix(labels: list[str]) -> pd.DataFrame:
    rows = [
        {
            "from": i,
            "from_label": a,
            "to": j,
            "to_label": b,
            "value": 20 + i + j,
            "display": str(20 + i + j),
            "mark": "",
            "is_total": False,
        }
        for i, a in enumerate(labels)
        for j, b in enumerate(labels)
    ]
    df = pd.DataFrame(rows)
    df["value"] = df["value"].astype("Int64")
    return df


ORGANISATIONS = [
    "（架空）鶴岡市 こども家庭支援課",
    "（架空）社会福祉協議会 櫛引・朝日・温海支所",
    "（架空）地域包括支援センター はぐろ・くしびき",
    "（架空）NPO法人 ひきこもり家族会 つばさ",
    "（架空）医療法人 こころのクリニック かえで",
    "（架空）若者サポートステーション つるおか",
    "（架空）民生委員・児童委員連絡会",
    "（架空）障害者相談支援事業所 ひだまり",
    "（架空）訪問看護ステーション やまゆり",
    "（架空）いのちの相談ダイヤル 庄内",
]


@pytest.mark.parametrize(
    "labels",
    [
        [cb.code_label("org_type", c, "ja") for c in cb.codes("org_type")],
        [cb.code_label("org_type", c, "en") for c in cb.codes("org_type")],
        ORGANISATIONS,
    ],
    ids=["types-ja", "types-en", "organisations"],
)
def test_referral_heatmap_names_are_whole_and_clear_of_each_other(labels):
    chart = charts.referral_heatmap(referral_matrix(labels), "ja")
    laid_out = texts(chart)
    shown = [x.text for x in laid_out if x.role == "axis-label"]
    assert shown.count(labels[-1]) == 2  # every name on both axes, none culled
    assert [x.text for x in laid_out if x.cut] == []
    assert overlaps(laid_out) == []  # 紹介元 / 紹介先 titles included


def test_share_bars_and_national_dots():
    shares = pd.DataFrame(
        {
            "label": ["鶴岡", "鶴岡", "藤島", "藤島"],
            "series": ["回答者", "人口（16歳以上）"] * 2,
            "share_pct": [70.0, 75.0, 30.0, 25.0],
        }
    )
    chart = charts.share_bars(shares, "ja", title="地域")
    spec = chart.to_dict()
    assert spec["encoding"]["yOffset"]["field"] == "series"
    assert spec["encoding"]["x"]["field"] == "share_pct"
    # a group of too few respondents (queries.profile: 秘匿) has no bar, only its mark, even if a
    # share came with it
    hidden = shares.assign(suppressed=[False, False, True, False], share_pct=[70.0, 75.0, 3.0, 25.0])
    marks = drawn(charts.share_bars(hidden, "ja"))
    assert [(m.field("label"), m.field("series")) for m in marks if m.marktype == "rect"] == [
        ("鶴岡", "回答者"),
        ("鶴岡", "人口（16歳以上）"),
        ("藤島", "人口（16歳以上）"),
    ]
    assert [(m.text, m.description) for m in marks if m.marktype == "text"] == [("秘匿", "藤島: 秘匿")]
    for width in (150, 300):  # a third of the page; Vega's default width
        laid_out = texts(chart.properties(width=width))
        ticks = [x.text for x in laid_out if x.role == "axis-label" and x.text.isdigit()]
        assert 3 <= len(ticks) <= 6, ticks
        assert overlaps(laid_out) == []

    nat = pd.DataFrame(
        {
            "label": ["全体", "20〜29歳", "80歳以上"],
            "city_pct": [5.0, 8.0, None],
            "city_low": [4.0, 5.0, None],
            "city_high": [6.0, 12.0, None],
            "city_status": ["ok", "low", "suppressed"],
            "national_pct": [4.8, 7.1, None],
        }
    )
    marks = drawn(charts.national_dots(nat, "ja"))
    circles = [m for m in marks if m.shape == "circle"]
    assert [(m.field("label"), m.field("city_pct")) for m in circles] == [("全体", "5"), ("20〜29歳", "8")]
    diamonds = [m for m in marks if m.shape == "diamond"]
    assert [(m.field("label"), m.field("national_pct")) for m in diamonds] == [("全体", "4.8"), ("20〜29歳", "7.1")]
    assert [(m.field("label"), m.text) for m in marks if m.marktype == "text"] == [("80歳以上", "秘匿")]
    # the suppressed row is drawn only as its text mark, even if a value came with it
    leaky = nat.assign(city_pct=[5.0, 8.0, 9.0], city_low=[4.0, 5.0, 2.0], city_high=[6.0, 12.0, 20.0])
    assert [m.marktype for m in drawn(charts.national_dots(leaky, "ja")) if m.field("label") == "80歳以上"] == ["text"]


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_all_builders_serialise(lang):
    for chart in (
        charts.indicator_bars(one_dim_table(), "age_band", lang),
        charts.indicator_heatmap(two_dim_table(), ["age_band", "sex"], lang),
        charts.activity_bars(activity_long(), "month", lang, by="field"),
    ):
        spec = chart.to_dict()
        assert spec["config"]["font"] == charts.FONT


def test_chart_of_draws_the_builders_spec_and_builds_it_once_per_frame(monkeypatch):
    from dashboard import ui

    ui._chart_spec.clear()
    built, drawn = [], []
    real = charts.need_chart

    @functools.wraps(real)
    def counting(frame, lang):
        built.append(lang)
        return real(frame, lang)

    monkeypatch.setattr(charts, "need_chart", counting)
    monkeypatch.setattr(ui.st, "vega_lite_chart", lambda spec, **kw: drawn.append(spec))
    need = pd.DataFrame(
        {
            "district": pd.array([None, 1], dtype="Int64"),
            "district_label": ["全体", "鶴岡"],
            "is_total": [True, False],
            "n": pd.array([300, 200], dtype="Int64"),
            "estimate_pct": [20.0, 21.0],
            "ci_low_pct": [18.0, 18.0],
            "ci_high_pct": [22.0, 24.0],
            "reliability": ["ok", "ok"],
            "suppressed": [False, False],
            "residents_est": pd.array([20000.0, 15000.0], dtype="Float64"),
            "residents_low": pd.array([18000.0, 13000.0], dtype="Float64"),
            "residents_high": pd.array([22000.0, 17000.0], dtype="Float64"),
            "residents_display": ["20,000", "15,000"],
            "consultations": pd.array([900, 700], dtype="Int64"),
            "consultations_display": ["900", "700"],
            "consultations_mark": ["", ""],
        }
    )
    ui.chart_of(charts.need_chart, need, "ja", stretch=False)
    ui.chart_of(charts.need_chart, need.copy(), "ja", stretch=False)  # same data: built once
    assert built == ["ja"] and len(drawn) == 2
    assert (
        drawn[0]
        == drawn[1]
        == ui.no_mark_aria({**ui.vega_spec(real(need, "ja")), "autosize": {"type": "pad", "contains": "padding"}})
    )
    assert drawn[0]["config"]["aria"] is False  # the browser's chart: no unnamed ARIA marks (axe)
    changed = need.assign(consultations=pd.array([900, 701], dtype="Int64"))
    ui.chart_of(charts.need_chart, changed, "ja", stretch=False)
    ui.chart_of(charts.need_chart, need, "en", stretch=False)
    assert built == ["ja", "ja", "en"]
