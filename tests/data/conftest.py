"""Small valid extract sets written into tmp_path, to be broken one rule at a time by the tests."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

SURVEY_FILE = "survey_responses_2023"
ANSWERS = {
    "lonely_direct": 5,
    "ucla_1": 4,
    "ucla_2": 4,
    "ucla_3": 4,
    "meet_freq": 7,
    "participation": 2,
    "confidant": 2,
    "support_received": 2,
}

ORGANISATIONS = pd.DataFrame(
    {
        "org_id": ["A01", "B02", "C03"],
        "name": ["鶴岡市 地域包括ケア推進室", "鶴岡市社会福祉協議会", "ＮＰＯ法人 ひきこもり支援 あさひ"],
        "org_type": ["1", "2", "4"],
        "fields": ["1;3", "5;8", "2;3;7"],
        "districts": ["all", "1;2", "5"],
        "member": ["1", "1", "0"],
        "phone": ["0235-25-2111", "", "0235-00-0003"],
        "hours": ["平日 8:30-17:15", "", ""],
        "address": ["鶴岡市馬場町9-25", "鶴岡市泉町5-30", ""],
        "url": ["", "", ""],
        "lat": ["38.72722", "", "38.6"],
        "lon": ["139.82667", "", "139.9"],
    }
)

ACTIVITY = pd.DataFrame(
    {
        "org_id": ["A01", "A01", "B02", "C03"],
        "month": ["2024-04", "2024-05", "2024-04", "2025-03"],
        "district": ["1", "1", "2", "5"],
        "field": ["1", "3", "5", "2"],
        "consultations": ["12", "3", "0", "7"],
        "new_cases": ["4", "1", "0", "7"],
        "outreach": ["2", "0", "0", "1"],
    }
)

REFERRALS = pd.DataFrame(
    {
        "month": ["2024-04", "2024-05", "2024-05"],
        "from_org": ["A01", "B02", "C03"],
        "to_org": ["B02", "A01", "A01"],
        "count": ["2", "1", "5"],
    }
)


def population_frame(as_of: str = "2024-01-01", scale: int = 1) -> pd.DataFrame:
    rows = []
    for district, base in zip(range(1, 7), (9000, 1100, 900, 800, 450, 800)):
        for age in range(1, 9):
            for sex in (1, 2):
                rows.append(
                    (as_of, str(district), str(age), str(sex), str(scale * (base + 37 * age * sex + 11 * district)))
                )
    return pd.DataFrame(rows, columns=["as_of", "district", "age_band", "sex", "population"])


def survey_frame(
    wave: int = 2023, n_random: int = 600, n_open: int = 40, seed: int = 1, incomplete: bool = True
) -> pd.DataFrame:
    """Random-sample rows covering every age × sex × district cell at least once, a few with an
    attribute blank, 9 or sex 3, and some open-web rows."""
    rng = np.random.default_rng(seed)
    cells = list(itertools.product(range(1, 9), (1, 2), range(1, 7)))
    base = [cells[i % len(cells)] for i in range(n_random)]
    extra = [
        tuple(int(x) for x in (rng.integers(1, 9), rng.integers(1, 3), rng.integers(1, 7)))
        for _ in range(n_random - len(base))
    ]
    attrs = [[str(a), str(s), str(d)] for a, s, d in base + extra]
    if incomplete:
        for i, (col, value) in enumerate([(0, ""), (1, "3"), (2, "9"), (1, ""), (0, "9"), (1, "3")]):
            attrs[-1 - i][col] = value
        attrs[-7] = ["", "", ""]
    rows = []
    for i, (age, sex, district) in enumerate(attrs):
        rows.append(
            {
                "response_id": f"R{i:05d}",
                "wave": str(wave),
                "channel": "1",
                "age_band": age,
                "sex": sex,
                "district": district,
                "household": str(rng.integers(1, 6)),
            }
            | {k: str(rng.integers(1, top + 1)) for k, top in ANSWERS.items()}
        )
    for j in range(n_open):
        rows.append(
            {
                "response_id": f"W{j:05d}",
                "wave": str(wave),
                "channel": "2",
                "age_band": str(rng.integers(1, 9)),
                "sex": str(rng.integers(1, 4)),
                "district": "1",
                "household": "",
            }
            | {k: str(rng.integers(1, top + 1)) for k, top in ANSWERS.items()}
        )
    return pd.DataFrame(rows)


def valid_frames() -> dict[str, pd.DataFrame]:
    """A valid extract set: file stem -> all-text DataFrame."""
    return {
        SURVEY_FILE: survey_frame(),
        "organisations": ORGANISATIONS.copy(),
        "activity": ACTIVITY.copy(),
        "referrals": REFERRALS.copy(),
        "population": pd.concat([population_frame("2023-01-01", 2), population_frame()], ignore_index=True),
    }


def write_extracts(
    directory: Path, frames: dict[str, pd.DataFrame] | None = None, encoding: str = "utf-8", excel: tuple[str, ...] = ()
) -> Path:
    """Write frames as CSV in the encoding (or .xlsx for the stems in `excel`) into directory."""
    directory.mkdir(parents=True, exist_ok=True)
    for stem, df in (valid_frames() if frames is None else frames).items():
        if stem in excel:
            df.to_excel(directory / f"{stem}.xlsx", index=False)
        else:
            df.to_csv(directory / f"{stem}.csv", index=False, encoding=encoding)
    return directory


@pytest.fixture
def extracts(tmp_path) -> Path:
    return write_extracts(tmp_path / "extracts")


def problems_of(directory: Path) -> list:
    """The problems that refuse a build of the folder ([] when it would build)."""
    import datetime as dt

    from data.build import load_extracts
    from data.problems import BuildRefused, errors

    try:
        load_extracts(directory, dt.datetime(2025, 1, 1), is_demo=False)
    except BuildRefused as refused:
        return errors(refused.problems)
    return []


def find(problems: list, file: str, row: int | None, column: str | None, value: str | None = None) -> list:
    """The problems at (file, row, column) — and with that value, when given."""
    return [
        p
        for p in problems
        if p.file == file and p.row == row and p.column == column and (value is None or p.value == value)
    ]


def with_changes(**frames: pd.DataFrame) -> dict[str, pd.DataFrame]:
    out = valid_frames()
    out.update(frames)
    return out


@pytest.fixture
def kit() -> SimpleNamespace:
    """The helpers of this file for the tests (conftest is not importable under importlib mode)."""
    return SimpleNamespace(
        ORGANISATIONS=ORGANISATIONS,
        ACTIVITY=ACTIVITY,
        REFERRALS=REFERRALS,
        SURVEY_FILE=SURVEY_FILE,
        population_frame=population_frame,
        survey_frame=survey_frame,
        valid_frames=valid_frames,
        write_extracts=write_extracts,
        problems_of=problems_of,
        find=find,
        with_changes=with_changes,
    )
