"""Demo activity and referrals of the invented organisations (vectorised, any size).

Activity: one row per organisation × month × district × field it covers (zero counts included),
by default the 24 months 2023-04..2025-03 (fiscal years 2023 and 2024). Expected consultations =
the organisation's monthly volume (by type, with a fixed per-organisation factor) shared over its
districts in proportion to the residents concerned (65+ for older people, 16〜39 for children,
youth and parenting, 16+ otherwise) and over its fields (the first listed weighs double), times a
season (more in winter; children/parenting peak in May and dip in August; suicide prevention
peaks in March and September, the national campaign months) and a trend (+15% after the platform
was set up in September 2023). Counts are gamma-Poisson (overdispersed), so small districts get
plenty of 1–4s. new_cases is a binomial share of consultations; outreach is higher for the
community general support centres and the council of social welfare, lower in the snowy months
outside 鶴岡.

Scaled data sets: more months (whole fiscal years, back to FY2015) and then more invented sites
until the grid holds the requested rows; rows with no consultations are dropped first, then
others at random, to hit the target exactly.

Referrals: plausible flows between the organisations (地域包括 → 社協, 市役所 → NPO, 民生委員 → 地域包括,
健康課 → クリニック, …), monthly Poisson counts, more after the platform started; only months
with at least one person referred are written.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from data import demo_orgs, demo_population

DEFAULT_FIRST_MONTH = "2023-04"
DEFAULT_MONTHS = 24
LAST_MONTH = "2025-03"
MAX_MONTHS = 120
PLATFORM_START = "2023-09"

ACTIVITY_COLUMNS = ["org_id", "month", "district", "field", "consultations", "new_cases", "outreach"]
REFERRAL_COLUMNS = ["month", "from_org", "to_org", "count"]

# By org_type 1..6: monthly consultations, share of new people, outreach per consultation.
VOLUME_BY_TYPE = np.array([55.0, 45.0, 50.0, 16.0, 24.0, 18.0])
NEW_SHARE_BY_TYPE = np.array([0.35, 0.30, 0.25, 0.40, 0.30, 0.50])
OUTREACH_BY_TYPE = np.array([0.15, 0.35, 0.60, 0.20, 0.50, 0.30])
GAMMA_SHAPE = 3.0

# from, to, people per month on average (base organisations).
REFERRAL_FLOWS = [
    ("O08", "O05", 2.0),
    ("O09", "O05", 1.5),
    ("O09", "O06", 0.6),
    ("O10", "O06", 1.0),
    ("O10", "O07", 0.8),
    ("O11", "O07", 1.2),
    ("O08", "O19", 0.8),
    ("O11", "O19", 0.5),
    ("O01", "O12", 1.0),
    ("O01", "O16", 0.6),
    ("O01", "O13", 0.5),
    ("O02", "O15", 1.5),
    ("O05", "O02", 1.2),
    ("O06", "O02", 0.5),
    ("O07", "O02", 0.4),
    ("O03", "O14", 1.0),
    ("O03", "O21", 0.4),
    ("O04", "O17", 1.5),
    ("O13", "O04", 0.7),
    ("O22", "O04", 0.8),
    ("O22", "O17", 0.5),
    ("O21", "O13", 0.6),
    ("O13", "O21", 0.5),
    ("O12", "O21", 0.5),
    ("O20", "O08", 1.0),
    ("O20", "O09", 0.8),
    ("O20", "O10", 0.5),
    ("O20", "O11", 0.5),
    ("O20", "O05", 0.8),
    ("O17", "O18", 0.6),
    ("O18", "O02", 0.5),
    ("O19", "O08", 0.5),
    ("O05", "O16", 0.4),
    ("O15", "O01", 0.3),
]


def month_list(first: str, count: int) -> pd.PeriodIndex:
    return pd.period_range(first, periods=count, freq="M")


def plan(activity_rows: int | None, cells_per_month: int) -> tuple[pd.PeriodIndex, int]:
    """Months and number of organisation copies whose full grid holds activity_rows."""
    if activity_rows is None or activity_rows <= cells_per_month * DEFAULT_MONTHS:
        return month_list(DEFAULT_FIRST_MONTH, DEFAULT_MONTHS), 1
    months_needed = -(-activity_rows // cells_per_month)
    months = min(MAX_MONTHS, -(-months_needed // 12) * 12)
    copies = -(-activity_rows // (cells_per_month * months))
    first = pd.Period(LAST_MONTH, freq="M") - (months - 1)
    return month_list(str(first), months), copies


def _district_weights() -> dict[str, np.ndarray]:
    """Residents 16+ of each district in the groups fields serve: older, young, all."""
    table = demo_population.district_by_age()
    return {
        "older": 0.5 * table[:, 5] + table[:, 6] + table[:, 7],
        "young": table[:, :3].sum(axis=1),
        "all": table.sum(axis=1),
    }


def org_ids(orgs_base: list[dict], copies: int) -> list[str]:
    """Ids of every organisation, copy-major, as demo_orgs.organisations(copies) lists them."""
    return [o["org_id"] for o in demo_orgs.organisations_from(orgs_base, copies)]


def _field_group(field: int) -> str:
    return "older" if field == 1 else "young" if field in (2, 7) else "all"


def cells(orgs: list[dict], rng: np.random.Generator) -> pd.DataFrame:
    """Each base organisation's (district, field) cells with their expected monthly consultations."""
    weights = _district_weights()
    rows = []
    for i, org in enumerate(orgs):
        volume = VOLUME_BY_TYPE[org["org_type"] - 1] * rng.lognormal(0.0, 0.3)
        field_w = np.array([2.0 if i == 0 else 1.0 for i in range(len(org["fields"]))])
        field_w /= field_w.sum()
        districts = np.array(org["districts"])
        for field, fw in zip(org["fields"], field_w):
            dw = weights[_field_group(field)][districts - 1]
            dw = dw / dw.sum()
            for district, share in zip(districts, dw):
                rows.append((i, org["org_type"], int(district), int(field), volume * fw * share))
    return pd.DataFrame(rows, columns=["org_index", "org_type", "district", "field", "expected"])


