"""Incident table benchmark: pages, counts and downloads of dashboard/incidents.py at 1M and 10M incidents.

    python benchmarks/incidents_bench.py --rows 1000000
    python benchmarks/incidents_bench.py --rows 10000000 --db /tmp/incidents_10m.sqlite   # kept for a re-run

The rows are SYNTHETIC: written straight into the real schema by one SQL statement (a recursive CTE), not
read from files: 2015-2024, every state and province weighted by its population, 70% JSA-style incidents
and 30% JM-style claims (a fifth of them linked to an incident, so not counted twice; some not crimes),
a tenth of the losses unknown, plus a small mapped source of 2,000 rows. The rollups are summed from them
in SQL, so count() reads what the ETL would have written.

For every case (a chart element a user may click, and a sort) it times, over --repeat runs, the first page
and the page after 50 pages of 100 rows (keyset, so it should cost the same), and count(); then streams
the CSV of one year of robberies (rows per second) and writes the XLSX of one region-year. The target is
at most 100 ms p95 for a page of 100 at 10M incidents. It also measures what the keyset indexes
cost the loader: inserting 200,000 more rows with and without them.

"""
from __future__ import annotations

import argparse
import datetime as dt
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402

from dashboard import incidents as inc  # noqa: E402
from dashboard.incidents import IncidentQuery  # noqa: E402
from dashboard.state import Filters  # noqa: E402
from etl import pipeline, schema  # noqa: E402
from etl.config import make_engine  # noqa: E402

FIRST_YEAR, YEARS = 2015, 10
TARGET_MS = 100.0
DEEP = 50  # pages skipped before the "deep page"
MAPPED = "City open data"
# category by c % 100, then the sub-types of each (NULL = not recorded); 'other' claims only (JM)
CATEGORY = ("CASE WHEN c < 15 THEN 'robbery' WHEN c < 35 THEN 'burglary' WHEN c < 85 THEN 'theft' "
            "WHEN c < 93 THEN 'off_premises' ELSE 'other' END")
SUBTYPE = ("CASE WHEN c < 15 THEN (CASE d % 3 WHEN 0 THEN 'smash_and_grab' WHEN 1 THEN 'armed_robbery' END) "
           "WHEN c < 35 THEN (CASE d % 3 WHEN 0 THEN 'after_hours_burglary' WHEN 1 THEN 'safe_attack' END) "
           "WHEN c < 85 THEN (CASE d % 4 WHEN 0 THEN 'grab_and_run' WHEN 1 THEN 'distraction_theft' "
           "WHEN 2 THEN 'sneak_theft' END) WHEN c < 93 THEN (CASE d % 2 WHEN 0 THEN 'trade_show' END) "
           "ELSE (CASE d % 3 WHEN 0 THEN 'vandalism' WHEN 1 THEN 'mysterious_disappearance' ELSE 'non_crime' END) END")


def _regions(conn: sa.Connection) -> None:
    """A 10,000-slot table: each state and province gets slots by its latest population (at least one)."""
    pop = schema.region_population
    rows = conn.execute(sa.select(pop.c.region_code, pop.c.population).order_by(pop.c.year)).all()
    latest = {code: people for code, people in rows}
    countries = dict(conn.execute(sa.select(schema.region.c.code, schema.region.c.country)).all())
    total = sum(latest.values())
    slots = [(code, countries[code]) for code, people in sorted(latest.items())
             for _ in range(max(1, round(people / total * 10_000)))]
    conn.exec_driver_sql("CREATE TEMP TABLE slot (i INTEGER PRIMARY KEY, code TEXT, country TEXT)")
    conn.exec_driver_sql("INSERT INTO slot VALUES " + ",".join(f"({i},'{c}','{k}')" for i, (c, k) in enumerate(slots)))
    conn.exec_driver_sql("CREATE TEMP TABLE slots AS SELECT count(*) AS n FROM slot")


