"""Deterministic, calibrated synthetic sample data: `jewelcrime sample`.

Modules: generator (writes the files), jsa (incidents), jm (claims), data
(spellings, descriptions and the reference tables it calibrates to), places
(the cities of places.csv and the ETL's region boundaries). What is
calibrated to which published figure: docs/sample-data.md.
"""
from __future__ import annotations

from etl.sample.generator import check_spellings, generate, write_csv, write_xlsx

__all__ = ["check_spellings", "generate", "write_csv", "write_xlsx"]
