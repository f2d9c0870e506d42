"""Rates per 1,000, the referral matrix, the consultation directory and the members table.

Counts are checked against their true sums released by their cell keys (oracle.py)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from data import codebook
from queries import activity as A, directory, runner
from queries.filters import ActivityFilters

from . import oracle

D = dt.date
FY2024 = ActivityFilters(fiscal_years=(2024,))


def latest_population(kit) -> dict[int, int]:
    pop = kit.population_frame()
    pop = pop[pop["as_of"] == pop["as_of"].max()]
    return {int(k): int(v) for k, v in pop.groupby("district")["population"].sum().items()}


# ---- rates per 1,000 ------------------------------------------------------------------------------


def test_rates_per_1000_use_the_latest_population_and_released_counts(kit):
    counts = {1: 300, 2: 3, 3: 40, 4: 12, 5: 0, 6: 50}
    rows = pd.DataFrame(
        [("A01", D(2024, 6, 1), d, 1, c, 0, 0) for d, c in counts.items()]
        + [("A01", D(2023, 6, 1), 2, 1, 500, 0, 0)],  # another fiscal year
        columns=["org_id", "month", "district", "field", "consultations", "new_cases", "outreach"],
    )
    con = kit.build_db(rows, None, kit.population_frame())
    df = A.rates_per_1000(con, filters=FY2024)
    pops = latest_population(kit)
    keys = dict(
        zip(kit.keyed("activity", rows).iloc[:6]["district"], kit.keyed("activity", rows).iloc[:6]["record_key"])
    )
    assert list(df["district"].iloc[:6]) == [1, 2, 3, 4, 5, 6] and pd.isna(df["district"].iloc[6])
    assert list(df["population"].iloc[:6]) == [pops[d] for d in range(1, 7)]
    assert df["population"].iloc[6] == sum(pops.values())
    assert df["population_as_of"].iloc[0] == pd.Timestamp("2024-01-01")
    expected = [oracle.display(counts[d], keys[d]) for d in range(1, 7)]
    expected.append(oracle.display(sum(counts.values()), sum(keys.values())))  # FY2023's 500 left out
    assert list(df["display"]) == expected
    assert df["display"].iloc[4] == "0" and df["rate_per_1000"].iloc[4] == 0.0
    for i, text in enumerate(expected):
        pop = sum(pops.values()) if i == 6 else pops[i + 1]
        if text == "<5":
            assert pd.isna(df["rate_per_1000"].iloc[i]) and df["rate_display"].iloc[i] == "<5"
        else:
            released = int(text.replace(",", ""))
            assert df["value"].iloc[i] == released
            assert df["rate_per_1000"].iloc[i] == round(1000 * released / pop, 1)
            assert df["rate_display"].iloc[i] == f"{round(1000 * released / pop, 1):,.1f}"


def test_rates_on_random_data_are_released_true_sums(db, kit, activity_rows):
    pops = latest_population(kit)
    rows = kit.keyed("activity", activity_rows)
    rows["month"] = pd.to_datetime(rows["month"])
    fy = rows[(rows["month"] >= "2024-04-01") & (rows["month"] <= "2025-03-01")]
    for measure in A.MEASURES:
        df = A.rates_per_1000(db, measure=measure, filters=FY2024, lang="en")
        sums = fy.groupby("district")[[measure, "record_key"]].sum()
        for rec in df.to_dict("records"):
            if pd.isna(rec["district"]):
                true, key, pop = int(sums[measure].sum()), int(sums["record_key"].sum()), sum(pops.values())
                assert rec["district_label"] == "Total"
            else:
                d = rec["district"]
                true, pop = int(sums[measure].get(d, 0)), pops[d]
                key = int(sums["record_key"].get(d, 0))
            released = oracle.released(true, key)
            if rec["mark"]:
                assert 1 <= released <= 4
                assert pd.isna(rec["value"]) and pd.isna(rec["rate_per_1000"])
            else:
                assert rec["value"] == released
                assert rec["rate_per_1000"] == pytest.approx(round(1000 * released / pop, 1))


def test_rates_without_population_are_not_available(kit, activity_rows):
    con = kit.build_db(activity_rows, None, None)
    df = A.rates_per_1000(con)
    assert df["rate_per_1000"].isna().all() and df["population"].isna().all()
    assert (df.loc[df["mark"] == "", "rate_display"] == A.NOT_AVAILABLE).all()


# ---- referral matrix ------------------------------------------------------------------------------


def referral_truth(kit, level: str) -> dict:
    """{(from, to): (count, record-key sum)} of FY2024 with the margins under None (pandas only)."""
    ref = kit.keyed("referrals", kit.random_referrals(seed=11))
    ref["month"] = pd.to_datetime(ref["month"])
    ref = ref[(ref["month"] >= "2024-04-01") & (ref["month"] <= "2025-03-01")]
    if level == "org_type":
        types = dict(zip(kit.ORGS["org_id"], kit.ORGS["org_type"]))
        ref["from_org"] = ref["from_org"].map(types)
        ref["to_org"] = ref["to_org"].map(types)
    out: dict = {}
    for (f, t), part in ref.groupby(["from_org", "to_org"]):
        v, k = int(part["count"].sum()), int(part["record_key"].sum())
        for key in ((f, t), (f, None), (None, t), (None, None)):
            v0, k0 = out.get(key, (0, 0))
            out[key] = (v0 + v, k0 + k)
    return out


@pytest.mark.parametrize("level", ["org", "org_type"])
def test_referral_matrix_releases_the_true_counts_by_their_cell_keys(db, kit, level):
    df = A.referral_matrix(db, level=level, filters=FY2024)
    expected = referral_truth(kit, level)

    def key(x):
        return None if pd.isna(x) else (x if isinstance(x, str) else int(x))

    for rec in df.to_dict("records"):
        true, key_sum = expected.get((key(rec["from"]), key(rec["to"])), (0, 0))
        released = oracle.released(true, key_sum)
        assert abs(released - true) <= oracle.max_noise("activity")
        if 1 <= released <= 4:
            assert rec["mark"] == "small_count" and pd.isna(rec["value"]) and rec["display"] == "<5"
        else:
            assert rec["mark"] == "" and rec["value"] == released and rec["display"] == f"{released:,}"
        if true == 0:
            assert rec["display"] == "0"
    froms = list(dict.fromkeys(df["from"].dropna()))
    assert froms == list(dict.fromkeys(df["to"].dropna()))  # same axes
    cells = df[~df["is_total"]]
    assert df["is_total"].sum() == 2 * len(froms) + 1  # out, in, and all
    if level == "org":
        assert (cells[cells["from"] == cells["to"]]["value"] == 0).all()
        names = dict(zip(kit.ORGS["org_id"], kit.ORGS["name"]))
        assert all(names[o] == lab for o, lab in zip(cells["from"], cells["from_label"]))
    else:
        assert froms == codebook.codes("org_type")
        assert list(dict.fromkeys(df["from_label"])) == [codebook.code_label("org_type", c) for c in froms] + ["合計"]


def test_referral_matrix_rejects_unknown_level(db):
    with pytest.raises(ValueError, match="level"):
        A.referral_matrix(db, level="district")


# ---- directory ----------------------------------------------------------------------------------


def test_directory_filters_by_field_and_district(db):
    assert list(directory.organisations_directory(db, fields=(7,))["org_id"]) == ["D04", "F06"]
    assert set(directory.organisations_directory(db, districts=(6,))["org_id"]) == {"A01", "E05", "F06"}
    assert list(directory.organisations_directory(db, fields=(1,), districts=(3,))["org_id"]) == ["A01", "C03"]
    full = directory.organisations_directory(db)
    assert len(full) == 6
    a01 = full[full["org_id"] == "A01"].iloc[0]
    assert a01["districts_label"] == codebook.all_label("ja") and a01["fields"] == [1, 3]
    assert a01["fields_label"] == "高齢者・ひきこもり" and a01["org_type_label"] == "市役所（関係課）"
    assert a01["phone"] == "0235-25-2111" and a01["lat"] == pytest.approx(38.72722)
    for col in ("name", "org_type", "fields", "districts", "phone", "hours", "address", "url", "lat", "lon"):
        assert col in full.columns
    en = directory.organisations_directory(db, lang="en")
    assert en.loc[en["org_id"] == "E05", "districts_label"].iloc[0] == "Asahi・Atsumi"


@pytest.mark.parametrize(
    "search, expected",
    [
        ("ａｂｃ", {"D04"}),  # full-width query, full-width name
        ("abc", {"D04"}),  # NFKC + case folding
        ("ひきこもり", {"A01", "D04"}),  # name or field label
        ("Asahi", {"A01", "E05"}),  # English district label; A01 serves every district
        ("鶴岡 NPO", {"D04"}),  # every word must match
        ("子育て", {"D04", "F06"}),
        ("", {"A01", "B02", "C03", "D04", "E05", "F06"}),
    ],
)
def test_directory_search(db, search, expected):
    assert set(directory.organisations_directory(db, search=search)["org_id"]) == expected


@pytest.mark.parametrize(
    "hostile",
    [
        "'; DROP TABLE organisations; --",
        "' OR '1'='1",
        "%",
        "_",
        "\\",
        "%' --",
        "\x00",
        ".*",
        "[a-z]+",
        "$fields",
        "{0}",
        "a" * 10000,
        "\u202e",
        "<script>alert(1)</script>",
    ],
)
def test_hostile_search_strings_are_harmless(db, hostile):
    df = directory.organisations_directory(db, search=hostile)
    assert df.empty
    assert db.execute("SELECT count(*) FROM organisations").fetchone()[0] == 6


def test_directory_bad_input(db):
    with pytest.raises(TypeError):
        directory.organisations_directory(db, search=None)
    with pytest.raises(ValueError, match="fields"):
        directory.organisations_directory(db, fields=(10,))


# ---- members by type and field ---------------------------------------------------------------------


def test_members_by_type_and_field_counts_each_member_once_per_field(db, kit):
    df = directory.members_by_type_and_field(db)
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
    assert grand["members"] == 5 and grand["field_label"] == "合計"
    wide = A.as_wide(directory.members_by_type_and_field(db, lang="en"), "en")
    assert wide.columns[0] == "org_type_label" and wide.iloc[-1, 0] == "Total"


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


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"fields": (1,)},
        {"districts": (6,), "lang": "en"},
        {"search": "ひきこもり"},
        {"fields": (1, 3), "districts": (3,), "search": "鶴岡"},
        {"org_types": (1, 2)},
        {"search": "asahi", "lang": "en"},
    ],
)
def test_directory_on_a_read_only_connection_answers_as_a_writable_one(db, read_only_db, kwargs):
    # the read-only connection keeps the labelled rows between calls; the writable one reads them each time
    first = directory.organisations_directory(read_only_db, **kwargs)
    pd.testing.assert_frame_equal(first, directory.organisations_directory(db, **kwargs))
    pd.testing.assert_frame_equal(directory.organisations_directory(read_only_db, **kwargs), first)


def test_changing_a_directory_result_does_not_change_the_next(read_only_db):
    before = directory.organisations_directory(read_only_db)
    changed = directory.organisations_directory(read_only_db)
    changed.loc[0, "fields"].append(99)
    changed.loc[0, "name"] = "書き換え"
    pd.testing.assert_frame_equal(directory.organisations_directory(read_only_db), before)