def _insert(conn: sa.Connection, first: int, n: int, batch: int, source: str | None, by_date: bool = False) -> None:
    """Rows first..first+n-1 of the synthetic set (deterministic: each column hashes the row number), in
    random date order or, `by_date`, sorted by date as a yearly incident list usually is."""
    epoch = (dt.date(FIRST_YEAR, 1, 1) - dt.date(1970, 1, 1)).days
    days = (dt.date(FIRST_YEAR + YEARS, 1, 1) - dt.date(FIRST_YEAR, 1, 1)).days
    src = f"'{source}'" if source else "CASE WHEN e % 10 < 7 AND c < 93 THEN 'JSA' ELSE 'JM' END"
    conn.exec_driver_sql(f"""
    INSERT INTO incident (batch_id, source, source_record_id, row_number, row_hash, occurred_on, day_number, year,
        half, month, hour, time_of_day, region_code, country, city, city_key, is_major_city, category, subtype,
        crimes_against, loss_usd, weapon_shown, location_type, is_sample, linked_incident_id, counts_in_combined)
    WITH RECURSIVE n(i) AS (SELECT {first} UNION ALL SELECT i + 1 FROM n WHERE i < {first + n - 1}),
    h AS (SELECT i, (i * 2654435761) % 4294967291 AS a, (i * 2246822519) % 4294967279 AS b,
                 (i * 3266489917) % 4294967231 % 100 AS c, (i * 668265263) % 4294967197 AS d,
                 (i * 374761393) % 4294967189 AS e FROM n),
    r AS (SELECT h.*, {epoch} + a % {days} AS day, s.code, s.country, {CATEGORY} AS cat, {SUBTYPE} AS sub,
                 {src} AS src FROM h JOIN slot s ON s.i = b % (SELECT n FROM slots))
    SELECT {batch}, src, 'S-' || i, i, i, date(day * 86400, 'unixepoch'), day,
        CAST(strftime('%Y', day * 86400, 'unixepoch') AS INTEGER),
        CASE WHEN CAST(strftime('%m', day * 86400, 'unixepoch') AS INTEGER) <= 6 THEN 1 ELSE 2 END,
        CAST(strftime('%m', day * 86400, 'unixepoch') AS INTEGER), d % 24,
        CASE WHEN d % 24 BETWEEN 6 AND 11 THEN 'morning' WHEN d % 24 BETWEEN 12 AND 16 THEN 'afternoon'
             WHEN d % 24 BETWEEN 17 AND 20 THEN 'evening' ELSE 'night' END,
        code, country, code || ' city ' || (e % 7), lower(code || ' city ' || (e % 7)), e % 7 = 0, cat, sub,
        CASE WHEN sub IN ('mysterious_disappearance', 'non_crime') THEN NULL ELSE 'property' END,
        CASE WHEN d % 10 = 0 THEN NULL ELSE (d % 50000) + 50 END, CASE WHEN cat = 'robbery' THEN d % 2 END,
        CASE e % 4 WHEN 0 THEN 'mall' WHEN 1 THEN 'strip_center' WHEN 2 THEN 'standalone' ELSE 'downtown' END, 1,
        CASE WHEN src = 'JM' AND e % 5 = 0 THEN 1 END, NOT (src = 'JM' AND e % 5 = 0)
    FROM r {'ORDER BY day' if by_date else ''}""")


def _rollups(conn: sa.Connection) -> None:
    """rollup_region and rollup_month summed from the rows, as etl/rollups.py would."""
    measures = ("count(*), sum(counts_in_combined), coalesce(sum(loss_usd), 0), "
                "coalesce(sum(CASE WHEN counts_in_combined THEN loss_usd END), 0), count(loss_usd), "
                "sum(loss_usd IS NOT NULL AND counts_in_combined), 0, 0, coalesce(sum(weapon_shown), 0)")
    names = "n, n_combined, loss_usd, loss_combined, loss_known, loss_known_combined, injured, killed, weapon_shown"
    for table, dims in (("rollup_region", "year, half, country, region_code, category, subtype, crimes_against, "
                                          "is_major_city"),
                        ("rollup_month", "year, month, country, region_code, category, subtype, crimes_against, "
                                        "is_major_city")):
        keys = ", ".join(f"coalesce({d}, '')" if d in ("subtype", "crimes_against") else d for d in dims.split(", "))
        conn.exec_driver_sql(f"DELETE FROM {table}")
        conn.exec_driver_sql(f"INSERT INTO {table} (source, is_sample, {dims}, {names}) "
                             f"SELECT source, 1, {keys}, {measures} FROM incident "
                             f"GROUP BY source, {keys}")


