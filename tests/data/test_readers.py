"""Reading extract files: encodings, Excel, headers, spreadsheet row numbers."""

from __future__ import annotations

import duckdb
import pytest

from data.build import run_build
from data.readers import read_extract


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932"])
def test_csv_encodings_are_detected_and_japanese_text_survives(tmp_path, kit, encoding):
    src = kit.write_extracts(tmp_path / "x", encoding=encoding)
    raw = read_extract(src / "organisations.csv", "organisations")
    assert raw.encoding == encoding
    assert list(raw.frame["name"]) == list(kit.ORGANISATIONS["name"])
    db = tmp_path / "t.duckdb"
    assert run_build(str(src), False, str(db)) == 0
    con = duckdb.connect(str(db), read_only=True)
    names = [r[0] for r in con.execute("SELECT name FROM organisations ORDER BY org_id").fetchall()]
    logged = dict(con.execute("SELECT file_name, encoding FROM import_log").fetchall())
    con.close()
    assert names == list(kit.ORGANISATIONS["name"])
    assert logged["organisations.csv"] == encoding
    # files of ASCII only are valid UTF-8 whatever they were saved as
    ascii_only = "utf-8-sig" if encoding == "utf-8-sig" else "utf-8"
    assert {v for k, v in logged.items() if k != "organisations.csv"} == {ascii_only}


