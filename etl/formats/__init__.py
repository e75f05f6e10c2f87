"""Input formats: one module each. `detect` picks one from a file's header."""
from __future__ import annotations

from pathlib import Path
from types import ModuleType

from etl.errors import FileRejected
from etl.formats import jm, jsa, nibrs, reference
from etl.formats.tabular import _check_delimiter, alias_map, closest_column, match_header, read_head

TABULAR: dict[str, ModuleType] = {m.NAME: m for m in (jsa, jm, nibrs)}
FORMAT_NAMES = (*TABULAR, reference.NAME)
# columns that only one format has: they weigh more than shared ones (date, state)
_SIGNATURE = {"jsa": {"crime_type"}, "jm": {"source_record_id", "loss_cause"}, "nibrs": {"offense_category"}}


def detect(path: Path) -> str:
    """The format whose columns the file's header matches best."""
    path = Path(path)
    if path.parent.name == "reference" and path.name in reference.FILES:
        return reference.NAME
    _, _, head = read_head(path)
    best = _best_format(head, near_misses=False)
    if best is None:
        if not any(c is not None and str(c).strip() for row in head for c in row):
            raise FileRejected(path, "has no header row and no data (only blank lines)")
        _check_delimiter(path, head)
        near = _best_format(head, near_misses=True)
        if near is not None:  # misspelt headers: let the format's reader say which column and what it looks like
            return near
        raise FileRejected(path, "cannot tell the format from the header (expected a JSA incident list, a JM claims list "
                                 "or an FBI NIBRS offense-category table); use --format jsa|jm|nibrs")
    return best


def _best_format(head: list, near_misses: bool) -> str | None:
    """The format whose columns a header row matches best (at least 4 points; signature columns weigh 3).

    With near_misses, spellings close to a column ('Crime Typ', 'Loss Amt') count too, so a misspelt file
    still reaches its format's reader, which then says which column is wrong.
    """
    best, best_score = None, 0
    for name, module in TABULAR.items():
        aliases = alias_map(module.COLUMNS)
        for row in head:
            cells = [str(c) for c in row if c is not None and str(c).strip()]
            matched = {match_header(c, aliases) or (closest_column(c, module.COLUMNS) if near_misses else None)
                       for c in cells} - {None}
            score = len(matched) + 3 * len(matched & _SIGNATURE[name])
            if score > best_score:
                best, best_score = name, score
    return best if best_score >= 4 else None
