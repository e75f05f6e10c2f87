"""The periods of a claim: a year `2022`, a half-year `2022H1`, a month range `2022-01..2022-06`, a range of
years `2019..2022`; each is a run of whole months, with its words for labels, formulas and input names."""
from __future__ import annotations

import re
from dataclasses import dataclass

PERIOD_FORMS = "a year 2022, a half-year 2022H1, a month range 2022-01..2022-06 or a range of years 2019..2022"
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


@dataclass(frozen=True)
class Period:
    """Whole months from `start` to `end` (inclusive), counted as year * 12 + month - 1."""

    kind: str  # year | half | months | years
    start: int
    end: int

    @property
    def first_year(self) -> int:
        return self.start // 12

    @property
    def last_year(self) -> int:
        return self.end // 12

    @property
    def length(self) -> int:
        return self.end - self.start + 1

    def months(self) -> range:
        return range(self.start, self.end + 1)

    def years(self) -> range:
        return range(self.first_year, self.last_year + 1)

    @property
    def in_halves(self) -> bool:
        """Made of whole half-years, so the region rollup (which has regions but no months) can count it."""
        return self.start % 6 == 0 and (self.end + 1) % 6 == 0

    @property
    def is_span(self) -> bool:
        """Part of a year or months across years (read "January to June 2022"), not whole years."""
        return self.kind in ("half", "months")

    def shift(self, years: int) -> "Period":
        return Period(self.kind, self.start + 12 * years, self.end + 12 * years)

    def _month(self, i: int, long: bool) -> str:
        name = MONTHS[i % 12]
        return name if long else name[:3]

    def _span(self, long: bool) -> str:
        a, b = self._month(self.start, long), self._month(self.end, long)
        dash = " to " if long else "-"
        if self.first_year != self.last_year:
            return f"{a} {self.first_year}{dash}{b} {self.last_year}"
        return f"{a} {self.first_year}" if self.start == self.end else f"{a}{dash}{b} {self.first_year}"

    def text(self) -> str:
        """Short: 2022, Jan-Jun 2022, Nov 2021-Feb 2022, 2019-2022."""
        if self.kind == "year":
            return str(self.first_year)
        if self.kind == "years":
            return f"{self.first_year}-{self.last_year}"
        return self._span(long=False)

    def long(self) -> str:
        """In words: 2022, January to June 2022, the years 2019 to 2022."""
        if self.kind == "year":
            return str(self.first_year)
        if self.kind == "years":
            return f"the years {self.first_year} to {self.last_year}"
        return self._span(long=True)

    def slug(self) -> str:
        """For input names: 2022, h1_2022, 2022_01_2022_03, 2019_2022."""
        if self.kind == "year":
            return str(self.first_year)
        if self.kind == "half":
            return f"h{self.start % 12 // 6 + 1}_{self.first_year}"
        if self.kind == "years":
            return f"{self.first_year}_{self.last_year}"
        return f"{self.first_year}_{self.start % 12 + 1:02d}_{self.last_year}_{self.end % 12 + 1:02d}"

    def written(self) -> str:
        """As claims.csv writes it."""
        if self.kind == "year":
            return str(self.first_year)
        if self.kind == "half":
            return f"{self.first_year}H{self.start % 12 // 6 + 1}"
        if self.kind == "years":
            return f"{self.first_year}..{self.last_year}"
        return f"{self.first_year}-{self.start % 12 + 1:02d}..{self.last_year}-{self.end % 12 + 1:02d}"


def _year(text: str, whole: str) -> int:
    year = int(text)
    if not 1900 <= year <= 2100:
        raise ValueError(f"{whole!r}: year {year} is not between 1900 and 2100")
    return year


def parse_period(text: str) -> Period:
    """A year `2022`, a half-year `2022H1`, a month range `2022-01..2022-06`, a range of years `2019..2022`."""
    t = str(text).strip()
    if m := re.fullmatch(r"(\d{4})", t):
        y = _year(m[1], t)
        return Period("year", y * 12, y * 12 + 11)
    if m := re.fullmatch(r"(\d{4})[Hh]([12])", t):
        y, h = _year(m[1], t), int(m[2])
        return Period("half", y * 12 + 6 * (h - 1), y * 12 + 6 * h - 1)
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})\s*\.\.\s*(\d{4})-(\d{1,2})", t):
        y1, m1, y2, m2 = _year(m[1], t), int(m[2]), _year(m[3], t), int(m[4])
        if not (1 <= m1 <= 12 and 1 <= m2 <= 12):
            raise ValueError(f"{t!r}: a month is not between 01 and 12")
        start, end = y1 * 12 + m1 - 1, y2 * 12 + m2 - 1
        if start > end:
            raise ValueError(f"{t!r}: the range ends before it starts")
        return Period("months", start, end)
    if m := re.fullmatch(r"(\d{4})\s*\.\.\s*(\d{4})", t):
        y1, y2 = _year(m[1], t), _year(m[2], t)
        if y1 > y2:
            raise ValueError(f"{t!r}: the range ends before it starts")
        return Period("years" if y1 < y2 else "year", y1 * 12, y2 * 12 + 11)
    raise ValueError(f"{t!r} is not a period ({PERIOD_FORMS})")
