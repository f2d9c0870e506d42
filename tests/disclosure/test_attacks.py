"""Issue 11, item 3: the attacks must recover at most 25% of hidden cells exactly, and the
attacker must not be able to tell which ones (every recovered cell's plausible values span at least
three integers), on the demo data and on generated data. The numbers are in
tests/artifacts/disclosure_attacks.json and in the terminal summary.

Without protection these tests fail: test_protection_off.py runs the same attacks with the noise
switched off and they recover every cell they try.
"""

from __future__ import annotations

import pytest

from .attacks import ACTIVITY_ATTACKS, ATTACKS, MIN_SPAN, SURVEY_ATTACKS, TARGET_SHARE
from .conftest import DATASETS

# Attacks the limits leave (almost) nothing to work with on these data: no minimum number of cells
# tried is asked of them (the share is still checked). all_row_vs_groups: the unfiltered tables'
# hidden groups come with a hidden 無回答 row; equal_weight_raking: the household groups of an age
# band × sex × district are hidden or their tables refused (min_filter_n); respondent_profile:
# a handful of hidden groups.
FEW_CELLS = {"all_row_vs_groups", "equal_weight_raking", "respondent_profile"}
# Attacks the limits close altogether: both channels together (両方, and the All row of a table by
# channel) are no longer released, so no cell is both channels minus the other.
CLOSED = {"channel_all_minus_other"}
MIN_TRIED = 20


@pytest.mark.parametrize("dataset", DATASETS)
@pytest.mark.parametrize("attack", ATTACKS)
def test_attack_recovers_at_most_a_quarter_or_no_more_than_a_fixed_guess(suite_of, dataset, attack):
    """Each attack recovers at most a quarter of the hidden cells it tries, or no more than the best
    fixed answer would (the chance level: most "<5" counts are 1, 2 or 3, so always answering 2 is
    right for about a third of them whatever any protection does; the issue's 25% is over the suite,
    tested below)."""
    result = suite_of(dataset).attacks[attack]
    if attack in CLOSED:
        assert result.tried == 0, f"{attack} on {dataset} found cells to try: {result.row()}"
        return
    if attack not in FEW_CELLS:
        assert result.tried >= MIN_TRIED, f"{attack} on {dataset} tried only {result.tried} cells: {result.row()}"
    chance = result.row()["best_fixed_guess_share"]
    assert result.share <= max(TARGET_SHARE, chance), (
        f"{attack} on {dataset}: {result.recovered} of {result.tried} hidden cells recovered exactly "
        f"({result.share:.1%} > {TARGET_SHARE:.0%} and > the fixed guess's {chance:.1%}): {result.row()}"
    )


@pytest.mark.parametrize("dataset", DATASETS)
def test_suite_recovers_at_most_a_quarter(suite_of, dataset):
    suite = suite_of(dataset)
    print("\n" + suite.table())
    assert suite.tried >= 1000, f"the suite tried only {suite.tried} cells on {dataset}"
    assert suite.share <= TARGET_SHARE, (
        f"{dataset}: {suite.recovered} of {suite.tried} hidden cells recovered exactly ({suite.share:.1%})\n"
        + suite.table()
    )


@pytest.mark.parametrize("dataset", DATASETS)
def test_recovered_cells_cannot_be_told_apart(suite_of, dataset):
    """Every recovered cell's plausible values (given the ptable's bounds and every figure used)
    span at least three integers: the attacker cannot tell the right answers from the wrong."""
    narrow = [
        (name, c.target, c.truth, c.lo, c.hi) for name, c in suite_of(dataset).recovered_cells() if c.span < MIN_SPAN
    ]
    assert not narrow, f"{len(narrow)} recovered cells pinned to fewer than {MIN_SPAN} values: {narrow[:10]}"


@pytest.mark.parametrize("dataset", DATASETS)
def test_attacker_reasoning_is_sound(suite_of, dataset):
    """The true value always lies in the attacker's plausible range: the ranges are not made
    narrow (or wide) by a mistake of the suite."""
    wrong = [
        (name, c.target, c.truth, c.lo, c.hi)
        for name, a in suite_of(dataset).attacks.items()
        for c in a.cells
        if not c.truth_in_range
    ]
    assert not wrong, f"{len(wrong)} truths outside the attacker's range: {wrong[:10]}"


@pytest.mark.parametrize("dataset", DATASETS)
@pytest.mark.parametrize("attack", ["averaging_survey", "averaging_activity"])
def test_averaging_attack_has_many_decompositions(suite_of, dataset, attack):
    """The averaging attack works with at least 20 different decompositions per target cell
    wherever the limits allow that many: at least 90% of the targets reach 20. The others are cells
    deep in hidden neighbours (three attributes fixed), where the search (1,500 steps, up to 30
    terms each) found fewer without exhausting what it could try."""
    result = suite_of(dataset).attacks[attack]
    assert len(result.cells) >= 30, f"{attack}: only {len(result.cells)} targets"
    starved = [(c.target, c.decompositions) for c in result.cells if c.decompositions < 20 and not c.exhausted]
    assert len(starved) <= 0.1 * len(result.cells), (
        f"{attack}: the search stopped before 20 decompositions for {len(starved)} of {len(result.cells)} "
        f"targets: {starved[:10]}"
    )


def test_suite_covers_survey_and_activity():
    assert set(SURVEY_ATTACKS) | set(ACTIVITY_ATTACKS) == set(ATTACKS)
