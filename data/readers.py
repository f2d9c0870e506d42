"""Finding and reading extract files: every cell as text, rows numbered as a spreadsheet shows them.

CSV files are decoded by trying UTF-8 with BOM, UTF-8, then CP932 (Japanese Excel's "CSV"; a
superset of Shift_JIS) in that order. A strict decode that succeeds is trustworthy: Japanese CP932
text is practically never valid UTF-8, so no guessing library is needed, and the encoding found is
recorded in import_log. .xlsx workbooks are read from their first sheet.
"""

from __future__ import annotations

import csv
import datetime as dt
import fnmatch
import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from data import codebook
from data.problems import ERROR, WARNING, Problem

SUFFIXES = (".csv", ".xlsx")
CSV_ENCODINGS = ("utf-8", "cp932")  # tried in this order after a BOM check
# Python's cp932 decodes the bytes 0x80, 0xA0, 0xFD-0xFF (unused by Shift_JIS) to these; real
# CP932 text never holds them, so they mean the file is in some other encoding.
CP932_UNUSED = ("\x80", "\uf8f0", "\uf8f1", "\uf8f2", "\uf8f3")
FIRST_DATA_ROW = 2  # header is spreadsheet row 1


@dataclass
class RawExtract:
    """One extract file read as text. frame: one str column per known column present in the file,
    index = spreadsheet row number; fully blank rows are dropped (their numbers are kept by the
    others)."""

    extract: str
    path: Path
    encoding: str
    sha256: str
    frame: pd.DataFrame
    rows: int  # data rows in the file (blank rows not counted)
    problems: list[Problem] = field(default_factory=list)

    @property
    def file_name(self) -> str:
        return self.path.name


# ---- finding files ------------------------------------------------------------------------


def _matches(path: Path, pattern: str) -> bool:
    return path.suffix.lower() in SUFFIXES and fnmatch.fnmatchcase(path.stem, pattern)


def find_extract_files(directory: Path) -> tuple[dict[str, list[Path]], list[Problem]]:
    """Files of each extract in the folder (codebook file_pattern, .csv or .xlsx). Several files
    are allowed only where the pattern has a wildcard (one survey file per wave); files that
    match no extract are reported as warnings."""
    problems: list[Problem] = []
    candidates = sorted(p for p in directory.iterdir() if p.is_file() and not p.name.startswith(("~$", ".")))
    found: dict[str, list[Path]] = {}
    claimed: set[Path] = set()
    for name, spec in codebook.extracts().items():
        pattern = spec["file_pattern"]
        paths = [p for p in candidates if _matches(p, pattern)]
        claimed.update(paths)
        found[name] = paths
        if len(paths) > 1 and not any(ch in pattern for ch in "*?["):
            listed = ", ".join(p.name for p in paths)
            problems += [
                Problem(
                    p.name,
                    None,
                    None,
                    None,
                    f"{name} のファイルは 1 つだけにしてください（{listed}）",
                    f"only one {name} file is allowed (found {listed})",
                )
                for p in paths
            ]
    for p in candidates:
        if p.suffix.lower() in SUFFIXES and p not in claimed:
            problems.append(
                Problem(
                    p.name,
                    None,
                    None,
                    None,
                    "どの抽出データにも当たらないファイル名です（無視します）",
                    "file name matches no extract (ignored)",
                    WARNING,
                )
            )
    return found, problems


# ---- decoding -----------------------------------------------------------------------------


