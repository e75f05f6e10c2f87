"""ETL benchmark: the whole `jewelcrime etl` against pandas.DataFrame.to_sql.

    python benchmarks/etl_bench.py                 # 100k and 1M rows, SQLite
    python benchmarks/etl_bench.py --rows 100000   # one size
    python benchmarks/etl_bench.py --db-url postgresql+psycopg://...  # PostgreSQL (dropped and refilled)
    python benchmarks/etl_bench.py --rows 1000000 --scenarios 9   # append to 9M stored rows; one row changed
    python benchmarks/etl_bench.py --rows 1000000 --scenarios 9 --db-dir /tmp/bench --repeat 2
        # the same, keeping the 9M-row base under /tmp/bench for later runs
    python benchmarks/etl_bench.py --compare-with ../old-checkout --repeat 3
        # the same file through an earlier version of the code too, alternating, in the same run

For each size it writes N synthetic JSA-style rows to a CSV (all 64 states
and provinces weighted by population, mixed date formats, "$12,500.00"
amounts, coordinates on some rows), then on the same rows:
  1. `jewelcrime etl FILE --db NEW_DB` in a subprocess: read, validate,
     transform, write and rollups, timed end to end; peak memory is the
     child's maximum resident set size. The in-process load time (without
     interpreter start-up and imports) is timed as well.
  2. the baseline: pandas.read_csv of the same file, then
     DataFrame.to_sql(..., con=SQLAlchemy engine) into a new database.
It prints rows per second for both, their ratio and peak memory.
"""
from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa

CITIES = [("Los Angeles", "CA", 34.05, -118.24), ("Houston", "TX", 29.76, -95.37), ("New York", "NY", 40.71, -74.0),
          ("Miami", "FL", 25.77, -80.19), ("Chicago", "IL", 41.88, -87.63), ("Fresno", "CA", 36.74, -119.79),
          ("Dallas", "TX", 32.78, -96.8), ("Atlanta", "GA", 33.75, -84.39), ("Toronto", "ON", 43.65, -79.38),
          ("Phoenix", "AZ", 33.45, -112.07), ("Newark", "NJ", 40.74, -74.17), ("Philadelphia", "PA", 39.95, -75.17)]
TYPES = ["theft", "Grab & Run", "smash-and-grab", "robbery", "burglary", "after-hours burglary", "distraction",
         "off-premises", "armed robbery", "sneak theft", "switch", "safe attack"]
LOCATIONS = ["mall", "strip center", "downtown", "standalone", "kiosk", ""]


