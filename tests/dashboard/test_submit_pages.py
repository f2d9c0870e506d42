"""月次実績の提出 and 提出状況 (AppTest over the demo database): an organisation uploads its filled
template, reads the preview and submits, resubmits; bad files give the problem table and never an
exception; who sees which page; the secretariat's status grid and history.

The signed-in user is simulated by replacing member.signed_in_user (as test_audit_page does);
without it, the person at this machine is the secretariat (LOCAL_USER). Expected figures come from
what the test types into the workbook and from the demo's organisations.csv.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import submissions
from dashboard.access import audit, member
from dashboard.access.roles import User
from dashboard.i18n import t
from data import submission_read, submission_store as store, submission_template as tpl, versions

from .conftest import APP, REPO

SUBMIT, STATUS = "views/submit.py", "views/submission_status.py"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ORG = "O16"


def demo_org(org_id: str) -> dict:
    with (REPO / "data" / "demo" / "organisations.csv").open(encoding="utf-8-sig", newline="") as f:
        return next(r for r in csv.DictReader(f) if r["org_id"] == org_id)


def org_template(org_id: str, month: str) -> bytes:
    org = demo_org(org_id)
    districts = None if org["districts"] == "all" else [int(d) for d in org["districts"].split(";")]
    return tpl.build_template(
        org_id, org["name"], [int(f) for f in org["fields"].split(";")], districts, tpl.month_period(month)
    )


def filled(data: bytes, base: int = 0) -> tuple[bytes, list[tuple[int, int, int]]]:
    """DATA with counts typed in every pre-filled row; the typed (consultations, new, outreach)."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb["実績"]
    typed, r = [], 6
    while ws.cell(r, 2).value is not None:
        counts = (base + r, (base + r) // 3, r % 2)
        for c, v in zip((4, 5, 6), counts):
            ws.cell(r, c).value = v
        typed.append(counts)
        r += 1
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue(), typed


@pytest.fixture
def instance(tmp_path, monkeypatch):
    folder = tmp_path / "instance"
    monkeypatch.setenv("TSUNAGARI_INSTANCE", str(folder))
    return folder


def run(monkeypatch, user: User | None, page: str | None, lang: str = "ja") -> AppTest:
    if user is not None:
        monkeypatch.setattr(member, "signed_in_user", lambda lang: user)
    at = AppTest.from_file(str(APP), default_timeout=120)
    if lang != "ja":
        at.query_params["lang"] = lang
    at.run()
    if page:
        at.switch_page(page).run()
    ok(at)
    return at


def ok(at: AppTest) -> None:
    assert not at.exception, "\n".join(str(e.value) for e in at.exception)


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.file_uploader[0].set_value((name, data, XLSX)).run()
    ok(at)
    return at


def texts(at: AppTest, kind: str) -> list[str]:
    return [str(e.value) for e in getattr(at, kind)]


def test_an_organisation_uploads_checks_submits_and_resubmits(app_env, instance, monkeypatch):
    user = User("npo-hidamari", "org", org=ORG)
    at = run(monkeypatch, user, SUBMIT)
    assert at.title[0].value == "月次実績の提出"
    assert demo_org(ORG)["name"] in "\n".join(texts(at, "markdown"))
    assert [b.label for b in at.get("download_button")] == [t("submit.template_button", "ja")]
    assert t("submit.upload_empty", "ja") in texts(at, "info") and t("submit.history_empty", "ja") in texts(at, "info")

    data, typed = filled(org_template(ORG, "2024-07"))
    upload(at, "ひだまり_7月.xlsx", data)
    assert not at.error
    totals = at.dataframe[0].value
    assert list(totals.columns) == ["月", "行数", "相談件数", "新規", "訪問・アウトリーチ"]
    assert totals.iloc[0].tolist() == ["2024年7月", len(typed), *[sum(c[i] for c in typed) for i in range(3)]]
    assert len(at.dataframe[1].value) == len(typed)  # the rows as typed
    at.button(key="submit_send").click().run()
    ok(at)
    assert any(s.startswith("提出しました") for s in texts(at, "success"))
    (entry,) = store.history()
    assert (entry.org_id, entry.month, entry.user, entry.role, entry.rows) == (
        ORG,
        "2024-07",
        user.name,
        "org",
        len(typed),
    )
    assert entry.file == "ひだまり_7月.xlsx"
    rows = store.rows_of(entry)
    assert sorted(zip(rows["consultations"], rows["new_cases"], rows["outreach"])) == sorted(typed)
    logged = [e for e in audit.entries() if e["event"] == "submission"]
    assert len(logged) == 1 and logged[0]["user"] == user.name and logged[0]["detail"]["org"] == ORG
    assert logged[0]["detail"]["sha256"] == entry.sha256 and logged[0]["detail"]["months"] == "2024-07"
    history = at.dataframe[-1].value
    assert history["状態"].tolist() == ["現在の提出"] and history["公開"].tolist() == ["未公開"]

    # the same file again: already submitted, no second button
    at.run()
    assert any(s.startswith("このファイルの内容は提出済みです") for s in texts(at, "success"))
    assert not [b for b in at.button if b.key == "submit_send"]

    # corrected figures: the preview says what it replaces; the month's rows are replaced
    corrected, typed2 = filled(org_template(ORG, "2024-07"), base=40)
    upload(at, "ひだまり_7月_修正.xlsx", corrected)
    assert any("2024年7月は提出済みです" in s and user.name in s for s in texts(at, "info"))
    at.button(key="submit_send").click().run()
    ok(at)
    assert [e.file for e in store.history()] == ["ひだまり_7月.xlsx", "ひだまり_7月_修正.xlsx"]
    current = store.current()[(ORG, "2024-07")]
    rows = store.rows_of(current)
    assert sorted(zip(rows["consultations"], rows["new_cases"], rows["outreach"])) == sorted(typed2)
    assert at.dataframe[-1].value["状態"].tolist() == ["現在の提出", "置き換え済み"]


def _csv_bytes() -> bytes:
    return "org_id,month\nO16,2024-07\n".encode("cp932")


def _cut() -> bytes:
    return filled(org_template(ORG, "2024-07"))[0][:3000]


def _other_org() -> bytes:
    return filled(org_template("O05", "2024-07"))[0]


def _bad_cell() -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(filled(org_template(ORG, "2024-07"))[0]))
    wb["実績"]["E6"] = 10_000  # above its consultations
    wb["実績"]["F7"] = -3
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    "make, name, cells",
    [
        (_csv_bytes, "実績.csv", [""]),
        (lambda: b"", "empty.xlsx", [""]),
        (_cut, "cut.xlsx", [""]),
        (_other_org, "o05.xlsx", ["B1"]),
        (_bad_cell, "bad.xlsx", ["E6", "F7"]),
    ],
)
def test_a_bad_file_gives_the_problem_table_and_nothing_is_submitted(app_env, instance, monkeypatch, make, name, cells):
    at = run(monkeypatch, User("npo-hidamari", "org", org=ORG), SUBMIT)
    upload(at, name, make())
    assert texts(at, "error") and texts(at, "error")[0].startswith("このファイルは提出できません")
    problems = at.dataframe[0].value
    assert problems["セル"].tolist() == cells and set(problems["ファイル"]) == {name}
    assert problems["期待される値"].str.len().min() > 5 and problems["Expected (English)"].str.len().min() > 5
    assert t("download.csv", "ja") in [b.label for b in at.get("download_button")]
    assert not [b for b in at.button if b.key == "submit_send"] and store.history() == []


