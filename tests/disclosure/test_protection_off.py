"""The control of the attack suite: with the noise switched off (queries.cellkey.perturb returning
the true counts) the same attacks recover every count they try, and the suite's target fails. This
shows that the attacks are real identities of released figures (a wrong decomposition would miss
here) and that test_attacks.py fails when the protection is removed.
"""

from __future__ import annotations

import numpy as np

from .attacks import TARGET_SHARE, run_suite


def _no_noise(counts, key_sums, table):
    return np.maximum(np.rint(np.asarray(counts, dtype=np.float64)).astype(np.int64), 0)


def test_attacks_recover_every_count_without_protection(attack_dbs, monkeypatch):
    from queries import cellkey, runner

    monkeypatch.setattr(cellkey, "perturb", _no_noise)
    con = runner.connect(attack_dbs["demo"])
    try:
        suite = run_suite(con, "demo, protection off", averaging_scale=0.2)
    finally:
        con.close()
    print("\n" + suite.table())
    missed = [
        (name, c.target, c.truth, c.guess)
        for name, a in suite.attacks.items()
        for c in a.cells
        if c.guess[0] != c.truth[0]
    ]
    assert not missed, f"decompositions that are not identities: {missed[:10]}"
    for name in (
        "district_complement",
        "field_complement",
        "org_type_complement",
        "period_complement",
        "referral_complement",
        "averaging_activity",
        "respondent_profile",
        "equal_weight_raking",
    ):
        a = suite.attacks[name]
        assert a.tried == 0 or a.share == 1.0, f"{name}: {a.row()}"
    # the survey's count with the trait is exact wherever the weights are equal (open web, raking cells)
    assert suite.attacks["open_web"].share >= 0.6
    assert suite.share > 2 * TARGET_SHARE, f"without protection the suite recovers only {suite.share:.1%}"
