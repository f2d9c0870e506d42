"""データ管理 (AppTest): the secretariat uploads extracts, sees the problem list or a preview,
publishes a new version that the next run of any page shows, and rolls back; members never get the
page; a second update while one runs is refused. Each test builds its own database (the page
publishes into it)."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.access import member
from dashboard.access.roles import User
from dashboard.i18n import t
from data import versions

from .conftest import APP, REPO

PAGE = "views/data_admin.py"
DEMO = REPO / "data" / "demo"


@pytest.fixture
def own_db(tmp_path, monkeypatch) -> Path:
    db = tmp_path / "db" / "tsunagari.duckdb"
    done = subprocess.run(
        [sys.executable, "-m", "data", "build", "--demo", "--db", str(db)], cwd=REPO, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    monkeypatch.setenv("TSUNAGARI_DB", str(db))
    monkeypatch.delenv("TSUNAGARI_MIN_N", raising=False)
    monkeypatch.setenv("TSUNAGARI_INSTANCE", str(tmp_path / "instance"))
    return db


def _run(page: str | None = PAGE) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=180).run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


LATEST = max(int(p.stem.rsplit("_", 1)[1]) for p in DEMO.glob("survey_responses_*.csv"))  # the demo's newest wave
NEW = LATEST + 1  # a wave the demo does not have: uploading it adds a wave
NEW_FILE = f"survey_responses_{NEW}.csv"


def _new_wave_csv(wave: int = NEW) -> bytes:
    """The newest demo wave's answers as wave WAVE."""
    survey = pd.read_csv(DEMO / f"survey_responses_{LATEST}.csv", dtype=str, encoding="utf-8-sig")
    survey["wave"] = str(wave)
    return survey.to_csv(index=False).encode("utf-8-sig")


def _check(at: AppTest, files: list[tuple[str, bytes]]) -> AppTest:
    at.file_uploader(key="data_upload").set_value([(name, data, "text/csv") for name, data in files])
    at.button[0].click().run()  # 確認する
    assert not at.exception, [e.value for e in at.exception]
    return at


def _rows(wave: int) -> int:
    return len(pd.read_csv(DEMO / f"survey_responses_{wave}.csv", dtype=str, encoding="utf-8-sig"))


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_publish_a_new_wave_then_roll_back(own_db):
    first = versions.current_id(own_db)
    at = _check(_run(), [(NEW_FILE, _new_wave_csv())])
    assert versions.current_id(own_db) == first  # checked, not published
    assert any(t("data.waves_added", "ja", waves=f"{NEW}年") in m.value for m in at.markdown)
    files = at.dataframe[0].value
    row = files[files["ファイル"] == NEW_FILE].iloc[0]
    assert list(row[1:]) == ["—", f"{_rows(LATEST):,}", "追加"]
    headline = at.dataframe[1].value
    assert list(headline.columns[1:]) == [f"現在（{LATEST}年）", f"新しい版（{NEW}年）"]

    # the new wave is a copy of the newest wave's answers: the city-wide figures agree up to the protection's
    # noise (each wave's records have their own keys)
    def pct(col):
        return headline.iloc[:, col].str.rstrip("%").astype(float)

    assert len(headline) >= 5 and (abs(pct(1) - pct(2)) <= 1.0).all()

    publish = next(b for b in at.button if b.label == t("data.publish", "ja"))
    publish.click().run()
    assert not at.exception
    new = versions.current_id(own_db)
    assert new != first and at.success[0].value == t("data.published", "ja", version=new)
    # any page's next run opens the new version: the sidebar offers the new wave
    overview = _run(page=None)
    assert f"{NEW}年" in " ".join(str(o) for o in overview.sidebar.selectbox[0].options)

    at = _run()
    listed = at.dataframe[-2].value
    assert list(listed["版"]) == [new, first] and list(listed["表示中"]) == ["●", ""]
    at.selectbox(key="data_version_pick").set_value(first).run()
    at.checkbox(key="data_rollback_sure").check().run()
    next(b for b in at.button if b.label == t("data.rollback", "ja")).click().run()
    assert versions.current_id(own_db) == first
    assert at.success[0].value == t("data.rolled_back", "ja", version=first)


