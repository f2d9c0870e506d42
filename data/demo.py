"""Seeded, deterministic synthetic demo extracts (`python -m data demo`).

EVERYTHING HERE IS INVENTED. The files follow the data contract exactly
(shared/reference/extract_format.md) so the whole pipeline can be shown and tested without
real data, and they look like Tsuruoka so the dashboard reads sensibly:

- population.csv — residents 16+ by district × age band × sex on 2024-01-01, approximating the
  city: 117,828 residents in total (the register figure), 103,800 aged 16+, district totals from
  the 2005 census shrunk by each district's 2005→2010 decline compounded to 2024, an assumed old
  age structure (65+ about 37% of all residents; about 35% in 鶴岡, 40–42% in 藤島・羽黒・櫛引,
  about 49% in 朝日・温海) and an assumed share of women rising with age. See demo_population.
- survey_responses_<wave>.csv — one file per wave with both channels: by default three yearly
  waves (2023, 2024, 2025), each with 1,500 random-sample responses (as if 3,000 forms were
  posted; older people answer more often) and 400 open-web responses (younger, self-selected).
  2023 is drawn exactly as when the demo had one wave; from 2024 the platform's invented effect
  lowers loneliness in 藤島 (more among people aged 16〜39) and a little in 櫛引
  (demo_survey.PLATFORM_EFFECT), and every later wave has a small random city-wide drift.
  Answers come from a latent loneliness model tuned to resemble the national survey's published
  results. No weight column: the loader rakes the random sample to the population. See
  demo_survey.
- organisations.csv — 22 invented organisations, every name containing 架空, phone numbers
  0235-00-00NN, addresses 鶴岡市（架空）…. See demo_orgs.
- activity.csv, referrals.csv — 24 months (2023-04..2025-03) of consultations, new cases,
  outreach and referrals. See demo_activity.

Scaled data sets for the benchmark: `responses`, when given, is the total of random-sample responses over
all waves; above 5,000 they are spread over several yearly waves (2023, 2024, …: at least two,
one more per 100,000, at most ten), with open-web responses in the same 400 : 1,500 ratio.
`activity_rows` is met exactly by adding months and invented sites (see demo_activity).

Same seed and sizes → byte-identical files: every random draw comes from a generator seeded by
(seed, part), and the files are written in a fixed order and format (UTF-8 with BOM, LF).
"""

from __future__ import annotations

import codecs
import os
import shutil
import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from data import demo_activity, demo_orgs, demo_population, demo_survey

DEFAULT_SEED = 20230901  # the month the platform was set up
DEFAULT_RESPONSES = 1500  # random-sample responses per wave of the default demo
DEFAULT_WAVES = 3  # the default demo: 2023, 2024, 2025
DEFAULT_OUT = Path(__file__).with_name("demo")
FIRST_WAVE = 2023
OPEN_WEB_PER_RANDOM = 400 / 1500
SINGLE_WAVE_MAX = 5_000
RESPONSES_PER_EXTRA_WAVE = 100_000
MAX_WAVES = 10
ENCODING = "utf-8-sig"

# Random streams: one per part, so changing one part's size leaves the others unchanged.
_STREAM_SURVEY, _STREAM_ORGS, _STREAM_ACTIVITY, _STREAM_REFERRALS, _STREAM_WAVE = 1, 2, 3, 4, 5


def _rng(seed: int, *stream: int) -> np.random.Generator:
    return np.random.default_rng([seed, *stream])


def default_plan() -> list[tuple[int, int, int]]:
    """The default demo: DEFAULT_WAVES waves of DEFAULT_RESPONSES random-sample responses each."""
    return wave_plan(DEFAULT_RESPONSES * DEFAULT_WAVES, waves=DEFAULT_WAVES)


