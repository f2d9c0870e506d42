"""A DuckDB fixture built from data/schema.sql with hand-made organisations and random activity.

Activity and referral rows get their record keys (data/record_keys.py) with a fixed test secret, so
the fixture's noise is the same on every run; `keyed` gives the tests the same keys for their own
sums of counts and keys.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from data import marts
from data.record_keys import with_record_keys

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "data" / "schema.sql"
SECRET = bytes(range(32))  # the fixtures' record-key secret (an installation makes its own)

ORGS = pd.DataFrame(
    [
        # org_id, name, org_type, fields, districts, member, phone, hours, address, url, lat, lon
        (
            "A01",
            "鶴岡市 地域包括ケア推進室",
            1,
            [1, 3],
            [1, 2, 3, 4, 5, 6],
            True,
            "0235-25-2111",
            "平日 8:30〜17:15",
            "鶴岡市馬場町9-25",
            "https://example.jp/a",
            38.72722,
            139.82667,
        ),
        (
            "B02",
            "鶴岡市社会福祉協議会",
            2,
            [5, 8],
            [1, 2],
            True,
            "0235-00-0002",
            None,
            "鶴岡市泉町5-30",
            None,
            None,
            None,
        ),
        ("C03", "地域包括支援センター にしごう", 3, [1], [3, 4], True, None, None, None, None, None, None),
        (
            "D04",
            "NPO法人 ひきこもりサポート ＡＢＣ",
            4,
            [2, 3, 7],
            [1],
            True,
            "０２３５－００－０００４",
            "火〜土 10:00〜18:00",
            "鶴岡市本町1丁目",
            "https://example.jp/d",
            38.73,
            139.83,
        ),
        ("E05", "温海の医療・福祉法人", 5, [6], [5, 6], False, None, None, "鶴岡市温海", None, 38.62, 139.59),
        ("F06", "こども食堂 ふらっと", 6, [9, 7], [6], True, None, None, None, None, None, None),
    ],
    columns=[
        "org_id",
        "name",
        "org_type",
        "fields",
        "districts",
        "member",
        "phone",
        "hours",
        "address",
        "url",
        "lat",
        "lon",
    ],
)


def month_range(first: str, last: str) -> list[dt.date]:
    return [d.date() for d in pd.date_range(first, last, freq="MS")]


def random_activity(seed: int, first: str = "2023-01", last: str = "2025-06", share: float = 0.5) -> pd.DataFrame:
    """Random rows at the extract's grain, many of them small counts."""
    rng = np.random.default_rng(seed)
    rows = []
    for org in ORGS.itertuples():
        for month in month_range(first, last):
            for district in org.districts:
                for field in org.fields:
                    if rng.random() > share:
                        continue
                    c = int(rng.choice([0, 1, 2, 3, 4, 5, 7, 12, 30, 80]))
                    rows.append(
                        (org.org_id, month, district, field, c, int(rng.integers(0, c + 1)), int(rng.integers(0, 6)))
                    )
    return pd.DataFrame(
        rows, columns=["org_id", "month", "district", "field", "consultations", "new_cases", "outreach"]
    )


def random_referrals(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    ids = list(ORGS["org_id"])
    for month in month_range("2023-04", "2025-03"):
        for f in ids:
            for t in ids:
                if f != t and rng.random() < 0.3:
                    rows.append((month, f, t, int(rng.choice([1, 2, 3, 6, 9, 15]))))
    return pd.DataFrame(rows, columns=["month", "from_org", "to_org", "count"])


def population_frame() -> pd.DataFrame:
    rows = []
    for as_of, scale in (("2023-01-01", 2), ("2024-01-01", 1)):  # the latest must win
        for district, base in zip(range(1, 7), (9000, 1100, 900, 800, 450, 800)):
            for age in range(1, 9):
                for sex in (1, 2):
                    rows.append((dt.date.fromisoformat(as_of), district, age, sex, scale * (base + 10 * age + sex)))
    return pd.DataFrame(rows, columns=["as_of", "district", "age_band", "sex", "population"])


def keyed(table: str, df: pd.DataFrame, secret: bytes = SECRET) -> pd.DataFrame:
    """DF with the record_key column the build gives its rows (activity, referrals)."""
    return with_record_keys(table, df, secret)


def build_db(
    activity: pd.DataFrame,
    referrals: pd.DataFrame | None = None,
    population: pd.DataFrame | None = None,
    orgs: pd.DataFrame = ORGS,
    secret: bytes = SECRET,
) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(SCHEMA.read_text(encoding="utf-8"))
    for table, df in (
        ("organisations", orgs),
        ("activity", activity),
        ("referrals", referrals),
        ("population", population),
    ):
        if df is None or df.empty:
            continue
        df = keyed(table, df, secret)
        con.register("incoming", df)
        cols = ", ".join(df.columns)
        con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM incoming")
        con.unregister("incoming")
    marts.build_marts(con)
    return con


@pytest.fixture
def activity_rows() -> pd.DataFrame:
    return random_activity(seed=7)


@pytest.fixture
def db(activity_rows):
    con = build_db(activity_rows, random_referrals(seed=11), population_frame())
    yield con
    con.close()


@pytest.fixture
def kit():
    """The builders above, for tests (conftest modules cannot be imported under importlib mode)."""
    from types import SimpleNamespace

    return SimpleNamespace(
        ORGS=ORGS,
        build_db=build_db,
        random_activity=random_activity,
        random_referrals=random_referrals,
        population_frame=population_frame,
        month_range=month_range,
        keyed=keyed,
        SECRET=SECRET,
    )
