"""Tables by organisation above the codebook's max_org_groups are refused (TooManyGroups) after one
COUNT, before anything is protected; at or below the limit they are built as before. A size limit
only (a table thousands of organisations wide): the protection itself is the cell-key method."""

from __future__ import annotations

import pytest

from data import codebook
from queries import activity as A, small_counts
from queries.activity import TooManyGroups
from queries.filters import ActivityFilters

FY2024 = ActivityFilters(fiscal_years=(2024,))


def test_the_limit_comes_from_the_codebook():
    assert A.max_org_groups() == int(codebook.estimation()["max_org_groups"]) >= 20


def test_org_counts_are_the_axes_of_the_tables(db):
    f = ActivityFilters(districts=(1,))
    by_org = A.activity_by_month(db, "consultations", "org", f)
    assert A.org_count(db, f) == by_org["org"].dropna().nunique()
    matrix = A.referral_matrix(db, "org", FY2024)
    assert A.referral_org_count(db, FY2024) == matrix["from"].dropna().nunique()


@pytest.mark.parametrize(
    "call",
    [
        lambda con, f: A.activity_by_month(con, "consultations", "org", f),
        lambda con, f: A.activity_by_fiscal_year(con, "new_cases", "org", f),
        lambda con, f: A.referral_matrix(con, "org", f),
    ],
)
def test_above_the_limit_raises_before_any_protection(db, monkeypatch, call):
    n_month = A.org_count(db, FY2024)
    n_ref = A.referral_org_count(db, FY2024)
    assert n_month > 3 and n_ref > 3
    monkeypatch.setattr(A, "max_org_groups", lambda: 3)

    def no_protection(*args, **kwargs):
        raise AssertionError("the protection was built although the table is refused")

    monkeypatch.setattr(small_counts, "protect", no_protection)
    monkeypatch.setattr(small_counts, "released", no_protection)
    with pytest.raises(TooManyGroups) as info:
        call(db, FY2024)
    assert info.value.limit == 3 and info.value.count in (n_month, n_ref)
    assert "3" in str(info.value)


def test_at_the_limit_and_other_breakdowns_are_unaffected(db, monkeypatch):
    n = A.org_count(db, FY2024)
    monkeypatch.setattr(A, "max_org_groups", lambda: n)
    assert A.activity_by_month(db, "consultations", "org", FY2024)["org"].dropna().nunique() == n
    monkeypatch.setattr(A, "max_org_groups", lambda: 1)
    for by in (None, "field", "district", "org_type"):
        A.activity_by_month(db, "consultations", by, FY2024)
        A.activity_by_fiscal_year(db, "consultations", by, FY2024)
    A.referral_matrix(db, "org_type", FY2024)
    with pytest.raises(TooManyGroups):
        A.referral_matrix(db, "org", FY2024)


def test_filters_that_narrow_the_organisations_bring_a_table_under_the_limit(db, monkeypatch):
    # org_type 1 is one organisation (A01) in the fixture.
    monkeypatch.setattr(A, "max_org_groups", lambda: 1)
    with pytest.raises(TooManyGroups):
        A.activity_by_month(db, "consultations", "org", FY2024)
    one = ActivityFilters(fiscal_years=(2024,), org_types=(1,))
    assert A.org_count(db, one) == 1
    df = A.activity_by_month(db, "consultations", "org", one)
    assert set(df["org"].dropna()) == {"A01"}