def season(month_of_year: np.ndarray, field: np.ndarray) -> np.ndarray:
    angle = 2 * np.pi * (month_of_year - 1) / 12
    factor = 1.0 + 0.12 * np.cos(angle)  # peak in January (snow, isolation)
    young = np.isin(field, (2, 7))
    factor = np.where(young, 1.0 + 0.18 * np.cos(angle - 2 * np.pi * 4 / 12), factor)
    factor = np.where(young & (month_of_year == 8), factor * 0.7, factor)
    factor = np.where((field == 4) & np.isin(month_of_year, (3, 9)), factor * 1.35, factor)
    return np.where(month_of_year == 12, factor * 0.92, factor)


def _months_since_platform(months: pd.PeriodIndex) -> np.ndarray:
    start = pd.Period(PLATFORM_START, freq="M")
    return (months.year.to_numpy() - start.year) * 12 + months.month.to_numpy() - start.month


def trend(months: pd.PeriodIndex) -> np.ndarray:
    since = _months_since_platform(months)
    return 1.0 + 0.15 * np.clip(since / 12.0, 0.0, 1.0)


def activity_frame(
    rng: np.random.Generator, orgs_base: list[dict], activity_rows: int | None
) -> tuple[pd.DataFrame, pd.PeriodIndex, int]:
    """The activity extract, the months it spans and the number of organisation copies used."""
    base = cells(orgs_base, rng)
    months, copies = plan(activity_rows, len(base))
    k, c, m = len(base), copies, len(months)
    cell = np.tile(np.arange(k), m * c)
    copy = np.tile(np.repeat(np.arange(1, c + 1), k), m)
    month_i = np.repeat(np.arange(m), c * k)

    field = base["field"].to_numpy()[cell]
    district = base["district"].to_numpy()[cell]
    org_type = base["org_type"].to_numpy()[cell]
    moy = months.month.to_numpy()[month_i]
    mean = (
        base["expected"].to_numpy()[cell]
        * season(moy, field)
        * trend(months)[month_i]
        * rng.gamma(GAMMA_SHAPE, 1.0 / GAMMA_SHAPE, size=len(cell))
    )
    consultations = rng.poisson(mean)
    new_cases = rng.binomial(consultations, NEW_SHARE_BY_TYPE[org_type - 1])
    snowy = np.isin(moy, (1, 2)) & (district != 1)
    outreach = rng.poisson(consultations * OUTREACH_BY_TYPE[org_type - 1] * np.where(snowy, 0.7, 1.0))

    keep = _rows_to_keep(rng, consultations, activity_rows)
    org_index = base["org_index"].to_numpy()[cell[keep]] + (copy[keep] - 1) * len(orgs_base)
    frame = pd.DataFrame(
        {
            "org_id": pd.Categorical.from_codes(org_index, categories=org_ids(orgs_base, copies)),
            "month": pd.Categorical.from_codes(month_i[keep], categories=months.strftime("%Y-%m")),
            "district": district[keep],
            "field": field[keep],
            "consultations": consultations[keep],
            "new_cases": new_cases[keep],
            "outreach": outreach[keep],
        },
        columns=ACTIVITY_COLUMNS,
    )
    return frame, months, copies


