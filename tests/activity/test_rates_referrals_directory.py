"""Rates per 1,000, the referral matrix, the consultation directory and the members table."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from data import codebook
from queries import activity as A
from queries import runner

D = dt.date
FY2024 = A.ActivityFilters(fiscal_years=(2024,))


def latest_population(kit) -> dict[int, int]:
    pop = kit.population_frame()
    pop = pop[pop["as_of"] == pop["as_of"].max()]
    return {int(k): int(v) for k, v in pop.groupby("district")["population"].sum().items()}


# ---- rates per 1,000 ------------------------------------------------------------------------------

def test_rates_per_1000_use_the_latest_population_and_mask_small_counts(kit):
    counts = {1: 300, 2: 3, 3: 40, 4: 12, 5: 0, 6: 50}
    rows = pd.DataFrame([("A01", D(2024, 6, 1), d, 1, c, 0, 0) for d, c in counts.items()]
                        + [("A01", D(2023, 6, 1), 2, 1, 500, 0, 0)],      # another fiscal year
                        columns=["org_id", "month", "district", "field", "consultations", "new_cases", "outreach"])
    con = kit.build_db(rows, None, kit.population_frame())
    df = A.rates_per_1000(con, filters=FY2024)
    pops = latest_population(kit)
    assert list(df["district"].iloc[:6]) == [1, 2, 3, 4, 5, 6] and pd.isna(df["district"].iloc[6])
    assert list(df["population"].iloc[:6]) == [pops[d] for d in range(1, 7)]
    assert df["population"].iloc[6] == sum(pops.values())
    assert df["population_as_of"].iloc[0] == pd.Timestamp("2024-01-01")
    assert list(df["display"]) == ["300", "<5", "40", codebook.mark_label("suppressed", "ja"), "0", "50", "405"]
    for d in (1, 3, 5, 6):
        assert df["rate_per_1000"].iloc[d - 1] == round(1000 * counts[d] / pops[d], 1)
    assert df["rate_per_1000"].iloc[6] == round(1000 * 405 / sum(pops.values()), 1)
    assert df["rate_per_1000"].iloc[[1, 3]].isna().all()
    assert list(df["rate_display"].iloc[[1, 3]]) == ["<5", codebook.mark_label("suppressed", "ja")]
    assert df["rate_display"].iloc[0] == f"{1000 * 300 / pops[1]:,.1f}"


def test_rates_on_random_data_agree_with_pandas(db, kit, activity_rows):
    pops = latest_population(kit)
    rows = activity_rows.copy()
    rows["month"] = pd.to_datetime(rows["month"])
    fy = rows[(rows["month"] >= "2024-04-01") & (rows["month"] <= "2025-03-01")]
    for measure in A.MEASURES:
        df = A.rates_per_1000(db, measure=measure, filters=FY2024, lang="en")
        sums = fy.groupby("district")[measure].sum()
        for rec in df.to_dict("records"):
            if pd.isna(rec["district"]):
                true, pop = int(sums.sum()), sum(pops.values())
                assert rec["district_label"] == "All"
            else:
                true, pop = int(sums.get(rec["district"], 0)), pops[rec["district"]]
            if rec["mark"]:
                assert pd.isna(rec["value"]) and pd.isna(rec["rate_per_1000"])
            else:
                assert rec["value"] == true
                assert rec["rate_per_1000"] == pytest.approx(round(1000 * true / pop, 1))


def test_rates_without_population_are_not_available(kit, activity_rows):
    con = kit.build_db(activity_rows, None, None)
    df = A.rates_per_1000(con)
    assert df["rate_per_1000"].isna().all() and df["population"].isna().all()
    assert (df.loc[df["mark"] == "", "rate_display"] == A.NOT_AVAILABLE).all()


# ---- referral matrix ------------------------------------------------------------------------------

def referral_truth(kit, level: str) -> dict:
    ref = kit.random_referrals(seed=11)
    ref["month"] = pd.to_datetime(ref["month"])
    ref = ref[(ref["month"] >= "2024-04-01") & (ref["month"] <= "2025-03-01")]
    if level == "org_type":
        types = dict(zip(kit.ORGS["org_id"], kit.ORGS["org_type"]))
        ref["from_org"] = ref["from_org"].map(types)
        ref["to_org"] = ref["to_org"].map(types)
    out = {k: int(v) for k, v in ref.groupby(["from_org", "to_org"])["count"].sum().items()}
    for (f, t), v in list(out.items()):
        out[(f, None)] = out.get((f, None), 0) + v
        out[(None, t)] = out.get((None, t), 0) + v
        out[(None, None)] = out.get((None, None), 0) + v
    return out


@pytest.mark.parametrize("level", ["org", "org_type"])
def test_referral_matrix_matches_pandas_and_is_protected(db, kit, level):
    df = A.referral_matrix(db, level=level, filters=FY2024)
    expected = referral_truth(kit, level)

    def key(x):
        return None if pd.isna(x) else (x if isinstance(x, str) else int(x))

    for rec in df.to_dict("records"):
        true = expected.get((key(rec["from"]), key(rec["to"])), 0)
        if rec["mark"] == "":
            assert rec["value"] == true
        elif rec["mark"] == "small_count":
            assert 1 <= true <= 4 and pd.isna(rec["value"]) and rec["display"] == "<5"
        else:
            assert true >= 5 and pd.isna(rec["value"])
    froms = list(dict.fromkeys(df["from"].dropna()))
    assert froms == list(dict.fromkeys(df["to"].dropna()))            # same axes
    cells = df[~df["is_total"]]
    # every shown total sits beside 0 or at least 2 masked cells
    for axis, other in (("from", "to"), ("to", "from")):
        for k, grp in cells.groupby(axis):
            total = df[(df[axis] == k) & df[other].isna()]
            assert (grp["mark"] != "").sum() != 1 or total["mark"].iloc[0] != ""
    if level == "org":
        assert (cells[cells["from"] == cells["to"]]["value"] == 0).all()
        names = dict(zip(kit.ORGS["org_id"], kit.ORGS["name"]))
        assert all(names[o] == lab for o, lab in zip(cells["from"], cells["from_label"]))
    else:
        assert froms == codebook.codes("org_type")
        assert list(dict.fromkeys(df["from_label"])) == [codebook.code_label("org_type", c) for c in froms] + ["全体"]


def test_referral_matrix_rejects_unknown_level(db):
    with pytest.raises(ValueError, match="level"):
        A.referral_matrix(db, level="district")


# ---- directory ----------------------------------------------------------------------------------

def test_directory_filters_by_field_and_district(db):
    assert list(A.organisations_directory(db, fields=(7,))["org_id"]) == ["D04", "F06"]
    assert set(A.organisations_directory(db, districts=(6,))["org_id"]) == {"A01", "E05", "F06"}
    assert list(A.organisations_directory(db, fields=(1,), districts=(3,))["org_id"]) == ["A01", "C03"]
    full = A.organisations_directory(db)
    assert len(full) == 6
    a01 = full[full["org_id"] == "A01"].iloc[0]
    assert a01["districts_label"] == codebook.all_label("ja") and a01["fields"] == [1, 3]
    assert a01["fields_label"] == "高齢者・ひきこもり" and a01["org_type_label"] == "市役所（関係課）"
    assert a01["phone"] == "0235-25-2111" and a01["lat"] == pytest.approx(38.72722)
    for col in ("name", "org_type", "fields", "districts", "phone", "hours", "address", "url", "lat", "lon"):
        assert col in full.columns
    en = A.organisations_directory(db, lang="en")
    assert en.loc[en["org_id"] == "E05", "districts_label"].iloc[0] == "Asahi・Atsumi"


@pytest.mark.parametrize("search, expected", [
    ("ａｂｃ", {"D04"}),                     # full-width query, full-width name
    ("abc", {"D04"}),                       # NFKC + case folding
    ("ひきこもり", {"A01", "D04"}),          # name or field label
    ("Asahi", {"A01", "E05"}),              # English district label; A01 serves every district
    ("鶴岡 NPO", {"D04"}),                   # every word must match
    ("子育て", {"D04", "F06"}),
    ("", {"A01", "B02", "C03", "D04", "E05", "F06"}),
])
def test_directory_search(db, search, expected):
    assert set(A.organisations_directory(db, search=search)["org_id"]) == expected


@pytest.mark.parametrize("hostile", [
    "'; DROP TABLE organisations; --", "' OR '1'='1", "%", "_", "\\", "%' --", "\x00", ".*", "[a-z]+",
    "$fields", "{0}", "a" * 10000, "\u202e", "<script>alert(1)</script>",
])
def test_hostile_search_strings_are_harmless(db, hostile):
    df = A.organisations_directory(db, search=hostile)
    assert df.empty
    assert db.execute("SELECT count(*) FROM organisations").fetchone()[0] == 6


def test_directory_bad_input(db):
    with pytest.raises(TypeError):
        A.organisations_directory(db, search=None)
    with pytest.raises(ValueError, match="fields"):
        A.organisations_directory(db, fields=(10,))


# ---- members by type and field ---------------------------------------------------------------------

def test_members_by_type_and_field_counts_each_member_once_per_field(db, kit):
    df = A.members_by_type_and_field(db)
    members = kit.ORGS[kit.ORGS["member"]].explode("fields")
    for rec in df.to_dict("records"):
        sel = members
        if not pd.isna(rec["org_type"]):
            sel = sel[sel["org_type"] == rec["org_type"]]
        if not pd.isna(rec["field"]):
            sel = sel[sel["fields"] == rec["field"]]
        assert rec["members"] == sel["org_id"].nunique(), rec
    assert len(df) == (len(codebook.codes("org_type")) + 1) * (len(codebook.codes("field")) + 1)
    grand = df[df["org_type"].isna() & df["field"].isna()].iloc[0]
    assert grand["members"] == 5 and grand["field_label"] == "全体"
    wide = A.as_wide(A.members_by_type_and_field(db, lang="en"), "en")
    assert wide.columns[0] == "org_type_label" and wide.iloc[-1, 0] == "All"


@pytest.fixture
def read_only_db(db, tmp_path):
    """The same database as `db`, as the dashboard opens it: a file, read-only."""
    path = tmp_path / "directory.duckdb"
    db.execute(f"ATTACH '{path}' AS copy")
    db.execute("COPY FROM DATABASE memory TO copy")
    db.execute("DETACH copy")
    con = runner.connect(path)
    yield con
    con.close()


@pytest.mark.parametrize("kwargs", [
    {}, {"fields": (1,)}, {"districts": (6,), "lang": "en"}, {"search": "ひきこもり"},
    {"fields": (1, 3), "districts": (3,), "search": "鶴岡"}, {"org_types": (1, 2)}, {"search": "asahi", "lang": "en"},
])
def test_directory_on_a_read_only_connection_answers_as_a_writable_one(db, read_only_db, kwargs):
    # the read-only connection keeps the labelled rows between calls; the writable one reads them each time
    first = A.organisations_directory(read_only_db, **kwargs)
    pd.testing.assert_frame_equal(first, A.organisations_directory(db, **kwargs))
    pd.testing.assert_frame_equal(A.organisations_directory(read_only_db, **kwargs), first)


def test_changing_a_directory_result_does_not_change_the_next(read_only_db):
    before = A.organisations_directory(read_only_db)
    changed = A.organisations_directory(read_only_db)
    changed.loc[0, "fields"].append(99)
    changed.loc[0, "name"] = "書き換え"
    pd.testing.assert_frame_equal(A.organisations_directory(read_only_db), before)