def decode_csv(data: bytes) -> tuple[str, str] | None:
    """(text, encoding) of CSV bytes, or None when no accepted encoding decodes them."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data.decode("utf-8-sig"), "utf-8-sig"
        except UnicodeDecodeError:
            return None
    for enc in CSV_ENCODINGS:
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if enc == "cp932" and any(ch in text for ch in CP932_UNUSED):
            return None
        return text, enc
    return None


def _arrow_body(text: str, width: int) -> pd.DataFrame | None:
    """The body of well-formed CSV text via Arrow's fast reader; None when it cannot be read
    that way (an empty line, a quoted line break, a wrong number of fields): the slower pandas
    path then reads it and reports what is wrong."""
    names = [str(i) for i in range(width)]
    try:
        table = pacsv.read_csv(
            io.BytesIO(text.encode("utf-8")),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1),
            parse_options=pacsv.ParseOptions(ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    body = table.to_pandas()
    body.columns = range(width)
    return body


def _csv_frame(text: str, file_name: str) -> tuple[list[str], pd.DataFrame] | list[Problem]:
    """Header and body of CSV text, all cells str; or the problems of a malformed file."""
    header = next(csv.reader(io.StringIO(text)), [])
    if header:
        body = _arrow_body(text, len(header))
        if body is not None:
            return header, body
    return _python_body(text, header, file_name)


def _python_body(text: str, header: list[str], file_name: str) -> tuple[list[str], pd.DataFrame] | list[Problem]:
    """The body by the csv module: empty lines kept as blank rows (so row numbers stay those a
    spreadsheet shows), short rows padded, every over-long row reported."""
    width = len(header)
    records = list(csv.reader(io.StringIO(text)))[1:]
    problems = [
        Problem(
            file_name,
            number,
            None,
            ",".join(record),
            f"見出し行と同じ {width} 列以内（{len(record)} 列あります）",
            f"at most the header's {width} fields (found {len(record)})",
        )
        for number, record in enumerate(records, start=FIRST_DATA_ROW)
        if len(record) > width
    ]
    if problems:
        return problems
    body = pd.DataFrame([r + [""] * (width - len(r)) for r in records], columns=range(width), dtype=str)
    return header, body


def _xlsx_cell(value, month_column: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, dt.datetime):
        if month_column and value.day == 1 and value.time() == dt.time():
            return value.strftime("%Y-%m")  # Excel turns a typed 2024-04 into 2024/4/1
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _xlsx_frame(path: Path, extract: str) -> tuple[list[str], pd.DataFrame]:
    specs = codebook.columns(extract)
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        rows = wb.worksheets[0].iter_rows(values_only=True)
        header_cells = next(rows, ())
        header = [_xlsx_cell(v, False) for v in header_cells]
        while header and header[-1] == "":
            header.pop()
        months = [specs.get(h.strip(), {}).get("type") == "month" for h in header]
        width = len(header)
        body = [[_xlsx_cell(v, months[i]) for i, v in enumerate(r[:width])] + [""] * (width - len(r)) for r in rows]
    finally:
        wb.close()
    return header, pd.DataFrame(body, columns=range(width), dtype=str)


# ---- reading one file ---------------------------------------------------------------------


def read_extract(path: Path, extract: str) -> RawExtract | list[Problem]:
    """Read one extract file as text, checking its header against the codebook's columns.
    Returns the problems instead when the file cannot be read at all."""
    name = path.name
    data = path.read_bytes()
    if not data:
        return [Problem(name, None, None, None, "空のファイルです（0 バイト）", "the file is empty (0 bytes)")]
    sha = hashlib.sha256(data).hexdigest()
    if path.suffix.lower() == ".xlsx":
        try:
            header, body = _xlsx_frame(path, extract)
        except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
            return [
                Problem(
                    name,
                    None,
                    None,
                    None,
                    f"Excel ファイルとして読めません（{type(exc).__name__}）",
                    f"cannot be read as an Excel workbook ({type(exc).__name__})",
                )
            ]
        encoding = "xlsx"
    else:
        decoded = decode_csv(data)
        if decoded is None:
            return [
                Problem(
                    name,
                    None,
                    None,
                    None,
                    "文字コードを判別できません（UTF-8、BOM 付き UTF-8、Shift_JIS/CP932 のいずれか）",
                    "unknown text encoding (use UTF-8, UTF-8 with BOM or Shift_JIS/CP932)",
                )
            ]
        text, encoding = decoded
        parsed = _csv_frame(text, name)
        if isinstance(parsed, list):
            return parsed
        header, body = parsed
    return _checked(path, extract, encoding, sha, header, body)


def _checked(
    path: Path, extract: str, encoding: str, sha: str, header: list[str], body: pd.DataFrame
) -> RawExtract | list[Problem]:
    name = path.name
    specs = codebook.columns(extract)
    problems: list[Problem] = []
    names = [h.strip() for h in header]
    positions: dict[str, int] = {}
    for i, col in enumerate(names):
        if col in specs:
            if col in positions:
                problems.append(
                    Problem(name, 1, col, header[i], "列名が重複しています", "the column name appears more than once")
                )
            else:
                positions[col] = i
        else:
            problems.append(
                Problem(
                    name,
                    1,
                    col or f"({i + 1})",
                    header[i],
                    "不明な列です（無視します）",
                    "unknown column (ignored)",
                    WARNING,
                )
            )
    for col, spec in specs.items():
        if spec.get("required") and col not in positions:
            problems.append(Problem(name, 1, col, None, "必須の列がありません", "required column is missing"))
    frame = body[[positions[c] for c in positions]].copy() if len(body.columns) else pd.DataFrame()
    frame.columns = list(positions)
    frame.index = pd.RangeIndex(FIRST_DATA_ROW, FIRST_DATA_ROW + len(body))
    blank = (body == "").all(axis=1).to_numpy() if len(body.columns) else None
    if blank is not None and blank.any():
        frame = frame[~blank]
    if frame.empty:
        problems.append(
            Problem(name, None, None, None, "データ行がありません（見出し行のみ）", "no data rows (header only)")
        )
    if any(p.severity == ERROR for p in problems):
        return problems
    return RawExtract(
        extract=extract, path=path, encoding=encoding, sha256=sha, frame=frame, rows=len(frame), problems=problems
    )
