"""The attacks of issue 11 (item 3), scored against the database's true values.

Each attack picks hidden cells (survey: shown as 秘匿; activity and referrals: shown as "<5") of
tables a member can ask for, works out each one from released figures only (tests/disclosure/
attacker.py), and is scored on the share of cells it gets EXACTLY right (survey: the n and the
count with the trait; activity: the count), with the attacker's plausible range (every true value
the ptable allows given the figures used) recorded beside each answer.

    survey   complement_filter       a named-group filter (16〜39歳, 旧町村部, …) minus its other parts:
                                     what is left of "--where age_band=1,…,7" under the limits
             all_row_vs_groups       one-dimension tables: the All row minus the shown groups
             two_dims_vs_one         two-dimension cells: the one-dimension row minus the other cells
             channel_all_minus_other both channels minus the other channel
             equal_weight_raking     age band, sex and district fixed (equal raked weights): the
                                     household complement, count with the trait read exactly
             open_web                open-web cells (weights 1): the best one-step decomposition
             respondent_profile      回答者の構成: the dimension's total minus the shown groups,
                                     and all channels minus the other channel, averaged
             averaging_survey        up to 40 different decompositions per cell, averaged
    activity district_complement     a district minus the others / 旧町村部 minus its other towns
             field_complement        all fields minus the other fields
             org_type_complement     all organisation types minus the other types
             period_complement       a fiscal year minus its other months
             referral_complement     referral margins and fiscal years minus the other cells
             averaging_activity      up to 40 different decompositions per cell (activity and
                                     referral cells), averaged

"hidden" counts the hidden cells (with at least one respondent / one count) an attack's kind of
decomposition applies to; "tried" the ones for which every figure it needs is released; the share
is recovered / tried. The one-step attacks use their decomposition with the fewest terms (survey:
first those whose every cell has equal weights, so that the count with the trait is read exactly).
The estimate is rounded and kept within the plausible range (the intersection of the ranges of
every decomposition used and of what "hidden" allows: n ≤ 11 for 秘匿, 1..7 for "<5").
"""

from __future__ import annotations

import itertools
import random
import time
from collections import Counter
from dataclasses import dataclass, field

from data import codebook
from queries import cellkey
from queries.activity import MEASURES
from queries.filters import Filters, attribute_codes, filter_choices

from . import attacker as A
from .truth import ActivityTruth, ProfileTruth, ReferralTruth, SurveyTruth

INDICATORS = ("lonely_often", "no_participation")  # a rare and a common trait, two denominators
TARGET_SHARE = 0.25  # issue 11: at most 25% of hidden cells recovered exactly
MIN_SPAN = 3  # ... and every recovered cell's plausible values span ≥ 3 integers
AVERAGING_SURVEY_TARGETS = 40
AVERAGING_ACTIVITY_TARGETS = 50
AVERAGING_REFERRAL_TARGETS = 15
WANT_DECOMPOSITIONS = 40
SEED = 20240611

SURVEY_ATTACKS = (
    "complement_filter",
    "all_row_vs_groups",
    "two_dims_vs_one",
    "channel_all_minus_other",
    "equal_weight_raking",
    "open_web",
    "respondent_profile",
    "averaging_survey",
)
ACTIVITY_ATTACKS = (
    "district_complement",
    "field_complement",
    "org_type_complement",
    "period_complement",
    "referral_complement",
    "averaging_activity",
)
ATTACKS = SURVEY_ATTACKS + ACTIVITY_ATTACKS


@dataclass
class CellResult:
    target: str
    truth: tuple
    guess: tuple
    lo: tuple
    hi: tuple
    decompositions: int
    exhausted: bool = True  # averaging: no further decomposition within the search's reach

    @property
    def recovered(self) -> bool:
        return self.truth == self.guess

    @property
    def span(self) -> int:
        return min(h - l + 1 for l, h in zip(self.lo, self.hi))

    @property
    def truth_in_range(self) -> bool:
        return all(l <= t <= h for t, l, h in zip(self.truth, self.lo, self.hi))