def test_cp932_bytes_really_are_cp932(tmp_path, kit):
    src = kit.write_extracts(tmp_path / "x", encoding="cp932")
    data = (src / "organisations.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert "鶴岡市社会福祉協議会".encode("cp932") in data


def test_xlsx_first_sheet(tmp_path, kit):
    frames = kit.valid_frames()
    src = kit.write_extracts(tmp_path / "x", frames, excel=tuple(frames))
    assert sorted(p.suffix for p in src.iterdir()) == [".xlsx"] * 5
    db = tmp_path / "t.duckdb"
    assert run_build(str(src), False, str(db)) == 0
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT DISTINCT encoding FROM import_log").fetchall() == [("xlsx",)]
    assert con.execute("SELECT count(*) FROM responses").fetchone()[0] == len(frames["survey_responses_2023"])
    assert (
        con.execute("SELECT name FROM organisations WHERE org_id = 'C03'").fetchone()[0] == kit.ORGANISATIONS["name"][2]
    )
    con.close()


def test_xlsx_numbers_and_dates_typed_by_excel(tmp_path, kit):
    """Excel stores 2024-04 typed into a cell as a date and codes as numbers: both are accepted."""
    import datetime as dt

    import openpyxl

    frames = kit.valid_frames()
    src = kit.write_extracts(tmp_path / "x", frames)
    (src / "activity.csv").unlink()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(list(frames["activity"].columns))
    ws.append(["A01", dt.datetime(2024, 4, 1), 1, 1, 12, 4.0, 2])
    wb.save(src / "activity.xlsx")
    assert kit.problems_of(src) == []


def test_header_names_are_stripped_and_unknown_columns_warned(tmp_path, kit):
    orgs = kit.ORGANISATIONS.rename(columns={"name": "  name "}).assign(note="x")
    src = kit.write_extracts(tmp_path / "x", kit.with_changes(organisations=orgs))
    raw = read_extract(src / "organisations.csv", "organisations")
    assert "name" in raw.frame.columns and "note" not in raw.frame.columns
    [warning] = raw.problems
    assert (warning.file, warning.row, warning.column, warning.severity) == ("organisations.csv", 1, "note", "warning")
    assert kit.problems_of(src) == []


def test_blank_lines_keep_spreadsheet_row_numbers(tmp_path, kit):
    src = kit.write_extracts(tmp_path / "x")
    path = src / "activity.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.insert(2, "")  # an empty spreadsheet row 3
    lines[3] = lines[3].replace("2024-05", "2024/05")  # now row 4
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    problems = kit.problems_of(src)
    assert [(p.row, p.column, p.value) for p in problems] == [(4, "month", "2024/05")]


def test_too_many_fields_in_a_row(tmp_path, kit):
    src = kit.write_extracts(tmp_path / "x")
    path = src / "referrals.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[2] += ",extra"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    problems = kit.problems_of(src)
    assert [(p.file, p.row) for p in problems] == [("referrals.csv", 3)]


def test_undecodable_file(tmp_path, kit):
    src = kit.write_extracts(tmp_path / "x")
    (src / "referrals.csv").write_bytes(b"month,from_org,to_org,count\n2024-04,\xff\xfe\xff,A01,1\n")
    [p] = kit.problems_of(src)
    assert (p.file, p.row, p.column, p.value) == ("referrals.csv", 2, "from_org", "0xFF")
    assert "UTF-8" in p.expected_en and "byte 9 of line 2" in p.expected_en


def test_one_bad_byte_in_a_shift_jis_file_is_found_where_it_is(tmp_path, kit):
    src = kit.write_extracts(tmp_path / "x", encoding="cp932")
    data = bytearray((src / "organisations.csv").read_bytes())
    line_4 = [i for i, ch in enumerate(data) if ch == ord("\n")][2] + 1  # start of line 4
    data[line_4 + 1] = 0xFD  # inside org_id, after a Japanese name on line 2
    (src / "organisations.csv").write_bytes(bytes(data))
    problems = [p for p in kit.problems_of(src) if p.file == "organisations.csv"]
    assert [(p.row, p.column, p.value) for p in problems] == [(4, "org_id", "0xFD")]
    assert "byte 2 of line 4" in problems[0].expected_en


def test_a_cell_over_128_kib_is_a_problem_not_a_crash(tmp_path, kit):
    src = kit.write_extracts(tmp_path / "x")
    text = (src / "referrals.csv").read_text(encoding="utf-8")
    big = "x" * (128 * 1024 + 1)
    (src / "referrals.csv").write_text(text + f'2024-06,A01,"{big}",1\n', encoding="utf-8")
    problems = kit.problems_of(src)
    assert [(p.file, p.row, p.column) for p in problems] == [("referrals.csv", 5, "to_org")]
    assert "128 KiB" in problems[0].expected_en


def test_a_file_cut_inside_its_last_row(tmp_path, kit):
    src = kit.write_extracts(tmp_path / "x")
    path = src / "survey_responses_2023.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    cut = ",".join(lines[-1].split(",")[:6]) + ","  # stops at a field boundary
    path.write_text("\n".join(lines[:-1] + [cut]), encoding="utf-8")
    [p] = kit.problems_of(src)
    assert (p.file, p.row, p.column) == ("survey_responses_2023.csv", len(lines), None)
    assert "cut off" in p.expected_en


def test_xlsx_formula_without_a_saved_result_is_refused(tmp_path, kit):
    import openpyxl

    src = kit.write_extracts(tmp_path / "x", excel=(kit.SURVEY_FILE,))
    path = src / f"{kit.SURVEY_FILE}.xlsx"
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    sex = [c.column_letter for c in ws[1] if c.value == "sex"][0]
    ws[f"{sex}7"] = "=1+1"  # openpyxl saves the formula, no result
    wb.save(path)
    [p] = kit.problems_of(src)
    assert (p.file, p.row, p.column, p.value) == (path.name, 7, "sex", "=1+1")
    assert f"cell {sex}7" in p.expected_en and "formula" in p.expected_en


def test_column_order_is_free(tmp_path, kit):
    survey = kit.valid_frames()["survey_responses_2023"]
    src = kit.write_extracts(tmp_path / "x", kit.with_changes(survey_responses_2023=survey[survey.columns[::-1]]))
    assert kit.problems_of(src) == []


def test_files_matching_no_extract_are_warned_not_refused(tmp_path, kit):
    from data.readers import find_extract_files

    src = kit.write_extracts(tmp_path / "x")
    (src / "notes.csv").write_text("a\n1\n", encoding="utf-8")
    (src / "~$organisations.xlsx").write_bytes(b"lock")  # Excel's lock file: not even looked at
    found, problems = find_extract_files(src)
    assert [(p.file, p.severity) for p in problems] == [("notes.csv", "warning")]
    assert [p.name for p in found["organisations"]] == ["organisations.csv"]
    assert kit.problems_of(src) == []
