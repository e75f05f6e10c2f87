"""Input formats: one module each, found here by their `FORMAT`; `detect` picks one from a file's header."""
from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path
from typing import NamedTuple

from etl.errors import FileRejected
from etl.formats.base import Format
import numpy as np

from etl.formats.headers import HeaderKeys, alias_map, header_keys, key_limit, looks_like_data, near_arrays, present
from etl.formats.problems import listed
from etl.formats.tabular import check_delimiter, first_row_text, heads, sniff

MIN_SCORE = 4  # points a header needs for a format to be taken from it


def _discover() -> dict[str, Format]:
    found: dict[str, Format] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        fmt = getattr(importlib.import_module(f"{__name__}.{info.name}"), "FORMAT", None)
        if isinstance(fmt, Format):
            found[fmt.name] = fmt
    return found


FORMATS: dict[str, Format] = _discover()
FORMAT_NAMES = tuple(FORMATS)
DETECTABLE = {name: f for name, f in FORMATS.items() if f.detectable}


def score(fmt: Format, row: list, near_misses: bool = False) -> int:
    """Points for a header row: one per known column, three more per signature column.

    With near_misses, spellings a typo away from a column count too, so a misspelt file still
    reaches its format's reader, which then says which column is wrong.
    """
    return 0 if looks_like_data(row) else _points(fmt, _Row.of(row), near_misses)


class _Row(NamedTuple):
    """A candidate header row's distinct lookup keys, worked out once for every format (a cell too long to be
    a header has none: it is never compared with a column name)."""

    keys: list[HeaderKeys]
    names: frozenset[str]  # every normalised cell
    by_stripped: dict[str, list[str]]  # normalised cell without footnote digits -> the cells it comes from
    limits: np.ndarray  # the edit distance a typo of each key may have (key_limit)

    @classmethod
    def of(cls, row: list) -> "_Row":
        keys = list(dict.fromkeys(k for c in row if present(c) and (k := header_keys(c)) is not None))
        by_stripped: dict[str, list[str]] = {}
        for key, stripped in keys:
            if stripped:
                by_stripped.setdefault(stripped, []).append(key)
        return cls(keys, frozenset(k for k, _ in keys), by_stripped,
                   np.array([key_limit(k) for k, _ in keys], dtype=np.int32))


def _points(fmt: Format, row: _Row, near_misses: bool) -> int:
    aliases = alias_map(fmt.columns)
    # headers.match_keys for every cell, by set intersection: a 10,000-column row against each format
    matched = {aliases[k].column for k in row.names & aliases.keys()}
    for stripped in row.by_stripped.keys() & aliases.keys():
        spelling = aliases[stripped]
        if not spelling.exact and any(k not in aliases for k in row.by_stripped[stripped]):
            matched.add(spelling.column)
    if near_misses:
        names, at, distance = near_arrays([k for k, _ in row.keys], fmt.columns)
        matched.update(names[i] for i in np.unique(at[distance <= row.limits]).tolist())
    return len(matched) + 3 * len(matched & fmt.signature)


def _header_rows(tables: list) -> list[_Row]:
    return [_Row.of(row) for _sheet, head in tables for row in head if not looks_like_data(row)]


def _best(rows: list[_Row], near_misses: bool) -> tuple[Format | None, int]:
    best, best_score = None, 0
    for fmt in DETECTABLE.values():
        for row in rows:
            s = _points(fmt, row, near_misses)
            if s > best_score:
                best, best_score = fmt, s
    return best, best_score


def describe(fmt: Format) -> str:
    required = ", ".join(c.name for c in fmt.columns if c.required)
    return f"{fmt.title} ({required})" if required else fmt.title


def detect(path: Path, sheet: str | None = None) -> tuple[Format, bool]:
    """The format whose columns the file's header (on any sheet) matches best, and whether it was a near miss."""
    path = Path(path)
    for fmt in FORMATS.values():
        if fmt.claims_path is not None and fmt.claims_path(path):
            return fmt, False
    tables = heads(path, sheet)
    rows = _header_rows(tables)
    best, points = _best(rows, near_misses=False)
    if best is not None and points >= MIN_SCORE:
        return best, False
    if not any(present(c) for _s, head in tables for row in head for c in row):
        raise FileRejected(path, "has no header row and no data (only blank lines)")
    if sniff(path) == "csv":
        check_delimiter(path, tables[0][1])
    near, points = _best(rows, near_misses=True)
    if near is not None and points >= MIN_SCORE:
        return near, True
    kinds = "; ".join(describe(f) for f in DETECTABLE.values())
    where = listed([f"{'sheet ' + repr(s) + ' ' if s else ''}first row: {first_row_text(h) or '(empty)'}"
                    for s, h in tables], "sheets")
    raise FileRejected(path, f"cannot tell the format from the header ({where}); expected one of: {kinds}; "
                             f"use --format {'|'.join(DETECTABLE)}, --sheet for another sheet, or --map MAPPING for "
                             "a layout of its own")
