"""What the sample generator did to the measure of a claim, for the note every sample verdict carries.

calibration.csv (beside this file) has one row per claim whose measure the generator fitted: `calibrated`
(fitted to totals JSA published) or `steered` (fitted to the claim's own published value), with a note in
words. docs/sample-data.md says the same at length; tests/test_docs_sample.py keeps the two in step.
"""
from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

CALIBRATION_FILE = Path(__file__).with_name("calibration.csv")
GENERAL = ("Sample data: the bundled sample is synthetic and was calibrated to published totals, so a verdict "
           "drawn from it shows that the product works, not that the claim is true.")


@lru_cache(maxsize=1)
def notes() -> dict[str, tuple[str, str]]:
    """claim id -> (how, note)."""
    with CALIBRATION_FILE.open(encoding="utf-8", newline="") as fh:
        return {r["claim_id"]: (r["how"], r["note"]) for r in csv.DictReader(fh)}


def note_for(claim_id: str | None) -> str:
    """The general warning, then what was done to this claim's measure (if anything)."""
    extra = notes().get(claim_id or "")
    return f"{GENERAL} {extra[1]}" if extra else GENERAL
