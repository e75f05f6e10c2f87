"""Read a CSV or XLSX file into a grid of strings with canonical column names.

Shared by every input format: the format modules say which columns they
expect; this module finds the header (title rows above it are allowed),
detects the encoding, rejects files that cannot be read with one clear
message, and keeps each row's spreadsheet row number for error messages.
Nothing here knows about the database.
"""
from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from etl.errors import FileRejected

CSV_EXTENSIONS = {".csv", ".txt"}
XLSX_EXTENSIONS = {".xlsx", ".xlsm"}
HEAD_ROWS = 40  # title rows above the header we are willing to skip
# a long description must not stop the exact (slow) reader; pyarrow's fast reader has no such limit
csv.field_size_limit(max(csv.field_size_limit(), 1 << 30))


@dataclass(frozen=True)
class Column:
    """One expected input column, with the spellings accepted for its header."""

    name: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    kind: str = "text"
    description: str = ""
    example: str = ""


@dataclass
class RawTable:
    path: Path
    container: str  # "csv" or "xlsx"
    encoding: str | None
    header_row: int  # spreadsheet row number of the header (1-based)
    columns: dict[str, str]  # canonical name -> header as written in the file
    data: pd.DataFrame  # canonical columns as strings (NaN = blank); index = row number
    malformed: list[tuple[int, str, str]] = field(default_factory=list)  # (row, raw text, reason)
    blank_rows: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    title_lines: list[str] = field(default_factory=list)

    @property
    def rows_in(self) -> int:
        return len(self.data) + len(self.malformed)


def norm_header(cell: object) -> str:
    """'Loss ($)' -> 'loss', 'Incidents\\n1' -> 'incidents1', 'Montréal' -> 'montreal'."""
    s = unicodedata.normalize("NFKD", str(cell)).encode("ascii", "ignore").decode()
    s = re.sub(r"[^a-z0-9]+", "_", s.lower()).strip("_")
    return s


def alias_map(columns: Sequence[Column]) -> dict[str, str]:
    table: dict[str, str] = {}
    for col in columns:
        for spelling in (col.name, *col.aliases):
            table[norm_header(spelling)] = col.name
    return table


def match_header(cell: str, aliases: dict[str, str]) -> str | None:
    key = norm_header(cell)
    if key in aliases:
        return aliases[key]
    stripped = re.sub(r"_?\d+$", "", key)  # FBI footnote digits: "Incidents1", "Victims 2"
    return aliases.get(stripped) if stripped else None


def header_score(cells: Sequence[object], aliases: dict[str, str]) -> int:
    return len({match_header(str(c), aliases) for c in cells if _present(c)} - {None})


def _present(value: object) -> bool:
    return value is not None and str(value).strip() != ""


# ---------------------------------------------------------------- containers

