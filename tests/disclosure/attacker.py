"""What a curious member can do with the released figures: the attacker of the disclosure suite.

The attacker knows the method and the published perturbation table (queries/ptable.csv through
queries.cellkey.ptable), never the record keys or the secret. Every number it reads comes from the
functions the pages use (queries.indicators.indicator_table, queries.profile.respondent_profile,
queries.activity.activity_by_month / activity_by_fiscal_year / referral_matrix /
organisations_directory / months) — the CLI prints the same values (test_limits checks that).

A *cell* is a population the tables can show: for the survey an indicator, a channel and a
condition on each attribute (None = any; a tuple of codes = one code, 9 = 無回答, or a named
group); for activity a measure, a period (a month, a fiscal year or everything), a district (code
or named group), a field, an organisation type and an organisation. A *lens* finds a view the
limits allow that shows the cell (or learns that every such view is refused) and returns what the
attacker sees: the released number with the range of true values the ptable allows, or "hidden".

A *decomposition* of a target is an integer combination of other cells that equals the target
for any data (an identity of counts: a parent minus its other parts, a sum of parts, all channels
minus the other channel). `rewrites_*` give the one-step identities of a cell; `search` chains them
into many different decompositions whose every cell is released (the averaging attack).
"""

from __future__ import annotations

import functools
import heapq
import itertools
from collections import namedtuple
from dataclasses import dataclass

import numpy as np
import pandas as pd

from data import codebook
from queries import activity as act, cellkey, directory, disclosure, indicators, profile
from queries.filters import ActivityFilters, Filters, attribute_codes

MISSING = codebook.missing_code()
ATTRS = ("age_band", "sex", "district", "household")


# ---- what the ptable lets the attacker conclude --------------------------------------------------


@functools.cache
def consistent(table: str, released: int) -> tuple[int, int]:
    """The smallest and largest true count that the ptable can release as RELEASED."""
    pt = cellkey.ptable(table)
    d = cellkey.max_noise(table)
    top = pt.shape[0] - 1
    ts = [
        t
        for t in range(max(0, released - d), released + d + 1)
        if any(max(t + int(v), 0) == released for v in set(pt[min(t, top)].tolist()))
    ]
    if not ts:
        raise AssertionError(f"{table}: no true count releases as {released}")
    return min(ts), max(ts)


def hidden_range(table: str, released_values) -> tuple[int, int]:
    """True counts consistent with a release somewhere in RELEASED_VALUES (what "hidden" says)."""
    spans = [consistent(table, int(r)) for r in released_values]
    return min(s[0] for s in spans), max(s[1] for s in spans)


@dataclass(frozen=True)
class V:
    """A number as the attacker knows it: the value read (point) and the true values it allows."""

    point: float
    lo: int
    hi: int


def released_value(table: str, r: int) -> V:
    lo, hi = consistent(table, int(r))
    return V(float(r), lo, hi)


def combine(terms) -> V:
    """Σ coef × value over (coef, V) terms, with interval bounds."""
    point, lo, hi = 0.0, 0, 0
    for coef, v in terms:
        point += coef * v.point
        if coef >= 0:
            lo += coef * v.lo
            hi += coef * v.hi
        else:
            lo += coef * v.hi
            hi += coef * v.lo
    return V(point, lo, hi)


@dataclass(frozen=True)
class Estimate:
    """The attacker's answer for one target: the rounded average of its decompositions, clamped to
    the intersection of their ranges and the prior (what "hidden" allows)."""

    value: int
    lo: int
    hi: int
    decompositions: int

    @property
    def span(self) -> int:
        return self.hi - self.lo + 1


