"""Header rows: which row is the header, and which header cell gives which column.

Shared by every tabular format. A format declares its columns (`Column`); this
module finds the header among the first rows (never a row that looks like
data), maps each header cell to a column, keeps every other cell as a column
that is "not used", and rejects a file only when it cannot be used: a required
column missing, or two cells claiming one column with no way to tell which is
meant.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Sequence

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from etl.config import REFERENCE_DIR
from etl.formats.problems import MAX_LISTED, clip

HEAD_ROWS = 40  # title rows above the header we are willing to skip
# a cell longer than this is text, not a column name: never normalised, matched or compared by edit distance
# (the longest real header is about 130 characters; comparing a 10 MB cell with every spelling took minutes)
MAX_HEADER = 300
DOCS = "docs/data-formats.md"


@dataclass(frozen=True)
class Column:
    """One expected input column, with the spellings accepted for its header.

    `weak` spellings are generic words (`id`, `type`, `time`) that give way to
    any more specific header for the same column; `required_unless` names
    columns whose presence makes a required one optional (region, when both
    latitude and longitude are there).
    """

    name: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    kind: str = "text"
    description: str = ""
    example: str = ""
    weak: tuple[str, ...] = ()
    required_unless: tuple[str, ...] = ()
    name_matches: bool = True  # False for a column mapping: only the header it names is this column

    @property
    def spellings(self) -> tuple[str, ...]:
        return ((self.name,) if self.name_matches else ()) + (*self.aliases, *self.weak)


def norm_header(cell: object) -> str:
    """'Loss ($)' -> 'loss', 'Incidents\\n1' -> 'incidents_1', 'Montréal' -> 'montreal'."""
    s = unicodedata.normalize("NFKD", str(cell)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", s.lower()).strip("_")


def one_line(cell: object) -> str:
    """A header as a person would quote it: line breaks and runs of spaces as one space."""
    return " ".join(str(cell).split())


def present(value: object) -> bool:
    return value is not None and str(value).strip() != ""


def too_long(cell: object) -> bool:
    """A cell no header could be (see MAX_HEADER)."""
    return len(str(cell).strip()) > MAX_HEADER


@dataclass(frozen=True)
class Spelling:
    column: str
    rank: int  # 0: the column's own name, 1: an alias, 2: a weak (generic) alias
    exact: bool = False  # a column mapping's header: matched as written, never with footnote digits dropped


def alias_map(columns: Sequence[Column]) -> dict[str, Spelling]:
    return dict(_alias_table(tuple(columns)))


@lru_cache(maxsize=256)
def _alias_table(columns: tuple[Column, ...]) -> dict[str, Spelling]:
    """Built once per set of columns: detection asks for it for every row of every format."""
    table: dict[str, Spelling] = {}
    for col in columns:
        for rank, group in enumerate(((col.name,) if col.name_matches else (), col.aliases, col.weak)):
            for spelling in group:
                table.setdefault(norm_header(spelling), Spelling(col.name, rank, not col.name_matches))
    return table


HeaderKeys = tuple[str, str]  # (normalised header, the same without footnote digits)


def header_keys(cell: object) -> HeaderKeys | None:
    """What a header cell is looked up by; None for a cell too long to be a header."""
    if too_long(cell):
        return None
    key = norm_header(cell)
    return key, re.sub(r"_?\d+$", "", key)  # FBI footnote digits: "Incidents1", "Victims 2"


def match_keys(keys: HeaderKeys, aliases: dict[str, Spelling]) -> Spelling | None:
    key, stripped = keys
    if key in aliases:
        return aliases[key]
    found = aliases.get(stripped) if stripped else None
    return None if found is None or found.exact else found


def match_header(cell: object, aliases: dict[str, Spelling]) -> Spelling | None:
    keys = header_keys(cell)
    return None if keys is None else match_keys(keys, aliases)


# ---------------------------------------------------------------- which row is the header

_NUMBER = re.compile(r"^[\s$€£(+-]*\d[\d\s,.]*\)?\s*%?$")
_DATE = re.compile(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}([ T].*)?$|^\d{1,2}[- ][A-Za-z]{3,9}[- ,]+\d{2,4}$"
                   r"|^[A-Za-z]{3,9}\.? \d{1,2}(st|nd|rd|th)?,? \d{4}$")


@lru_cache(maxsize=1)
def _region_codes() -> frozenset[str]:
    import csv

    with (REFERENCE_DIR / "regions.csv").open(encoding="utf-8-sig", newline="") as fh:
        return frozenset(row["code"] for row in csv.DictReader(fh))


def looks_like_data(row: Sequence[object]) -> bool:
    """A row made mostly of numbers, dates or state/province codes is data, never a header."""
    cells = [str(c).strip() for c in row if present(c)]
    if not cells:
        return False
    codes = _region_codes()
    # a long cell is text (a description), neither number nor date: no regular expression over megabytes
    data_like = sum(1 for c in cells if len(c) <= MAX_HEADER
                    and (_NUMBER.match(c) or _DATE.match(c) or c.upper() in codes and len(c) == 2))
    return data_like * 2 > len(cells)


def header_score(row: Sequence[object], aliases: dict[str, Spelling]) -> int:
    """Distinct known columns a row names; 0 for a row that looks like data."""
    if looks_like_data(row):
        return 0
    return len({s.column for c in row if present(c) and (s := match_header(c, aliases)) is not None})


def find_header(head: list[list[object]], aliases: dict[str, Spelling]) -> tuple[int, int]:
    """(index, score) of the row naming the most known columns; (-1, 0) when none names any."""
    best, best_score = -1, 0
    for i, row in enumerate(head[:HEAD_ROWS]):
        score = header_score(row, aliases)
        if score > best_score:
            best, best_score = i, score
    return best, best_score


# ---------------------------------------------------------------- header cells -> columns

@dataclass
class ColumnMap:
    """What each header cell gives: a column of the format, or nothing ("not used")."""

    used: dict[int, str]  # cell position -> column name
    unused: dict[int, str]  # cell position -> header as written, on one line
    choices: list[str] = field(default_factory=list)  # which of two cells was used for a column, and why
    hints: dict[str, str] = field(default_factory=dict)  # unused header -> the column it may have been meant for
    problems: list[str] = field(default_factory=list)  # reasons the file cannot be read (empty when it can)


def accepted(col: Column) -> str:
    """Every accepted spelling of a column, for messages."""
    return ", ".join(f"'{s}'" for s in col.spellings)


FAR = 1 << 30  # the distance of a label compared with nothing


@lru_cache(maxsize=256)
def _spelling_keys(candidates: tuple[Column, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Every spelling of the candidates, normalised once, with the column each belongs to (in order)."""
    pairs = [(norm_header(spelling), col.name) for col in candidates for spelling in col.spellings]
    return tuple(k for k, _ in pairs), tuple(n for _, n in pairs)


