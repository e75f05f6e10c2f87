"""A table of a file's own values -> the product's values: exact spellings first, then patterns.

Used by column mappings for crime types and location types. Matching ignores
case and runs of spaces; patterns are regular expressions searched anywhere
in the value (anchor them with ^ and $ to match whole values).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

POLICIES = ("quarantine", "skip", "unknown")


def fold_value(text: str) -> str:
    return " ".join(str(text).split()).casefold()


@dataclass(frozen=True)
class ValueMap:
    values: dict[str, str]  # folded file value -> product value
    patterns: tuple[tuple[re.Pattern, str], ...]
    unmapped: str  # what happens to a value nothing maps: quarantine | skip (filtered out) | unknown (NULL + note)
    what: str  # "crime type", "location type": for messages
    fallback: Callable[[str], str | None] | None = None  # tried last: the product's own spellings

    def resolve(self, raw: pd.Series) -> pd.Series:
        """Product value per row (NaN where the value is blank or nothing maps it), once per distinct value."""
        codes, uniques = pd.factorize(raw, use_na_sentinel=True)
        out = [self.lookup(str(u)) for u in uniques] + [None]
        values = np.array(out, dtype=object)[np.where(codes < 0, len(uniques), codes)]
        return pd.Series(values, index=raw.index, dtype="object").astype("str")

    def lookup(self, value: str) -> str | None:
        folded = fold_value(value)
        if folded in self.values:
            return self.values[folded]
        for pattern, target in self.patterns:
            if pattern.search(value):
                return target
        return self.fallback(value) if self.fallback is not None else None