def estimate(values: list[V], prior: tuple[int, int], cap_hi: int | None = None) -> Estimate:
    lo, hi = prior
    for v in values:
        lo, hi = max(lo, v.lo), min(hi, v.hi)
    if cap_hi is not None:
        hi = min(hi, cap_hi)
    if lo > hi:
        raise AssertionError(f"empty plausible range {lo}..{hi}: the attacker's bounds are wrong")
    points = [v.point for v in values if not np.isnan(v.point)]
    mean = float(np.mean(points))
    value = int(min(max(int(np.floor(mean + 0.5)), lo), hi))
    return Estimate(value, lo, hi, len(values))


# ---- survey cells ----------------------------------------------------------------------------

SCell = namedtuple("SCell", "ind ch age_band sex district household")


def s_with(cell: SCell, dim: str, value) -> SCell:
    return cell._replace(**{dim: value})


def s_coded(cell: SCell) -> list[str]:
    return [d for d in ATTRS if getattr(cell, d) is not None]


@functools.cache
def named_groups(dim: str) -> tuple[tuple[int, ...], ...]:
    """The codebook's named groups of DIM (disjoint, checked)."""
    gs = tuple(tuple(sorted(g["codes"])) for g in codebook.filter_groups(dim).values())
    seen: set[int] = set()
    for g in gs:
        if seen & set(g):
            raise AssertionError(f"{dim}: named groups overlap; the partitions below assume they do not")
        seen |= set(g)
    return gs


@functools.cache
def s_universe(dim: str) -> frozenset[int]:
    return frozenset(attribute_codes(dim)) | {MISSING}


def partitions(rest: frozenset[int], groups) -> list[list[tuple[int, ...]]]:
    """Every way of writing the codes REST as blocks a table can show: single codes, or named
    groups lying inside REST."""
    inside = [g for g in groups if set(g) <= rest]
    out = []
    for choose in itertools.product((False, True), repeat=len(inside)):
        used: set[int] = set()
        blocks = []
        for g, c in zip(inside, choose):
            if c:
                blocks.append(g)
                used |= set(g)
        blocks += [(x,) for x in sorted(rest - used)]
        out.append(blocks)
    return out


@dataclass(frozen=True)
class SObs:
    hidden: bool
    n: V | None = None
    y: V | None = None
    exact_y: bool = False  # equal weights: the count with the trait is read exactly


