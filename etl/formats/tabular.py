"""Read a CSV file or the sheets of an XLSX workbook into tables of strings.

Shared by every tabular format: the format says which columns it expects
(`headers.Column`); this module detects the container and the encoding, reads
every sheet of a workbook, finds the header (title rows above it allowed),
keeps every column of the file (those the format does not use as well, for the
exact-duplicate rule and the stored raw row), sets aside rows that are not
data (blank rows, repeated headers, totals rows) with their reason, and keeps
each row's spreadsheet row number for messages. Nothing here knows about the
database.
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from etl.errors import FileRejected
from etl.filecheck import check_regular
from etl.formats.headers import (HEAD_ROWS, Column, ColumnMap, alias_map, describe_found, expected_columns,
                                 find_header, map_columns, present)
from etl.formats.problems import listed
from etl.formats.rawrows import build

CSV_EXTENSIONS = {".csv", ".txt"}
NEXT_STEPS = ("; rename the column to an accepted spelling, or load the file with --map MAPPING for a layout of its "
              "own (--format if it is another kind of file)")
XLSX_EXTENSIONS = {".xlsx", ".xlsm"}
# the header is looked for in the first HEAD_ROWS lines and at most this many bytes: a file of one endless line
# is judged by its first megabyte, not read whole into memory
HEAD_BYTES = 1 << 20
# a long description must not stop the exact (slow) reader; pyarrow's fast reader has no such limit
csv.field_size_limit(max(csv.field_size_limit(), 1 << 30))


@dataclass
class RawTable:
    """One file, or one sheet of a workbook, as text cells."""

    path: Path
    container: str  # "csv" or "xlsx"
    encoding: str | None
    sheet: str | None  # the sheet's name; None for CSV
    header_row: int  # spreadsheet row number of the header (1-based)
    columns: dict[str, str]  # data-frame column -> header as written (one line)
    data: pd.DataFrame  # every column as strings (NaN = blank); index = row number
    malformed: list[tuple[int, str, str]] = field(default_factory=list)  # (row, raw text, reason)
    skipped: list[tuple[int, str, str]] = field(default_factory=list)  # (row, reason, raw JSON)
    unused: list[str] = field(default_factory=list)  # headers of the columns the format does not use
    choices: list[str] = field(default_factory=list)  # which of two competing columns was used
    hints: dict[str, str] = field(default_factory=dict)  # unused header -> the column it looks like
    title_lines: list[str] = field(default_factory=list)
    filtered: dict[str, int] = field(default_factory=dict)  # rows a mapping's filter left out, by reason

    @property
    def rows_in(self) -> int:
        return len(self.data) + len(self.malformed) + len(self.skipped) + sum(self.filtered.values())

    @property
    def where(self) -> str:
        return f"{self.path.name}, sheet '{self.sheet}'" if self.sheet else self.path.name


def rejected(path: Path, sheet: str | None, problem: str) -> FileRejected:
    return FileRejected(path, f"sheet '{sheet}': {problem}" if sheet else problem)


# ---------------------------------------------------------------- containers

def sniff(path: Path) -> str:
    """Decide CSV or XLSX from the bytes, rejecting anything else (and anything not a regular file, unopened)."""
    check_regular(path)
    try:
        with path.open("rb") as fh:
            head = fh.read(8192)
    except OSError as exc:
        raise FileRejected(path, f"cannot be read ({exc.strerror or exc})") from None
    if not head:
        raise FileRejected(path, "file is empty (0 bytes)")
    ext = path.suffix.lower()
    if head.startswith(b"PK\x03\x04"):
        if ext in CSV_EXTENSIONS:
            raise FileRejected(path, f"has a {ext} name but is a ZIP/XLSX file; rename it to .xlsx")
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileRejected(path, "is an old Excel 97-2003 (.xls) workbook; save it as .xlsx or .csv")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileRejected(path, "is UTF-16 text (e.g. Excel's 'Unicode Text'); save it as CSV (UTF-8 or Windows)")
    if head.startswith(b"%PDF"):
        raise FileRejected(path, "is a PDF, not a CSV or XLSX file")
    if ext in XLSX_EXTENSIONS:
        raise FileRejected(path, f"has a {ext} name but is not an XLSX workbook (not a ZIP archive)")
    if ext not in CSV_EXTENSIONS:
        raise FileRejected(path, f"file type '{ext or '(none)'}' is not supported; expected .csv or .xlsx")
    if b"\x00" in head:
        raise FileRejected(path, "contains binary data (NUL bytes); expected a CSV text file")
    if b"\n" not in head and b"\r" not in head:
        _head_bytes(path)  # a first line of megabytes is rejected here, before the whole file is read for its encoding
    return "csv"


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) first, then Windows-1252, then Latin-1."""
    st = path.stat()
    return _encoding(str(path), st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=32)
