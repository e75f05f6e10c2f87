"""Rows of a raw table: naming its columns, setting aside rows that are not data, raw JSON.

Every column of the file is kept: a column the format uses under its own name,
any other under `x:<header key>`. Rows that are not data are set aside, each
with its reason, before any value is parsed:
- blank rows (every cell blank) between the header and the last data row;
- a repeat of the header row (two exports pasted one under the other);
- a totals row whose first filled cell says Total, Totals, Grand total or
  Subtotal (for formats where a total is not data).
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from etl.formats.headers import ColumnMap, norm_header, one_line, present
from etl.formats.problems import _arrow

if TYPE_CHECKING:
    from etl.formats.tabular import RawTable

EXTRA = "x:"
TOTAL_LABEL = re.compile(r"^\s*(grand\s+|sub\s*)?totals?\s*(:.*|\(.*\))?\s*$", re.I)  # RE2-compatible


def column_names(header: list, cmap: ColumnMap, frame: pd.DataFrame,
                 kept_blank: set[int] | None = None) -> tuple[dict[str, str], dict[str, str]]:
    """Positional frame column -> data name, and data name -> header as written. A column under a blank
    header cell is kept when it has values: in this frame, or (`kept_blank`, for a file read in chunks) in
    the whole file, so every chunk has the same columns and the same row hashes."""
    rename: dict[str, str] = {}
    headers: dict[str, str] = {}
    for i in range(len(frame.columns)):
        pos = f"c{i}"
        if i in cmap.used:
            name, label = cmap.used[i], one_line(header[i])
        elif i in cmap.unused:
            label = cmap.unused[i]
            name = EXTRA + (norm_header(label) or f"column_{i + 1}")
        elif (i in kept_blank) if kept_blank is not None else frame[pos].notna().any():  # values under a blank header cell: keep them, named by position
            name, label = f"{EXTRA}column_{i + 1}", f"(column {i + 1})"
        else:
            continue
        while name in headers:  # two unused columns with the same header
            name += "_"
        rename[pos], headers[name] = name, label
    return rename, headers


def _blank(frame: pd.DataFrame) -> np.ndarray:
    """Rows whose every cell is blank or spaces; narrowed column by column (only rows blank so far are looked at)."""
    mask = np.ones(len(frame), dtype=bool)
    for name in frame.columns:
        rows = np.flatnonzero(mask)
        if not len(rows):
            break
        cells = frame[name].iloc[rows]
        mask[rows] = (cells.isna() | (cells.str.strip() == "")).fillna(False).to_numpy(dtype=bool)
    return mask


def _repeats_header(frame: pd.DataFrame, headers: dict[str, str]) -> np.ndarray:
    """Rows whose every filled cell is its column's header text (at least two of them)."""
    names = [n for n in frame.columns if n in headers]
    if len(names) < 2 or frame.empty:
        return np.zeros(len(frame), dtype=bool)
    first = names[0]
    cand = np.flatnonzero((frame[first].str.strip().str.lower() == headers[first].lower()).fillna(False).to_numpy())
    if not len(cand):
        return np.zeros(len(frame), dtype=bool)
    sub = frame.iloc[cand]
    ok = np.ones(len(sub), dtype=bool)
    hits = np.zeros(len(sub), dtype=int)
    for n in names:
        cells = sub[n].map(lambda v: one_line(v).lower() if present(v) else None)
        same = (cells == headers[n].lower()).fillna(False).to_numpy(dtype=bool)
        ok &= same | cells.isna().to_numpy()
        hits += same
    out = np.zeros(len(frame), dtype=bool)
    out[cand[ok & (hits >= 2)]] = True
    return out


def _total_label(frame: pd.DataFrame) -> pd.Series:
    """The first filled cell of each row among its first three columns, where it is a totals label.

    Arrow compute, column by column, only while some rows have had no filled cell yet: the first column
    is filled on almost every row, so a million rows cost one regex pass.
    """
    undecided = np.ones(len(frame), dtype=bool)
    hit = np.zeros(len(frame), dtype=bool)
    for name in list(frame.columns)[:3]:
        rows = np.flatnonzero(undecided)
        if not len(rows):
            break
        arr = _arrow(frame[name]).take(pa.array(rows))
        filled = pc.fill_null(pc.greater(pc.utf8_length(pc.utf8_trim_whitespace(arr)), 0), False)
        label = pc.fill_null(pc.match_substring_regex(arr, TOTAL_LABEL.pattern, ignore_case=True), False)
        filled, label = filled.to_numpy(zero_copy_only=False), label.to_numpy(zero_copy_only=False)
        hit[rows[filled & label]] = True
        undecided[rows[filled]] = False
    if not hit.any():
        return pd.Series(dtype="object")
    first = frame.iloc[np.flatnonzero(hit), :3].bfill(axis=1).iloc[:, 0]
    return first.str.strip()


def split_rows(frame: pd.DataFrame, headers: dict[str, str], skip_totals: bool
               ) -> tuple[pd.DataFrame, list[tuple[int, str, str]]]:
    """(data rows, skipped rows as (row number, reason, raw JSON))."""
    skipped: list[tuple[int, str, str]] = []
    if frame.empty:
        return frame, skipped
    blank = _blank(frame)
    last = np.flatnonzero(~blank)
    keep_until = last[-1] + 1 if len(last) else 0  # blank rows after the last data row are not rows at all
    blank = blank[:keep_until]
    frame = frame.iloc[:keep_until]
    drop = blank.copy()
    for row in frame.index[blank]:
        skipped.append((int(row), "blank row", "{}"))
    repeat = _repeats_header(frame, headers) & ~drop
    drop |= repeat
    reasons = {int(r): "repeats the header row" for r in frame.index[repeat]}
    if skip_totals:
        for row, label in _total_label(frame[~drop]).items():
            reasons[int(row)] = f"totals row ('{one_line(label)[:40]}')"
            drop[frame.index.get_loc(row)] = True
    if reasons:
        raw = row_json(frame.loc[list(reasons)], headers)
        skipped += [(row, reasons[row], raw[row]) for row in reasons]
    skipped.sort()
    return frame[~drop], skipped


def row_json(frame: pd.DataFrame, headers: dict[str, str]) -> pd.Series:
    """Each row as it was in the file: header as written -> cell text (blank cells left out; columns worked out
    by a mapping, such as a city split from 'City, State', are not the file's and are left out too)."""
    sub = frame[[c for c in frame.columns if c in headers]]
    sub = sub.rename(columns={c: headers.get(c, c) for c in frame.columns})
    records = sub.astype("object").where(sub.notna(), None).to_dict(orient="records")
    return pd.Series([json.dumps({k: v for k, v in r.items() if v is not None}, ensure_ascii=False) for r in records],
                     index=frame.index, dtype="object")


def build(path: Path, container: str, enc: str | None, sheet: str | None, header: list, h: int, cmap: ColumnMap,
          frame: pd.DataFrame, malformed: list, titles: list[str], skip_totals: bool,
          kept_blank: set[int] | None = None) -> "RawTable":
    from etl.formats.tabular import RawTable

    rename, headers = column_names(header, cmap, frame, kept_blank)
    frame = frame[list(rename)].rename(columns=rename)
    data, skipped = split_rows(frame, headers, skip_totals)
    return RawTable(path, container, enc, sheet, h + 1, headers, data, malformed, skipped,
                    list(cmap.unused.values()), list(cmap.choices), dict(cmap.hints), titles)
