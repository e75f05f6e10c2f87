"""Export benchmark: the first (cold) image and seconds per image for a batch of 20, one browser.

    python benchmarks/export_bench.py [--db URL] [--runs N] [--repeat N]

The batch mixes what communications staff export: the three headline figures
in the social sizes (PNG), stat cards, Letter/A4 store signs (PDF), the map
and trend charts (PNG, SVG, PDF, HTML). "Cold" is the first image of a fresh
process: it starts Chromium and loads the page templates. Targets (issue 11):
at most 2 s cold and 0.4 s per image in the batch.

Each variant runs in --runs fresh processes, alternated with a baseline in the
same run: the same code with plotly.py's full plotly.js bundle instead of the
partial bundle graphics ship (dashboard/graphics/vendor). This machine's speed
varies by about 20% from one second to the next, so medians and ranges are
printed, never a single run.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STARTED = time.perf_counter()  # the child process's own start: "from start" includes every import

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


def one_process(url: str, repeat: int, bundle: str) -> dict:
    """One fresh process's numbers: the cold image, then `repeat` batches of BATCH."""
    from etl import pipeline  # noqa: F401 - the data side (pandas, SQLAlchemy) loaded, as before a first export
    from etl.config import make_engine

    engine = make_engine(url)
    t = time.perf_counter()
    from dashboard.graphics import browser

    if bundle == "full":  # the baseline: plotly.py's own 4.8 MB plotly.js, everything else the same
        import plotly

        browser.PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    browser.shared().warm()  # as `jewelcrime export` does: Chromium starts while the rest is imported
    from dashboard import exporter  # imported inside the cold timing: a fresh process pays for it

    imported = time.perf_counter() - t
    one(exporter, engine, BATCH[0])
    cold = time.perf_counter() - t
    from_start = time.perf_counter() - STARTED
    batches = [[one(exporter, engine, item) for item in BATCH] for _ in range(repeat)]
    browser.shutdown()
    return {"cold": cold, "imported": imported, "from_start": from_start, "batches": batches}


def _spread(values: list[float], unit: str, digits: int) -> str:
    return (f"median {statistics.median(values):.{digits}f} {unit} (range {min(values):.{digits}f} to "
            f"{max(values):.{digits}f})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", default=None, help="database URL (default: the sample loaded into a temp SQLite file)")
    ap.add_argument("--repeat", type=int, default=2, help="batches to time after the cold image, per process")
    ap.add_argument("--runs", type=int, default=5, help="fresh processes per variant, run alternately")
    ap.add_argument("--one", choices=["partial", "full"], help=argparse.SUPPRESS)  # a child process: print JSON
    args = ap.parse_args()
    if args.one:
        print(json.dumps(one_process(args.db, args.repeat, args.one)))
        return
    from etl import pipeline
    from etl.config import make_engine

    with tempfile.TemporaryDirectory() as tmp:
        url = args.db
        if url is None:
            url = f"sqlite:///{Path(tmp) / 'sample.sqlite'}"
            pipeline.load_paths(make_engine(url), pipeline.discover())
        got: dict[str, list[dict]] = {"partial": [], "full": []}
        for _ in range(args.runs):
            for variant in got:  # alternated, so the machine's load falls on both alike
                out = subprocess.run([sys.executable, __file__, "--one", variant, "--db", url, "--repeat",
                                      str(args.repeat)], capture_output=True, text=True, check=True)
                got[variant].append(json.loads(out.stdout.strip().splitlines()[-1]))
    names = {"partial": "plotly.js partial bundle (what ships)", "full": "baseline: plotly.js full bundle"}
    print(f"{args.runs} fresh processes per variant, alternated; load average at the end {os.getloadavg()[0]:.2f}")
    for variant, runs in got.items():
        first = [sum(r["batches"][0]) / len(BATCH) for r in runs]
        later = [sum(b) / len(BATCH) for r in runs for b in r["batches"][1:]]
        slow = max(((t, i) for r in runs for b in r["batches"] for i, t in enumerate(b)))
        print(f"{names[variant]}:")
        print(f"  first (cold) image, Chromium start included: {_spread([r['cold'] for r in runs], 's', 2)} "
              f"(target <= 2 s); of it, importing the dashboard: {_spread([r['imported'] for r in runs], 's', 2)}")
        print(f"  the same from the process's start (pandas, SQLAlchemy and the database opened too): "
              f"{_spread([r['from_start'] for r in runs], 's', 2)}")
        print(f"  first batch of {len(BATCH)} after it: {_spread(first, 's per image', 3)} (target <= 0.4 s)")
        if later:
            print(f"  later batches: {_spread(later, 's per image', 3)}")
        print(f"  slowest single image: {slow[0]:.2f} s ({' '.join(BATCH[slow[1]][1:4])})")


if __name__ == "__main__":
    main()
