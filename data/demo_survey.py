"""Demo survey responses: who answers, and what they answer (vectorised, any size).

Who answers
- Random sample (channel 1): people drawn from the demo population (16+) with probability
  proportional to population × response propensity. The propensity rises with age (26% in the
  20s, 65% in the 70s, a little lower again at 80+), is a little higher for women and in the
  outer districts; it averages about 50%, so 1,500 responses stand for about 3,000 forms posted.
- Open web (channel 2): self-selected, younger (most respondents 30〜59), more women, mostly from
  the 鶴岡 district, and a little lonelier than the random sample (people who care answer).
- Household type depends on age (older people more often single or couple-only) and on the
  district (three-generation households much more common outside 鶴岡).

What they answer: one latent isolation trait S drives having no one to consult, rare contact
and non-participation; a latent loneliness L = 0.5·S + effects of age (20s/30s higher, 70s
lower), household (living alone higher), sex, wave and channel + noise, plus a jump for having
no one to consult, plus the platform's effect (PLATFORM_EFFECT: from 2024 loneliness falls in
藤島, more among people aged 16〜39, and a little in 櫛引; nowhere else), a real change for the
trends page to find or miss. The direct question and each of the three UCLA items are ordered cuts of L
(each with its own item noise), so the items agree with each other. Cut points were tuned so the
population-weighted results resemble the national survey (see national_survey.md): lonely_often
about 5%, lonely_any about 38%, UCLA 10〜12 about 6.5%, 全くない meets about 10%, no participation
about 50%, often lonely about 19% without a confidant against 3% with one.

No answers: each item is left out by a few percent of respondents (more by older people and for
household); a no-answer is written as a blank cell or, for about 40% of them, as the code 9.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from data.demo_population import AGE_BANDS

MISSING = -1  # internal marker of a no-answer, written as blank or 9
CODE_9_SHARE = 0.4  # share of no-answers written as the code 9 instead of a blank cell

SURVEY_COLUMNS = [
    "response_id",
    "wave",
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
]

# ---- who answers --------------------------------------------------------------------------
RESPONSE_PROPENSITY_AGE = np.array([0.31, 0.26, 0.33, 0.41, 0.51, 0.60, 0.65, 0.53])
RESPONSE_PROPENSITY_SEX = np.array([0.95, 1.05])  # men, women
RESPONSE_PROPENSITY_DISTRICT = np.array([1.0, 1.04, 1.04, 1.04, 1.06, 1.06])
OPEN_WEB_AGE = np.array([0.06, 0.14, 0.20, 0.23, 0.18, 0.12, 0.06, 0.01])
OPEN_WEB_DISTRICT = np.array([0.80, 0.06, 0.05, 0.04, 0.02, 0.03])
OPEN_WEB_FEMALE = 0.60

# Household type (single, couple only, two-generation, three-generation, other) by age band, in
# the 鶴岡 district; elsewhere three-generation × 1.8 and single × 0.85 before renormalising.
HOUSEHOLD_BY_AGE = np.array(
    [
        [0.04, 0.00, 0.70, 0.22, 0.04],
        [0.22, 0.08, 0.48, 0.16, 0.06],
        [0.12, 0.10, 0.55, 0.18, 0.05],
        [0.09, 0.06, 0.60, 0.20, 0.05],
        [0.10, 0.14, 0.52, 0.19, 0.05],
        [0.12, 0.32, 0.33, 0.18, 0.05],
        [0.17, 0.40, 0.23, 0.16, 0.04],
        [0.28, 0.26, 0.24, 0.18, 0.04],
    ]
)
RURAL_HOUSEHOLD_FACTOR = np.array([0.85, 1.0, 1.0, 1.8, 1.0])

# ---- what they answer ---------------------------------------------------------------------
LONELY_AGE = np.array([0.0, 0.28, 0.27, 0.18, 0.15, -0.05, -0.40, -0.28])
# Spread of L by age band: wider in the 20s/30s (more people at the lonely end, not just on average).
LONELY_SPREAD_AGE = np.array([1.05, 1.15, 1.12, 1.02, 1.0, 0.95, 0.88, 0.95])
LONELY_HOUSEHOLD = np.array([0.50, -0.12, 0.0, -0.08, 0.15])
LONELY_SEX = np.array([0.03, 0.0, 0.45])  # men, women, other
LONELY_NO_CONFIDANT = 0.85
LONELY_OPEN_WEB = 0.15
LONELY_TRAIT = 0.5
# Cut points of L (+ item noise) into the direct question's five answers and the UCLA items' four.
DIRECT_CUTS = np.array([-1.05, 0.39, 1.15, 2.25])
DIRECT_NOISE = 0.35
UCLA_CUTS = np.array([[-0.76, 0.61, 2.35], [-0.71, 0.66, 2.40], [-0.66, 0.71, 2.45]])
UCLA_NOISE = 0.45

# The platform's effect on L (both channels) by wave, district and age band: the platform began in
# 2023-09 with 藤島 and 櫛引 as its first districts (invented). (wave, district, age bands) → shift;
# the shifts of the rows that match add up. Waves before 2024 have none, so 2023 is unchanged.
PLATFORM_EFFECT = (
    (2024, 2, (1, 2, 3, 4, 5, 6, 7, 8), -0.35),
    (2024, 2, (1, 2, 3), -0.30),
    (2024, 4, (1, 2, 3, 4, 5, 6, 7, 8), -0.10),
    (2025, 2, (1, 2, 3, 4, 5, 6, 7, 8), -0.80),
    (2025, 2, (1, 2, 3), -0.45),
    (2025, 4, (1, 2, 3, 4, 5, 6, 7, 8), -0.20),
)

NO_CONFIDANT_BASE = -3.35
NO_CONFIDANT_TRAIT = 1.1
NO_CONFIDANT_MALE = 0.6
NO_CONFIDANT_SINGLE = 0.5
NO_CONFIDANT_AGE = np.array([-0.3, -0.2, 0.0, 0.1, 0.2, 0.2, 0.2, 0.3])

# meet_freq: higher M = less contact; 7 answers from 週4〜5回以上 to 全くない.
MEET_TRAIT = 0.8
MEET_AGE = np.array([-0.6, -0.3, 0.1, 0.2, 0.15, 0.0, -0.1, 0.05])
MEET_HOUSEHOLD = np.array([-0.1, 0.05, 0.05, 0.15, 0.0])
MEET_CUTS = np.array([-1.77, -0.98, -0.33, 0.14, 0.76, 1.75])

NO_PARTICIPATION_BASE = 0.12
NO_PARTICIPATION_TRAIT = 0.7
NO_PARTICIPATION_AGE = np.array([-0.2, 0.5, 0.3, 0.1, 0.0, -0.35, -0.45, 0.35])
NO_PARTICIPATION_RURAL = -0.3

SUPPORT_BASE = -3.4
SUPPORT_LONELY = 0.35
SUPPORT_AGE = np.array([0.0, -0.3, -0.1, 0.0, 0.0, 0.1, 0.5, 1.4])
SUPPORT_SINGLE = 0.5

# No-answer rates per item (before the age factor); household a bit more.
NO_ANSWER = {
    "age_band": 0.008,
    "sex": 0.008,
    "district": 0.012,
    "household": 0.045,
    "lonely_direct": 0.013,
    "ucla_1": 0.02,
    "ucla_2": 0.021,
    "ucla_3": 0.022,
    "meet_freq": 0.02,
    "participation": 0.025,
    "confidant": 0.018,
    "support_received": 0.04,
}
NO_ANSWER_AGE_FACTOR = np.array([0.8, 0.7, 0.7, 0.8, 0.9, 1.1, 1.4, 2.2])
SEX_OTHER_SHARE = 0.012


def _categorical(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One draw per row of `probs` (rows sum to 1); returns 0-based category indices."""
    cum = np.cumsum(probs, axis=1)
    u = rng.random(len(probs))[:, None]
    return np.minimum((u > cum).sum(axis=1), probs.shape[1] - 1)