def _batch(conn: sa.Connection, name: str, source: str) -> int:
    b = schema.load_batch
    return int(conn.execute(b.insert().values(
        file_name=name, file_path=f"(synthetic) {name}", sha256="0" * 64, format="synthetic", source=source,
        started_at=dt.datetime.now(), status="loaded", is_current=True, is_sample=True).returning(b.c.batch_id))
        .scalar_one())


def build(path: Path, n: int) -> dict[str, float]:
    """A new database of n synthetic incidents (plus the mapped source); seconds per step."""
    engine = make_engine(f"sqlite:///{path}")
    pipeline.ensure_database(engine)
    took: dict[str, float] = {}
    with engine.begin() as conn:
        _regions(conn)
        for ix in schema.KEYSET_INDEXES:  # built once, sorted, after the rows: the quick way to fill a table
            ix.drop(conn)
        t = time.perf_counter()
        _insert(conn, 1, n, _batch(conn, "synthetic_industry.csv", "JSA"), None)
        _insert(conn, n + 1, 2000, _batch(conn, "synthetic_mapped.csv", MAPPED), MAPPED)
        took["insert rows (batch index only)"] = time.perf_counter() - t
        # what the keyset indexes add to a load: 200,000 more rows, without and then with them
        extra = _batch(conn, "synthetic_extra.csv", "JSA")
        for indexed in (False, True):
            if indexed:
                t = time.perf_counter()
                for ix in schema.KEYSET_INDEXES:
                    ix.create(conn)
                took[f"create the {len(schema.KEYSET_INDEXES)} keyset indexes"] = time.perf_counter() - t
            for by_date in (False, True):
                t = time.perf_counter()
                _insert(conn, n + 10_001, 200_000, extra, None, by_date)
                took[f"insert 200k more, {'in date order' if by_date else 'random dates'}, "
                     f"{'with' if indexed else 'without'} keyset indexes"] = time.perf_counter() - t
                conn.exec_driver_sql(f"DELETE FROM incident WHERE batch_id = {extra}")
        conn.exec_driver_sql(f"DELETE FROM load_batch WHERE batch_id = {extra}")
        t = time.perf_counter()
        _rollups(conn)
        took["rollups"] = time.perf_counter() - t
    return took


def cases() -> list[tuple[str, IncidentQuery]]:
    last = FIRST_YEAR + YEARS - 1
    every = Filters(FIRST_YEAR, last)
    year = Filters(last - 1, last - 1)
    q = IncidentQuery
    return [
        ("every row, newest first", q(every)),
        ("every row, oldest first", q(every, descending=False)),
        ("a bar: robbery, one year", q(Filters(FIRST_YEAR, last, "robbery"), year=last - 1)),
        ("a map click: Texas, all years", q(Filters(FIRST_YEAR, last, region="TX"))),
        ("a ranking row: Vermont, one year", q(Filters(last - 1, last - 1, region="VT"))),
        ("robbery in Vermont, all years", q(Filters(FIRST_YEAR, last, "robbery", region="VT"))),
        ("two regions: CA,TX, one year", q(Filters(last - 1, last - 1, region="CA,TX"))),
        ("Jan-Jun, major cities, U.S., JSA", q(Filters(FIRST_YEAR, last, source="JSA", major_only=True),
                                              country="US", year=last - 1, half=1)),
        ("December of every year", q(every, month=12)),
        ("JM, one sub-type, all years", q(Filters(FIRST_YEAR, last, "burglary", "safe_attack", "JM"))),
        ("mapped source (2,000 rows)", q(Filters(FIRST_YEAR, last, source=MAPPED))),
        ("not crimes: non_crime sub-type", q(Filters(FIRST_YEAR, last, "other", "non_crime", "JM"))),
        ("largest losses, one year", q(year, sort="loss_usd")),
        ("largest losses, Texas", q(Filters(FIRST_YEAR, last, region="TX"), sort="loss_usd")),
        ("smallest losses, robbery", q(Filters(FIRST_YEAR, last, "robbery"), sort="loss_usd", descending=False)),
        ("city contains 'city 3', one year", q(year, city="city 3")),
        ("nothing matches: JSA 'other'", q(Filters(FIRST_YEAR, last, "other", source="JSA"))),
    ]


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return statistics.median(times), times[max(0, int(round(0.95 * len(times))) - 1)]