class SurveyLens:
    """Survey cells as released by queries.indicators.indicator_table under the filter limits."""

    def __init__(self, con):
        self.con = con
        self.cache: dict[SCell, SObs | None] = {}
        self.refused: set = set()
        self.fetched: set = set()
        self.views = 0
        self.refusals = 0
        self.min_n = disclosure.min_n()
        self.n_hidden = hidden_range(cellkey.SURVEY, range(self.min_n))

    # which views could show a cell
    def _options(self, cell: SCell):
        coded = s_coded(cell)
        singles = [d for d in coded if len(getattr(cell, d)) == 1]
        must = [d for d in coded if getattr(cell, d) == (MISSING,)]
        cands = list(singles) + ([] if cell.ch == "all" else ["channel"])
        opts = []
        for k in (2, 1, 0):
            for by in itertools.combinations(cands, k):
                if not set(must) <= set(by):
                    continue
                rest = [d for d in coded if d not in by]
                ch = "all" if "channel" in by else cell.ch
                opts.append((by, ch, {d: getattr(cell, d) for d in rest}))
        if cell.ch == "all":  # the All row of a table by channel
            rest = {d: getattr(cell, d) for d in coded}
            if not must:
                opts.append((("channel",), "all", rest))
        return opts

    def _cell_of(self, ind, ch, filt, by, codes) -> SCell:
        base = SCell(ind, ch, *(filt.get(d) for d in ATTRS))
        for dim, code in zip(by, codes):
            if dim == "channel":
                if code is not None:
                    base = base._replace(ch={1: "random", 2: "open"}[code])
            else:
                base = s_with(base, dim, None if code is None else (int(code),))
        return base

    def _obs_of_row(self, row) -> SObs:
        if bool(row["suppressed"]):
            return SObs(hidden=True)
        n = int(row["n"])
        nv = released_value(cellkey.SURVEY, n)
        est = float(row["estimate_pct"])
        y_point = est * n / 100.0
        equal = abs(float(row["n_eff"]) - n) <= 1e-6 * max(1, n)
        if equal:
            ry = int(round(y_point))
            lo, hi = consistent(cellkey.SURVEY, ry)
            if ry >= n:  # n_y' is capped at n': the true count may be above what the ptable gives
                hi = max(hi, nv.hi)
            return SObs(False, nv, V(float(ry), lo, min(hi, nv.hi)), True)
        # unequal weights: the weighted share does not give the count, only 0 and 100% bound it
        if est == 0.0:
            lo, hi = consistent(cellkey.SURVEY, 0)
        elif est >= 100.0:
            lo, hi = consistent(cellkey.SURVEY, n)[0], nv.hi
        else:
            lo, hi = 1, nv.hi
        return SObs(False, nv, V(y_point, lo, hi), False)

    def _read(self, ind, by, ch, filt, df: pd.DataFrame) -> None:
        self.views += 1
        levels = {}
        for dim in by:
            levels[dim] = [None if pd.isna(v) else int(v) for v in df[dim].unique()]
        for _, row in df.iterrows():
            codes = [None if pd.isna(row[d]) else int(row[d]) for d in by]
            cell = self._cell_of(ind, ch, filt, by, codes)
            self.cache.setdefault(cell, self._obs_of_row(row))
        # a dimension without its 無回答 row: nobody of the view's population has 9 there
        zero = SObs(False, V(0.0, 0, 0), V(0.0, 0, 0), True)
        for i, dim in enumerate(by):
            if dim == "channel" or MISSING in levels[dim]:
                continue
            others = [levels[d] if j != i else [MISSING] for j, d in enumerate(by)]
            for codes in itertools.product(*others):
                if len(by) == 2 and None in codes:
                    continue
                self.cache.setdefault(self._cell_of(ind, ch, filt, by, list(codes)), zero)

    def obs(self, cell: SCell) -> SObs | None:
        """What the attacker sees of CELL (None: no view the limits allow shows it)."""
        if cell in self.cache:
            return self.cache[cell]
        for by, ch, filt in self._options(cell):
            fkey = (ch, tuple(sorted(filt.items())))
            vkey = (cell.ind, by, fkey)
            if fkey in self.refused or vkey in self.fetched:
                continue
            self.fetched.add(vkey)
            try:
                # a table by channel shows each channel whatever the channel filter says; "all" (both
                # channels added up) is what a user can no longer ask for: Filters refuses it
                filters = Filters(channel="random" if "channel" in by else ch, **filt)
                df = indicators.indicator_table(self.con, cell.ind, list(by), filters)
            except (disclosure.FilterTooNarrow, ValueError):
                self.refused.add(fkey)
                self.refusals += 1
                continue
            self._read(cell.ind, by, ch, filt, df)
            if cell in self.cache:
                return self.cache[cell]
        self.cache[cell] = None
        return None

    def view(self, ind, by, filters: Filters) -> pd.DataFrame | None:
        """A table as a user asks for it (None when refused), its cells remembered."""
        filt = {d: getattr(filters, d) for d in ATTRS if getattr(filters, d)}
        try:
            df = indicators.indicator_table(self.con, ind, list(by), filters)
        except disclosure.FilterTooNarrow:
            self.refused.add((filters.channel, tuple(sorted(filt.items()))))
            self.refusals += 1
            return None
        ch = "all" if "channel" in by else filters.channel
        self._read(ind, tuple(by), ch, filt, df)
        return df

    def cells_of(self, ind, by, filters: Filters, df: pd.DataFrame):
        """(cell, is_total) of every row of a view read by `view`."""
        filt = {d: getattr(filters, d) for d in ATTRS if getattr(filters, d)}
        ch = "all" if "channel" in by else filters.channel
        for _, row in df.iterrows():
            codes = [None if pd.isna(row[d]) else int(row[d]) for d in by]
            yield self._cell_of(ind, ch, filt, tuple(by), codes), bool(row["is_total"])

    def usable(self, cell: SCell) -> bool:
        o = self.obs(cell)
        return o is not None and not o.hidden

    def known(self, cell: SCell) -> bool | None:
        """usable() if the cell has been seen (or looked for), else None (no view is fetched)."""
        if cell not in self.cache:
            return None
        o = self.cache[cell]
        return o is not None and not o.hidden


