"""The benchmark's workload: every call of the query layer, each with varied random arguments.

A case is a name and a function rng -> (callable, description). Each timed run draws fresh
arguments (filters over districts, age bands, sexes, households, waves, channels; activity periods,
districts, fields, organisation types; breakdown dimensions), so the figures are not those of one
lucky cache-friendly call. The same seed gives the same sequence of calls. Filters are drawn from
what the query layer allows (queries.filters): an attribute filter is one code or a named group;
an activity period one month or one fiscal year, districts one code or a named group, fields and
organisation types one code. Tables by organisation are timed as the dashboard meets them: refused
after one count above the codebook's max_org_groups (the 100k and 1M scales have 484 and 4,730
organisations); so is a survey table whose filters leave too few respondents (FilterTooNarrow).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from data import codebook
from queries import activity as qa, directory as qd, disclosure, indicators, national, need as qn, profile
from queries.filters import ATTRIBUTE_FILTERS, ActivityFilters, Filters, filter_choices

CHANNEL_CHOICES = ("random", "random", "open")  # the default channel comes up most
DIRECTORY_WORDS = ("相談", "鶴岡", "支援", "架空", "センター", "平日", "子ども", "こころ", "")


@dataclass(frozen=True)
class Call:
    fn: Callable[[], object]
    args: dict


@dataclass(frozen=True)
class Case:
    name: str
    draw: Callable[[np.random.Generator], Call]


def refusable(fn: Callable[[], object]) -> Callable[[], object]:
    """A call as the dashboard makes it, refusals included: a table by organisation above the
    codebook's max_org_groups (TooManyGroups, after one count; the page shows the type level) and a
    survey table whose filters leave too few respondents (FilterTooNarrow, after the sums are
    fetched; the page asks to widen the filters) are answers too, and timed as such."""

    def call():
        try:
            return fn()
        except (qa.TableTooLarge, disclosure.FilterTooNarrow) as exc:
            return exc

    return call


def _subset(rng: np.random.Generator, codes: list[int], p_any: float = 0.5) -> tuple[int, ...]:
    """() with probability 1 - p_any, else a random non-empty subset of codes (the directory's
    multiselects only: it lists organisations and takes any codes)."""
    if rng.random() >= p_any:
        return ()
    k = int(rng.integers(1, len(codes) + 1))
    return tuple(sorted(int(c) for c in rng.choice(codes, size=k, replace=False)))


def _choice(rng: np.random.Generator, choices: list[tuple[int, ...]], p_any: float) -> tuple[int, ...]:
    """() with probability 1 - p_any, else one of CHOICES (a single code or a named group)."""
    if rng.random() >= p_any or not choices:
        return ()
    return tuple(choices[int(rng.integers(len(choices)))])


def random_filters(rng: np.random.Generator, waves: list[int]) -> Filters:
    wave = None if rng.random() < 0.4 or not waves else int(rng.choice(waves))
    channel = str(rng.choice(CHANNEL_CHOICES))
    attrs = {dim: _choice(rng, filter_choices(dim), p_any=0.4) for dim in ATTRIBUTE_FILTERS}
    return Filters(wave=wave, channel=channel, **attrs)


def random_period(rng: np.random.Generator, fiscal_years: list[int]) -> dict:
    """The whole data (0.4), one fiscal year (0.4) or one month of it (0.2)."""
    r = rng.random()
    if r < 0.4 or not fiscal_years:
        return {}
    fy = int(rng.choice(fiscal_years))
    if r < 0.8:
        return {"fiscal_years": (fy,)}
    month = int(rng.integers(1, 13))
    year = fy if month >= 4 else fy + 1
    return {"start": f"{year}-{month:02d}", "end": f"{year}-{month:02d}"}


def random_activity_filters(rng: np.random.Generator, fiscal_years: list[int]) -> ActivityFilters:
    one = lambda name: [(c,) for c in codebook.codes(name)]
    return ActivityFilters(
        **random_period(rng, fiscal_years),
        districts=_choice(rng, filter_choices("district"), p_any=0.4),
        fields=_choice(rng, one("field"), p_any=0.3),
        org_types=_choice(rng, one("org_type"), p_any=0.3),
    )


def _dims_by(rng: np.random.Generator, k: int) -> tuple[str, ...]:
    dims = codebook.dimensions()
    if k == 0:
        return ()
    if k == 1:
        return (str(rng.choice(dims)),)
    pairs = list(itertools.permutations(dims, 2))
    return tuple(pairs[int(rng.integers(len(pairs)))])


def indicator_case_name(indicator: str, k: int) -> str:
    return f"indicator_table/{indicator}/by{k}"


def indicator_args(rng: np.random.Generator, k: int, waves: list[int]) -> tuple[tuple[str, ...], Filters]:
    return _dims_by(rng, k), random_filters(rng, waves)


def cases(con) -> list[Case]:
    """Every query-layer call the dashboard makes, with argument generators."""
    waves = indicators.waves(con)
    years = qa.fiscal_years(con)
    langs = list(codebook.LANGS)
    out: list[Case] = []

    for ind in codebook.indicators():
        for k in (0, 1, 2):

            def draw(rng, ind=ind, k=k):
                by, f = indicator_args(rng, k, waves)
                return Call(refusable(lambda: indicators.indicator_table(con, ind, by, f)), {"by": by, "filters": f})

            out.append(Case(indicator_case_name(ind, k), draw))

    def headline(rng):
        f = random_filters(rng, waves)
        return Call(refusable(lambda: indicators.headline(con, f)), {"filters": f})

    def comparison(rng):
        f, lang = random_filters(rng, waves), str(rng.choice(langs))
        return Call(refusable(lambda: national.national_comparison(con, f, lang)), {"filters": f, "lang": lang})

    def respondents(rng):
        f = random_filters(rng, waves)
        return Call(lambda: profile.respondent_profile(con, f), {"wave": f.wave, "channels": f.channels})

    out += [
        Case("headline", headline),
        Case("national_comparison", comparison),
        Case("respondent_profile", respondents),
    ]

    for period, fn in (("month", qa.activity_by_month), ("fiscal_year", qa.activity_by_fiscal_year)):
        for by in (None, *qa.BREAKDOWNS):

            def draw(rng, fn=fn, by=by):
                measure, act, lang = (
                    str(rng.choice(qa.MEASURES)),
                    random_activity_filters(rng, years),
                    str(rng.choice(langs)),
                )
                return Call(refusable(lambda: fn(con, measure, by, act, lang)), {"measure": measure, "filters": act})

            out.append(Case(f"activity_by_{period}/{by or 'total'}", draw))

    def rates(rng):
        measure, act = str(rng.choice(qa.MEASURES)), random_activity_filters(rng, years)
        return Call(lambda: qa.rates_per_1000(con, measure, act), {"measure": measure, "filters": act})

    def need(rng):
        f, act = random_filters(rng, waves), random_activity_filters(rng, years)
        return Call(refusable(lambda: qn.district_need(con, f, act)), {"filters": f, "activity": act})

    out += [Case("rates_per_1000", rates), Case("district_need", need)]

    for level in ("org_type", "org"):

        def draw(rng, level=level):
            act = ActivityFilters(**random_period(rng, years))
            return Call(refusable(lambda: qa.referral_matrix(con, level, act)), {"filters": act})

        out.append(Case(f"referral_matrix/{level}", draw))

    def directory(rng):
        fields = _subset(rng, codebook.codes("field"), p_any=0.4)
        districts = _subset(rng, codebook.codes("district"), p_any=0.4)
        search, lang = str(rng.choice(DIRECTORY_WORDS)), str(rng.choice(langs))
        return Call(
            lambda: qd.organisations_directory(con, fields, districts, search, lang),
            {"fields": fields, "districts": districts, "search": search},
        )

    def members(rng):
        lang = str(rng.choice(langs))
        return Call(lambda: qd.members_by_type_and_field(con, lang), {"lang": lang})

    out += [Case("organisations_directory", directory), Case("members_by_type_and_field", members)]
    return out
