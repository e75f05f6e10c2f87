"""What every input format is and gives back.

A format is one module with one `FORMAT`: its columns, how a raw table becomes
rows (`transform`), and the table those rows go to (`target`). The pipeline
knows formats only through this object, so adding a format means adding a
module (plus its docs and tests), and nothing else.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterator

import pandas as pd

from etl.formats.headers import Column
from etl.hashing import HashSet
from etl.formats.csvstream import CHUNK_ROWS, csv_stream
from etl.formats.tabular import RawTable, read_parts, sniff

SKIPPED_COLUMNS = ["sheet", "row_number", "reason", "raw"]
NOTE_COLUMNS = ["sheet", "row_number", "column", "value", "note"]


class Carry:
    """What the chunks of one file share while it is read: the sums above a row (a totals row is the sum
    of every row above it) and the record ids seen (an id used twice is a problem across chunks too)."""

    def __init__(self) -> None:
        self.sums: dict[str, float] = {}
        self.ids = HashSet()


@dataclass(frozen=True)
class Options:
    """What the command line says about the files being loaded."""

    year: int | None = None
    force_year: bool = False
    sheet: str | None = None
    today: dt.date | None = None
    date_evidence: tuple[int, int] | None = None  # set per file: its sheets share one day/month order
    chunk_rows: int = CHUNK_ROWS  # a bigger CSV file is read and validated this many rows at a time
    carry: "Carry | None" = None  # set per file read in chunks: what one chunk leaves for the next

    def day(self) -> dt.date:
        return self.today or dt.date.today()


@dataclass
class Parsed:
    """One file's rows after validation: what loads, what is set aside and why, and how they add up.

    rows_in = len(clean) + duplicates + len(quarantine) + len(skipped) + sum(filtered.values())
    """

    clean: pd.DataFrame
    quarantine: pd.DataFrame  # sheet, row_number, raw (JSON), reasons (list of str)
    duplicates: int = 0
    warnings: list[str] = field(default_factory=list)
    rows_in: int = 0
    meta: dict = field(default_factory=dict)  # format-specific facts, e.g. the NIBRS year
    skipped: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=SKIPPED_COLUMNS))
    notes: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=NOTE_COLUMNS))
    filtered: dict[str, int] = field(default_factory=dict)  # rows left out by a mapping, by reason
    unused: list[str] = field(default_factory=list)  # headers of columns the format does not use
    target: str | None = None  # the table the rows go to, when it is not the format's own
    parts: list[dict] = field(default_factory=list)  # per sheet: its counts

    @property
    def filtered_out(self) -> int:
        return sum(self.filtered.values())

    def counts(self, sheet: str | None = None) -> dict:
        return {"sheet": sheet, "rows_in": self.rows_in, "clean": len(self.clean), "duplicates": self.duplicates,
                "quarantined": len(self.quarantine), "skipped": len(self.skipped), "filtered": self.filtered_out,
                "notes": len(self.notes)}

    @classmethod
    def combine(cls, parts: list["Parsed"]) -> "Parsed":
        """The parts (sheets) of one file as one result; a row repeated on a later sheet is a duplicate."""
        if len(parts) == 1:
            return parts[0]
        seen: set[int] = set()
        for i, part in enumerate(parts):
            if i and seen:
                part.drop_repeats(seen)
            seen |= part.hashes()
        return cls._joined(parts)

    @classmethod
    def _joined(cls, parts: list["Parsed"]) -> "Parsed":
        """The parts as one result, as they are (repeats across them already dropped)."""
        out = cls(
            clean=pd.concat([p.clean for p in parts], ignore_index=True),
            quarantine=pd.concat([p.quarantine for p in parts], ignore_index=True),
            duplicates=sum(p.duplicates for p in parts),
            warnings=list(dict.fromkeys(w for p in parts for w in p.warnings)),
            rows_in=sum(p.rows_in for p in parts),
            meta={k: v for p in parts for k, v in p.meta.items()},
            skipped=pd.concat([p.skipped for p in parts], ignore_index=True),
            notes=pd.concat([p.notes for p in parts], ignore_index=True),
            unused=list(dict.fromkeys(u for p in parts for u in p.unused)),
            target=parts[0].target,
            parts=[d for p in parts for d in p.parts],
        )
        for p in parts:
            for reason, n in p.filtered.items():
                out.filtered[reason] = out.filtered.get(reason, 0) + n
        return out

    @classmethod
    def combine_chunks(cls, chunks: list["Parsed"]) -> "Parsed":
        """The chunks of one file (their repeats already dropped) as one result; the counts of the same
        sheet are added up, and a warning said by several chunks is said once."""
        if len(chunks) == 1:
            return chunks[0]
        out = cls._joined(chunks) if chunks else cls(pd.DataFrame(), pd.DataFrame())
        merged: dict[object, dict] = {}
        for part in out.parts:
            key = part.get("sheet")
            if key not in merged:
                merged[key] = dict(part)
            else:
                for k, v in part.items():
                    if k != "sheet":
                        merged[key][k] += v
        out.parts = list(merged.values())
        out.warnings = _once(out.warnings)
        return out

    def hashes(self) -> set[int]:
        """Row hashes of every row that loads or is quarantined (for repeats across the sheets of one file)."""
        found: set[int] = set()
        for frame in (self.clean, self.quarantine):
            if "row_hash" in frame.columns:
                found.update(int(h) for h in frame["row_hash"].dropna())
        return found

    def drop_repeats(self, seen: "set[int] | HashSet") -> None:
        """Rows an earlier sheet (or chunk) of the same file already has, exactly: duplicates, with their notes
        dropped."""
        gone: list[int] = []
        counts = self.parts[0] if self.parts else {}
        for frame_name, key in (("clean", "clean"), ("quarantine", "quarantined")):
            frame = getattr(self, frame_name)
            if "row_hash" not in frame.columns or frame.empty:
                continue
            repeat = (seen.contains(frame["row_hash"]) if isinstance(seen, HashSet)
                      else frame["row_hash"].isin(seen).to_numpy(dtype=bool))
            if repeat.any():
                gone += frame.loc[repeat, "row_number"].astype(int).tolist()
                setattr(self, frame_name, frame[~repeat].reset_index(drop=True))
                self.duplicates += int(repeat.sum())
                if counts:
                    counts[key] -= int(repeat.sum())
                    counts["duplicates"] += int(repeat.sum())
        if gone and len(self.notes):
            self.notes = self.notes[~self.notes["row_number"].isin(gone)].reset_index(drop=True)
            if counts:
                counts["notes"] = len(self.notes)


def _once(warnings: list[str]) -> list[str]:
    """Warnings that differ only in their example ("dates such as 03/04/2022 ...") said once."""
    seen: set[str] = set()
    out = []
    for w in warnings:
        key = re.sub(r"such as \S+", "such as", w)
        if key not in seen:
            seen.add(key)
            out.append(w)
    return out


@dataclass(frozen=True)
class Format:
    """An input format: read by `read`, turned into rows by `transform`, written to `target`."""

    name: str
    title: str  # its section heading in docs/data-formats.md
    columns: tuple[Column, ...]
    transform: Callable[[RawTable, Options], Parsed]
    target: str  # "incident", "nibrs_offense", ...
    source: str | None = None
    signature: frozenset[str] = frozenset()  # columns only this format has: they weigh more in detection
    skip_totals: bool = True  # a row labelled Total is not data (in an FBI table it is)
    uses_year: bool = False  # the file is a table for one year, which --year may give
    detectable: bool = True  # found from the header (reference tables are found by their file name)
    reader: Callable[[Path, Options], list[RawTable]] | None = None
    claims_path: Callable[[Path], bool] | None = None
    prepare: Callable[[list[RawTable], Options], Options] | None = None  # what the parts of a file share
    version: str | None = None  # changes when the same name reads files differently (an edited column mapping)
    keeps_vintages: bool = False  # a file of another release (Parsed.meta["release"]) is kept beside the earlier one
    # a file read in chunks gives `prepare_whole` the distinct values of these columns in the whole file
    # instead of giving `prepare` its parts (a format with `prepare` and no `prepare_whole` is read whole)
    whole_columns: tuple[str, ...] = ()
    prepare_whole: Callable[[dict[str, pd.Series], Options], Options] | None = None

    def read(self, path: Path, opts: Options) -> list[RawTable]:
        if self.reader is not None:
            return self.reader(path, opts)
        return read_parts(path, self.columns, opts.sheet, self.skip_totals)

    def parse(self, path: Path, opts: Options) -> Parsed:
        """Read every part of the file and transform each; one result for the file."""
        parts = self.read(path, opts)
        if self.prepare is not None:
            opts = self.prepare(parts, opts)
        return Parsed.combine([self.transform(raw, opts) for raw in parts])

    def chunks(self, path: Path, opts: Options) -> Iterator[Parsed]:
        """The file's rows a chunk at a time: a big incident CSV in chunks of `opts.chunk_rows` rows, anything
        else as one part (see `parse`). Repeats across chunks are for the loader to drop (it sees them all)."""
        stream = None
        if (self.reader is None and self.target == "incident" and (self.prepare is None or self.prepare_whole)
                and sniff(path) == "csv"):
            stream = csv_stream(path, self.columns, self.skip_totals, opts.chunk_rows, self.whole_columns)
        if stream is None:
            yield self.parse(path, opts)
            return
        first = next(stream.tables)
        second = next(stream.tables, None)
        if second is None:  # one chunk: read exactly as the whole file is
            if self.prepare is not None:
                opts = self.prepare([first], opts)
            yield self.transform(first, opts)
            return
        if self.prepare_whole is not None:
            opts = self.prepare_whole(stream.distinct, opts)
        opts = replace(opts, carry=Carry())
        pending = [first, second]
        del first, second  # nothing may hold a chunk once it is transformed
        while pending:
            yield self.transform(pending.pop(0), opts)
        for raw in stream.tables:
            parsed = self.transform(raw, opts)
            del raw
            yield parsed
