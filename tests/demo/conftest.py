"""Fixtures of the demo-data tests: the default demo written once per session, and a scaled one.

Files are read back as text with the csv module (independent of data/readers.py), so the tests
check the bytes the loader will see.
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from data import demo  # noqa: E402  (after the path fix above)

BOM = b"\xef\xbb\xbf"


def read_text_table(path: Path) -> pd.DataFrame:
    """Every cell as text ('' for blank), the header as written."""
    raw = path.read_bytes()
    assert raw.startswith(BOM), f"{path.name} does not start with the UTF-8 BOM"
    text = raw[len(BOM) :].decode("utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    return pd.DataFrame(rows[1:], columns=rows[0], dtype=object)


def answer_codes(survey: pd.DataFrame, column: str) -> pd.Series:
    """A survey column as floats with blank and 9 as NaN (無回答)."""
    values = pd.to_numeric(survey[column].replace("", np.nan))
    return values.where(values != 9)


def load_dir(directory: Path) -> SimpleNamespace:
    surveys = {p.stem: read_text_table(p) for p in sorted(directory.glob("survey_responses_*.csv"))}
    return SimpleNamespace(
        dir=directory,
        surveys=surveys,
        survey=pd.concat(surveys.values(), ignore_index=True),
        population=read_text_table(directory / "population.csv"),
        organisations=read_text_table(directory / "organisations.csv"),
        activity=read_text_table(directory / "activity.csv"),
        referrals=read_text_table(directory / "referrals.csv"),
    )


@pytest.fixture(scope="session")
def default_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo_default")
    demo.generate(out)
    return out


@pytest.fixture(scope="session")
def default(default_dir) -> SimpleNamespace:
    return load_dir(default_dir)


@pytest.fixture(scope="session")
def scaled_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo_scaled")
    demo.generate(out, seed=7, responses=20_000, activity_rows=50_000)
    return out


@pytest.fixture(scope="session")
def scaled(scaled_dir) -> SimpleNamespace:
    return load_dir(scaled_dir)


@pytest.fixture
def helpers() -> SimpleNamespace:
    """Helpers for tests (conftest modules cannot be imported under importlib mode)."""
    return SimpleNamespace(
        read_text_table=read_text_table, answer_codes=answer_codes, load_dir=load_dir, repo=REPO, bom=BOM
    )