def _encoding(path: str, _mtime_ns: int, _size: int) -> str:
    """Decoding a big file costs a tenth of a second or more: once per file version, block by block
    (a 200 MB file is never held in memory twice)."""
    for enc in ("utf-8-sig", "cp1252"):
        decoder = codecs.getincrementaldecoder(enc)()
        try:
            with open(path, "rb") as fh:
                for block in iter(lambda: fh.read(1 << 22), b""):
                    decoder.decode(block)
                decoder.decode(b"", final=True)
            return enc
        except UnicodeDecodeError:
            continue
    return "latin-1"


def _cell_text(value: object) -> str | None:
    """Spreadsheet cell -> text, the way a person reads it."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if np.isnan(value):
            return None
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ") if (value.hour or value.minute or value.second) else value.date().isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    text = str(value)
    return text if text.strip() else None


def workbook(path: Path) -> dict[str, list[list[str | None]]]:
    """Every sheet of a workbook as rows of cell text, in workbook order (read once per file version)."""
    st = path.stat()
    return _workbook(str(path), st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=4)
def _workbook(path_text: str, _mtime_ns: int, _size: int) -> dict[str, list[list[str | None]]]:
    from python_calamine import CalamineWorkbook

    path = Path(path_text)
    try:
        wb = CalamineWorkbook.from_path(path_text)
        if not wb.sheet_names:
            raise FileRejected(path, "workbook has no sheets")
        return {name: [[_cell_text(v) for v in row] for row in wb.get_sheet_by_name(name).to_python(skip_empty_area=False)]
                for name in wb.sheet_names}
    except FileRejected:
        raise
    except Exception as exc:  # calamine raises its own types for corrupt archives
        raise FileRejected(path, f"is not a readable XLSX workbook ({type(exc).__name__}: {exc})") from None


def pick_sheet(path: Path, names: Sequence[str], wanted: str) -> str:
    """--sheet NAME (any case) or --sheet N (1-based)."""
    for name in names:
        if name.strip().lower() == wanted.strip().lower():
            return name
    if wanted.strip().isdigit() and 1 <= int(wanted) <= len(names):
        return names[int(wanted) - 1]
    listing = listed([f"{i}: '{n}'" for i, n in enumerate(names, 1)], "sheets", ", ")
    raise FileRejected(path, f"has no sheet '{wanted}' (its sheets are {listing}); give --sheet a name or a number")


def _csv_rows(path: Path, text: str) -> list[list[str]]:
    """csv.reader over text, any line ending (old Mac files end lines with CR alone)."""
    try:
        return list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise FileRejected(path, f"is not valid CSV ({exc})") from None


def _head_bytes(path: Path) -> bytes:
    """At most the first HEAD_BYTES bytes, cut after the last whole line; a file with no line break in them
    is no table."""
    with path.open("rb") as fh:
        data = fh.read(HEAD_BYTES + 1)
    if len(data) <= HEAD_BYTES:
        return data
    end = max(data.rfind(b"\n", 0, HEAD_BYTES), data.rfind(b"\r", 0, HEAD_BYTES))  # LF, or CR of old Macs
    if end < 0:
        raise FileRejected(path, f"has no line break in its first {HEAD_BYTES // (1 << 20)} MB (a line longer "
                                 f"than {HEAD_BYTES:,} bytes); a CSV header is one short line: is this a CSV table?")
    return data[:end + 1]


def _csv_head(path: Path, encoding: str, n: int = HEAD_ROWS) -> list[list[str]]:
    """The first n lines, from at most HEAD_BYTES bytes."""
    text = _head_bytes(path).decode(encoding)  # a cut after a line break is a whole character in every encoding read
    return _csv_rows(path, "".join(line for _, line in zip(range(n), io.StringIO(text, newline=""))))


def heads(path: Path, sheet: str | None = None) -> list[tuple[str | None, list[list[str | None]]]]:
    """The first rows of the file, or of each sheet (only `sheet` when given), for detection."""
    container = sniff(path)
    if container == "csv":
        return [(None, _csv_head(path, detect_encoding(path)))]
    book = workbook(path)
    names = [pick_sheet(path, list(book), sheet)] if sheet else list(book)
    return [(name, book[name][:HEAD_ROWS]) for name in names]


def check_delimiter(path: Path, head: list[list[str | None]]) -> None:
    for row in head:
        cells = [c for c in row if present(c)]
        if len(cells) == 1:
            for delim, name in ((";", "semicolons"), ("\t", "tabs"), ("|", "vertical bars")):
                if str(cells[0]).count(delim) >= 2:
                    raise FileRejected(path, f"columns are separated by {name}, not commas; "
                                             "save the file as comma-separated CSV")


def first_row_text(head: list[list[str | None]]) -> str:
    row = next((r for r in head if any(present(c) for c in r)), [])
    return describe_found(row)


# ---------------------------------------------------------------- reading whole tables

def read_parts(path: Path, columns: Sequence[Column], sheet: str | None = None,
               skip_totals: bool = True) -> list[RawTable]:
    """Every part of a file that fits the columns: the CSV itself, or each data sheet of a workbook.

    A workbook's data sheets are those whose header names every required
    column; with `sheet` only that sheet is read. Sheets passed over are
    named in the first part's `choices`.
    """
    path = Path(path)
    aliases = alias_map(columns)
    if sniff(path) == "csv":
        enc, head, h, cmap, titles = csv_header(path, columns)
        fast = _csv_fast(path, enc, h, len(head[h]))
        if fast is not None:
            return [_has_rows(build(path, "csv", enc, None, head[h], h, cmap, fast, [], titles, skip_totals))]
        grid = _csv_rows(path, path.read_bytes().decode(enc))
        return [_has_rows(_from_grid(path, "csv", enc, None, grid, h, cmap, titles, skip_totals))]

    book = workbook(path)
    names = [pick_sheet(path, list(book), sheet)] if sheet else list(book)
    found = []
    for name in names:
        h, score = find_header(book[name], aliases)
        if h >= 0:
            found.append((name, h, score, map_columns(book[name][h], columns)))
    fitting = [f for f in found if not f[3].problems]
    if not fitting:
        if found:
            name, _, _, cmap = max(found, key=lambda f: f[2])
            raise rejected(path, name, listed(cmap.problems) + NEXT_STEPS + ", --sheet to read another sheet")
        raise _no_header(path, names, None, columns, book)
    parts, empty = [], []
    for name, h, _, cmap in fitting:
        titles = [" ".join(str(c) for c in row if present(c)) for row in book[name][:h]]
        part = _from_grid(path, "xlsx", None, name, book[name], h, cmap, titles, skip_totals)
        if _has_data(part) or len(fitting) == 1:
            parts.append(_has_rows(part))
        else:  # next month's sheet, headed but not filled in yet
            empty.append(name)
    if not parts:
        raise rejected(path, None, f"has header rows but no data rows (sheets {', '.join(repr(n) for n in empty)})")
    passed = [n for n in book if n not in {f[0] for f in fitting}]
    if passed and not sheet:
        parts[0].choices.append("sheet(s) not read (no header with the required columns): "
                                + ", ".join(f"'{n}'" for n in passed))
    if empty:
        parts[0].choices.append("sheet(s) with a header but no rows: " + ", ".join(f"'{n}'" for n in empty))
    return parts


def csv_header(path: Path, columns: Sequence[Column]) -> tuple[str, list[list[str]], int, ColumnMap, list[str]]:
    """(encoding, first rows, header row index, column map, title lines above the header) of a CSV file whose
    header fits the columns; a file that does not fit is rejected."""
    enc = detect_encoding(path)
    head = _csv_head(path, enc)
    h, score = find_header(head, alias_map(columns))
    if h < 0:
        raise _no_header(path, None, head, columns)
    if score < 2:
        check_delimiter(path, head)
    cmap = map_columns(head[h], columns)
    if cmap.problems:
        raise rejected(path, None, listed(cmap.problems) + NEXT_STEPS)
    titles = [" ".join(str(c) for c in row if present(c)) for row in head[:h]]
    return enc, head, h, cmap, titles


def _no_header(path: Path, sheets: list[str] | None, head: list | None, columns: Sequence[Column],
               book: dict | None = None) -> FileRejected:
    expected = expected_columns(columns)
    if sheets is None:
        if not any(any(present(c) for c in row) for row in head):
            return FileRejected(path, "has no header row and no data (only blank lines)")
        check_delimiter(path, head)
        return FileRejected(path, f"no header row with recognised column names found in the first {HEAD_ROWS} rows "
                                  f"(first row has: {first_row_text(head)}); expected columns such as {expected}; "
                                  "use --format for another kind of file or --map for a layout of its own")
    if all(not any(any(present(c) for c in row) for row in book[n]) for n in sheets):
        return FileRejected(path, "has no header row and no data (only blank lines)")
    seen = listed([f"sheet '{n}' first row: {first_row_text(book[n][:HEAD_ROWS]) or '(empty)'}" for n in sheets],
                  "sheets")
    return FileRejected(path, f"no sheet has a header row with recognised column names in its first {HEAD_ROWS} rows "
                              f"({seen}); expected columns such as {expected}; use --sheet, --format or --map")


def _has_data(raw: RawTable) -> bool:
    return len(raw.data) + len(raw.malformed) > 0 or any(r[1] != "blank row" for r in raw.skipped)


def _has_rows(raw: RawTable) -> RawTable:
    """A header and nothing under it is an empty file (a failed export), not a file with no incidents."""
    if not _has_data(raw):
        blank = f" (only {len(raw.skipped)} blank line(s))" if raw.skipped else ""
        raise rejected(raw.path, raw.sheet, f"has a header row (row {raw.header_row}) but no data rows{blank}")
    return raw


def _lines_through(path: Path, enc: str, h: int) -> int:
    """Text lines up to the end of CSV record h (the header): pyarrow skips lines, and a quoted title
    cell with a line break makes one record two lines."""
    with path.open("r", encoding=enc, newline="") as fh:
        reader = csv.reader(fh)
        for _ in range(h + 1):
            next(reader, None)
        return reader.line_num


def arrow_options(path: Path, enc: str, h: int, names: list[str], on_invalid, include: list[str] | None = None) -> dict:  # noqa: ANN001
    """pyarrow's CSV options for the rows under header row h, every cell text (None for blank)."""
    return dict(
        read_options=pacsv.ReadOptions(skip_rows=_lines_through(path, enc, h), column_names=names, block_size=1 << 24,
                                       encoding="utf8" if enc == "utf-8-sig" else enc),
        parse_options=pacsv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False,
                                         invalid_row_handler=on_invalid),
        convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                             strings_can_be_null=True, quoted_strings_can_be_null=True,
                                             null_values=[""], include_columns=include or []),
    )