@dataclass
class AttackResult:
    name: str
    hidden: int = 0  # hidden cells the attack looked at
    cells: list[CellResult] = field(default_factory=list)  # the ones it could work out

    @property
    def tried(self) -> int:
        return len(self.cells)

    @property
    def recovered(self) -> int:
        return sum(c.recovered for c in self.cells)

    @property
    def share(self) -> float:
        return self.recovered / self.tried if self.tried else 0.0

    def row(self) -> dict:
        decs = [c.decompositions for c in self.cells]
        rec = [c for c in self.cells if c.recovered]
        return {
            "attack": self.name,
            "hidden_cells": self.hidden,
            "tried": self.tried,
            "recovered_exactly": self.recovered,
            "share": round(self.share, 4),
            # survey cells: the n alone right (the count with the trait may be wrong)
            "first_value_exact_share": round(sum(c.guess[0] == c.truth[0] for c in self.cells) / self.tried, 4)
            if self.cells
            else 0.0,
            "decompositions_per_target": {
                "min": min(decs) if decs else 0,
                "mean": round(sum(decs) / len(decs), 1) if decs else 0.0,
                "max": max(decs) if decs else 0,
                "targets_with_20_or_more": sum(d >= 20 for d in decs),
                "targets_below_20_limits_exhausted": sum(c.decompositions < 20 and c.exhausted for c in self.cells),
            },
            # what one fixed answer for every cell would get (the most common true value among the
            # cells tried, known only to the scorer): the chance level of "exactly right"
            "best_fixed_guess_share": round(max(Counter(c.truth for c in self.cells).values()) / self.tried, 4)
            if self.cells
            else 0.0,
            "recovered_min_span": min((c.span for c in rec), default=None),
            "recovered_span_below_3": sum(c.span < MIN_SPAN for c in rec),
            "truth_outside_range": sum(not c.truth_in_range for c in self.cells),
        }


def _memo(fn):
    """fn remembered per cell (the search asks for the same cells' rewrites again and again)."""
    cache: dict = {}

    def wrapped(cell):
        if cell not in cache:
            cache[cell] = fn(cell)
        return cache[cell]

    return wrapped


s_rewrites = _memo(A.s_rewrites)


# ---- survey ----------------------------------------------------------------------------------


def survey_views():
    """The tables the survey attacks look for hidden cells in: every indicator table by one or two
    dimensions with at most one filter, random and open web; and the raking tables (household by
    age band, sex or district, the other two fixed)."""
    for ind in INDICATORS:
        for ch in ("random", "open"):
            for x in A.ATTRS:
                yield ind, (x,), Filters(channel=ch)
                for y in A.ATTRS:
                    if y != x:
                        for choice in filter_choices(y):
                            yield ind, (x,), Filters(channel=ch, **{y: choice})
            for x, y in itertools.combinations(A.ATTRS, 2):
                yield ind, (x, y), Filters(channel=ch)
                for z in A.ATTRS:
                    if z not in (x, y):
                        for choice in filter_choices(z):
                            yield ind, (x, y), Filters(channel=ch, **{z: choice})
        for x in ("age_band", "sex", "district"):
            o1, o2 = [d for d in ("age_band", "sex", "district") if d != x]
            for c1 in attribute_codes(o1):
                for c2 in attribute_codes(o2):
                    yield ind, ("household", x), Filters(channel="random", **{o1: (c1,), o2: (c2,)})


def _survey_guess(values_n, values_y, lens: A.SurveyLens, decs: int, cell, truth) -> CellResult:
    en = A.estimate(values_n, lens.n_hidden)
    ey = A.estimate(values_y, (0, en.hi))
    y_guess = max(ey.lo, min(ey.value, en.value))  # the count with the trait is at most n
    return CellResult(repr(tuple(cell)), truth, (en.value, y_guess), (en.lo, ey.lo), (en.hi, ey.hi), decs)


def _evaluate_survey(exprs, lens):
    vn = [A.combine((k, lens.obs(c).n) for c, k in e.items()) for e in exprs]
    vy = [A.combine((k, lens.obs(c).y) for c, k in e.items()) for e in exprs]
    return vn, vy


def _exact_y(expr, lens) -> bool:
    """Every cell of EXPR has equal weights: its count with the trait is read exactly."""
    return all(lens.obs(c).exact_y for c in expr)


def _range_only(v: A.V) -> A.V:
    """A decomposition that bounds the count but whose point value is not used (NaN)."""
    return A.V(float("nan"), v.lo, v.hi)


def _raking_cell(cell) -> bool:
    return (
        cell.ch == "random"
        and cell.household is not None
        and all(
            getattr(cell, d) is not None and len(getattr(cell, d)) == 1 and getattr(cell, d) != (A.MISSING,)
            for d in ("age_band", "sex", "district")
        )
    )


