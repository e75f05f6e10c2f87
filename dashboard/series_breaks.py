"""Series breaks: where a source of the series shown starts or stops inside the years shown.

A combined series (JSA and JM) that adds the JM claims only from the year
JM's data begins rises that year for no reason but the new source. The rule:
by default a combined trend covers only the years every source in it covers
(like for like); asked for earlier or later years, it draws them, marks the
break and says which source is missing where. Plain Python: no Dash.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dashboard.state import COMBINED_SOURCES, source_label


@dataclass(frozen=True)
class Break:
    year: int  # the first year after the break (drawn between year - 1 and year)
    text: str  # "JM-style claims start in 2018"


def sources_of(source: str) -> tuple[str, ...]:
    return COMBINED_SOURCES if source == "combined" else (source,)


def common_years(spans: dict[str, tuple[int, int]], source: str) -> tuple[int, int] | None:
    """The years every source of the series covers (None when they share none, or one has no data)."""
    have = [spans[s] for s in sources_of(source) if s in spans]
    if not have:
        return None
    if len(have) < len(sources_of(source)):  # a source with no rows at all: nothing to break, one source shown
        return (min(lo for lo, _ in have), max(hi for _, hi in have))
    lo, hi = max(lo for lo, _ in have), min(hi for _, hi in have)
    return (lo, hi) if lo <= hi else None


def breaks(spans: dict[str, tuple[int, int]], source: str, year_from: int, year_to: int) -> list[Break]:
    """The starts and stops of the series' sources strictly inside the years shown."""
    found = []
    for s in sources_of(source):
        if s not in spans or len(sources_of(source)) == 1:
            continue
        lo, hi = spans[s]
        if year_from < lo <= year_to:
            found.append(Break(lo, f"{source_label(s)} start in {lo}"))
        if year_from <= hi < year_to:
            found.append(Break(hi + 1, f"{source_label(s)} stop after {hi}"))
    return sorted(found, key=lambda b: b.year)


def sentence(found: list[Break], source: str, spans: dict[str, tuple[int, int]]) -> str:
    """What the summary says about the breaks ('' when there are none)."""
    if not found:
        return ""
    common = common_years(spans, source)
    parts = "; ".join(b.text for b in found)
    where = f" Only {common[0]}-{common[1]} count every source: compare those years like with like" if common else ""
    return (f" Series break: {parts}, so years on either side of the dotted line count different sources "
            f"and a change across it is partly the new source.{where}.")


def context_breaks(line: Any) -> list[Break]:
    """Where the general-crime line changes table, release or coverage between two years it draws:
    `line` is metrics_context.index_line (year, source, release, from_places)."""
    if line is None or len(line) < 2:
        return []
    found = []
    rows = line.sort_values("year").to_dict("records")
    for before, after in zip(rows, rows[1:]):
        year = int(after["year"])
        if (before.get("source"), before.get("release")) != (after.get("source"), after.get("release")):
            found.append(Break(year, f"General-crime line: {after.get('source')}"
                                     f"{', release ' + str(after['release']) if after.get('release') else ''} "
                                     f"from {year}"))
        elif bool(before.get("from_places")) != bool(after.get("from_places")):
            how = "summed from states and provinces" if after.get("from_places") else "the national row"
            found.append(Break(year, f"General-crime line: {how} from {year}"))
    return found