def s_rewrites(cell: SCell):
    """One-step identities of a survey cell: (family, {cell: coef}).

    family = (kind, dim, detail): ("complement", dim, "all"|"group") — the parent with DIM free or a
    named group containing the cell's code, minus the other parts (blocks: codes or named groups);
    ("channel", None, ...) — both channels minus the other one (or the sum of the two for "all");
    ("split", dim, ...) — the sum of the parts along a free DIM."""
    out = []
    for dim in ATTRS:
        value = getattr(cell, dim)
        groups = named_groups(dim)
        if value is None:
            for blocks in partitions(s_universe(dim), groups):
                out.append((("split", dim, "parts"), {s_with(cell, dim, b): 1 for b in blocks}))
            continue
        parents = [(None, s_universe(dim))] + [(g, frozenset(g)) for g in groups if set(value) < set(g)]
        for parent, universe in parents:
            rest = universe - set(value)
            for blocks in partitions(rest, groups):
                expr = {s_with(cell, dim, parent): 1}
                for b in blocks:
                    expr[s_with(cell, dim, b)] = -1
                uses_group = parent is not None or any(len(b) > 1 for b in blocks)
                out.append((("complement", dim, "group" if uses_group else "all"), expr))
    if cell.ch == "random":
        out.append((("channel", None, "all-open"), {cell._replace(ch="all"): 1, cell._replace(ch="open"): -1}))
    elif cell.ch == "open":
        out.append((("channel", None, "all-random"), {cell._replace(ch="all"): 1, cell._replace(ch="random"): -1}))
    else:
        out.append((("channel", None, "sum"), {cell._replace(ch="random"): 1, cell._replace(ch="open"): 1}))
    return out


# ---- respondent profile ----------------------------------------------------------------------

PCell = namedtuple("PCell", "ch dim code")  # code None = the dimension's total; 9 = 無回答


class ProfileLens:
    """回答者の構成 (queries.profile.respondent_profile) per channel filter."""

    def __init__(self, con):
        self.con = con
        self.cache: dict[PCell, V | None] = {}
        self.hidden: list[PCell] = []
        for ch in ("random", "open", "all"):
            try:
                df = profile.respondent_profile(con, Filters(channel=ch))
            except ValueError:  # both channels together: no longer offered
                continue
            for dim, part in df.groupby("dimension", sort=False):
                if dim == "channel":
                    continue
                total = None
                for _, row in part.iterrows():
                    code = MISSING if pd.isna(row["code"]) else int(row["code"])
                    cell = PCell(ch, dim, code)
                    if bool(row["suppressed"]):
                        self.cache[cell] = None
                        self.hidden.append(cell)
                        continue
                    r = int(row["respondents"])
                    self.cache[cell] = released_value(cellkey.SURVEY, r)
                    if total is None and float(row["respondents_pct"]) > 0:
                        # the shares are of the dimension's released total: it is read back exactly
                        total = int(round(100.0 * r / float(row["respondents_pct"])))
                if total is not None:
                    self.cache[PCell(ch, dim, None)] = released_value(cellkey.SURVEY, total)
                known = {int(c) for c in part["code"].dropna()} | ({MISSING} if part["code"].isna().any() else set())
                for code in set(attribute_codes(dim)) | {MISSING}:
                    if code not in known:  # no row: nobody
                        self.cache[PCell(ch, dim, code)] = V(0.0, 0, 0)

    def decompositions(self, cell: PCell) -> list[list[tuple[int, PCell]]]:
        """The dimension's total minus the other groups; all channels minus the other channel."""
        out = []
        others = [
            PCell(cell.ch, cell.dim, c) for c in sorted(set(attribute_codes(cell.dim)) | {MISSING}) if c != cell.code
        ]
        out.append([(1, PCell(cell.ch, cell.dim, None))] + [(-1, o) for o in others])
        if cell.ch != "all":
            other = "open" if cell.ch == "random" else "random"
            out.append([(1, PCell("all", cell.dim, cell.code)), (-1, PCell(other, cell.dim, cell.code))])
        return [d for d in out if all(self.cache.get(c) is not None for _, c in d)]