def test_who_sees_which_page(app_env, instance, monkeypatch):
    at = run(monkeypatch, User("kaiin", "member"), None)
    for page in (SUBMIT, STATUS):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page)
    at = run(monkeypatch, User("npo", "org", org=ORG), None)
    at.switch_page(SUBMIT).run()
    ok(at)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(STATUS)
    # an organisation account without an organisation, or with one the data does not list
    at = run(monkeypatch, User("npo", "org"), SUBMIT)
    assert texts(at, "warning")[-1] == t("submit.no_org", "ja")
    at = run(monkeypatch, User("npo", "org", org="O99"), SUBMIT)
    assert texts(at, "warning")[-1] == t("submit.org_unknown", "ja", org="O99")
    assert not at.file_uploader


def test_the_secretariat_submits_for_an_organisation(app_env, instance, monkeypatch):
    at = run(monkeypatch, None, SUBMIT)  # the person at this machine: the secretariat
    at.selectbox(key="submit_org").set_value("O05").run()
    ok(at)
    assert demo_org("O05")["name"] in "\n".join(texts(at, "markdown"))
    data, typed = filled(org_template("O05", "2024-05"))
    upload(at, "o05.xlsx", data)
    at.button(key="submit_send").click().run()
    ok(at)
    (entry,) = store.history()
    assert (entry.org_id, entry.user, entry.role, entry.rows) == ("O05", "localhost", "secretariat", len(typed))