def _rows_to_keep(rng: np.random.Generator, consultations: np.ndarray, target: int | None) -> np.ndarray:
    """Indices (in order) of the rows written: all, or exactly `target`, dropping empty rows first."""
    n = len(consultations)
    if target is None or target >= n:
        return np.arange(n)
    # A random key per row; empty rows get keys below every non-empty row, so they go first.
    key = rng.random(n) + (consultations > 0)
    drop = np.argpartition(key, n - target - 1)[: n - target]
    mask = np.ones(n, dtype=bool)
    mask[drop] = False
    return np.flatnonzero(mask)


def referrals_frame(
    rng: np.random.Generator, orgs_base: list[dict], months: pd.PeriodIndex, copies: int
) -> pd.DataFrame:
    """Monthly referrals between organisations (within each copy of the set), count >= 1."""
    flows = pd.DataFrame(REFERRAL_FLOWS, columns=["from_org", "to_org", "mean"])
    p, c, m = len(flows), copies, len(months)
    pair = np.tile(np.arange(p), m * c)
    copy = np.tile(np.repeat(np.arange(1, c + 1), p), m)
    month_i = np.repeat(np.arange(m), c * p)
    moy = months.month.to_numpy()[month_i]
    after = (_months_since_platform(months) >= 0)[month_i]
    mean = flows["mean"].to_numpy()[pair] * (1.0 + 0.1 * np.cos(2 * np.pi * (moy - 1) / 12)) * np.where(after, 1.5, 1.0)
    count = rng.poisson(mean)
    keep = count >= 1
    ids = org_ids(orgs_base, copies)
    index = {org_id: i for i, org_id in enumerate(ids[: len(orgs_base)])}
    offset = (copy[keep] - 1) * len(orgs_base)

    def org_column(column: str) -> pd.Categorical:
        base = flows[column].map(index).to_numpy()[pair[keep]]
        return pd.Categorical.from_codes(base + offset, categories=ids)

    return pd.DataFrame(
        {
            "month": pd.Categorical.from_codes(month_i[keep], categories=months.strftime("%Y-%m")),
            "from_org": org_column("from_org"),
            "to_org": org_column("to_org"),
            "count": count[keep],
        },
        columns=REFERRAL_COLUMNS,
    )