def test_a_bad_file_is_listed_with_row_and_column_and_nothing_changes(own_db):
    before, sha = versions.current_id(own_db), _sha(own_db)
    activity = pd.read_csv(DEMO / "activity.csv", dtype=str, encoding="utf-8-sig")
    activity.loc[4, "consultations"] = "-3"
    at = _check(_run(), [("activity.csv", activity.to_csv(index=False).encode("utf-8-sig"))])
    assert at.error and "1 件の問題" in at.error[0].value
    problems = at.dataframe[0].value
    assert list(problems[["ファイル", "行", "列", "値"]].iloc[0]) == ["activity.csv", 6, "consultations", "-3"]
    assert versions.current_id(own_db) == before and _sha(own_db) == sha
    assert len(versions.list_versions(own_db, include_unpublished=True)) == 1
    assert not list((own_db.parent.parent / "instance" / "staging").iterdir())


def test_a_file_of_no_extract_is_refused_before_reading(own_db):
    at = _check(_run(), [("相談記録.csv", b"a,b\n1,2\n")])
    problems = at.dataframe[0].value
    assert list(problems["ファイル"]) == ["相談記録.csv"] and "survey_responses_2025.csv" in problems.iloc[0, 4]


def test_a_second_update_while_one_runs_is_refused(own_db):
    with versions.lock(own_db):
        at = _check(_run(), [(NEW_FILE, _new_wave_csv())])
    assert t("data.busy", "ja") in [w.value for w in at.warning]
    assert len(versions.list_versions(own_db, include_unpublished=True)) == 1


def test_discard_removes_the_checked_version(own_db):
    at = _check(_run(), [(NEW_FILE, _new_wave_csv())])
    assert len(versions.list_versions(own_db, include_unpublished=True)) == 2
    next(b for b in at.button if b.label == t("data.discard", "ja")).click().run()
    assert at.success[0].value == t("data.discarded", "ja")
    assert len(versions.list_versions(own_db, include_unpublished=True)) == 1


def test_members_neither_see_nor_open_the_page(own_db, monkeypatch):
    monkeypatch.setattr(member, "signed_in_user", lambda lang: User("kaiin", "member"))
    at = _run(page=None)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(PAGE)


def test_monthly_submissions_are_published_as_a_new_version(own_db):
    import duckdb

    from data import submission_store

    rows = pd.DataFrame(
        {
            "org_id": ["O01", "O01"],
            "month": ["2025-04", "2025-04"],
            "district": [1, 2],
            "field": [1, 1],
            "consultations": [17, 4],
            "new_cases": [5, 0],
            "outreach": [2, 1],
        }
    )
    submission_store.save(rows, "O01", "o01-staff", "org", "O01_2025-04.xlsx", "0" * 64)
    at = _run()
    assert t("data.subs_lead", "ja", n=1, orgs=1) in [m.value for m in at.markdown]
    next(b for b in at.button if b.label == t("data.subs_check", "ja")).click().run()
    assert not at.exception, [e.value for e in at.exception]
    files = at.dataframe[0].value
    activity = files[files["ファイル"] == "activity.csv"].iloc[0]
    assert list(activity[1:]) == ["4,656", "4,658", "変更あり"]  # a month not there before: 2 rows added
    next(b for b in at.button if b.label == t("data.publish", "ja")).click().run()
    con = duckdb.connect(str(own_db), read_only=True)
    got = con.execute(
        "SELECT district, consultations FROM activity WHERE org_id = 'O01' AND strftime(month, '%Y-%m') = '2025-04' "
        "ORDER BY district"
    ).fetchall()
    con.close()
    assert got == [(1, 17), (2, 4)]
    assert submission_store.pending() == []
    assert submission_store.published()["version_id"] == versions.current_id(own_db)
    assert t("data.subs_none", "ja") in [c.value for c in _run().caption]
