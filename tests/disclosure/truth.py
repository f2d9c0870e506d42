"""Ground truth of the attack suite, read from the database directly: never shown to the attacker.

The attacker (tests/disclosure/attacker.py) only calls what users can reach; these readers look at
the tables behind them (indicator_cells for survey cells — the mart's unperturbed n and n_y —,
responses for the respondent profile, activity / referrals / organisations for the counts) and
answer "what is the true value of this cell" for scoring.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from data import codebook
from queries import indicators

MISSING = codebook.missing_code()
ATTRS = ("age_band", "sex", "district", "household")
CHANNEL_CODES = {"random": (1,), "open": (2,), "all": (1, 2)}


class SurveyTruth:
    """True (n, n_y) of survey cells of the latest wave, from the indicator_cells mart."""

    def __init__(self, con, indicator_ids):
        wave = indicators.latest_wave(con)
        df = con.execute(
            "SELECT indicator, channel, age_band, sex, district, household, n, n_y "
            "FROM indicator_cells WHERE wave = ? AND list_contains(?, indicator)",
            [wave, list(indicator_ids)],
        ).df()
        self.parts = {}
        for ind, part in df.groupby("indicator"):
            self.parts[ind] = {c: part[c].to_numpy(dtype=np.int64) for c in part.columns if c != "indicator"}

    def __call__(self, cell) -> tuple[int, int]:
        p = self.parts[cell.ind]
        keep = np.isin(p["channel"], CHANNEL_CODES[cell.ch])
        for dim in ATTRS:
            value = getattr(cell, dim)
            if value is not None:
                keep &= np.isin(p[dim], value)
        return int(p["n"][keep].sum()), int(p["n_y"][keep].sum())


class ProfileTruth:
    """True respondent counts of the latest wave per channel and age band / district (9 = 無回答)."""

    def __init__(self, con):
        wave = indicators.latest_wave(con)
        self.df = con.execute(
            f"SELECT channel, coalesce(age_band, {MISSING}) AS age_band, "
            f"coalesce(district, {MISSING}) AS district FROM responses WHERE wave = ?",
            [wave],
        ).df()

    def __call__(self, cell) -> int:
        keep = self.df["channel"].isin(CHANNEL_CODES[cell.ch])
        if cell.code is not None:
            keep &= self.df[cell.dim] == cell.code
        return int(keep.sum())


class ActivityTruth:
    """True activity counts of a cell (measure, period, district, field, org_type, org)."""

    def __init__(self, con):
        df = con.execute(
            "SELECT strftime(a.month, '%Y-%m') AS month, a.district, a.field, o.org_type, a.org_id, "
            "a.consultations, a.new_cases, a.outreach FROM activity a JOIN organisations o USING (org_id)"
        ).df()
        month = pd.to_datetime(df["month"] + "-01")
        df["fy"] = np.where(month.dt.month >= 4, month.dt.year, month.dt.year - 1)
        self.cols = {c: df[c].to_numpy() for c in df.columns}

    def __call__(self, cell) -> int:
        c = self.cols
        keep = np.ones(len(c["month"]), dtype=bool)
        kind = cell.period[0]
        if kind == "m":
            keep &= c["month"] == cell.period[1]
        elif kind == "fy":
            keep &= c["fy"] == cell.period[1]
        for dim, col in (("district", "district"), ("field", "field"), ("org_type", "org_type")):
            value = getattr(cell, dim)
            if value is not None:
                keep &= np.isin(c[col], value)
        if cell.org is not None:
            keep &= c["org_id"] == cell.org
        return int(c[cell.measure][keep].sum())


class ReferralTruth:
    """True referral counts of a cell (period, from type, to type) at the organisation-type level."""

    def __init__(self, con):
        df = con.execute(
            "SELECT strftime(r.month, '%Y-%m') AS month, f.org_type AS frm, t.org_type AS too, r.count "
            "FROM referrals r JOIN organisations f ON f.org_id = r.from_org "
            "JOIN organisations t ON t.org_id = r.to_org"
        ).df()
        month = pd.to_datetime(df["month"] + "-01")
        df["fy"] = np.where(month.dt.month >= 4, month.dt.year, month.dt.year - 1)
        self.cols = {c: df[c].to_numpy() for c in df.columns}

    def __call__(self, cell) -> int:
        c = self.cols
        keep = np.ones(len(c["month"]), dtype=bool)
        kind = cell.period[0]
        if kind == "m":
            keep &= c["month"] == cell.period[1]
        elif kind == "fy":
            keep &= c["fy"] == cell.period[1]
        if cell.frm is not None:
            keep &= c["frm"] == cell.frm
        if cell.to is not None:
            keep &= c["too"] == cell.to
        return int(c["count"][keep].sum())
