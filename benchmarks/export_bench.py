"""Export benchmark: seconds per image for a batch of 20 with one persistent Chromium.

    python benchmarks/export_bench.py [--db URL]     # default: the bundled sample, loaded into a temp file

The batch mixes what communications staff export: the three headline figures
in the social sizes (PNG), stat cards, Letter/A4 signage (PDF), the map and
trend charts (PNG and SVG). The first call starts Chromium and is reported
on its own; the per-image figure is the mean over the batch after it.
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

BATCH = [
    ("figure", "change_since_2019", "square", "png", "social"),
    ("figure", "change_since_2019", "portrait", "png", "social"),
    ("figure", "change_since_2019", "landscape", "png", "social"),
    ("figure", "change_since_2019", "link", "png", "social"),
    ("figure", "change_since_2019", "story", "png", "social"),
    ("figure", "major_cities_theft_robbery_h1", "square", "png", "social"),
    ("figure", "major_cities_theft_robbery_h1", "story", "png", "social"),
    ("figure", "property_share_2020", "square", "png", "social"),
    ("figure", "property_share_2020", "landscape", "svg", "social"),
    ("figure", "change_since_2019", "square", "png", "badge"),
    ("figure", "major_cities_theft_robbery_h1", "square", "png", "badge"),
    ("figure", "change_since_2019", "letter", "pdf", "signage"),
    ("figure", "property_share_2020", "a4", "pdf", "signage"),
    ("chart", "map", "landscape", "png", "year_from=2022&year_to=2022"),
    ("chart", "map", "square", "svg", "metric=per_million"),
    ("chart", "trends-yearly", "landscape", "png", ""),
    ("chart", "trends-index", "link", "png", ""),
    ("chart", "trends-half", "portrait", "png", "major_only=1"),
    ("chart", "share-mix-count", "square", "png", ""),
    ("chart", "risk-trend", "landscape", "pdf", "region=CA"),
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", default=None, help="database URL (default: the sample loaded into a temp SQLite file)")
    args = ap.parse_args()
    from dashboard import exporter, render
    from etl import pipeline
    from etl.config import make_engine

    with tempfile.TemporaryDirectory() as tmp:
        url = args.db
        if url is None:
            url = f"sqlite:///{Path(tmp) / 'sample.sqlite'}"
            pipeline.load_paths(make_engine(url), pipeline.discover())
        engine = make_engine(url)
        t = time.perf_counter()
        exporter.export_figure(engine, "change_since_2019", "square", "png")
        first = time.perf_counter() - t
        times = []
        t_all = time.perf_counter()
        for what, ident, size, fmt, extra in BATCH:
            t = time.perf_counter()
            if what == "figure":
                exporter.export_figure(engine, ident, size, fmt, kind=extra)
            else:
                exporter.export_chart(engine, ident, extra, size, fmt)
            times.append(time.perf_counter() - t)
        total = time.perf_counter() - t_all
        render.shutdown()
    print(f"first image (starts Chromium): {first:.2f} s")
    print(f"batch of {len(BATCH)} with the same Chromium: {total:.2f} s, {total / len(BATCH):.2f} s per image "
          f"(median {statistics.median(times):.2f} s, slowest {max(times):.2f} s)")


if __name__ == "__main__":
    main()