def test_status_grid_history_and_what_is_not_yet_published(app_env, instance, monkeypatch):
    at = run(monkeypatch, None, STATUS)
    assert at.title[0].value == "提出状況"
    assert t("status.empty", "ja") in texts(at, "info")

    for org, month, who in (("O05", "2024-04", "npo-b"), ("O07", "2024-05", "npo-c")):
        data, _ = filled(org_template(org, month))
        sub = submission_read.read_submission(data, f"{org}.xlsx", org, "2026-10")
        store.save(sub.rows, org, who, "org", sub.file_name, sub.sha256)
    # the first is in the version in use (the demo database's)
    store.mark_published(versions.current_id(app_env), as_of=store.history()[0].time)

    at = run(monkeypatch, None, STATUS)
    at.selectbox(key="status_fy").set_value(2024).run()
    ok(at)
    grid = at.dataframe[0].value.set_index("団体ID")
    assert list(grid.columns[1:]) == [tpl.month_label(m) for m in tpl.fiscal_year_period(2024).months]
    assert grid.loc["O05", "2024年4月"].startswith("提出済（公開済み）") and "npo-b" in grid.loc["O05", "2024年4月"]
    assert grid.loc["O07", "2024年5月"].startswith("提出済（未公開）") and "npo-c" in grid.loc["O07", "2024年5月"]
    assert grid.loc["O06", "2024年4月"] == "未提出" and grid.loc["O05", "2024年5月"] == "未提出"
    with (REPO / "data" / "demo" / "organisations.csv").open(encoding="utf-8-sig") as f:
        assert sorted(grid.index) == sorted(r["org_id"] for r in csv.DictReader(f))
    assert (grid.drop(columns="団体名") != "未提出").sum().sum() == 2
    assert any("公開されていない提出が 1 件" in w for w in texts(at, "warning"))
    assert any("提出済み 2 件" in m for m in texts(at, "markdown"))
    history = at.dataframe[1].value
    assert history["団体ID"].tolist() == ["O07", "O05"] and history["公開"].tolist() == ["未公開", "公開済み"]
    assert len([b for b in at.get("download_button")]) == 2

    at = run(monkeypatch, None, STATUS, lang="en")
    at.selectbox(key="status_fy").set_value(2024).run()
    ok(at)
    assert at.title[0].value == "Submission status"
    grid = at.dataframe[0].value
    assert "missing" in set(grid.iloc[:, 2]) and "2024-04" in grid.columns


def test_the_submit_page_in_english(app_env, instance, monkeypatch):
    at = run(monkeypatch, User("npo", "org", org=ORG), SUBMIT, lang="en")
    assert at.title[0].value == "Monthly figures"
    assert [b.label for b in at.get("download_button")] == ["Download the template (Excel)"]
    upload(at, "x.csv", b"a,b\n")
    assert texts(at, "error")[0].startswith("This file cannot be submitted")
    assert "not an Excel workbook" in at.dataframe[0].value["expected"].iloc[0]


def test_in_april_the_status_page_opens_on_the_year_just_ended(app_env, instance, monkeypatch):
    monkeypatch.setattr(submissions, "today", lambda: dt.date(2030, 4, 15))
    at = run(monkeypatch, None, STATUS)
    assert at.selectbox(key="status_fy").value == 2029
    grid = at.dataframe[0].value
    assert list(grid.columns[2:]) == [tpl.month_label(m) for m in tpl.fiscal_year_period(2029).months]
    assert set(grid.iloc[:, 2:].stack()) == {"未提出"}
    at = run(monkeypatch, User("npo", "org", org=ORG), SUBMIT)
    assert at.selectbox(key="submit_month").value == "2030-03"
    at.radio(key="submit_kind").set_value("fiscal_year").run()
    ok(at)
    assert at.selectbox(key="submit_fy").value == 2029