def _places(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """City, state, lat, lon for n rows: all 64 states and provinces, weighted by population, so the
    rollups are as wide as real data's. The 12 cities above carry coordinates (10% of their rows)."""
    ref = Path(__file__).resolve().parents[1] / "data" / "raw" / "reference"
    pop = pd.read_csv(ref / "region_population.csv").groupby("region_code")["population"].max()
    majors = pd.read_csv(ref / "major_cities.csv")
    region = rng.choice(pop.index.to_numpy(), size=n, p=(pop / pop.sum()).to_numpy())
    coords = {(c, r): (la, lo) for c, r, la, lo in CITIES}
    choices = {r: list(majors.loc[majors.region_code == r, "city"]) + [f"{r} Town {k}" for k in range(1, 4)]
               for r in pop.index}
    city = np.array([choices[r][i % len(choices[r])] for r, i in zip(region, rng.integers(0, 1000, n))], dtype=object)
    known = np.array([coords.get((c, r), (np.nan, np.nan)) for c, r in zip(city, region)], dtype=float)
    with_coords = rng.random(n) < 0.10
    lat = np.where(with_coords, known[:, 0] + rng.normal(0, 0.02, n), np.nan)
    lon = np.where(with_coords, known[:, 1] + rng.normal(0, 0.02, n), np.nan)
    return city, region, lat, lon


def make_rows(n: int, seed: int = 7, first_id: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    days = rng.integers(0, 15 * 365, n)
    dates = pd.Timestamp("2010-01-01") + pd.to_timedelta(days, unit="D")
    fmt = rng.integers(0, 10, n)
    iso = dates.strftime("%Y-%m-%d")
    us = dates.strftime("%-m/%-d/%Y")
    date_text = np.where(fmt < 8, iso, us)
    loss = np.round(rng.lognormal(8.5, 1.4, n), 2)
    loss_text = np.where(rng.random(n) < 0.5, [f"${v:,.2f}" for v in loss], loss.astype(str))
    loss_text = np.where(rng.random(n) < 0.05, "", loss_text)
    city, state, lat, lon = _places(rng, n)
    return pd.DataFrame({
        "Date": date_text,
        "City": city,
        "State": state,
        "Crime Type": np.array(TYPES)[rng.integers(0, len(TYPES), n)],
        "Loss (USD)": loss_text,
        "Injured": rng.poisson(0.05, n),
        "Killed": np.zeros(n, dtype=int),
        "Weapon Shown": np.where(rng.random(n) < 0.2, "yes", "no"),
        "Location Type": np.array(LOCATIONS)[rng.integers(0, len(LOCATIONS), n)],
        "Time": rng.integers(0, 24, n).astype(str),
        "Latitude": np.round(lat, 4),
        "Longitude": np.round(lon, 4),
        "Record ID": [f"B-{i:08d}" for i in range(first_id, first_id + n)],
        "Description": "benchmark row",
    })


def fresh_url(base: str | None, folder: Path, name: str) -> str:
    if base is None:
        return f"sqlite:///{folder / name}"
    engine = sa.create_engine(base)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    return base


def run_etl(csv: Path, url: str, tree: Path | None = None) -> tuple[float, float, int]:
    """Whole command in a child process: (wall seconds, in-process load seconds, peak RSS bytes).

    With `tree`, the child imports the ETL from that checkout instead (an earlier version, for a paired run).
    """
    code = ("import sys, time; t0=time.perf_counter(); from etl.cli import app; "
            "t1=time.perf_counter(); import typer\n"
            "try:\n    app([ 'etl', sys.argv[1], '--db', sys.argv[2]])\n"
            "except SystemExit as e:\n    rc = e.code\n"
            "print('LOAD_SECONDS', time.perf_counter()-t1, file=sys.stderr); sys.exit(rc)")
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    env = dict(os.environ, PYTHONPATH=str(tree)) if tree else None
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code, str(csv), url], capture_output=True, text=True, env=env,
                          cwd=str(tree) if tree else None)
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        raise SystemExit(f"etl failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    load = float(next(line.split()[1] for line in proc.stderr.splitlines() if line.startswith("LOAD_SECONDS")))
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, load, max(peak_kb, before) * 1024


def compare(n: int, tree: Path, repeat: int) -> None:
    """The same CSV through this checkout and through `tree`, alternating, `repeat` times each; medians."""
    import statistics

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        csv = folder / f"jsa_bench_{n}.csv"
        make_rows(n).to_csv(csv, index=False)
        times: dict[str, list[tuple[float, float]]] = {"this checkout": [], str(tree): []}
        for i in range(repeat):
            for label, where in (("this checkout", None), (str(tree), tree)):
                db = folder / f"{i}-{'new' if where is None else 'old'}.sqlite"
                wall, load_s, _ = run_etl(csv, f"sqlite:///{db}", where)
                times[label].append((wall, load_s))
        print(f"{n:,} rows, {repeat} runs each, alternating (wall s: median, fastest; load-only s: median; "
              "rows per s at the median):")
        for label, runs in times.items():
            wall = statistics.median(r[0] for r in runs)
            load_s = statistics.median(r[1] for r in runs)
            print(f"  {label:>30}: {wall:6.2f} s  {min(r[0] for r in runs):6.2f} s  {load_s:6.2f} s  "
                  f"{n / wall:>9,.0f} rows/s")
        for stat in (statistics.median, min):  # the fastest run is the least disturbed by the rest of the machine
            new, old = (stat([r[0] for r in times[k]]) for k in ("this checkout", str(tree)))
            print(f"  change in wall time ({stat.__name__}): {100 * (new - old) / old:+.1f}%")


def run_sqlite_import(csv: Path, folder: Path) -> float:
    """The sqlite3 command-line shell's own `.import` of the same CSV into a new file: the floor for
    getting these bytes into SQLite at all (no validation, every cell text)."""
    db = folder / "sqlite-import.sqlite"
    db.unlink(missing_ok=True)
    t = time.perf_counter()
    subprocess.run(["sqlite3", str(db), ".mode csv", f".import {csv} incidents"], check=True, capture_output=True)
    return time.perf_counter() - t


def scenarios(n: int, base_files: int, repeat: int, db_dir: Path | None = None) -> None:
    """Costs that must not grow with the database: a file of n rows loaded into an empty database, appended
    to one already holding base_files files of n rows, and reloaded with one row changed; with the sqlite3
    shell's `.import` of the same file in each round. Paired in one run.

    With `db_dir`, the base database (about 3 GB for nine files of 1M rows, 10 minutes to build here) is built
    once under it and reused by later runs; every round appends to a fresh copy of it, so it is never changed.
    """
    import shutil
    import statistics

    if db_dir is not None:
        db_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=db_dir) as tmp:
        folder = Path(tmp)
        base = (db_dir or folder) / f"base_{base_files}x{n}.sqlite"
        if not base.exists():
            t = time.perf_counter()
            building = base.with_name(base.name + ".building")  # a build stopped halfway is never reused
            for suffix in ("", "-wal", "-shm"):  # what such a build left: started again from nothing
                Path(f"{building}{suffix}").unlink(missing_ok=True)
            for i in range(base_files):
                part = folder / f"base-{i}.csv"
                make_rows(n, seed=i, first_id=i * n).to_csv(part, index=False)
                run_etl(part, f"sqlite:///{building}")
                part.unlink()
            building.rename(base)
            print(f"built the base: {base_files} files of {n:,} rows in {time.perf_counter() - t:.0f} s")
        else:
            print(f"reusing the base {base}")
        new = folder / "new.csv"
        make_rows(n, seed=101, first_id=10 ** 8).to_csv(new, index=False)
        edited = pd.read_csv(new, dtype=str, keep_default_na=False)
        edited.loc[n // 2, "Loss (USD)"] = "12345.67"
        (folder / "v2").mkdir()
        changed = folder / "v2" / "new.csv"  # same name: a new version of the file loaded into the empty database
        edited.to_csv(changed, index=False)
        del edited
        print(f"load average at the start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        imports, empty, append, change = [], [], [], []
        for i in range(repeat):
            imports.append(run_sqlite_import(new, folder))
            db = f"sqlite:///{folder / f'empty-{i}.sqlite'}"
            empty.append(run_etl(new, db)[0])
            big = folder / "append.sqlite"
            for suffix in ("", "-wal", "-shm"):
                Path(f"{big}{suffix}").unlink(missing_ok=True)
            shutil.copy(base, big)
            append.append(run_etl(new, f"sqlite:///{big}")[0])
            change.append(run_etl(changed, db)[0])
            print(f"  round {i + 1}: .import {imports[-1]:.2f} s, empty {empty[-1]:.2f} s, append {append[-1]:.2f} s, "
                  f"one row changed {change[-1]:.2f} s")
        med = statistics.median
        print(f"{n:,}-row file, {repeat} rounds, whole `jewelcrime etl` wall seconds (median, fastest):")
        print(f"  sqlite3 .import of the same file:   {med(imports):6.2f}  {min(imports):6.2f}")
        print(f"  into an empty database:             {med(empty):6.2f}  {min(empty):6.2f}  "
              f"({med(empty) / med(imports):.2f}x the .import; target at most 2.2x)")
        print(f"  appended to {base_files * n:>11,} stored rows: {med(append):6.2f}  {min(append):6.2f}  "
              f"({100 * (med(append) - med(empty)) / med(empty):+.0f}% against empty; target within +20%)")
        print(f"  reloaded with one row changed:      {med(change):6.2f}  {min(change):6.2f}  "
              f"({100 * med(change) / med(empty):.0f}% of a full load)")
        print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def run_baseline(csv: Path, url: str) -> tuple[float, float]:
    t = time.perf_counter()
    df = pd.read_csv(csv)
    read = time.perf_counter() - t
    engine = sa.create_engine(url)
    t = time.perf_counter()
    df.to_sql("incidents_baseline", engine, index=False, if_exists="replace")
    write = time.perf_counter() - t
    engine.dispose()
    return read, write


def bench(n: int, db_url: str | None) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        csv = folder / f"jsa_bench_{n}.csv"
        make_rows(n).to_csv(csv, index=False)
        size_mb = csv.stat().st_size / 1e6
        wall, load_s, peak = run_etl(csv, fresh_url(db_url, folder, "etl.sqlite"))
        check = sa.create_engine(fresh_url(None, folder, "etl.sqlite") if db_url is None else db_url)
        with check.connect() as conn:
            loaded = conn.execute(sa.text("SELECT COUNT(*) FROM incident")).scalar_one()
            quarantined = conn.execute(sa.text("SELECT COUNT(*) FROM quarantine")).scalar_one()
        check.dispose()
        read_s, write_s = run_baseline(csv, fresh_url(db_url, folder, "baseline.sqlite"))
        imported = run_sqlite_import(csv, folder)
    return dict(rows=n, csv_mb=size_mb, loaded=loaded, quarantined=quarantined, etl_wall=wall, etl_load=load_s,
                peak_mb=peak / 1e6, base_read=read_s, base_write=write_s, sqlite_import=imported)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, action="append", help="row count (repeatable); default 100k and 1M")
    ap.add_argument("--db-url", default=None, help="benchmark against this PostgreSQL URL instead of SQLite")
    ap.add_argument("--compare-with", type=Path, default=None,
                    help="a checkout of an earlier version: time both on the same file, alternating")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each version with --compare-with")
    ap.add_argument("--scenarios", type=int, default=None, metavar="BASE_FILES",
                    help="append and one-row-change costs against a database of BASE_FILES files of --rows rows")
    ap.add_argument("--db-dir", type=Path, default=None,
                    help="with --scenarios: build the base database once under this folder and reuse it")
    args = ap.parse_args()
    sizes = args.rows or [100_000, 1_000_000]
    if args.scenarios is not None:
        scenarios(sizes[0], args.scenarios, min(args.repeat, 3), args.db_dir)
        return
    if args.compare_with:
        for n in sizes:
            compare(n, args.compare_with.resolve(), args.repeat)
        return
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}; pandas {pd.__version__}; "
          f"sqlalchemy {sa.__version__}; database {'PostgreSQL' if args.db_url else 'SQLite'}")
    header = (f"{'rows':>9} {'loaded':>9} {'quar.':>6} {'etl wall s':>10} {'etl rows/s':>11} {'load-only s':>11} "
              f"{'load rows/s':>11} {'to_sql s':>9} {'to_sql rows/s':>13} {'read+to_sql rows/s':>18} "
              f"{'ratio':>6} {'.import s':>9} {'etl/.import':>11} {'peak MB':>8}")
    print(header)
    for n in sizes:
        r = bench(n, args.db_url)
        etl_rps = n / r["etl_wall"]
        base_rps = n / r["base_write"]
        base_total_rps = n / (r["base_read"] + r["base_write"])
        print(f"{n:>9,} {r['loaded']:>9,} {r['quarantined']:>6,} {r['etl_wall']:>10.2f} {etl_rps:>11,.0f} "
              f"{r['etl_load']:>11.2f} {n / r['etl_load']:>11,.0f} {r['base_write']:>9.2f} {base_rps:>13,.0f} "
              f"{base_total_rps:>18,.0f} {etl_rps / base_rps:>6.2f} {r['sqlite_import']:>9.2f} "
              f"{r['etl_wall'] / r['sqlite_import']:>11.2f} {r['peak_mb']:>8.0f}")
    print("etl rows/s = whole `jewelcrime etl` command (process start to exit); load-only = the same run without "
          "interpreter start-up and imports; ratio = etl rows/s over to_sql rows/s (write only, the DataFrame "
          "already in memory); .import = the sqlite3 shell's `.import` of the same CSV; etl/.import = how many "
          "times its time the whole command takes (target at most 2.2).")


if __name__ == "__main__":
    main()