# ---- activity cells --------------------------------------------------------------------------

ACell = namedtuple("ACell", "measure period district field org_type org")
A_DIMS = ("district", "field", "org_type")


class ActivityWorld:
    """What the attacker knows of the activity data's shape from public pages: the months, the
    fiscal years, the codes and the directory's organisations with their types."""

    def __init__(self, con):
        self.months = [f"{m:%Y-%m}" for m in act.months(con)]
        fy_of = {m: (int(m[:4]) if int(m[5:]) >= 4 else int(m[:4]) - 1) for m in self.months}
        self.fy_of = fy_of
        self.fiscal_years = sorted(set(fy_of.values()))
        self.codes = {d: tuple(codebook.codes(d)) for d in A_DIMS}
        d = directory.organisations_directory(con, lang="en")
        self.org_type = {str(o): int(t) for o, t in zip(d["org_id"], d["org_type"])}
        self.orgs_of_type = {
            t: tuple(sorted(o for o, tt in self.org_type.items() if tt == t)) for t in self.codes["org_type"]
        }


@dataclass(frozen=True)
class AObs:
    hidden: bool
    v: V | None = None


class ActivityLens:
    """Activity counts as released by queries.activity.activity_by_month / activity_by_fiscal_year
    (tables split by field, district, org_type or org, with their margins)."""

    SPLIT_ORDER = ("org", "field", "org_type", "district")

    def __init__(self, con, world: ActivityWorld):
        self.con = con
        self.world = world
        self.cache: dict[ACell, AObs] = {}
        self.fetched: set = set()
        self.views = 0

    def _read(self, measure, rows, split, filt, df: pd.DataFrame) -> None:
        self.views += 1
        period_col = "month" if rows == "month" else "fiscal_year"
        base = {
            "district": filt.get("districts") or None,
            "field": filt.get("fields") or None,
            "org_type": filt.get("org_types") or None,
            "org": None,
        }
        seen_orgs = set()
        for p, g, val, mark in zip(df[period_col], df[split] if split else [None] * len(df), df["value"], df["mark"]):
            if pd.isna(p):
                period = ("all",)
            elif rows == "month":
                period = ("m", f"{pd.Timestamp(p):%Y-%m}")
            else:
                period = ("fy", int(p))
            cell = dict(base)
            if split is not None and not pd.isna(g):
                if split == "org":
                    cell["org"] = str(g)
                    cell["org_type"] = None
                    seen_orgs.add(str(g))
                else:
                    cell[split] = (int(g),)
            c = ACell(measure, period, cell["district"], cell["field"], cell["org_type"], cell["org"])
            self.cache.setdefault(c, AObs(True) if mark else AObs(False, released_value(cellkey.ACTIVITY, int(val))))
        if split == "org":  # organisations without activity under these filters are not columns: zero
            allowed = self.world.orgs_of_type.get(base["org_type"][0]) if base["org_type"] else self.world.org_type
            for org in allowed:
                if org in seen_orgs:
                    continue
                for period in self._periods(rows):
                    self.cache.setdefault(
                        ACell(measure, period, base["district"], base["field"], None, org), AObs(False, V(0.0, 0, 0))
                    )

    def _periods(self, rows):
        if rows == "month":
            return [("m", m) for m in self.world.months] + [("all",)]
        return [("fy", f) for f in self.world.fiscal_years] + [("all",)]

    def obs(self, cell: ACell) -> AObs:
        if cell in self.cache:
            return self.cache[cell]
        rows = "fiscal_year" if cell.period[0] == "fy" else "month"
        coded = {"org": cell.org, "field": cell.field, "org_type": cell.org_type, "district": cell.district}
        split = next((d for d in self.SPLIT_ORDER if coded[d] is not None and (d == "org" or len(coded[d]) == 1)), None)
        filt = {}
        for d, key in (("district", "districts"), ("field", "fields"), ("org_type", "org_types")):
            if coded[d] is not None and d != split:
                filt[key] = coded[d]
        vkey = (cell.measure, rows, split, tuple(sorted(filt.items())))
        if vkey not in self.fetched:
            self.fetched.add(vkey)
            fn = act.activity_by_month if rows == "month" else act.activity_by_fiscal_year
            df = fn(self.con, cell.measure, split, ActivityFilters(**filt), lang="en")
            self._read(cell.measure, rows, split, filt, df)
        if cell not in self.cache:
            raise AssertionError(f"no view shows {cell}")
        return self.cache[cell]

    def view(self, measure, rows, split, filt: dict) -> list[ACell]:
        """A table as a user asks for it; its cells (in the lens's terms)."""
        fn = act.activity_by_month if rows == "month" else act.activity_by_fiscal_year
        df = fn(self.con, measure, split, ActivityFilters(**filt), lang="en")
        vkey = (measure, rows, split, tuple(sorted(filt.items())))
        self.fetched.add(vkey)
        self._read(measure, rows, split, filt, df)
        base = {
            "district": filt.get("districts") or None,
            "field": filt.get("fields") or None,
            "org_type": filt.get("org_types") or None,
        }
        out = []
        period_col = "month" if rows == "month" else "fiscal_year"
        for p, g in zip(df[period_col], df[split] if split else [None] * len(df)):
            period = (
                ("all",) if pd.isna(p) else ("m", f"{pd.Timestamp(p):%Y-%m}") if rows == "month" else ("fy", int(p))
            )
            cell = dict(base, org=None)
            if split is not None and not pd.isna(g):
                cell[split] = (int(g),)
            out.append(ACell(measure, period, cell["district"], cell["field"], cell["org_type"], None))
        return out

    def usable(self, cell: ACell) -> bool:
        return not self.obs(cell).hidden

    def known(self, cell: ACell) -> bool | None:
        o = self.cache.get(cell)
        return None if o is None else not o.hidden


