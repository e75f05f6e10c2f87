"""Ranking, incident pages and the read-only API at 1M and 10M incidents.

    python benchmarks/api_bench.py --rows 1000000
    python benchmarks/api_bench.py --rows 10000000 --db /tmp/incidents_10m.sqlite   # reuse a built database

The database is the one benchmarks/incidents_bench.py builds: SYNTHETIC rows written straight into the real
schema, with the rollups summed from them in SQL. For each case it empties the dashboard's query cache,
then times (median and p95 over --repeat runs, with years varied):
  * the map page's ranking (the builder and its grid records), as its callback runs it;
  * GET requests through Flask's test client on the real app: the ranking, chart CSV and JSON, a first and
    a later incident page of 100 rows (by cursor), and the claims.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).parent))
import incidents_bench  # noqa: E402


def timed(fn: Callable[[int], object], repeat: int) -> tuple[float, float]:
    from dashboard import queries

    times = []
    for i in range(repeat):
        queries._cache.clear()  # noqa: SLF001 - cold: the SQL and the work, not the cache
        t = time.perf_counter()
        fn(i)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return statistics.median(times), times[max(0, int(0.95 * len(times)) - 1)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--db", type=Path, help="keep the database here and reuse it when it exists")
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args()
    from dashboard import context, queries, ranking_card
    from dashboard.app import create_app
    from dashboard.charts import map as map_charts

    with tempfile.TemporaryDirectory() as tmp:
        path = args.db or Path(tmp) / "api_bench.sqlite"
        if not path.exists():
            t = time.perf_counter()
            incidents_bench.build(path, args.rows)
            print(f"built {args.rows:,} synthetic incidents in {time.perf_counter() - t:.1f} s")
        app = create_app(f"sqlite:///{path}")
        engine = app.server.extensions[context.KEY]
        client = app.server.test_client()
        years = queries.years(engine)
        rng = random.Random(5)
        spans = []
        for _ in range(args.repeat):
            a, b = sorted(rng.sample(years, 2))
            spans.append((a, b))

        def years_query(i: int) -> str:
            return f"year_from={spans[i][0]}&year_to={spans[i][1]}&base_year={spans[i][0]}"

        def get(path_: str, base: bool = True) -> Callable[[int], object]:
            def call(i: int) -> object:
                query = years_query(i) if base else years_query(i).rsplit("&", 1)[0]  # no base_year
                query = query if "claims" not in path_ else ""  # the claims take no filters
                response = client.get(f"{path_}{'&' if '?' in path_ else '?'}{query}")
                assert response.status_code == 200, (path_, response.get_data(as_text=True)[:300])
                return response.get_data()
            return call

        def ranking(i: int) -> object:
            with app.server.app_context():
                rows, _ = map_charts.build_ranking(engine, dict(q.split("=") for q in years_query(i).split("&")))
                return ranking_card.records(rows)

        plain = years_query(0).rsplit("&", 1)[0]  # the incident list takes no base year
        first = client.get(f"/api/v1/incidents.json?page_size=100&{plain}").get_json()
        cursor = first.get("next")

        def later_page(i: int) -> object:
            response = client.get(f"/api/v1/incidents.json?page_size=100&after={cursor}&{plain}")
            assert response.status_code == 200, response.get_data(as_text=True)[:300]
            return response.get_data()

        cases = [("ranking (map page callback)", ranking),
                 ("GET /api/v1/ranking.json", get("/api/v1/ranking.json")),
                 ("GET /api/v1/charts/trends-yearly.csv", get("/api/v1/charts/trends-yearly.csv")),
                 ("GET /api/v1/charts/map.json", get("/api/v1/charts/map.json")),
                 ("GET /api/v1/incidents.json (first 100)", get("/api/v1/incidents.json?page_size=100", base=False)),
                 ("GET /api/v1/incidents.json (by cursor)", later_page),
                 ("GET /api/v1/claims.json", get("/api/v1/claims.json", base=False))]
        n = len(queries.years(engine))
        print(f"\n== {path.name}: {args.rows:,} synthetic incidents, {n} years, {args.repeat} runs, cold cache")
        print(f"{'case':<44} {'median ms':>10} {'p95 ms':>8}")
        for name, fn in cases:
            median, p95 = timed(fn, args.repeat)
            print(f"{name:<44} {median:>10.1f} {p95:>8.1f}")


if __name__ == "__main__":
    main()