SURVEY_FAMILIES = {
    "complement_filter": lambda fam, cell: fam[0] == "complement" and fam[2] == "group",
    "all_row_vs_groups": lambda fam, cell: fam[0] == "complement" and fam[2] == "all" and len(A.s_coded(cell)) == 1,
    "two_dims_vs_one": lambda fam, cell: fam[0] == "complement" and fam[2] == "all" and len(A.s_coded(cell)) >= 2,
    "channel_all_minus_other": lambda fam, cell: fam[0] == "channel",
    "equal_weight_raking": lambda fam, cell: _raking_cell(cell) and fam == ("complement", "household", "all"),
    "open_web": lambda fam, cell: cell.ch == "open" and fam[0] in ("complement", "channel"),
}


def survey_attacks(con, timings: dict, averaging_targets: int = AVERAGING_SURVEY_TARGETS) -> dict[str, AttackResult]:
    t0 = time.perf_counter()
    lens = A.SurveyLens(con)
    truth = SurveyTruth(con, INDICATORS)
    targets = {}
    for ind, by, filters in survey_views():
        df = lens.view(ind, by, filters)
        if df is None:
            continue
        for cell, _is_total in lens.cells_of(ind, by, filters, df):
            o = lens.obs(cell)
            if o is not None and o.hidden and cell not in targets:
                t = truth(cell)
                if t[0] >= 1:
                    targets[cell] = t
    timings["survey_views_s"] = round(time.perf_counter() - t0, 2)
    results = {name: AttackResult(name) for name in SURVEY_FAMILIES}
    usable_any = []
    for cell, t in targets.items():
        rewrites = A.s_rewrites(cell)
        any_found = False
        for name, ok in SURVEY_FAMILIES.items():
            applies = any(ok(fam, cell) for fam, _ in rewrites)
            if not applies:
                continue
            results[name].hidden += 1
            exprs = [e for fam, e in rewrites if ok(fam, cell) and cell not in e and all(lens.usable(c) for c in e)]
            if name == "equal_weight_raking":
                exprs = [e for e in exprs if all(lens.obs(c).exact_y for c in e)]
            if not exprs:
                continue
            any_found = True
            best = min(exprs, key=lambda e: (not _exact_y(e, lens), len(e)))
            vn, vy = _evaluate_survey([best], lens)
            results[name].cells.append(_survey_guess(vn, vy, lens, len(exprs), cell, t))
        if any_found:
            usable_any.append(cell)
    timings["survey_single_s"] = round(time.perf_counter() - t0, 2)

    # the averaging attack
    avg = AttackResult("averaging_survey")
    rng = random.Random(SEED)
    sample = rng.sample(usable_any, min(averaging_targets, len(usable_any)))
    avg.hidden = len(targets)
    for cell in sample:
        exprs, exhausted = A.search(cell, s_rewrites, lens.usable, lens.known, want=WANT_DECOMPOSITIONS)
        if not exprs:
            continue
        vn, vy = _evaluate_survey(exprs, lens)
        exact = [i for i, e in enumerate(exprs) if _exact_y(e, lens)]
        if exact:  # the count with the trait: only from decompositions that read it exactly, if any
            vy = [vy[i] for i in exact] + [_range_only(v) for i, v in enumerate(vy) if i not in set(exact)]
        avg.cells.append(_survey_guess(vn, vy, lens, len(exprs), cell, targets[cell]))
        avg.cells[-1].exhausted = exhausted
    results["averaging_survey"] = avg
    timings["survey_averaging_s"] = round(time.perf_counter() - t0, 2)

    # the respondent profile
    plens = A.ProfileLens(con)
    ptruth = ProfileTruth(con)
    prof = AttackResult("respondent_profile")
    prior = lens.n_hidden
    for cell in plens.hidden:
        t = ptruth(cell)
        if t < 1:
            continue
        prof.hidden += 1
        decs = plens.decompositions(cell)
        if not decs:
            continue
        values = [A.combine((k, plens.cache[c]) for k, c in d) for d in decs]
        e = A.estimate(values, prior)
        prof.cells.append(CellResult(repr(tuple(cell)), (t,), (e.value,), (e.lo,), (e.hi,), len(decs)))
    results["respondent_profile"] = prof
    timings["survey_views"] = lens.views
    timings["survey_refusals"] = lens.refusals
    timings["survey_targets"] = len(targets)
    return {name: results[name] for name in SURVEY_ATTACKS}