def sniff(path: Path) -> str:
    """Decide CSV or XLSX from the bytes, rejecting anything else."""
    if not path.exists():
        raise FileRejected(path, "file not found")
    if path.is_dir():
        raise FileRejected(path, "is a folder, not a file")
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
    return "csv"


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) first, then Windows-1252, then Latin-1."""
    st = path.stat()
    return _encoding(str(path), st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=32)
def _encoding(path: str, _mtime_ns: int, _size: int) -> str:
    """Decoding a big file costs a tenth of a second or more: once per file version."""
    data = Path(path).read_bytes()
    for enc in ("utf-8-sig", "cp1252"):
        try:
            data.decode(enc)
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


def _xlsx_grid(path: Path) -> list[list[str | None]]:
    from python_calamine import CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_path(str(path))
        if not wb.sheet_names:
            raise FileRejected(path, "workbook has no sheets")
        rows = wb.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except FileRejected:
        raise
    except Exception as exc:  # calamine raises its own types for corrupt archives
        raise FileRejected(path, f"is not a readable XLSX workbook ({type(exc).__name__}: {exc})") from None
    return [[_cell_text(v) for v in row] for row in rows]


def _csv_rows(path: Path, text: str) -> list[list[str]]:
    """csv.reader over text, any line ending (old Mac files end lines with CR alone)."""
    try:
        return list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise FileRejected(path, f"is not valid CSV ({exc})") from None


def _csv_head(path: Path, encoding: str, n: int = HEAD_ROWS) -> list[list[str]]:
    with path.open("r", encoding=encoding, newline="") as fh:
        text = "".join(line for _, line in zip(range(n), fh))
    return _csv_rows(path, text)


def read_head(path: Path) -> tuple[str, str | None, list[list[str | None]]]:
    """The first rows of a file, for format detection and header search."""
    container = sniff(path)
    if container == "xlsx":
        return container, None, _xlsx_grid(path)[:HEAD_ROWS]
    enc = detect_encoding(path)
    return container, enc, _csv_head(path, enc)


def find_header(path: Path, head: list[list[str | None]], score: Callable[[list], int], columns_hint: str) -> int:
    best, best_score = -1, 0
    for i, row in enumerate(head):
        s = score(row)
        if s > best_score:
            best, best_score = i, s
    if best < 0:
        if not any(any(_present(c) for c in row) for row in head):
            raise FileRejected(path, "has no header row and no data (only blank lines)")
        _check_delimiter(path, head)
        found = ", ".join(repr(str(c)) for c in next(r for r in head if any(_present(c) for c in r)) if _present(c))
        raise FileRejected(path, f"no header row with recognised column names found in the first {HEAD_ROWS} rows "
                                 f"(first row has: {found[:300]}); expected columns such as {columns_hint}")
    return best


def _check_delimiter(path: Path, head: list[list[str | None]]) -> None:
    for row in head:
        cells = [c for c in row if _present(c)]
        if len(cells) == 1:
            for delim, name in ((";", "semicolons"), ("\t", "tabs"), ("|", "vertical bars")):
                if cells[0].count(delim) >= 2:
                    raise FileRejected(path, f"columns are separated by {name}, not commas; "
                                             "save the file as comma-separated CSV")


# ---------------------------------------------------------------- columns

def map_columns(path: Path, header: list[str | None], columns: Sequence[Column]) -> tuple[dict[int, str], list[str]]:
    """Header cells -> canonical names, or a FileRejected that says exactly why."""
    aliases = alias_map(columns)
    seen_raw: dict[str, int] = {}
    mapping: dict[int, str] = {}
    owner: dict[str, int] = {}
    unknown: list[tuple[int, str]] = []
    for i, cell in enumerate(header):
        if not _present(cell):
            continue
        label = str(cell).strip()
        key = label.lower()
        if key in seen_raw:
            raise FileRejected(path, f"duplicate column name '{label}' (columns {seen_raw[key] + 1} and {i + 1})")
        seen_raw[key] = i
        canon = match_header(label, aliases)
        if canon is None:
            unknown.append((i, label))
            continue
        if canon in owner:
            other = str(header[owner[canon]]).strip()
            raise FileRejected(path, f"columns '{other}' and '{label}' both give '{canon}'; keep only one of them")
        owner[canon] = i
        mapping[i] = canon

    missing = [c for c in columns if c.required and c.name not in owner]
    problems = []
    named: set[str] = set()  # labels already given as a missing column's closest match
    for col in missing:
        spellings = ", ".join(sorted({col.name, *col.aliases})[:6])
        found = ", ".join(f"'{str(h).strip()}'" for h in header if _present(h))
        guess = None
        for _, label in unknown:
            if closest_column(label, [col]):
                guess = label
        if guess:
            named.add(guess)
        hint = f"; closest match in the file: '{guess}'" if guess else ""
        problems.append(f"missing required column '{col.name}' (accepted: {spellings}); found: {found}{hint}")
    for _, label in unknown:
        guess = closest_column(label, columns, exclude=set(owner))
        if guess and label not in named:
            problems.append(f"column '{label}' not recognised; did you mean '{guess}'?")
    if problems:
        raise FileRejected(path, "; ".join(problems))
    ignored = [label for _, label in unknown]
    return mapping, ignored


def closest_column(label: str, columns: Sequence[Column], exclude: set[str] | frozenset = frozenset()) -> str | None:
    """The canonical name whose spellings look most like `label`, if any is close."""
    key = norm_header(label)
    best, best_ratio = None, 0.0
    for col in columns:
        if col.name in exclude:
            continue
        for spelling in (col.name, *col.aliases):
            ratio = difflib.SequenceMatcher(None, key, norm_header(spelling)).ratio()
            if ratio > best_ratio:
                best, best_ratio = col.name, ratio
    return best if best_ratio >= 0.72 else None


# ---------------------------------------------------------------- reading

def read_table(path: Path, columns: Sequence[Column]) -> RawTable:
    """Read a whole CSV/XLSX file into a RawTable (strings only, no parsing)."""
    path = Path(path)
    aliases = alias_map(columns)
    container = sniff(path)
    hint = ", ".join(c.name for c in columns if c.required)
    if container == "xlsx":
        grid = _xlsx_grid(path)
        h = find_header(path, grid[:HEAD_ROWS], lambda r: header_score(r, aliases), hint)
        return _has_rows(_from_grid(path, "xlsx", None, grid, h, columns))
    enc = detect_encoding(path)
    head = _csv_head(path, enc)
    h = find_header(path, head, lambda r: header_score(r, aliases), hint)
    if header_score(head[h], aliases) < 2:
        _check_delimiter(path, head)
    header = head[h]
    mapping, ignored = map_columns(path, header, columns)
    titles = [" ".join(str(c) for c in row if _present(c)) for row in head[:h]]
    fast = _csv_fast(path, enc, h, len(header), mapping)
    if fast is not None:
        data, blank = fast
        return _has_rows(RawTable(path, "csv", enc, h + 1, {v: str(header[k]).strip() for k, v in mapping.items()},
                                  data, [], blank, ignored, titles))
    grid = _csv_rows(path, path.read_bytes().decode(enc))
    return _has_rows(_from_grid(path, "csv", enc, grid, h, columns, titles=titles))


def _has_rows(raw: RawTable) -> RawTable:
    """A header and nothing under it is an empty file (a failed export), not a file with no incidents."""
    if raw.rows_in == 0:
        blank = f" (only {raw.blank_rows} blank line(s))" if raw.blank_rows else ""
        raise FileRejected(raw.path, f"has a header row (row {raw.header_row}) but no data rows{blank}")
    return raw


def _lines_through(path: Path, enc: str, h: int) -> int:
    """Text lines up to the end of CSV record h (the header): pyarrow skips lines, and a quoted title
    cell with a line break makes one record two lines."""
    with path.open("r", encoding=enc, newline="") as fh:
        reader = csv.reader(fh)
        for _ in range(h + 1):
            next(reader, None)
        return reader.line_num


def _csv_fast(path: Path, enc: str, h: int, ncols: int, mapping: dict[int, str]) -> tuple[pd.DataFrame, int] | None:
    """pyarrow's multi-threaded reader; None when the file needs the exact slow path."""
    names = [f"c{i}" for i in range(ncols)]
    bad: list[int] = []

    def on_invalid(_row):  # noqa: ANN001
        bad.append(1)
        return "skip"

    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(skip_rows=_lines_through(path, enc, h), column_names=names, block_size=1 << 24,
                                           encoding="utf8" if enc == "utf-8-sig" else enc),
            parse_options=pacsv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False,
                                             invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                 strings_can_be_null=True, quoted_strings_can_be_null=True,
                                                 null_values=[""], include_columns=[names[i] for i in mapping]),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError, LookupError):
        return None
    if bad:
        return None
    df = table.to_pandas()
    df.columns = [mapping[int(c[1:])] for c in df.columns]
    if df.empty:
        return df, 0
    # a row whose every cell is blank (or only spaces, as the exact reader sees it) is a blank line, not a data row
    blank_mask = np.ones(len(df), dtype=bool)
    for name in df.columns:  # narrowed column by column: only rows blank so far are looked at again
        rows = np.flatnonzero(blank_mask)
        if not len(rows):
            break
        cells = df[name].iloc[rows]
        blank_mask[rows] = (cells.isna() | (cells.str.strip() == "")).fillna(False).to_numpy(dtype=bool)
    # row numbers as a spreadsheet shows them: header is row h+1
    df.index = pd.RangeIndex(h + 2, h + 2 + len(df), name="row")
    blank = int(blank_mask.sum())
    if blank:
        df = df[~blank_mask]
    return df, blank