def measure(engine: sa.Engine, repeat: int) -> list[tuple]:
    out = []
    for name, q in cases():
        first = timed(lambda: inc.page(engine, q), repeat)
        cursor, pages = None, 0
        for pages in range(1, DEEP + 1):
            _rows, cursor = inc.page(engine, q, cursor)
            if cursor is None:
                break
        deep = timed(lambda: inc.page(engine, q, cursor), repeat) if cursor else (float("nan"), float("nan"))
        counted = timed(lambda: inc.count(engine, q), repeat)
        out.append((name, inc.count(engine, q), first, deep, counted))
    return out


def downloads(engine: sa.Engine) -> list[tuple[str, int, float]]:
    last = FIRST_YEAR + YEARS - 1
    out = []
    q = IncidentQuery(Filters(last, last, "robbery"))
    t = time.perf_counter()
    rows = sum(chunk.count("\n") for chunk in inc.iter_csv(engine, q)) - 1
    out.append(("CSV, robbery one year", rows, time.perf_counter() - t))
    q = IncidentQuery(Filters(last, last, region="NY"))
    t = time.perf_counter()
    rows = inc.write_xlsx(engine, q, io.BytesIO())
    out.append(("XLSX, New York one year", rows, time.perf_counter() - t))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000, help="synthetic incidents (default 1,000,000)")
    ap.add_argument("--db", type=Path, help="keep the database here and reuse it when it exists")
    ap.add_argument("--repeat", type=int, default=20, help="runs per measurement (default 20)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.db or Path(tmp) / "incidents_bench.sqlite"
        if not path.exists():
            t = time.perf_counter()
            steps = build(path, args.rows)
            print(f"built {args.rows:,} synthetic incidents in {time.perf_counter() - t:.1f} s")
            for step, seconds in steps.items():
                print(f"  {step:<58} {seconds:8.2f} s")
        engine = make_engine(f"sqlite:///{path}")
        with engine.connect() as conn:
            n = conn.execute(sa.select(sa.func.count()).select_from(schema.incident)).scalar_one()
        print(f"\n== {n:,} incidents (synthetic), page size 100, {args.repeat} runs; target p95 <= {TARGET_MS:g} ms")
        print(f"{'case':<36} {'rows':>10} {'first p50':>9} {'p95':>7} {'deep p50':>9} {'p95':>7} "
              f"{'count p50':>9} {'p95':>7}")
        worst = 0.0
        for name, rows, first, deep, counted in measure(engine, args.repeat):
            worst = max(worst, first[1], deep[1] if deep[1] == deep[1] else 0)
            print(f"{name:<36} {rows:>10,} {first[0]:>9.1f} {first[1]:>7.1f} {deep[0]:>9.1f} {deep[1]:>7.1f} "
                  f"{counted[0]:>9.1f} {counted[1]:>7.1f}")
        print(f"worst page p95: {worst:.1f} ms ({'within' if worst <= TARGET_MS else 'over'} the target)")
        for name, rows, seconds in downloads(engine):
            print(f"{name:<36} {rows:>10,} rows in {seconds:6.1f} s = {rows / seconds:>10,.0f} rows/s")
        engine.dispose()


if __name__ == "__main__":
    main()