# ---- activity --------------------------------------------------------------------------------


def activity_views(world: A.ActivityWorld):
    """The activity tables the attacks look for "<5" cells in: by month split by field for every
    district filter (and none), by district and by organisation type; by fiscal year split by field
    for every district (and none). Each measure."""
    ft = [tuple(g) for g in A.named_groups("district")]
    districts = [None] + [(d,) for d in world.codes["district"]] + ft
    for measure in MEASURES:
        for d in districts:
            yield measure, "month", "field", ({"districts": d} if d else {})
        yield measure, "month", "district", {}
        for d in districts:
            yield measure, "month", "org_type", ({"districts": d} if d else {})
        for d in districts[: -len(ft)]:
            yield measure, "fiscal_year", "field", ({"districts": d} if d else {})


ACTIVITY_FAMILIES = {
    "district_complement": ("complement", "district"),
    "field_complement": ("complement", "field"),
    "org_type_complement": ("complement", "org_type"),
    "period_complement": ("complement", "period"),
}


def activity_attacks(
    con,
    timings: dict,
    averaging_targets: int = AVERAGING_ACTIVITY_TARGETS,
    referral_targets: int = AVERAGING_REFERRAL_TARGETS,
) -> dict[str, AttackResult]:
    t0 = time.perf_counter()
    world = A.ActivityWorld(con)
    lens = A.ActivityLens(con, world)
    truth = ActivityTruth(con)
    prior = A.hidden_range(cellkey.ACTIVITY, range(1, codebook.estimation()["activity_small_count_max"] + 1))
    targets = {}
    for measure, rows, split, filt in activity_views(world):
        for cell in lens.view(measure, rows, split, filt):
            if lens.obs(cell).hidden and cell not in targets:
                targets[cell] = truth(cell)
    timings["activity_targets"] = len(targets)

    rewrites = _memo(lambda c: A.a_rewrites(c, world))

    results = {name: AttackResult(name) for name in ACTIVITY_FAMILIES}
    usable_any = []
    for cell, t in targets.items():
        rws = rewrites(cell)
        any_found = False
        for name, fam_wanted in ACTIVITY_FAMILIES.items():
            exprs = [e for fam, e in rws if fam == fam_wanted and cell not in e]
            if not exprs:
                continue
            results[name].hidden += 1
            exprs = [e for e in exprs if all(lens.usable(c) for c in e)]
            if not exprs:
                continue
            any_found = True
            best = min(exprs, key=len)
            v = A.combine((k, lens.obs(c).v) for c, k in best.items())
            e = A.estimate([v], prior)
            results[name].cells.append(CellResult(repr(tuple(cell)), (t,), (e.value,), (e.lo,), (e.hi,), len(exprs)))
        if any_found:
            usable_any.append(cell)
    timings["activity_single_s"] = round(time.perf_counter() - t0, 2)

    # referrals (organisation types), every month and fiscal year
    rlens = A.ReferralLens(con, world)
    rtruth = ReferralTruth(con)
    ref = AttackResult("referral_complement")
    rtargets = {}
    for period in [("m", m) for m in world.months] + [("fy", f) for f in world.fiscal_years]:
        for cell in rlens.fetch(period):
            if rlens.obs(cell).hidden:
                rtargets[cell] = rtruth(cell)

    rrewrites = _memo(lambda c: A.r_rewrites(c, world))

    r_usable = []
    for cell, t in rtargets.items():
        ref.hidden += 1
        exprs = [
            e
            for fam, e in rrewrites(cell)
            if fam[0] == "complement" and cell not in e and all(rlens.usable(c) for c in e)
        ]
        if not exprs:
            continue
        r_usable.append(cell)
        best = min(exprs, key=len)
        v = A.combine((k, rlens.obs(c).v) for c, k in best.items())
        e = A.estimate([v], prior)
        ref.cells.append(CellResult(repr(tuple(cell)), (t,), (e.value,), (e.lo,), (e.hi,), len(exprs)))
    results["referral_complement"] = ref

    # the averaging attack
    avg = AttackResult("averaging_activity", hidden=len(targets) + len(rtargets))
    rng = random.Random(SEED)
    sample = [(c, lens, rewrites, targets[c]) for c in rng.sample(usable_any, min(averaging_targets, len(usable_any)))]
    sample += [(c, rlens, rrewrites, rtargets[c]) for c in rng.sample(r_usable, min(referral_targets, len(r_usable)))]
    for cell, ln, rw, t in sample:
        exprs, exhausted = A.search(cell, rw, ln.usable, ln.known, want=WANT_DECOMPOSITIONS)
        if not exprs:
            continue
        values = [A.combine((k, ln.obs(c).v) for c, k in e.items()) for e in exprs]
        e = A.estimate(values, prior)
        avg.cells.append(CellResult(repr(tuple(cell)), (t,), (e.value,), (e.lo,), (e.hi,), len(exprs), exhausted))
    results["averaging_activity"] = avg
    timings["activity_views"] = lens.views + rlens.views
    timings["activity_averaging_s"] = round(time.perf_counter() - t0, 2)
    return {name: results[name] for name in ACTIVITY_ATTACKS}


