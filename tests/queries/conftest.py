"""Fixture databases of the indicator tests: data/schema.sql, random respondents, build_marts.

Respondents get their record keys (data/record_keys.py) with a fixed test secret, so the noise is
the same on every run; `with_keys` gives the rows those keys for the reference computation."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SCHEMA = ROOT / "data" / "schema.sql"
SECRET = bytes(range(100, 132))  # the fixtures' record-key secret (an installation makes its own)
ANSWER_RANGES = {
    "lonely_direct": 5,
    "ucla_1": 4,
    "ucla_2": 4,
    "ucla_3": 4,
    "meet_freq": 7,
    "participation": 2,
    "confidant": 2,
    "support_received": 2,
}
ATTRIBUTE_RANGES = {"age_band": 8, "sex": 3, "district": 6, "household": 5}
COLUMNS = [
    "wave",
    "response_id",
    "channel",
    "age_band",
    "sex",
    "district",
    "household",
    "lonely_direct",
    "ucla_1",
    "ucla_2",
    "ucla_3",
    "meet_freq",
    "participation",
    "confidant",
    "support_received",
    "weight",
    "weight_source",
]


def random_rows(
    seed: int, n: int, waves=(2022, 2023), p_missing: float = 0.05, equal_weights: bool = False, open_share: float = 0.2
) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        r = {"wave": rng.choice(waves), "response_id": f"r{i:06d}", "channel": 2 if rng.random() < open_share else 1}
        for col, hi in {**ATTRIBUTE_RANGES, **ANSWER_RANGES}.items():
            r[col] = None if rng.random() < p_missing else rng.randint(1, hi)
        r["weight"] = 1.0 if equal_weights else rng.uniform(0.2, 4.0)
        r["weight_source"] = "vendor"
        rows.append(r)
    return rows


def _frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame([[r[c] for c in COLUMNS] for r in rows], columns=COLUMNS)
    for col in ["age_band", "sex", "district", "household", *ANSWER_RANGES]:
        frame[col] = frame[col].astype("Int64")
    return frame


def with_keys(rows: list[dict], secret: bytes = SECRET) -> list[dict]:
    """ROWS with the record_key each gets in make_db (the build's keyed hash of wave and response_id)."""
    from data.record_keys import with_record_keys

    keys = with_record_keys("responses", _frame(rows), secret)["record_key"].tolist() if rows else []
    return [dict(r, record_key=int(k)) for r, k in zip(rows, keys)]


def make_db(rows: list[dict], path: str | Path = ":memory:", secret: bytes = SECRET) -> duckdb.DuckDBPyConnection:
    """A database of the project's schema holding ROWS as responses (with their record keys), with
    the marts built."""
    from data.marts import build_marts
    from data.record_keys import with_record_keys

    con = duckdb.connect(str(path))
    con.execute(SCHEMA.read_text(encoding="utf-8"))
    frame = with_record_keys("responses", _frame(rows), secret)
    con.register("incoming", frame)
    con.execute(f"INSERT INTO responses SELECT {', '.join(COLUMNS)}, record_key FROM incoming")
    con.unregister("incoming")
    build_marts(con)
    return con


@pytest.fixture(autouse=True)
def default_min_n(monkeypatch):
    monkeypatch.delenv("TSUNAGARI_MIN_N", raising=False)


@pytest.fixture(scope="session")
def survey_rows() -> list[dict]:
    """The rows of survey_db_file, with their record keys."""
    return with_keys(random_rows(seed=20240601, n=3000, waves=(2021, 2022, 2023)))


@pytest.fixture(scope="session")
def survey_db_file(tmp_path_factory, survey_rows) -> Path:
    path = tmp_path_factory.mktemp("queries") / "survey.duckdb"
    make_db(survey_rows, path).close()
    return path


@pytest.fixture
def survey_con(survey_db_file):
    con = duckdb.connect(str(survey_db_file), read_only=True)
    yield con
    con.close()
