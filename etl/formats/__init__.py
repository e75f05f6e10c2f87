"""Input formats: one module each, found here by their `FORMAT`; `detect` picks one from a file's header."""
from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

from etl.errors import FileRejected
from etl.formats.base import Format
from etl.formats.headers import alias_map, closest, looks_like_data, match_header, near_enough, present
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
    if looks_like_data(row):
        return 0
    aliases = alias_map(fmt.columns)
    matched = {s.column for c in row if present(c) and (s := match_header(c, aliases)) is not None}
    if near_misses:
        for cell in row:
            if present(cell):
                name, distance = closest(str(cell), fmt.columns)
                if name is not None and near_enough(str(cell), distance):
                    matched.add(name)
    return len(matched) + 3 * len(matched & fmt.signature)


def _best(tables: list, near_misses: bool) -> tuple[Format | None, int]:
    best, best_score = None, 0
    for fmt in DETECTABLE.values():
        for _sheet, head in tables:
            for row in head:
                s = score(fmt, row, near_misses)
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
    best, points = _best(tables, near_misses=False)
    if best is not None and points >= MIN_SCORE:
        return best, False
    if not any(present(c) for _s, head in tables for row in head for c in row):
        raise FileRejected(path, "has no header row and no data (only blank lines)")
    if sniff(path) == "csv":
        check_delimiter(path, tables[0][1])
    near, points = _best(tables, near_misses=True)
    if near is not None and points >= MIN_SCORE:
        return near, True
    kinds = "; ".join(describe(f) for f in DETECTABLE.values())
    where = "; ".join(f"{'sheet ' + repr(s) + ' ' if s else ''}first row: {first_row_text(h) or '(empty)'}"
                      for s, h in tables)
    raise FileRejected(path, f"cannot tell the format from the header ({where}); expected one of: {kinds}; "
                             f"use --format {'|'.join(DETECTABLE)}, --sheet for another sheet, or --map MAPPING for "
                             "a layout of its own")