# ---- the suite -------------------------------------------------------------------------------


@dataclass
class SuiteResult:
    dataset: str
    attacks: dict[str, AttackResult]
    timings: dict

    @property
    def tried(self) -> int:
        return sum(a.tried for a in self.attacks.values())

    @property
    def recovered(self) -> int:
        return sum(a.recovered for a in self.attacks.values())

    @property
    def share(self) -> float:
        return self.recovered / self.tried if self.tried else 0.0

    def recovered_cells(self):
        for a in self.attacks.values():
            for c in a.cells:
                if c.recovered:
                    yield a.name, c

    def summary(self) -> dict:
        return {
            "dataset": self.dataset,
            "attacks": [a.row() for a in self.attacks.values()],
            "overall": {
                "tried": self.tried,
                "recovered_exactly": self.recovered,
                "share": round(self.share, 4),
                "target_share": TARGET_SHARE,
                "min_span": MIN_SPAN,
                "recovered_span_below_3": sum(c.span < MIN_SPAN for _, c in self.recovered_cells()),
            },
            "recovered_span_below_3_cells": [
                {
                    "attack": name,
                    "cell": c.target,
                    "truth": list(c.truth),
                    "range_lo": list(c.lo),
                    "range_hi": list(c.hi),
                }
                for name, c in self.recovered_cells()
                if c.span < MIN_SPAN
            ][:20],
            "timings": self.timings,
        }

    def table(self) -> str:
        lines = [
            f"disclosure attacks on {self.dataset} (target: share ≤ {TARGET_SHARE:.0%}, span ≥ {MIN_SPAN})",
            f"{'attack':25} {'hidden':>6} {'tried':>6} {'exact':>6} {'share':>6} {'n only':>6} {'fixed':>6}  "
            f"{'decomp. min/mean/max (≥20)':>27}  {'min span':>8}",
        ]
        for a in self.attacks.values():
            r = a.row()
            d = r["decompositions_per_target"]
            span = r["recovered_min_span"]
            lines.append(
                f"{a.name:25} {r['hidden_cells']:6d} {r['tried']:6d} {r['recovered_exactly']:6d} "
                f"{r['share']:6.1%} {r['first_value_exact_share']:6.1%} {r['best_fixed_guess_share']:6.1%}  "
                f"{d['min']:7d}/{d['mean']:5.1f}/{d['max']:3d} ({d['targets_with_20_or_more']:3d})  "
                f"{'-' if span is None else span:>8}"
            )
        lines.append(f"{'overall':25} {'':6} {self.tried:6d} {self.recovered:6d} {self.share:6.1%}")
        lines.append(
            "n only: survey cells whose n alone is right; fixed: the share one fixed answer for every "
            "cell would get (chance level)"
        )
        return "\n".join(lines)


def run_suite(con, dataset: str, averaging_scale: float = 1.0) -> SuiteResult:
    """Every attack on the database of CON. averaging_scale shrinks the averaging attacks' samples
    (the protection-off control needs only a few targets)."""
    timings: dict = {}
    t0 = time.perf_counter()
    k = averaging_scale
    attacks = survey_attacks(con, timings, max(1, round(AVERAGING_SURVEY_TARGETS * k)))
    attacks.update(
        activity_attacks(
            con, timings, max(1, round(AVERAGING_ACTIVITY_TARGETS * k)), max(1, round(AVERAGING_REFERRAL_TARGETS * k))
        )
    )
    timings["total_s"] = round(time.perf_counter() - t0, 2)
    return SuiteResult(dataset, attacks, timings)