def a_rewrites(cell: ACell, world: ActivityWorld):
    """One-step identities of an activity cell: (family, {cell: coef}); families "district",
    "field", "org_type" (complements and sums along a dimension, organisations included) and
    "period" (a fiscal year minus its other months, everything minus the other years, sums)."""
    out = []
    ft = named_groups("district")
    every = frozenset(world.codes["district"])
    # district
    v = cell.district
    if v is None:
        for blocks in partitions(every, ft):
            out.append((("split", "district"), {cell._replace(district=b): 1 for b in blocks}))
    else:
        parents = [(None, every)] + [(g, frozenset(g)) for g in ft if set(v) < set(g)]
        for parent, universe in parents:
            for blocks in partitions(universe - set(v), ft):
                expr = {cell._replace(district=parent): 1}
                for b in blocks:
                    expr[cell._replace(district=b)] = -1
                out.append((("complement", "district"), expr))
    # field
    if cell.field is None:
        out.append((("split", "field"), {cell._replace(field=(f,)): 1 for f in world.codes["field"]}))
    else:
        expr = {cell._replace(field=None): 1}
        for f in world.codes["field"]:
            if (f,) != cell.field:
                expr[cell._replace(field=(f,))] = -1
        out.append((("complement", "field"), expr))
    # organisation type and organisation
    if cell.org is not None:
        t = world.org_type[cell.org]
        for parent_type, orgs in (((t,), world.orgs_of_type[t]), (None, tuple(world.org_type))):
            expr = {cell._replace(org=None, org_type=parent_type): 1}
            for o in orgs:
                if o != cell.org:
                    expr[cell._replace(org=o)] = -1
            out.append((("complement", "org_type"), expr))
    elif cell.org_type is None:
        out.append((("split", "org_type"), {cell._replace(org_type=(t,)): 1 for t in world.codes["org_type"]}))
    else:
        expr = {cell._replace(org_type=None): 1}
        for t in world.codes["org_type"]:
            if (t,) != cell.org_type:
                expr[cell._replace(org_type=(t,))] = -1
        out.append((("complement", "org_type"), expr))
        out.append(
            (
                ("split", "org_type"),
                {cell._replace(org_type=None, org=o): 1 for o in world.orgs_of_type[cell.org_type[0]]},
            )
        )
    # period
    kind = cell.period[0]
    if kind == "m":
        fy = world.fy_of[cell.period[1]]
        expr = {cell._replace(period=("fy", fy)): 1}
        for m in world.months:
            if world.fy_of[m] == fy and m != cell.period[1]:
                expr[cell._replace(period=("m", m))] = -1
        out.append((("complement", "period"), expr))
    elif kind == "fy":
        expr = {cell._replace(period=("all",)): 1}
        for f in world.fiscal_years:
            if f != cell.period[1]:
                expr[cell._replace(period=("fy", f))] = -1
        out.append((("complement", "period"), expr))
        out.append(
            (
                ("split", "period"),
                {cell._replace(period=("m", m)): 1 for m in world.months if world.fy_of[m] == cell.period[1]},
            )
        )
    else:
        out.append((("split", "period"), {cell._replace(period=("fy", f)): 1 for f in world.fiscal_years}))
    return out


