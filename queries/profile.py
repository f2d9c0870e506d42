"""Who answered a survey wave (回答者の構成), beside the population: protected like every other count.

Each group's respondent count is released perturbed (queries.cellkey, the survey ptable), and a
group whose released count is below the minimum n shows only 秘匿. Shares are of the released count
of the whole dimension, a cell of its own (its records' keys), so the hidden groups cannot be worked
out as what the shown ones leave of 100%: that difference carries the noise of every term.
Population figures are public counts of the residents' register and are shown as they are.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from queries import cellkey, disclosure
from queries.filters import OPEN_WEB, Filters
from queries.indicators import latest_wave
from queries.runner import run

COLUMNS = ["dimension", "code", "respondents", "respondents_pct", "suppressed", "population", "population_pct"]


def respondent_profile(con: duckdb.DuckDBPyConnection, filters: Filters = Filters()) -> pd.DataFrame:
    """One row per dimension (channel | age_band | district) and group (code <NA> = 無回答):
    respondents (Int64, released; <NA> where suppressed), respondents_pct (Float64, of the
    dimension's released total), suppressed, population and population_pct (residents 16+ at the
    latest as_of; <NA> for channel and 無回答). The channel rows count every channel of the wave;
    the others the filters' channels. Filters other than wave and channel do not apply."""
    wave = filters.wave if filters.wave is not None else latest_wave(con)
    if wave is None:
        return pd.DataFrame({c: [] for c in COLUMNS})
    raw = run(con, "respondent_profile", wave=int(wave), channels=list(filters.channels))
    parts = []
    for dim, part in raw.groupby("dimension", sort=False):
        counts = part["respondents"].to_numpy(dtype=np.int64)
        keys = part["key_sum"].to_numpy(dtype=np.int64)
        codes = part["code"].to_numpy(dtype=float, na_value=np.nan)
        # each channel's counts with its own ptable (the open web's has more noise); the channel
        # dimension's total spans both channels and takes the random sample's
        open_web = (codes == OPEN_WEB) if dim == "channel" else np.full(len(part), filters.includes_open_web)
        shown = cellkey.perturb_survey(counts, keys, open_web)
        total = int(
            cellkey.perturb_survey([counts.sum()], [keys.sum()], dim != "channel" and filters.includes_open_web)[0]
        )
        hidden = disclosure.suppressed(shown)
        pct = 100.0 * shown / total if total > 0 else np.full(len(shown), np.nan)
        pop = part["population"].astype("Float64")
        pop_total = pop.sum()
        parts.append(
            pd.DataFrame(
                {
                    "dimension": dim,
                    "code": part["code"].astype("Int64").array,
                    "respondents": pd.arrays.IntegerArray(np.where(hidden, 0, shown), hidden.copy()),
                    "respondents_pct": pd.arrays.FloatingArray(np.where(hidden, 0.0, pct), hidden | np.isnan(pct)),
                    "suppressed": hidden,
                    "population": part["population"].astype("Int64").array,
                    "population_pct": (100.0 * pop / pop_total).to_numpy() if pop_total else pop.to_numpy(),
                }
            )
        )
    if not parts:
        return pd.DataFrame({c: [] for c in COLUMNS})
    return pd.concat(parts, ignore_index=True)[COLUMNS]