def _csv_fast(path: Path, enc: str, h: int, ncols: int) -> pd.DataFrame | None:
    """Every column by pyarrow's multi-threaded reader; None when the file needs the exact slow path."""
    names = [f"c{i}" for i in range(ncols)]
    bad: list[int] = []

    def on_invalid(_row):  # noqa: ANN001
        bad.append(1)
        return "skip"

    try:
        table = pacsv.read_csv(path, **arrow_options(path, enc, h, names, on_invalid))
    except (pa.ArrowInvalid, UnicodeDecodeError, LookupError):
        return None
    if bad:
        return None
    df = table.to_pandas()
    df.index = pd.RangeIndex(h + 2, h + 2 + len(df), name="row")  # spreadsheet row numbers: header is row h+1
    return df


def _from_grid(path: Path, container: str, enc: str | None, sheet: str | None, grid: list[list[str | None]], h: int,
               cmap: ColumnMap, titles: list[str], skip_totals: bool) -> RawTable:
    ncols = len(grid[h])
    records: list[list[str | None]] = []
    numbers: list[int] = []
    malformed: list[tuple[int, str, str]] = []
    for offset, row in enumerate(grid[h + 1:]):
        cells = [c if present(c) else None for c in row]
        if len(cells) > ncols and any(cells[ncols:]):  # e.g. an unquoted "1,234": every later value would shift
            malformed.append((h + 2 + offset, ",".join(c or "" for c in row),
                              f"row has {len(cells)} fields but the header has {ncols}"))
            continue
        records.append((cells + [None] * (ncols - len(cells)))[:ncols])
        numbers.append(h + 2 + offset)
    frame = pd.DataFrame(records, columns=[f"c{i}" for i in range(ncols)], dtype="str")
    frame.index = pd.Index(numbers, name="row", dtype="int64")
    return build(path, container, enc, sheet, grid[h], h, cmap, frame, malformed, titles, skip_totals)