# ---- referrals -------------------------------------------------------------------------------

RCell = namedtuple("RCell", "period frm to")  # organisation types; None = All


class ReferralLens:
    """The referral matrix at the organisation-type level (queries.activity.referral_matrix) of a
    month, a fiscal year or the whole period."""

    def __init__(self, con, world: ActivityWorld):
        self.con = con
        self.world = world
        self.cache: dict[RCell, AObs] = {}
        self.fetched: set = set()
        self.views = 0

    def _filters(self, period):
        if period[0] == "m":
            return ActivityFilters(start=period[1], end=period[1])
        if period[0] == "fy":
            return ActivityFilters(fiscal_years=(period[1],))
        return ActivityFilters()

    def fetch(self, period) -> list[RCell]:
        if period in self.fetched:
            return [c for c in self.cache if c.period == period]
        self.fetched.add(period)
        self.views += 1
        df = act.referral_matrix(self.con, "org_type", self._filters(period), lang="en")
        out = []
        for f, t, val, mark in zip(df["from"], df["to"], df["value"], df["mark"]):
            cell = RCell(period, None if pd.isna(f) else int(f), None if pd.isna(t) else int(t))
            self.cache[cell] = AObs(True) if mark else AObs(False, released_value(cellkey.ACTIVITY, int(val)))
            out.append(cell)
        return out

    def obs(self, cell: RCell) -> AObs:
        if cell not in self.cache:
            self.fetch(cell.period)
        return self.cache[cell]

    def usable(self, cell: RCell) -> bool:
        return not self.obs(cell).hidden

    def known(self, cell: RCell) -> bool | None:
        o = self.cache.get(cell)
        return None if o is None else not o.hidden


