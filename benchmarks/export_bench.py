"""Export benchmark: the first (cold) image and seconds per image for a batch of 20, one browser.

    python benchmarks/export_bench.py [--db URL] [--repeat N]

The batch mixes what communications staff export: the three headline figures
in the social sizes (PNG), stat cards, Letter/A4 store signs (PDF), the map
and trend charts (PNG, SVG, PDF, HTML). "Cold" is the first image of a fresh
process: it starts Chromium and loads the page templates. Targets (issue 11):
at most 2 s cold and 0.4 s per image in the batch.
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
    ("chart", "trends-index", "link", "html", ""),
    ("chart", "trends-half", "portrait", "png", "major_only=1"),
    ("chart", "share-mix-count", "square", "png", ""),
    ("chart", "risk-trend", "landscape", "pdf", "region=CA"),
]


def one(exporter, engine, item) -> float:  # noqa: ANN001
    what, ident, size, fmt, extra = item
    t = time.perf_counter()
    if what == "figure":
        exporter.export_figure(engine, ident, size, fmt, kind=extra)
    else:
        exporter.export_chart(engine, ident, extra, size, fmt)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", default=None, help="database URL (default: the sample loaded into a temp SQLite file)")
    ap.add_argument("--repeat", type=int, default=3, help="batches to time after the cold image")
    args = ap.parse_args()
    from etl import pipeline
    from etl.config import make_engine

    with tempfile.TemporaryDirectory() as tmp:
        url = args.db
        if url is None:
            url = f"sqlite:///{Path(tmp) / 'sample.sqlite'}"
            pipeline.load_paths(make_engine(url), pipeline.discover())
        engine = make_engine(url)
        t = time.perf_counter()
        from dashboard.graphics import browser

        browser.shared().warm()  # as `jewelcrime export` does: Chromium starts while the rest is imported
        from dashboard import exporter  # imported inside the cold timing: a fresh process pays for it

        imported = time.perf_counter() - t
        one(exporter, engine, BATCH[0])
        cold = time.perf_counter() - t
        batches = []
        for _ in range(args.repeat):
            times = [one(exporter, engine, item) for item in BATCH]
            batches.append(times)
        browser.shutdown()
    print(f"first (cold) image, Chromium start included: {cold:.2f} s (target <= 2 s), of which "
          f"{imported:.2f} s importing the dashboard's Python modules")
    for i, times in enumerate(batches, 1):
        total = sum(times)
        slow = max(range(len(times)), key=times.__getitem__)
        print(f"batch {i} of {len(BATCH)}: {total:.2f} s, {total / len(BATCH):.3f} s per image "
              f"(median {statistics.median(times):.3f} s, slowest {times[slow]:.3f} s: "
              f"{' '.join(BATCH[slow][1:4])}) (target <= 0.4 s per image)")


if __name__ == "__main__":
    main()
