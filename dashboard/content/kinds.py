"""The registry of view kinds: what each kind of view is called, which builder draws it, which
settings a deck may give it, and which filters the presenter may change live.

The deck files (presenter/deck.py: parsing and writing a view), the slides and handouts
(dashboard.content.build), the presenter's live filter and the pages all read KINDS; nothing else
lists the kinds. Adding a kind: a query in queries/ (reached through Source.run or a Source
method), a builder in dashboard/content/builders.py, and one ViewKind here.

A setting reads its keys from a view's mapping in a deck file (reporting each problem with its
place) and writes them back; every kind but members also takes `filters` (deck.py reads those).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

from dashboard.content import builders as b
from dashboard.content.view import View, ViewContent
from data import codebook as cb
from queries import activity as qa, export, trend as qt


class Problems(Protocol):
    def add(self, where: str, message: str) -> None: ...


# ---- settings -------------------------------------------------------------------------------------


class Setting:
    """One setting (or a few together) of a view in a deck file."""

    keys: frozenset[str] = frozenset()

    def parse(self, raw: Mapping[str, Any], view: View, by: tuple[str, ...], where: str, problems: Problems) -> View:
        """VIEW with the setting read from RAW (BY: the view's `by`, already read as a tuple)."""
        raise NotImplementedError

    def write(self, view: View, out: dict[str, Any]) -> None:
        """The setting into OUT, the view's mapping in a deck file."""
        raise NotImplementedError


class Indicator(Setting):
    """`indicator`: an indicator of the codebook."""

    keys = frozenset({"indicator"})

    def parse(self, raw, view, by, where, problems):
        indicator = raw.get("indicator")
        if indicator not in cb.indicators():
            problems.add(f"{where}.indicator", f"unknown indicator {indicator!r}; known: {', '.join(cb.indicators())}")
        return replace(view, indicator=indicator)

    def write(self, view, out):
        out["indicator"] = view.indicator


@dataclass(frozen=True)
class Breakdown(Setting):
    """`by`: COUNT dimensions of the codebook, each once; or always FIXED (left out of the file)."""

    count: int = 1
    fixed: tuple[str, ...] = ()
    fixed_message: str = ""
    keys = frozenset({"by"})

    def parse(self, raw, view, by, where, problems):
        dims = cb.dimensions()
        for d in by:
            if d not in dims:
                problems.add(f"{where}.by", f"unknown dimension {d!r}; known: {', '.join(dims)}")
        if len(set(by)) != len(by):
            problems.add(f"{where}.by", "the same dimension twice")
        if self.fixed:
            if by not in ((), self.fixed):
                problems.add(f"{where}.by", self.fixed_message)
            by = self.fixed
        elif len(by) != self.count:
            problems.add(f"{where}.by", f"a {view.kind} view takes {self.count} dimension(s), got {len(by)}")
        return replace(view, by=by)

    def write(self, view, out):
        if not self.fixed:
            out["by"] = list(view.by)


class TrendBy(Setting):
    """`by` of a trend: nothing (the city) or one of queries.trend.DIMENSIONS."""

    keys = frozenset({"by"})

    def parse(self, raw, view, by, where, problems):
        if len(by) > 1 or any(d not in qt.DIMENSIONS for d in by):
            problems.add(f"{where}.by", f"a trend is by at most one of {', '.join(qt.DIMENSIONS)}")
        return replace(view, by=by[:1])

    def write(self, view, out):
        if view.by:
            out["by"] = list(view.by)


class Windows(Setting):
    """`windows`: whether a map shows the consultation windows (true unless written false)."""

    keys = frozenset({"windows"})

    def parse(self, raw, view, by, where, problems):
        windows = raw.get("windows", True)
        if not isinstance(windows, bool):
            problems.add(f"{where}.windows", "must be true or false")
            windows = True
        return replace(view, windows=windows)

    def write(self, view, out):
        if not view.windows:
            out["windows"] = False


class Indicators(Setting):
    """`indicators`: which headline indicators, in this order (all when left out)."""

    keys = frozenset({"indicators"})

    def parse(self, raw, view, by, where, problems):
        ids = raw.get("indicators") or []
        if isinstance(ids, str):
            ids = [ids]
        for i in ids:
            if i not in cb.indicators():
                problems.add(f"{where}.indicators", f"unknown indicator {i!r}; known: {', '.join(cb.indicators())}")
        return replace(view, indicators=tuple(ids))

    def write(self, view, out):
        if view.indicators:
            out["indicators"] = list(view.indicators)


@dataclass(frozen=True)
class Choice(Setting):
    """A setting NAME (a field of View) taking one of OPTIONS, DEFAULT when left out."""

    name: str
    options: tuple[str, ...]
    default: str

    @property
    def keys(self) -> frozenset[str]:
        return frozenset({self.name})

    def parse(self, raw, view, by, where, problems):
        value = raw.get(self.name, self.default)
        if value not in self.options:
            listed = (self.default, *(o for o in self.options if o != self.default))
            problems.add(f"{where}.{self.name}", f"must be one of {', '.join(listed)}, not {value!r}")
        return replace(view, **{self.name: value})

    def write(self, view, out):
        out[self.name] = getattr(view, self.name)


@dataclass(frozen=True)
class Split(Setting):
    """`by` of an activity view: at most one of OPTIONS."""

    options: tuple[str, ...]
    keys = frozenset({"by"})

    def parse(self, raw, view, by, where, problems):
        if len(by) > 1 or any(d not in self.options for d in by):
            problems.add(f"{where}.by", f"an activity view is split by at most one of {', '.join(self.options)}")
        return replace(view, by=by[:1])

    def write(self, view, out):
        if view.by:
            out["by"] = list(view.by)


# ---- the kinds --------------------------------------------------------------------------------------

# What an activity view may be split by (a table by organisation only where the page asks for it),
# the periods it is counted over, the levels of a referral matrix.
ACTIVITY_SPLITS = tuple(d for d in qa.BREAKDOWNS if d != "org")
PERIODS = export.ACTIVITY_PERIODS
REFERRAL_LEVELS = ("org_type", "org")


@dataclass(frozen=True)
class ViewKind:
    """A kind of view.

    build: the builder (dashboard.content.builders); settings: what a deck may set besides
    `filters` (taken by every kind with filters=True); live: the filters the presenter may change
    live; survey: its figures are the survey's (the filters in view and the survey source go with
    it); statistics: adjusted figures (the users' note goes with it; the organisation lists are
    not); shown_as: chart, or the cards or directory entries the presenter draws as HTML."""

    key: str
    build: Callable[..., ViewContent]
    settings: Sequence[Setting] = ()
    filters: bool = True
    live: tuple[str, ...] = ()
    survey: bool = False
    statistics: bool = True
    shown_as: str = "chart"

    @property
    def keys(self) -> frozenset[str]:
        """Everything a deck may write in the view's mapping besides `kind`."""
        keys = {"filters"} if self.filters else set()
        for setting in self.settings:
            keys |= setting.keys
        return frozenset(keys)


INDICATOR = Indicator()
KINDS: dict[str, ViewKind] = {
    k.key: k
    for k in (
        ViewKind("bar", b.indicator, (INDICATOR, Breakdown(1)), live=("district", "sex"), survey=True),
        ViewKind("heatmap", b.indicator, (INDICATOR, Breakdown(2)), live=("district",), survey=True),
        ViewKind("multiples", b.indicator, (INDICATOR, Breakdown(2)), live=("district",), survey=True),
        ViewKind(
            "map",
            b.indicator,
            (
                INDICATOR,
                Breakdown(fixed=("district",), fixed_message="a map is always by district (leave `by` out)"),
                Windows(),
            ),
            live=("age_band", "sex"),
            survey=True,
        ),
        ViewKind("trend", b.trend, (INDICATOR, TrendBy()), live=("district", "age_band", "sex"), survey=True),
        ViewKind(
            "cards", b.cards, (Indicators(),), live=("district", "age_band", "sex"), survey=True, shown_as="cards"
        ),
        ViewKind(
            "activity",
            b.activity,
            (
                Choice("measure", qa.MEASURES, qa.MEASURES[0]),
                Choice("period", PERIODS, "fiscal_year"),
                Split(ACTIVITY_SPLITS),
            ),
            live=("district",),
        ),
        ViewKind("referrals", b.referrals, (Choice("level", REFERRAL_LEVELS, "org_type"),)),
        ViewKind("need", b.need, live=("age_band", "sex"), survey=True),
        ViewKind("directory", b.directory, live=("district",), statistics=False, shown_as="entries"),
        ViewKind("members", b.members, filters=False, statistics=False),
    )
}


def kind(key: str) -> ViewKind:
    """The kind KEY (KeyError for a kind that is not registered)."""
    return KINDS[key]
