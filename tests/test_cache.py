"""The chart cache shared by a server's processes (dashboard.cache), and the map figures built without
plotly's per-property checks: the same JSON as the validated build of before (benchmarks/map_before.py)."""
from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from dash._utils import to_json

from dashboard import cache
from dashboard.app import create_app
from tests.conftest import FIXTURES, engine_of

ROOT = Path(__file__).resolve().parents[1]
KNOWN = FIXTURES / "figures" / "jsa_known.csv"
CONTEXT = FIXTURES / "context" / "dashboard"
CONTEXT_FILES = ["jsa_context.csv", "fbi_estimated_small.csv", "statcan_crime_small.csv",
                 "nibrs_participation_2023.csv"]

# a child process: the app on `db`, the file cache in `folder`; every map figure it builds (a cache miss)
# adds a line to `counter`; prints the map callback's JSON
CHILD = textwrap.dedent("""
    import os, sys
    db, folder, counter, filters = sys.argv[1:5]
    os.environ["JEWELCRIME_CACHE_DIR"] = folder
    from dash._utils import to_json
    from dashboard import cache, figures
    from dashboard.app import create_app

    real = figures.map_figure
    def counted(*args, **kwargs):
        with open(counter, "a") as fh:
            fh.write(f"{os.getpid()}\\n")
        return real(*args, **kwargs)
    figures.map_figure = counted

    app = create_app(db)
    cache.configure(app.server, db)
    from dashboard.pages import map as map_page
    import json
    with app.server.app_context():
        print(to_json(map_page.update_map(json.loads(filters))))
""")


def builds(counter: Path) -> list[str]:
    """The pids of the processes that built a map figure (one line per build)."""
    return counter.read_text().split() if counter.exists() else []


