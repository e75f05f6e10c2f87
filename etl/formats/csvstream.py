"""A CSV file read in chunks of rows, so a load's memory follows the chunk size, not the file size.

A first pass (pyarrow's reader over a few columns only) settles what must be the same for every
chunk: whether the fast reader can take the file at all (a row with too many fields sends the whole
file to the exact slow reader, as before), which columns under a blank header have values anywhere
(they decide every row's hash), and the distinct values of the columns a format looks at as a whole
(the dates, whose day/month order is one per file). The second pass yields one `RawTable` per chunk,
its rows numbered as in the whole file.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from etl.formats.headers import Column
from etl.formats.rawrows import _blank, build, column_names
from etl.formats.tabular import RawTable, arrow_options, csv_header, rejected

CHUNK_ROWS = 150_000  # rows per chunk: a JSA chunk needs about 400 MB while it is validated


@dataclass
class CsvStream:
    distinct: dict[str, pd.Series]  # data column name -> its distinct values in the whole file
    tables: Iterator[RawTable]


class _Invalid:
    def __init__(self) -> None:
        self.seen = False

    def __call__(self, _row) -> str:  # noqa: ANN001
        self.seen = True
        return "skip"


def csv_stream(path: Path, columns: Sequence[Column], skip_totals: bool, chunk_rows: int = CHUNK_ROWS,
               whole: Sequence[str] = ()) -> CsvStream | None:
    """The file's chunks, or None when it needs the exact (whole-file) reader. `whole` names data columns
    whose distinct values over the whole file the format needs before the first chunk."""
    path = Path(path)
    enc, head, h, cmap, titles = csv_header(path, columns)
    header = head[h]
    names = [f"c{i}" for i in range(len(header))]
    probe = pd.DataFrame({n: pd.Series([None], dtype="str") for n in names})
    rename, _ = column_names(header, cmap, probe, kept_blank=set(range(len(names))))
    blank_header = [i for i in range(len(names)) if i not in cmap.used and i not in cmap.unused]
    wanted = {f"c{i}" for i in blank_header} | {pos for pos, name in rename.items() if name in whole}
    first_pass = _first_pass(path, enc, h, names, sorted(wanted))
    if first_pass is None:
        return None
    present, values = first_pass
    kept_blank = {i for i in blank_header if present.get(f"c{i}")}
    distinct = {rename[pos]: pd.Series(sorted(v), dtype="str") for pos, v in values.items()
                if pos in rename and rename[pos] in whole}
    return CsvStream(distinct, _tables(path, enc, h, header, cmap, titles, skip_totals, names, kept_blank,
                                       max(1, chunk_rows)))


def _first_pass(path: Path, enc: str, h: int, names: list[str], wanted: list[str]
                ) -> tuple[dict[str, bool], dict[str, set[str]]] | None:
    invalid = _Invalid()
    present: dict[str, bool] = {}
    values: dict[str, set[str]] = {c: set() for c in wanted}
    try:
        reader = pacsv.open_csv(path, **arrow_options(path, enc, h, names, invalid, include=wanted or names[:1]))
        for batch in reader:
            for c in wanted:
                col = batch.column(c)
                present[c] = present.get(c, False) or col.null_count < len(col)
                values[c].update(v for v in pc.unique(col).to_pylist() if v is not None)
    except (pa.ArrowInvalid, UnicodeDecodeError, LookupError):
        return None
    return None if invalid.seen else (present, values)


def _tables(path: Path, enc: str, h: int, header: list, cmap, titles: list[str], skip_totals: bool,  # noqa: ANN001
            names: list[str], kept_blank: set[int], chunk_rows: int) -> Iterator[RawTable]:
    """RawTables of chunk_rows rows. Blank rows at the end of a chunk wait for the next one: blank rows
    after the file's last data row are not rows at all, but blank rows between data rows are skipped rows."""
    reader = pacsv.open_csv(path, **arrow_options(path, enc, h, names, _Invalid()))
    first_row = h + 2  # spreadsheet numbering: the header is row h + 1
    waiting: pa.Table | None = None
    made_any = False
    for frame in _rechunk(reader, chunk_rows):
        if waiting is not None:
            frame = pa.concat_tables([waiting, frame])
            waiting = None
        df = frame.to_pandas()
        df.index = pd.RangeIndex(first_row, first_row + len(df), name="row")
        rename, _ = column_names(header, cmap, df, kept_blank)
        blank = _blank(df[list(rename)])
        data_rows = (~blank).nonzero()[0]
        tail = len(blank) - (int(data_rows[-1]) + 1) if len(data_rows) else len(blank)
        if tail:
            waiting = frame.slice(len(df) - tail)
            df = df.iloc[:len(df) - tail]
        first_row += len(df)
        if df.empty:
            continue
        made_any = True
        yield build(path, "csv", enc, None, header, h, cmap, df, [], titles, skip_totals, kept_blank)
    if not made_any:
        raise rejected(path, None, f"has a header row (row {h + 1}) but no data rows")


def _rechunk(reader: pacsv.CSVStreamingReader, rows: int) -> Iterator[pa.Table]:
    """pyarrow's batches (a block of bytes each) as tables of `rows` rows (the last one shorter)."""
    buffer: list[pa.RecordBatch] = []
    held = 0
    for batch in reader:
        buffer.append(batch)
        held += batch.num_rows
        while held >= rows:
            table = pa.Table.from_batches(buffer)
            yield table.slice(0, rows)
            rest = table.slice(rows)
            buffer = rest.to_batches()
            held = rest.num_rows
    if held:
        yield pa.Table.from_batches(buffer)