def _cut(values: np.ndarray, cuts: np.ndarray) -> np.ndarray:
    """1-based ordered category of each value (cuts ascending)."""
    return np.searchsorted(cuts, values) + 1


def _logistic(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def draw_random_sample(rng: np.random.Generator, population: pd.DataFrame, n: int) -> dict[str, np.ndarray]:
    """n random-sample respondents' true age band, sex and district (population × propensity)."""
    age = population["age_band"].to_numpy()
    sex = population["sex"].to_numpy()
    district = population["district"].to_numpy()
    weight = (
        population["population"].to_numpy()
        * RESPONSE_PROPENSITY_AGE[age - 1]
        * RESPONSE_PROPENSITY_SEX[sex - 1]
        * RESPONSE_PROPENSITY_DISTRICT[district - 1]
    )
    cell = rng.choice(len(population), size=n, p=weight / weight.sum())
    return {"age_band": age[cell], "sex": sex[cell], "district": district[cell]}


def draw_open_web(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """n open-web respondents: younger, more women, mostly from the 鶴岡 district."""
    return {
        "age_band": rng.choice(AGE_BANDS, size=n, p=OPEN_WEB_AGE),
        "sex": np.where(rng.random(n) < OPEN_WEB_FEMALE, 2, 1),
        "district": rng.choice(np.arange(1, 7), size=n, p=OPEN_WEB_DISTRICT),
    }


def household_probabilities(age: np.ndarray, district: np.ndarray) -> np.ndarray:
    probs = HOUSEHOLD_BY_AGE[age - 1]
    rural = (district != 1)[:, None]
    probs = np.where(rural, probs * RURAL_HOUSEHOLD_FACTOR[None, :], probs)
    return probs / probs.sum(axis=1, keepdims=True)


def platform_effect(wave: int, age: np.ndarray, district: np.ndarray) -> np.ndarray:
    """The platform's shift of L for each person of WAVE (0 where it has none)."""
    out = np.zeros(len(age))
    for w, d, ages, shift in PLATFORM_EFFECT:
        if w == wave:
            out += np.where((district == d) & np.isin(age, ages), shift, 0.0)
    return out


def answers(
    rng: np.random.Generator,
    people: dict[str, np.ndarray],
    channel: int,
    wave_effect: float,
    wave: int | None = None,
) -> dict[str, np.ndarray]:
    """Household and every answer, before no-answers are applied (WAVE: for the platform's effect)."""
    age, district = people["age_band"], people["district"]
    n = len(age)
    sex = np.where(rng.random(n) < SEX_OTHER_SHARE, 3, people["sex"])
    household = _categorical(rng, household_probabilities(age, district)) + 1
    single = (household == 1).astype(float)
    male = (sex == 1).astype(float)

    trait = rng.standard_normal(n)
    no_confidant = rng.random(n) < _logistic(
        NO_CONFIDANT_BASE
        + NO_CONFIDANT_TRAIT * trait
        + NO_CONFIDANT_MALE * male
        + NO_CONFIDANT_SINGLE * single
        + NO_CONFIDANT_AGE[age - 1]
    )
    lonely = (
        LONELY_TRAIT * trait
        + LONELY_AGE[age - 1]
        + LONELY_HOUSEHOLD[household - 1]
        + LONELY_SEX[sex - 1]
        + LONELY_NO_CONFIDANT * no_confidant
        + wave_effect
        + (platform_effect(wave, age, district) if wave is not None else 0.0)
        + (LONELY_OPEN_WEB if channel == 2 else 0.0)
        + LONELY_SPREAD_AGE[age - 1] * rng.standard_normal(n)
    )
    direct = _cut(lonely + DIRECT_NOISE * rng.standard_normal(n), DIRECT_CUTS)
    ucla = [_cut(lonely + UCLA_NOISE * rng.standard_normal(n), UCLA_CUTS[k]) for k in range(3)]

    meet_latent = (
        MEET_TRAIT * trait
        + MEET_AGE[age - 1]
        + MEET_HOUSEHOLD[household - 1]
        + 0.25 * no_confidant
        + rng.standard_normal(n)
    )
    meet = _cut(meet_latent, MEET_CUTS)
    no_participation = rng.random(n) < _logistic(
        NO_PARTICIPATION_BASE
        + NO_PARTICIPATION_TRAIT * trait
        + NO_PARTICIPATION_AGE[age - 1]
        + NO_PARTICIPATION_RURAL * (district != 1)
    )
    support = rng.random(n) < _logistic(
        SUPPORT_BASE + SUPPORT_LONELY * lonely + SUPPORT_AGE[age - 1] + SUPPORT_SINGLE * single
    )

    return {
        "age_band": age,
        "sex": sex,
        "district": district,
        "household": household,
        "lonely_direct": direct,
        "ucla_1": ucla[0],
        "ucla_2": ucla[1],
        "ucla_3": ucla[2],
        "meet_freq": meet,
        "participation": np.where(no_participation, 2, 1),
        "confidant": np.where(no_confidant, 2, 1),
        "support_received": np.where(support, 1, 2),
    }


def apply_no_answers(rng: np.random.Generator, values: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Blank some answers (MISSING), more often for older respondents; 9s are chosen at writing."""
    age_factor = NO_ANSWER_AGE_FACTOR[values["age_band"] - 1]
    out = {}
    for column, rate in NO_ANSWER.items():
        blank = rng.random(len(age_factor)) < rate * age_factor
        out[column] = np.where(blank, MISSING, values[column])
    return out


def wave_frame(
    rng: np.random.Generator, population: pd.DataFrame, wave: int, n_random: int, n_open: int, wave_effect: float
) -> pd.DataFrame:
    """One wave's extract: random-sample rows then open-web rows, ids R<wave>-nnnnnn / W<wave>-nnnnnn."""
    parts = []
    for channel, n, prefix in ((1, n_random, "R"), (2, n_open, "W")):
        if n == 0:
            continue
        people = draw_random_sample(rng, population, n) if channel == 1 else draw_open_web(rng, n)
        values = apply_no_answers(rng, answers(rng, people, channel, wave_effect, wave))
        width = max(5, len(str(n)))
        ids = np.char.add(f"{prefix}{wave}-", np.char.zfill(np.arange(1, n + 1).astype(str), width))
        part = {"response_id": ids, "wave": np.full(n, wave), "channel": np.full(n, channel)}
        part.update(values)
        parts.append(pd.DataFrame(part, columns=SURVEY_COLUMNS))
    return pd.concat(parts, ignore_index=True)


def code_nines(rng: np.random.Generator, frame: pd.DataFrame) -> pd.DataFrame:
    """Decide, per no-answer, whether it is written as code 9 (else a blank cell: pd.NA)."""
    out = frame.copy()
    for column in NO_ANSWER:
        values = out[column].to_numpy()
        missing = values == MISSING
        nine = missing & (rng.random(len(values)) < CODE_9_SHARE)
        series = pd.array(np.where(nine, 9, values), dtype="Int64")
        series[missing & ~nine] = pd.NA
        out[column] = series
    return out