def _from_grid(path: Path, container: str, enc: str | None, grid: list[list[str | None]], h: int,
               columns: Sequence[Column], titles: list[str] | None = None) -> RawTable:
    header = grid[h]
    mapping, ignored = map_columns(path, header, columns)
    ncols = len(header)
    # trailing header cells that are blank but hold data still count as width
    keep_idx = sorted(mapping)
    records: list[list[str | None]] = []
    numbers: list[int] = []
    malformed: list[tuple[int, str, str]] = []
    blank = 0
    for offset, row in enumerate(grid[h + 1:]):
        number = h + 2 + offset
        cells = [c if _present(c) else None for c in row]
        if not any(cells):
            blank += 1
            continue
        if len(cells) > ncols and any(cells[ncols:]):  # e.g. an unquoted "1,234": every later value would shift
            malformed.append((number, ",".join(c or "" for c in row),
                              f"row has {len(cells)} fields but the header has {ncols}"))
            continue
        cells += [None] * (ncols - len(cells))
        records.append([cells[i] for i in keep_idx])
        numbers.append(number)
    data = pd.DataFrame(records, columns=[mapping[i] for i in keep_idx], dtype="str")
    data.index = pd.Index(numbers, name="row", dtype="int64")
    if titles is None:
        titles = [" ".join(str(c) for c in row if _present(c)) for row in grid[:h]]
    return RawTable(path, container, enc, h + 1, {mapping[i]: str(header[i]).strip() for i in keep_idx},
                    data, malformed, blank, ignored, titles)