def child(db_url: str, folder: Path, counter: Path, filters: dict) -> str:
    done = subprocess.run([sys.executable, "-c", CHILD, db_url, str(folder), str(counter), json.dumps(filters)],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.fixture
def loaded(cli, db_url: str) -> str:
    assert cli("etl", KNOWN, "--db", db_url).exit_code == 0
    return db_url


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    base = tmp_path / "cache"
    monkeypatch.setenv(cache.ENV_DIR, str(base))
    monkeypatch.delenv(cache.ENV_URL, raising=False)
    return base


def test_a_result_built_in_one_process_is_a_hit_in_another(loaded, folder, tmp_path):
    counter = tmp_path / "builds.txt"
    filters = {"year_from": 2021, "year_to": 2021, "metric": "incidents"}

    first = child(loaded, folder, counter, filters)
    assert len(builds(counter)) == 1  # a miss: built once
    second = child(loaded, folder, counter, filters)
    assert len(builds(counter)) == 1  # the other process read it from the shared folder
    assert json.loads(second) == json.loads(first)  # the same outputs reach the browser (keys may move)
    child(loaded, folder, counter, {**filters, "year_from": 2020})
    assert len(builds(counter)) == 2 and len(set(builds(counter))) == 2  # other filters: built again


def map_builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the map figures built in this process (misses), calling the real function."""
    from dashboard import figures

    calls: list[int] = []
    real = figures.map_figure

    def counted(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(figures, "map_figure", counted)
    return calls


def test_a_new_load_is_a_new_version_in_the_cache(loaded, folder, cli, monkeypatch):
    app = create_app(loaded)
    cache.configure(app.server, loaded)
    from dashboard.pages import map as map_page

    calls = map_builds(monkeypatch)
    filters = {"metric": "incidents"}  # the latest year: the new file adds incidents to it
    with app.server.app_context():
        before = map_page.update_map(filters)
        map_page.update_map(filters)
        assert len(calls) == 1
        assert cli("etl", CONTEXT / "jsa_context.csv", "--db", loaded).exit_code == 0  # a new load batch
        after = map_page.update_map(filters)
        assert len(calls) == 2  # recomputed from the new data
        assert after[1] != before[1]  # and the rows show it
        map_page.update_map(filters)
        assert len(calls) == 2


def test_different_filters_never_share_a_key(loaded, folder, monkeypatch):
    app = create_app(loaded)
    cache.configure(app.server, loaded)
    from dashboard.pages import map as map_page

    calls = map_builds(monkeypatch)
    variants = [{}, {"year_from": 2021}, {"year_from": "2021"}, {"year_from": 2021, "source": "JSA"},
                {"source": "JSA", "year_from": 2021}, {"metric": "incidents"}, {"layer": "context"}]
    with app.server.app_context():
        outputs = [json.loads(to_json(map_page.update_map(v))) for v in variants]
        assert len(calls) == 6  # {"source", "year_from"} in either order is one key; the rest are not
        assert outputs[3] == outputs[4]
        assert json.loads(to_json(map_page.update_map({"year_from": 2021, "source": "JM"}))) != outputs[3]
        assert len(calls) == 7
    keys = {cache.key("b", loaded, [1], [v]) for v in variants}
    assert len(keys) == 6
    assert cache.key("b", loaded, [1], [{}]) != cache.key("b", loaded, [2], [{}])  # the data version
    assert cache.key("b", loaded, [1], [{}]) != cache.key("b", "sqlite:///other", [1], [{}])


def test_export_builds_and_calls_outside_an_app_are_not_cached(loaded, folder, monkeypatch):
    from dashboard import charts

    app = create_app(loaded)
    cache.configure(app.server, loaded)
    calls = map_builds(monkeypatch)
    engine = engine_of(app)
    with app.server.app_context():
        charts.build(engine, "map", {}, export=True)
        charts.build(engine, "map", {}, export=True)
    charts.build(engine, "map", {})
    charts.build(engine, "map", {})
    assert len(calls) == 4


def statements(engine) -> list[str]:  # noqa: ANN001
    """Every query `engine` sends from now on (a real listener on the cursor; BEGIN and the like left out)."""
    import sqlalchemy as sa

    sent: list[str] = []

    def note(_conn, _cursor, sql: str, *_args) -> None:  # noqa: ANN001, ANN002
        if sql.strip().upper() not in ("BEGIN", "BEGIN IMMEDIATE", "COMMIT", "ROLLBACK"):
            sent.append(sql)

    sa.event.listen(engine, "before_cursor_execute", note)
    return sent


def test_a_chart_modules_builder_is_cached_without_any_install_step(loaded, folder):
    """A builder as its module defines it goes through the app's cache: nothing replaces it at start-up."""
    from dashboard import charts, queries
    from dashboard.charts import trends

    assert charts.is_cached(trends.build_yearly) and not hasattr(charts, "install_cache")
    app = create_app(loaded)
    engine = engine_of(app)
    sent = statements(engine)
    filters = {"source": "JSA", "year_from": 2020}
    with app.server.app_context():
        queries._cache.clear()  # this process's query memo: only the chart cache may answer below
        first = trends.build_yearly(engine, filters)
        assert any("rollup" in sql for sql in sent)  # a miss reads the data
        sent.clear()
        queries._cache.clear()
        again = trends.build_yearly(engine, filters)
        assert len(sent) == 1 and "load_batch" in sent[0]  # the data version for the key, nothing else
        with queries.pinned_version(engine):  # the version already read (as inside a larger build)
            sent.clear()
            queries._cache.clear()
            trends.build_yearly(engine, filters)
            assert sent == []
    assert again.rows.to_dict("records") == first.rows.to_dict("records") and again.summary == first.summary
    assert json.loads(to_json(again.figure)) == json.loads(to_json(first.figure))
    sent.clear()
    queries._cache.clear()
    trends.build_yearly(engine, filters)  # outside the app: no cache, so the data is read again
    assert any("rollup" in sql for sql in sent)


def chart_builders(module) -> list[tuple[str, object]]:  # noqa: ANN001
    """The chart builders a module defines: `build*(engine, filters|query, ...)` functions of its own."""
    import inspect

    return [(name, fn) for name, fn in vars(module).items()
            if name.startswith("build") and inspect.isfunction(fn) and fn.__module__ == module.__name__
            and list(inspect.signature(fn).parameters)[:2] in (["engine", "filters"], ["engine", "query"])]


def unmarked(module) -> list[str]:  # noqa: ANN001
    from dashboard import charts

    return [name for name, fn in chart_builders(module) if not charts.is_cached(fn)]


def test_every_chart_builder_is_marked_for_the_cache():
    import importlib
    import pkgutil

    import dashboard.charts as package
    from dashboard import charts

    modules = [importlib.import_module(f"{package.__name__}.{m.name}") for m in pkgutil.iter_modules(package.__path__)]
    assert {"map", "trends", "trends_period", "share", "risk", "guidance"} <= {m.__name__.rsplit(".", 1)[1] for m in modules}
    assert sum(len(chart_builders(m)) for m in modules) >= 20  # the walk finds the builders it is to check
    assert {m.__name__: unmarked(m) for m in modules} == {m.__name__: [] for m in modules}
    assert [cid for cid, chart in charts.registry().items() if not charts.is_cached(chart.build)] == []


def test_a_builder_left_unmarked_is_caught():
    """The walk above fails for a new builder without the decorator (a module made here, not on disk)."""
    import types

    module = types.ModuleType("dashboard.charts.new_page")
    exec(textwrap.dedent("""
        from dashboard.charts import cached_chart

        @cached_chart
        def build_marked(engine, filters, export=False):
            return None

        def build_forgotten(engine, filters, export=False):
            return None

        def build_by_query(engine, query, export=False):
            return None

        def build_part(engine, f, counts):  # a helper: its second argument is not the filters
            return None
    """), module.__dict__)
    assert unmarked(module) == ["build_forgotten", "build_by_query"]


def test_the_cache_folder_is_private(loaded, folder):
    app = create_app(loaded)
    cache.configure(app.server, loaded)
    made = cache.folder_for(loaded)
    assert made.parent == folder and made.is_dir()
    assert stat.S_IMODE(os.stat(made).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700

    os.chmod(made, 0o777)  # opened by someone: closed again before anything in it is read
    cache.configure(create_app(loaded).server, loaded)
    assert stat.S_IMODE(os.stat(made).st_mode) == 0o700


def test_a_link_in_place_of_the_folder_is_refused(loaded, folder, tmp_path):
    folder.mkdir(mode=0o700)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    cache.folder_for(loaded).symlink_to(elsewhere)
    with pytest.raises(cache.CacheConfigError, match="not a folder"):
        cache.settings(loaded)


def test_redis_without_the_redis_package_says_what_to_install(loaded, monkeypatch):
    import importlib.util

    if importlib.util.find_spec("redis") is not None:
        pytest.skip("the redis package is installed here")
    monkeypatch.setenv(cache.ENV_URL, "redis://:secret@localhost:6379/0")
    with pytest.raises(cache.CacheConfigError) as err:
        cache.configure(create_app(loaded).server, loaded)
    message = str(err.value)
    assert "pip install redis" in message and "secret" not in message and "\n" not in message


def test_an_unknown_cache_url_is_refused(loaded, monkeypatch):
    monkeypatch.setenv(cache.ENV_URL, "memcached://localhost")
    with pytest.raises(cache.CacheConfigError, match="expected redis://"):
        cache.settings(loaded)


def test_the_null_cache_computes_every_time(loaded, monkeypatch):
    app = create_app(loaded)
    cache.configure(app.server, loaded, kind="null")
    from dashboard.pages import map as map_page

    calls = map_builds(monkeypatch)
    with app.server.app_context():
        assert cache.current() is None  # no key is made and nothing is encoded for it
        map_page.update_map({})
        map_page.update_map({})
    assert len(calls) == 2


# ---------------------------------------------------------------- figures without validation

CASES = [{}, {"year_from": "2021", "year_to": "2021", "metric": "incidents"}, {"metric": "losses"},
         {"metric": "per_100_businesses"}, {"source": "JSA", "category": "robbery"},
         {"metric": "change_since_base", "base_year": "2019"}, {"metric": "change_on_prior"},
         {"layer": "context"}, {"layer": "context", "context": "burglary", "year_from": "2022", "year_to": "2023"},
         {"layer": "context", "context": "property"}]


@pytest.fixture
def context_app(cli, db_url):
    for name in CONTEXT_FILES:
        assert cli("etl", CONTEXT / name, "--db", db_url).exit_code == 0
    assert cli("etl", KNOWN, "--db", db_url).exit_code == 0
    return create_app(db_url)


def test_the_map_figures_are_the_validated_figures_of_before(context_app):
    """The map callback's JSON (what Dash sends the browser) is the same JSON as the validated build of before
    issue 12 sent, for every measure, layer and the change map (keys may come in another order: plotly.js reads
    them by name)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import map_before

    from dashboard.pages import map as map_page

    engine = engine_of(context_app)
    with context_app.server.app_context():
        for filters in CASES:
            old, new = map_before.update_map(engine, filters), map_page.update_map(filters)
            assert json.loads(to_json(new)) == json.loads(to_json(old)), filters
            assert json.loads(to_json(new[0].to_plotly_json())) == json.loads(to_json(old[0].to_plotly_json()))
            # and the old path itself validated: the same figure through plotly's checks
            checked = type(old[0])(old[0].to_plotly_json())
            assert json.loads(to_json(checked)) == json.loads(to_json(new[0])), filters


def test_a_cached_figure_is_the_figure_built(context_app, folder):
    """A hit rebuilds the figure from its stored JSON: the same figure, the same rows."""
    cache.configure(context_app.server, str(engine_of(context_app).url))
    from dashboard.pages import map as map_page

    with context_app.server.app_context():
        for filters in (CASES[0], CASES[5], CASES[7]):
            built = map_page.update_map(filters)
            again = map_page.update_map(filters)
            assert json.loads(to_json(again)) == json.loads(to_json(built))  # the same JSON, keys may move
            assert again[0].data[0].type == "choropleth"  # still a plotly figure for the pages that read it


def test_the_map_draws_the_boundaries_by_url(context_app):
    """On screen the map names its boundary file: the cached figure stays small (the exporter inlines it)."""
    from dashboard.pages import map as map_page

    with context_app.server.app_context():
        figure = map_page.update_map({})[0].to_plotly_json()
    assert {t["geojson"] for t in figure["data"] if "geojson" in t} == {"/geo/us_ca_admin1.geojson"}
    assert len(to_json(figure)) < 200_000


def test_the_context_layer_with_a_change_measure_draws(context_app):
    """Switching the layer to general crime while a change measure is selected drew nothing before
    (an error): the general-crime layer ignores the jewelry measure."""
    from dashboard.pages import map as map_page

    with context_app.server.app_context():
        out = map_page.update_map({"layer": "context", "metric": "change_since_base"})
        same = map_page.update_map({"layer": "context"})
    assert "general" in out[3].lower() and to_json(out[0]) == to_json(same[0])


def test_every_chart_carries_the_theme_it_had_when_the_template_was_set_on_each_figure(context_app):
    """go.Figure() now starts with the theme (plotly's default template), instead of each figure setting it
    with update_layout: every chart's JSON is what setting it explicitly gives."""
    import plotly.graph_objects as go

    from dashboard import charts

    engine = engine_of(context_app)
    with context_app.server.app_context():
        for chart_id in charts.registry():
            figure = charts.build(engine, chart_id, {}).figure
            themed = go.Figure(figure.to_plotly_json()).update_layout(template="jewelcrime")
            assert json.loads(to_json(figure)) == json.loads(to_json(themed)), chart_id
            assert figure.layout.template.layout.font.family.startswith("system-ui"), chart_id