def closest(label: str, candidates: Sequence[Column], cutoff: int | None = None) -> tuple[str | None, int]:
    """The column with the spelling nearest to `label` by edit distance, and that distance.

    The first of equally near spellings wins; with `cutoff`, nothing farther than it is looked for
    (None, FAR). A label too long to be a header is compared with nothing.
    """
    keys, names = _spelling_keys(tuple(candidates))
    if not keys or too_long(label):
        return None, FAR
    hit = process.extractOne(norm_header(label), keys, scorer=Levenshtein.distance, processor=None,
                             score_cutoff=cutoff)
    return (names[hit[2]], int(hit[1])) if hit is not None else (None, FAR)


def near_limit(label: str) -> int:
    """The most letters a typo may change: a third of them, at least 1 and at most 4."""
    return key_limit(norm_header(label)) if not too_long(label) else -1


def key_limit(key: str) -> int:
    """near_limit of a normalised header."""
    return min(4, max(1, len(key) // 3))


NEAR_MOST = 4  # the largest key_limit: distances beyond it never make a near miss


def nearest(keys: Sequence[str], candidates: Sequence[Column]) -> list[tuple[str | None, int]]:
    """closest() for many normalised headers at once (one C loop over every pair), up to NEAR_MOST:
    (column, distance) where a spelling is at most NEAR_MOST away, else (None, FAR)."""
    names, at, best = near_arrays(keys, candidates)
    return [(names[i], int(d)) if d <= NEAR_MOST else (None, FAR) for i, d in zip(at.tolist(), best.tolist())]


def near_arrays(keys: Sequence[str], candidates: Sequence[Column]) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """nearest() as arrays: (column of each spelling, index of each key's nearest spelling, its distance;
    NEAR_MOST + 1 where none is within NEAR_MOST)."""
    spell, names = _spelling_keys(tuple(candidates))
    if not len(keys) or not spell:
        return names, np.zeros(len(keys), dtype=np.int64), np.full(len(keys), NEAR_MOST + 1, dtype=np.int32)
    matrix = process.cdist(list(keys), list(spell), scorer=Levenshtein.distance, processor=None,
                           score_cutoff=NEAR_MOST, dtype=np.int32)
    at = matrix.argmin(axis=1)  # the first of equally near spellings, as in closest()
    return names, at, matrix[np.arange(len(keys)), at]


def near_enough(label: str, distance: int) -> bool:
    """A typo, not another word: at most a third of the letters differ (and at most 4)."""
    return distance <= near_limit(label)


def map_columns(header: Sequence[object], columns: Sequence[Column]) -> ColumnMap:
    aliases = alias_map(columns)
    claims: dict[str, list[tuple[int, int]]] = {}  # column -> [(rank, position)]
    unused: dict[int, str] = {}
    seen: dict[str, int] = {}
    problems: list[str] = []
    for i, cell in enumerate(header):
        if not present(cell):
            continue
        label = one_line(cell)
        spelling = match_header(label, aliases)
        if spelling is None:
            unused[i] = label
            continue
        key = label.lower()
        if key in seen:
            problems.append(f"duplicate column name '{label}' (columns {seen[key] + 1} and {i + 1}); keep only one")
            continue
        seen[key] = i
        claims.setdefault(spelling.column, []).append((spelling.rank, i))

    used: dict[int, str] = {}
    choices: list[str] = []
    contested: set[str] = set()
    for name, cells in claims.items():
        cells.sort()
        best_rank = cells[0][0]
        winners = [pos for rank, pos in cells if rank == best_rank]
        if len(winners) > 1:
            names = " and ".join(f"'{one_line(header[p])}'" for p in winners)
            if best_rank == 0:
                problems.append(f"columns {names} are both the column '{name}'; keep only one of them")
            else:
                problems.append(f"columns {names} all give '{name}' and none is named exactly '{name}'; keep only one "
                                f"of them, rename the one to use '{name}', or load the file with --map"
                                if len(winners) > 2 else
                                f"columns {names} both give '{name}' and neither is named exactly '{name}'; keep only "
                                f"one of them, rename the one to use '{name}', or load the file with --map")
            contested.add(name)
            continue
        used[winners[0]] = name
        for _, pos in cells[1:]:
            unused[pos] = one_line(header[pos])
            choices.append(f"'{one_line(header[winners[0]])}' used for {name}; '{one_line(header[pos])}' not used")

    have = set(used.values())
    # the unused headers that could be a typo of a column, normalised once for every comparison below
    labels = [lab for lab in unused.values() if not too_long(lab)]
    keys = [norm_header(lab) for lab in labels]
    for col in columns:
        if col.name in have | contested or not col.required or (col.required_unless and set(col.required_unless) <= have):
            continue
        message = f"missing required column '{col.name}' (accepted: {accepted(col)}); found: " \
                  f"{describe_found(header, MAX_LISTED)}"
        if labels:  # the nearest label (the first of equally near ones), when it is a typo away
            at, (_, distance) = min(enumerate(nearest(keys, [col])), key=lambda pair: pair[1][1])
            if distance <= key_limit(keys[at]):
                message += f"; closest match in the file: '{labels[at]}'"
        problems.append(message)

    hints = {}
    free = [c for c in columns if c.name not in have]
    for label, key, (guess, distance) in zip(labels, keys, nearest(keys, free)):
        if guess is not None and distance <= key_limit(key):
            hints[label] = guess
    order = sorted(unused)
    return ColumnMap(dict(sorted(used.items())), {p: unused[p] for p in order}, choices, hints, problems)


def describe_found(header: Sequence[object], limit: int = 12) -> str:
    """The first `limit` header cells, quoted (each cut short), and how many more."""
    cells = [c for c in header if present(c)]
    shown = [f"'{clip(one_line(clip(str(c), 10 * 60)))}'" for c in cells[:limit]]  # one_line of megabytes: no
    more = f" and {len(cells) - limit} more" if len(cells) > limit else ""
    return ", ".join(shown) + more


def expected_columns(columns: Sequence[Column]) -> str:
    return ", ".join(c.name for c in columns if c.required)