def r_rewrites(cell: RCell, world: ActivityWorld):
    out = []
    types = world.codes["org_type"]
    for side in ("frm", "to"):
        v = getattr(cell, side)
        if v is None:
            out.append((("split", side), {cell._replace(**{side: t}): 1 for t in types}))
        else:
            expr = {cell._replace(**{side: None}): 1}
            for t in types:
                if t != v:
                    expr[cell._replace(**{side: t})] = -1
            out.append((("complement", side), expr))
    kind = cell.period[0]
    if kind == "m":
        fy = world.fy_of[cell.period[1]]
        expr = {cell._replace(period=("fy", fy)): 1}
        for m in world.months:
            if world.fy_of[m] == fy and m != cell.period[1]:
                expr[cell._replace(period=("m", m))] = -1
        out.append((("complement", "period"), expr))
    elif kind == "fy":
        expr = {cell._replace(period=("all",)): 1}
        for f in world.fiscal_years:
            if f != cell.period[1]:
                expr[cell._replace(period=("fy", f))] = -1
        out.append((("complement", "period"), expr))
        out.append(
            (
                ("split", "period"),
                {cell._replace(period=("m", m)): 1 for m in world.months if world.fy_of[m] == cell.period[1]},
            )
        )
    else:
        out.append((("split", "period"), {cell._replace(period=("fy", f)): 1 for f in world.fiscal_years}))
    return out


# ---- decompositions --------------------------------------------------------------------------


def single_level(target, rewrites, usable, family_ok) -> list[dict]:
    """The one-step decompositions of TARGET whose every cell is released, fewest terms first."""
    found = [
        expr for fam, expr in rewrites(target) if family_ok(fam) and target not in expr and all(usable(c) for c in expr)
    ]
    return sorted(found, key=len)


def search(
    target, rewrites, usable, known=None, want: int = 40, max_terms: int = 30, budget: int = 1500
) -> tuple[list[dict], bool]:
    """Up to WANT different decompositions of TARGET whose every cell is released: one-step
    identities chained (a hidden term replaced by its own decomposition; a released term replaced
    by another way of showing it: its parent minus its other parts, or the sum of its parts), the
    ones with fewest terms first. Two decompositions differ when their cells or coefficients do.

    known(cell) -> True / False / None (not looked up yet) lets the search rank an expression
    before asking for the views of its new cells: they are looked up when it comes first.
    Returns (decompositions, exhausted): exhausted when no other decomposition of at most
    MAX_TERMS cells could be reached (fewer than WANT is then what the limits allow)."""
    if known is None:

        def known(c):
            return usable(c)

    counter = itertools.count()
    heap: list = []
    seen: set = set()
    found: list[dict] = []

    def push(expr: dict) -> None:
        if not expr or target in expr or len(expr) > max_terms:
            return
        sig = frozenset(expr.items())
        if sig in seen:
            return
        seen.add(sig)
        queue(expr)

    def queue(expr: dict) -> None:
        states = [known(c) for c in expr]
        missing = sum(s is False for s in states)
        unknown = sum(s is None for s in states)
        # cells not looked up yet count as released until the expression comes first (then they are
        # looked up and it is ranked again): the order is that of (hidden cells, terms)
        heapq.heappush(heap, (missing, sum(abs(k) for k in expr.values()), unknown, next(counter), expr))

    for _, expr in rewrites(target):
        push(dict(expr))
    steps = 0
    while heap and len(found) < want and steps < budget:
        missing, _, unknown, _, expr = heapq.heappop(heap)
        if unknown:
            for c in expr:
                usable(c)  # look the new cells up, then rank the expression again
            queue(expr)
            continue
        steps += 1
        if missing == 0:
            found.append(expr)
            expand = list(expr)
        else:
            expand = [next(c for c in expr if not usable(c))]
        for c in expand:
            coef = expr[c]
            for _, r in rewrites(c):
                new = dict(expr)
                del new[c]
                for cc, k in r.items():
                    new[cc] = new.get(cc, 0) + coef * k
                    if new[cc] == 0:
                        del new[cc]
                push(new)
    return found, not heap
