"""Demo population: residents aged 16+ by district × age band × sex, approximating Tsuruoka today.

Nothing here is the city's published table (the city publishes it monthly; see
shared/reference/tsuruoka.md). What is approximated, and how:

- Total residents on 2024-01-01: 117,828 (the residents' register figure, Japanese nationals).
- District totals: the 2005 census counts, each shrunk by its 2005→2010 decline compounded over
  the 19 years 2005→2024 (朝日 −10.4%, 温海 −10.1%, 櫛引 −5.3%, 藤島 −4.7%, 羽黒 −4.0%, 鶴岡 −2.8%
  per five years), then scaled so they add up to 117,828.
- Aged 16+: 103,800 (an assumed under-16 share of about 12%, a little lower in the outer districts).
- Age bands of the 16+ city total are an assumed old age structure: 65+ (half of 60〜69 plus 70+)
  is about 37% of all residents.
- Outer districts are older: each district's age profile is tilted towards the older bands
  (most in 朝日 and 温海) and then raked (iterative proportional fitting) back to the city's age totals
  and the district totals, so both margins hold.
- Sex: an assumed share of women rising with age (47% in the 20s, 64% at 80+).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

AS_OF = "2024-01-01"
TOTAL_RESIDENTS = 117_828
DISTRICTS = np.arange(1, 7)
AGE_BANDS = np.arange(1, 9)

CENSUS_2005 = np.array([98_127, 11_595, 9_323, 8_320, 5_378, 9_641], dtype=float)
DECLINE_2005_2010 = np.array([0.028, 0.047, 0.040, 0.053, 0.104, 0.101])
YEARS_SINCE_2005 = 19
UNDER_16_SHARE = np.array([0.122, 0.115, 0.112, 0.115, 0.095, 0.095])

# City residents aged 16+ by age band (16-19, 20s, ..., 80+): assumed, sums to 103,800.
CITY_AGE_16PLUS = np.array([3_800, 8_600, 10_700, 14_050, 14_450, 16_300, 18_900, 17_000], dtype=float)
# How strongly each district's age profile leans towards the older bands before raking.
DISTRICT_AGE_TILT = np.array([0.0, 0.25, 0.30, 0.30, 0.60, 0.60])
FEMALE_SHARE = np.array([0.48, 0.47, 0.48, 0.49, 0.50, 0.505, 0.54, 0.64])


def district_totals() -> np.ndarray:
    """All residents (every age) by district, adding up to TOTAL_RESIDENTS."""
    shrunk = CENSUS_2005 * (1 - DECLINE_2005_2010) ** (YEARS_SINCE_2005 / 5)
    return shrunk * TOTAL_RESIDENTS / shrunk.sum()


def district_16plus_targets() -> np.ndarray:
    raw = district_totals() * (1 - UNDER_16_SHARE)
    return raw * CITY_AGE_16PLUS.sum() / raw.sum()


def _rake(seed: np.ndarray, rows: np.ndarray, cols: np.ndarray, sweeps: int = 200) -> np.ndarray:
    table = seed.copy()
    for _ in range(sweeps):
        table *= (rows / table.sum(axis=1))[:, None]
        table *= (cols / table.sum(axis=0))[None, :]
    return table


def district_by_age() -> np.ndarray:
    """Residents 16+ as a 6 × 8 float table (district × age band) meeting both margins."""
    z = (AGE_BANDS - 4.5) / 3.5
    city_profile = CITY_AGE_16PLUS / CITY_AGE_16PLUS.sum()
    seed = city_profile[None, :] * np.exp(DISTRICT_AGE_TILT[:, None] * z[None, :])
    return _rake(seed, district_16plus_targets(), CITY_AGE_16PLUS)


def population_frame() -> pd.DataFrame:
    """The population extract: as_of, district, age_band, sex, population (96 rows)."""
    table = district_by_age()
    women = np.rint(table * FEMALE_SHARE[None, :]).astype(np.int64)
    men = np.rint(table).astype(np.int64) - women
    d, a = np.meshgrid(DISTRICTS, AGE_BANDS, indexing="ij")
    n = d.size
    frame = pd.DataFrame(
        {
            "as_of": AS_OF,
            "district": np.repeat(d.ravel(), 2),
            "age_band": np.repeat(a.ravel(), 2),
            "sex": np.tile([1, 2], n),
            "population": np.column_stack([men.ravel(), women.ravel()]).ravel(),
        }
    )
    return frame


def ageing_rate_by_district() -> pd.Series:
    """Share of all residents aged 65+ (half of 60〜69 counted) by district, as modelled here."""
    table = district_by_age()
    older = 0.5 * table[:, 5] + table[:, 6] + table[:, 7]
    return pd.Series(older / district_totals(), index=DISTRICTS, name="aged_65_plus_share")
