"""Finding and reading extract files: every cell as text, rows numbered as a spreadsheet shows them.

CSV files are decoded by trying UTF-8 with BOM, UTF-8, then CP932 (Japanese Excel's "CSV"; a
superset of Shift_JIS) in that order. A strict decode that succeeds is trustworthy: Japanese CP932
text is practically never valid UTF-8, so no guessing library is needed, and the encoding found is
recorded in import_log. .xlsx workbooks are read from their first sheet.
"""

from __future__ import annotations

import contextlib
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
from openpyxl.utils import get_column_letter

from data import codebook
from data.problems import ERROR, WARNING, Problem

SUFFIXES = (".csv", ".xlsx")
CSV_ENCODINGS = ("utf-8", "cp932")  # tried in this order after a BOM check
# Python's cp932 decodes the bytes 0x80, 0xA0, 0xFD-0xFF (unused by Shift_JIS) to these; real
# CP932 text never holds them, so they mean the file is in some other encoding.
CP932_UNUSED = ("\x80", "\uf8f0", "\uf8f1", "\uf8f2", "\uf8f3")
FIRST_DATA_ROW = 2  # header is spreadsheet row 1
# The longest cell accepted (characters): the csv module's own default field limit. No column of
# the contract needs more; a longer cell is a damaged file (e.g. an unclosed quote) or not an extract.
MAX_CELL_CHARS = 128 * 1024


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


def extract_of(file_name: str) -> str | None:
    """The extract a file of this name would be read as (None: no extract's file_pattern)."""
    for name, spec in codebook.extracts().items():
        if _matches(Path(file_name), spec["file_pattern"]):
            return name
    return None


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


def _bad_offset(data: bytes, encoding: str) -> int:
    """Offset of the first byte the encoding cannot decode (len(data) when it decodes)."""
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        return exc.start
    if encoding != "cp932":
        return len(data)
    spots = [text.find(ch) for ch in CP932_UNUSED if ch in text]
    return len(text[: min(spots)].encode("cp932")) if spots else len(data)


def first_bad_byte(data: bytes) -> tuple[int, int, int]:
    """(line, byte in the line, offset) of the first undecodable byte, under the accepted encoding
    that reads furthest into the file: one stray byte in a Shift_JIS file is found where it is,
    not at the first Japanese character (which UTF-8 cannot read). line and byte count from 1."""
    if data.startswith(b"\xef\xbb\xbf"):
        offset = _bad_offset(data, "utf-8")
    else:
        offset = max(_bad_offset(data, enc) for enc in CSV_ENCODINGS)
    offset = min(offset, len(data) - 1)
    line_start = data.rfind(b"\n", 0, offset) + 1
    return data.count(b"\n", 0, offset) + 1, offset - line_start + 1, offset


def _csv_column_at(data: bytes, line_start: int, offset: int) -> str | None:
    """The header name of the CSV column holding the byte (commas before it on its line; a quoted
    comma may mislead, so this is a hint), or None."""
    header = data.split(b"\n", 1)[0].lstrip(b"\xef\xbb\xbf").decode("ascii", "replace").strip()
    names = [h.strip().strip('"') for h in header.split(",")]
    index = data.count(b",", line_start, offset)
    return names[index] if index < len(names) and names[index] else None


def encoding_problem(file_name: str, data: bytes) -> Problem:
    """The refusal of a file no accepted encoding decodes, naming the first bad byte's place."""
    line, byte, offset = first_bad_byte(data)
    column = _csv_column_at(data, offset - byte + 1, offset)
    return Problem(
        file_name,
        line,
        column,
        f"0x{data[offset]:02X}",
        "文字コードを判別できません（UTF-8、BOM 付き UTF-8、Shift_JIS/CP932 のいずれか）: "
        f"最初の読めないバイトは {line} 行目の {byte} バイト目（ファイル先頭から {offset:,} バイト目）",
        "unknown text encoding (use UTF-8, UTF-8 with BOM or Shift_JIS/CP932): the first unreadable byte "
        f"is byte {byte} of line {line} (offset {offset:,} in the file)",
    )


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


@contextlib.contextmanager
def _no_field_limit():
    """The csv module raises on a field over its limit (128 KiB) with no row or column; read
    whole fields instead, and report over-long cells by their place (_long_cells)."""
    old = csv.field_size_limit()
    csv.field_size_limit(2**31 - 1)
    try:
        yield
    finally:
        csv.field_size_limit(old)