def wave_plan(responses: int, waves: int | None = None) -> list[tuple[int, int, int]]:
    """(wave, random-sample responses, open-web responses) for each wave: RESPONSES in all, over
    WAVES waves if given, else one wave up to SINGLE_WAVE_MAX and more above."""
    if waves is not None:
        n_waves = int(waves)
    elif responses <= SINGLE_WAVE_MAX:
        n_waves = 1
    else:
        n_waves = min(MAX_WAVES, 1 + -(-responses // RESPONSES_PER_EXTRA_WAVE))
    sizes = np.full(n_waves, responses // n_waves)
    sizes[: responses % n_waves] += 1
    return [(FIRST_WAVE + i, int(n), int(round(n * OPEN_WEB_PER_RANDOM))) for i, n in enumerate(sizes)]


def _check_sizes(seed: int, responses: int, activity_rows: int | None) -> None:
    problems = []
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        problems.append(f"seed は 0 以上の整数 / seed must be an integer >= 0 (got {seed!r})")
    if not isinstance(responses, (int, np.integer)) or isinstance(responses, bool) or responses < 1:
        problems.append(f"responses は 1 以上の整数 / responses must be an integer >= 1 (got {responses!r})")
    if activity_rows is not None and (
        not isinstance(activity_rows, (int, np.integer)) or isinstance(activity_rows, bool) or activity_rows < 1
    ):
        problems.append(
            f"activity_rows は 1 以上の整数 / activity_rows must be an integer >= 1 (got {activity_rows!r})"
        )
    if problems:
        raise ValueError("; ".join(problems))


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    """UTF-8 with BOM, LF, header row, blanks for missing values.

    DuckDB writes the body (several times faster than pandas for millions of rows, same bytes);
    the BOM goes in front while copying into a temp file, which then replaces the target, so a
    failure never leaves half a file.
    """
    body = path.with_name(path.name + ".body.tmp")
    tmp = path.with_name(path.name + ".tmp")
    try:
        with duckdb.connect() as con:
            con.register("extract", frame)
            con.table("extract").write_csv(str(body), header=True, sep=",")
        with tmp.open("wb") as out, body.open("rb") as src:
            out.write(codecs.BOM_UTF8)
            shutil.copyfileobj(src, out, length=1 << 22)
        os.replace(tmp, path)
    finally:
        for leftover in (body, tmp):
            if leftover.exists():
                leftover.unlink()


def build_frames(
    seed: int = DEFAULT_SEED, responses: int | None = None, activity_rows: int | None = None
) -> dict[str, pd.DataFrame]:
    """Every extract as a DataFrame, keyed by file stem (survey_responses_2023, population, …).
    responses None: the default demo's waves (default_plan); else that many random-sample
    responses in all (wave_plan)."""
    _check_sizes(seed, DEFAULT_RESPONSES if responses is None else responses, activity_rows)
    population = demo_population.population_frame()
    frames: dict[str, pd.DataFrame] = {}
    plan = default_plan() if responses is None else wave_plan(responses)
    for wave, n_random, n_open in plan:
        wave_effect = 0.0 if wave == FIRST_WAVE else float(_rng(seed, _STREAM_WAVE, wave).normal(0.0, 0.05))
        rng = _rng(seed, _STREAM_SURVEY, wave)
        frame = demo_survey.wave_frame(rng, population, wave, n_random, n_open, wave_effect)
        frames[f"survey_responses_{wave}"] = demo_survey.code_nines(rng, frame)
    frames["population"] = population

    orgs_base = demo_orgs.base_organisations()
    activity, months, copies = demo_activity.activity_frame(_rng(seed, _STREAM_ACTIVITY), orgs_base, activity_rows)
    frames["organisations"] = demo_orgs.organisations_frame(demo_orgs.organisations_from(orgs_base, copies))
    frames["activity"] = activity
    frames["referrals"] = demo_activity.referrals_frame(_rng(seed, _STREAM_REFERRALS), orgs_base, months, copies)
    return frames


def generate(
    out_dir: str | os.PathLike,
    seed: int = DEFAULT_SEED,
    responses: int | None = None,
    activity_rows: int | None = None,
) -> dict[str, Path]:
    """Write the five extracts into out_dir; returns {file stem: path}.

    Files of the same names are replaced; nothing else in out_dir is touched.
    """
    return write_frames(build_frames(seed=seed, responses=responses, activity_rows=activity_rows), out_dir)


def write_frames(frames: dict[str, pd.DataFrame], out_dir: str | os.PathLike) -> dict[str, Path]:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    for stem, frame in frames.items():
        path = out / f"{stem}.csv"
        _write_csv(frame, path)
        paths[stem] = path
    return paths


def stale_survey_files(out_dir: str | os.PathLike, written: dict[str, Path]) -> list[Path]:
    """survey_responses files in out_dir this run did not write (the loader would read them too)."""
    mine = {p.resolve() for p in written.values()}
    return sorted(p for p in Path(out_dir).glob("survey_responses*") if p.resolve() not in mine)


def run_demo(
    out: str | None = None, seed: int | None = None, responses: int | None = None, activity_rows: int | None = None
) -> int:
    """`python -m data demo`: write the extracts, print what was written; 0 on success, 2 on bad input."""
    out_dir = Path(out) if out else DEFAULT_OUT
    seed = DEFAULT_SEED if seed is None else seed
    try:
        frames = build_frames(seed=seed, responses=responses, activity_rows=activity_rows)
        paths = write_frames(frames, out_dir)
    except (ValueError, OSError, duckdb.Error) as exc:
        print(f"デモデータを作成できませんでした / could not write the demo data: {exc}", file=sys.stderr)
        return 2
    print(f"デモデータ（架空）/ demo data (fictional), seed {seed}: {out_dir}")
    for stem, path in paths.items():
        print(f"  {path.name}: {len(frames[stem]):,} rows")
    for path in stale_survey_files(out_dir, paths):
        print(
            f"注意: 今回作成していない調査ファイルが残っています / warning: survey file not written by this "
            f"run is still there (the loader will read it too): {path}",
            file=sys.stderr,
        )
    return 0