def _csv_frame(text: str, file_name: str) -> tuple[list[str], pd.DataFrame] | list[Problem]:
    """Header and body of CSV text, all cells str; or the problems of a malformed file."""
    with _no_field_limit():
        header = next(csv.reader(io.StringIO(text)), [])
    if not any(h.strip() for h in header):
        # Without this, every data row would be "longer than the header's 0 fields".
        return [
            Problem(
                file_name,
                1,
                None,
                None,
                "1 行目は見出し行（列名）にしてください（空です）",
                "row 1 must be the header (the column names); it is blank",
            )
        ]
    if header:
        body = _arrow_body(text, len(header))
        if body is not None:
            return header, body
    with _no_field_limit():
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
    last = len(records) + FIRST_DATA_ROW - 1
    if records and 0 < len(records[-1]) < width:
        # A short last row is a file cut off (a transfer or a save that stopped), not a row whose
        # trailing blank cells were left out: refused, where short rows before it are padded.
        problems.append(
            Problem(
                file_name,
                last,
                None,
                ",".join(records[-1]),
                f"最後の行の列が足りません（{width} 列のうち {len(records[-1])} 列）: "
                "ファイルが途中で切れていないか確認してください",
                f"the last row has only {len(records[-1])} of the header's {width} fields: the file looks cut off",
            )
        )
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


def _xlsx_frame(path: Path, extract: str) -> tuple[list[str], pd.DataFrame, list[Problem]]:
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
        raw = [tuple(r[:width]) for r in rows]
        body = [[_xlsx_cell(v, months[i]) for i, v in enumerate(r)] + [""] * (width - len(r)) for r in raw]
    finally:
        wb.close()
    blanks = {(r, c) for r, row in enumerate(raw) for c, v in enumerate(row) if v is None}
    problems = _uncalculated_formulas(path, header, blanks) if blanks else []
    return header, pd.DataFrame(body, columns=range(width), dtype=str), problems


def _is_formula(value) -> bool:
    return (isinstance(value, str) and value.startswith("=")) or type(value).__name__ in (
        "ArrayFormula",
        "DataTableFormula",
    )


def _uncalculated_formulas(path: Path, header: list[str], blanks: set[tuple[int, int]]) -> list[Problem]:
    """Formula cells without a saved result (a workbook written by a program, never opened and
    saved in Excel): openpyxl reads them as blank, which would silently become 無回答. The
    formulas are seen only with data_only=False, so the blank cells are looked at again."""
    wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
    out: list[Problem] = []
    try:
        rows = wb.worksheets[0].iter_rows(min_row=FIRST_DATA_ROW, max_col=len(header), values_only=True)
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if (r, c) in blanks and _is_formula(v):
                    cell = f"{get_column_letter(c + 1)}{FIRST_DATA_ROW + r}"
                    out.append(
                        Problem(
                            path.name,
                            FIRST_DATA_ROW + r,
                            header[c].strip() or f"({c + 1})",
                            str(getattr(v, "text", v)),
                            f"値（セル {cell} は計算結果が保存されていない数式です: "
                            "Excel で開いて保存するか、値として貼り付けてください）",
                            f"a value (cell {cell} holds a formula with no saved result: open and save the "
                            "workbook in Excel, or paste the cells as values)",
                        )
                    )
    finally:
        wb.close()
    return out


def _long_cells(file_name: str, names: list[str], body: pd.DataFrame) -> list[Problem]:
    """Cells longer than MAX_CELL_CHARS, by row and column (the value shown is the cell's start)."""
    out: list[Problem] = []
    for i in body.columns:
        long = body[i].str.len().to_numpy() > MAX_CELL_CHARS
        for r in long.nonzero()[0][:10]:
            out.append(
                Problem(
                    file_name,
                    FIRST_DATA_ROW + int(r),
                    (names[i] if i < len(names) else "") or f"({i + 1})",
                    body[i].iat[r][:40],
                    f"{MAX_CELL_CHARS // 1024} KiB（{MAX_CELL_CHARS:,} 文字）以内のセル"
                    f"（{len(body[i].iat[r]):,} 文字あります）",
                    f"a cell of at most {MAX_CELL_CHARS // 1024} KiB ({MAX_CELL_CHARS:,} characters; "
                    f"found {len(body[i].iat[r]):,})",
                )
            )
    return out


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
            header, body, formulas = _xlsx_frame(path, extract)
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
        if formulas:
            return formulas
        encoding = "xlsx"
    else:
        decoded = decode_csv(data)
        if decoded is None:
            return [encoding_problem(name, data)]
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
    problems += _long_cells(name, names, body)
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
