"""The `jewelcrime` command line.

Exit codes: 0 all files loaded (quarantined rows allowed), 1 a file was
rejected or the database cannot be used, 2 usage errors.
"""
from __future__ import annotations

import json
import os
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Callable, Optional

import sqlalchemy as sa
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from etl.config import RAW_DIR, DbUrlError, make_engine, read_only_reason, resolve_db_url
from etl.errors import EtlError
from etl.staging import remove_orphans
from etl.summary import print_summary

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Jewelry-industry crime statistics: load data, check figures, serve the dashboard.")
# a pipe or a test runner gets wide tables (80 columns would cut file names)
out = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, soft_wrap=True, width=None if sys.stderr.isatty() else 160)

DbOption = Annotated[Optional[str], typer.Option("--db", help="Database URL (default: $DATABASE_URL or the bundled SQLite file)")]


def _format_names() -> type[Enum]:
    from etl.formats import FORMAT_NAMES

    return Enum("FormatName", {n: n for n in FORMAT_NAMES}, type=str)


FormatName = _format_names()


def _safe_url(url: str) -> str:
    return sa.engine.make_url(url).render_as_string(hide_password=True)


def guarded(fn: Callable[..., None]) -> Callable[..., None]:
    """Turn every failure into one message and exit code 1; tracebacks only with JEWELCRIME_DEBUG=1."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):  # noqa: ANN202
        try:
            remove_orphans()  # staging files of killed loads, at the start of every command
            return fn(*args, **kwargs)
        except typer.Exit:
            raise
        except DbUrlError as exc:  # the --db value (or $DATABASE_URL) itself is wrong
            err.print(f"[red]usage error:[/] {exc}", highlight=False)
            raise typer.Exit(2) from None
        except EtlError as exc:
            err.print(f"[red]error:[/] {exc}", highlight=False)
            raise typer.Exit(1) from None
        except (sa.exc.OperationalError, sa.exc.DatabaseError) as exc:
            if type(exc) not in (sa.exc.OperationalError, sa.exc.DatabaseError):  # integrity, SQL errors: bugs
                raise _internal(exc) from None
            # psycopg's messages span lines: keep them to one
            err.print(f"[red]error:[/] cannot use the database{_db_named(kwargs.get('db'))}: "
                      f"{' '.join(str(exc.orig).split())}", highlight=False)
            raise typer.Exit(1) from None
        except Exception as exc:  # noqa: BLE001 - the promise is: no traceback, ever
            raise _internal(exc) from None

    return wrapper


def _internal(exc: Exception) -> Exception:
    """An unexpected error: one line and exit 1 (re-raised as it is for usage errors and JEWELCRIME_DEBUG=1)."""
    if os.environ.get("JEWELCRIME_DEBUG") or _is_usage_error(exc):
        return exc
    err.print(f"[red]internal error:[/] {type(exc).__name__}: {exc} (set JEWELCRIME_DEBUG=1 for details)",
              highlight=False)
    return typer.Exit(1)


def _db_named(db: str | None) -> str:
    """' <url>' of the database a command was given, password hidden; '' when it cannot be told."""
    try:
        return f" {_safe_url(resolve_db_url(db))}"
    except Exception:  # noqa: BLE001 - only a label for a message
        return ""


def _is_usage_error(exc: Exception) -> bool:
    """Click-style usage errors (typer carries its own copy of click): keep their message and exit code 2."""
    return hasattr(exc, "exit_code") and hasattr(exc, "show") and hasattr(exc, "format_message")


def engine_for(db: str | None) -> sa.Engine:
    return make_engine(resolve_db_url(db))


def _expand(paths: list[Path]) -> tuple[list[Path], list]:
    """Folders -> the loadable files in them; a folder with none is a rejected input, named."""
    from etl.pipeline import FileResult, discover

    files: list[Path] = []
    empty: list[FileResult] = []
    for p in paths:
        if p.is_dir():
            found = discover(p)
            if found:
                files.extend(found)
            else:
                empty.append(FileResult(p, None, "rejected", message="is a folder with no CSV or XLSX files in it"))
        else:
            files.append(p)
    return files, empty


@app.command("etl")
@guarded
def etl_command(
    paths: Annotated[Optional[list[Path]], typer.Argument(help="Files or folders to load (default: everything under data/raw/)")] = None,
    db: DbOption = None,
    fmt: Annotated[Optional[FormatName], typer.Option("--format", help="Skip detection and read the files as this format")] = None,
    mapping: Annotated[Optional[str], typer.Option("--map", help="A column mapping (TOML file, or a bundled preset: "
                                                   "chicago, lapd, jsa-news) for an incident file of any layout")] = None,
    sheet: Annotated[Optional[str], typer.Option("--sheet", help="Read only this sheet of a workbook (name or number)")] = None,
    year: Annotated[Optional[int], typer.Option("--year", min=1980, max=2100, help="Year of a table for one year (FBI NIBRS)")] = None,
    force_year: Annotated[bool, typer.Option("--force-year", help="Use --year even where the file states another year")] = False,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Drop the database and rebuild it from data/raw/")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the load summary as JSON")] = False,
) -> None:
    """Load incident, claim, NIBRS and reference files into the database."""
    from etl import pipeline, schema
    from etl.errors import UsageError
    from etl.formats.base import Options

    if fmt and mapping:
        raise _usage("--format and --map cannot be used together: a mapping says how to read the file")
    if force_year and year is None:
        raise _usage("--force-year needs --year")
    forced = None
    if mapping:
        from etl.mapping import load_mapping
        try:
            forced = load_mapping(mapping).as_format()
        except UsageError as exc:
            raise _usage(str(exc)) from None
    elif fmt:
        forced = fmt.value
    opts = Options(year=year, force_year=force_year, sheet=sheet)
    url = resolve_db_url(db)
    if (why := read_only_reason(url)) is not None:  # refuse before anything is read or written
        raise EtlError(f"cannot load into {_safe_url(url)}: the database is read-only ({why}); nothing was changed")
    engine = make_engine(url)
    build = None
    if rebuild:  # built beside the database and swapped in only when every file is loaded (etl/rebuild.py)
        from etl import rebuild as rebuilding

        build = rebuilding.start(url)
        engine = build.engine
        err.print(f"rebuilding {_safe_url(url)} from {RAW_DIR}; the old tables stay until the new ones are complete",
                  highlight=False)
    try:
        if (was := pipeline.upgrade_database(engine)) is not None:
            err.print(f"upgraded {_safe_url(url)} in place from schema version {was} to {schema.SCHEMA_VERSION}",
                      highlight=False)
        if pipeline.ensure_database(engine):  # an old schema raises SchemaVersionError: one message, exit 1
            err.print(f"created database {_safe_url(url)} with the reference tables", highlight=False)
        files, results = _expand(list(paths)) if paths else (pipeline.discover(), [])
        bundled = pipeline.discover() if rebuild and paths else []  # detected as usual, whatever --format or --map say
        if not files and not results:
            _swap_in(build, url)
            err.print("nothing to load: no CSV or XLSX files found")
            raise typer.Exit(0)
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total} files"),
                      TimeElapsedColumn(), console=err, transient=True, disable=not err.is_terminal) as bar:
            task = bar.add_task("loading", total=len(bundled) + len(files))
            jobs = [*((p, None, Options()) for p in bundled), *((p, forced, opts) for p in files)]
            for path, how, options in jobs:
                result = pipeline.load_file(engine, path, how, progress=lambda msg, p=path: bar.update(
                    task, description=f"{p.name}: {msg}"), opts=options)
                results.append(result)
                bar.advance(task)
        _swap_in(build, url)
    finally:
        if build is not None:
            build.discard()  # an unfinished build (an error, Ctrl-C) is thrown away; nothing once swapped
    if as_json:
        sys.stdout.write(json.dumps([r.as_dict() for r in results], indent=2, default=str) + "\n")
    else:
        print_summary(results, out)
    refused = [r for r in results if r.status == "refused"]
    for r in refused:
        err.print(f"[red]usage error:[/] {r.message}", highlight=False)
    raise typer.Exit(2 if refused else 0 if all(r.ok for r in results) else 1)


def _swap_in(build, url: str) -> None:  # noqa: ANN001 - an etl.rebuild.Rebuild, imported only for --rebuild
    if build is not None:
        build.swap()
        err.print(f"dropped every table in {_safe_url(url)}; swapped in the database rebuilt from {RAW_DIR}",
                  highlight=False)


def _usage(message: str) -> Exception:
    """A usage error (exit code 2) of the click that typer runs on (its own bundled copy in newer releases)."""
    try:
        from typer._click.exceptions import UsageError as ClickUsageError
    except ImportError:  # typer releases that use the click package itself
        from click.exceptions import UsageError as ClickUsageError
    return ClickUsageError(message)


@app.command("quarantine")
@guarded
def quarantine_command(
    db: DbOption = None,
    csv: Annotated[Optional[Path], typer.Option("--csv", help="Write every listed row to this CSV file")] = None,
    notes: Annotated[bool, typer.Option("--notes", help="List the cells of loaded rows read as unknown, with why")] = False,
    skipped: Annotated[bool, typer.Option("--skipped", help="List the rows that were not data (blank, headers, totals)")] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Rows to show on screen")] = 50,
) -> None:
    """List or export quarantined rows with their reasons (or, with --notes / --skipped, the notes or skipped rows)."""
    from etl import reports

    if notes and skipped:
        raise _usage("--notes and --skipped list different things; give one of them")
    engine = engine_for(db)
    _require_schema(engine)
    if notes:
        df, what, shown = reports.noted_cells(engine), "noted cell(s)", ("file", "sheet", "row", "column", "value", "note")
    elif skipped:
        df, what, shown = reports.skipped_rows(engine), "skipped row(s)", ("file", "sheet", "row", "reason", "raw")
    else:
        df, what, shown = reports.quarantined_rows(engine), "quarantined row(s)", ("file", "sheet", "row", "reasons", "raw")
    if csv is not None:
        _write_csv(df, csv)
        out.print(f"wrote {len(df):,} {what} to {csv}", highlight=False)
        return
    if df.empty:
        out.print(f"no {what.replace('(s)', 's')}")
        return
    _show_rows(df, shown, f"{what[0].upper()}{what[1:].replace('(s)', 's')} ({len(df):,})", limit,
               f"... {len(df) - limit:,} more; use --csv FILE for all of them")


def _show_rows(df, shown: tuple[str, ...], title: str, limit: int, more: str) -> None:  # noqa: ANN001
    """The first `limit` rows of a frame as a table of the `shown` columns; `more` when there are others."""
    table = Table(title=title)
    for col in shown:
        table.add_column(col, overflow="fold")
    for r in df.head(limit).itertuples(index=False):
        table.add_row(*[_cell(getattr(r, c)) for c in shown])
    out.print(table)
    if len(df) > limit:
        out.print(more)


def _cell(value: object, width: int = 160) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value)[:width]


def _write_csv(df, path: Path) -> None:  # noqa: ANN001
    try:
        df.to_csv(path, index=False)
    except OSError as exc:
        raise EtlError(f"cannot write {path}: {exc.strerror or exc}") from None


@app.command("incidents")
@guarded
def incidents_command(
    db: DbOption = None,
    source: Annotated[Optional[str], typer.Option("--source", help="JSA, JM or a mapped source's name (any case)")] = None,
    region: Annotated[Optional[str], typer.Option("--region", help="State or province code, e.g. TX or ON")] = None,
    year_from: Annotated[Optional[int], typer.Option("--year-from", min=1900, max=2100)] = None,
    year_to: Annotated[Optional[int], typer.Option("--year-to", min=1900, max=2100)] = None,
    category: Annotated[Optional[str], typer.Option("--category", help="robbery, burglary, theft, off_premises or other")] = None,
    csv: Annotated[Optional[Path], typer.Option("--csv", help="Write every matching row to this CSV file")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Rows to show on screen")] = 50,
) -> None:
    """List or export the loaded incident rows, each with the file, sheet and row it came from."""
    from etl import reports, taxonomy
    from etl.regions import region_book

    if category and category not in taxonomy.CATEGORIES:
        raise _usage(f"--category {category!r} is not one of {', '.join(taxonomy.CATEGORIES)}")
    if region and region.upper() not in region_book().names:
        raise _usage(f"--region {region!r} is not a U.S. state or Canadian province code (e.g. TX, ON)")
    if year_from and year_to and year_from > year_to:
        raise _usage(f"--year-from {year_from} is after --year-to {year_to}")
    engine = engine_for(db)
    _require_schema(engine)
    known = reports.sources(engine)
    if source and source.lower() not in {s.lower() for s in known}:
        raise _usage(f"--source {source!r} has no incidents (sources loaded: {', '.join(known) or 'none'})")
    df = reports.incident_rows(engine, source, region, year_from, year_to, category, None if csv else limit + 1)
    if csv is not None:
        _write_csv(df, csv)
        out.print(f"wrote {len(df):,} incident row(s) to {csv}", highlight=False)
        return
    if df.empty:
        out.print("no incidents match")
        return
    _show_rows(df, ("file", "sheet", "row", "source", "occurred_on", "region_code", "city", "category", "subtype",
                    "loss_usd"), "Incidents", limit, "more rows match; use --csv FILE for all of them, or --limit N")


def _require_schema(engine: sa.Engine) -> None:
    from etl import schema

    with engine.connect() as conn:
        if not schema.check_version(conn):
            raise EtlError("the database is empty; run `jewelcrime etl` first")


@app.command("figures")
@guarded
def figures_command(
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as a JSON list")] = False,
) -> None:
    """The headline figures (one per row of claims.csv), computed from the database, with verdicts."""
    from etl.claim_report import print_figures
    from etl.figures import compute_all

    engine = engine_for(db)
    _require_schema(engine)
    figs = compute_all(engine)
    if as_json:
        sys.stdout.write(json.dumps([f.as_dict() for f in figs], indent=2, default=str) + "\n")
        return
    print_figures(out, figs)


@app.command("check")
@guarded
def check_command(
    measure: Annotated[str, typer.Argument(help="incidents, losses or offenses")],
    category: Annotated[Optional[str], typer.Option("--category", help="robbery, burglary, theft, off_premises or "
                                                    "other; several as theft|robbery")] = None,
    subtype: Annotated[Optional[str], typer.Option("--subtype", help="A sub-type, e.g. smash_and_grab")] = None,
    region: Annotated[Optional[list[str]], typer.Option("--region", help="State or province code (repeatable)")] = None,
    country: Annotated[Optional[str], typer.Option("--country", help="US or CA")] = None,
    source: Annotated[Optional[str], typer.Option("--source", help="JSA (default), JM, combined or a mapped "
                                                  "source's name")] = None,
    major_only: Annotated[bool, typer.Option("--major-only", help="Only incidents in major cities")] = False,
    nibrs_class: Annotated[Optional[str], typer.Option("--nibrs-class", help="total, persons, property or society")] = None,
    period: Annotated[Optional[str], typer.Option("--period", help="2022, 2022H1, 2022-01..2022-06 or 2019..2022")] = None,
    compared_with: Annotated[Optional[str], typer.Option("--compared-with", help="The earlier period of a change")] = None,
    share_of: Annotated[Optional[str], typer.Option("--share-of", help="Denominator filters of a share, e.g. "
                                                    "nibrs_class=total, or all")] = None,
    claimed: Annotated[Optional[float], typer.Option("--claimed", help="The number to judge (50 for +50%)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON")] = False,
    db: DbOption = None,
) -> None:
    """Compute a change, share or count for any filters and periods and, with --claimed, judge it; writes nothing."""
    from etl import claims, reports
    from etl.claim_report import OptionError, check_json, print_check, spec_from_options

    filters = {"source": source, "country": country, "regions": region or [], "category": category,
               "subtype": subtype, "major_only": major_only, "nibrs_class": nibrs_class}
    try:
        spec = spec_from_options(measure, filters, period, compared_with, share_of, claimed)
    except OptionError as exc:
        raise _usage(str(exc)) from None
    engine = engine_for(db)
    _require_schema(engine)
    named = {s for f in spec.parts() for s in f.sources()} - {"JSA", "JM"}
    known = reports.sources(engine)
    if named and not named <= set(known):
        raise _usage(f"--source {source!r} has no incidents (sources loaded: {', '.join(known) or 'none'})")
    result = claims.check(engine, spec)
    if as_json:
        sys.stdout.write(json.dumps(check_json(spec, result), indent=2, default=str) + "\n")
        return
    print_check(out, spec, result)


class MeasureName(str, Enum):
    robbery = "robbery"
    burglary = "burglary"
    theft = "theft"
    property = "property"
    violent = "violent"


@app.command("context")
@guarded
def context_command(
    measure: Annotated[MeasureName, typer.Option("--measure", help="The general crime measure")] = MeasureName.robbery,
    year: Annotated[Optional[int], typer.Option("--year", min=1900, max=2100, help="Year (default: the latest with data)")] = None,
    region: Annotated[Optional[str], typer.Option("--region", help="One state or province code, e.g. TX or ON")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the rows as JSON")] = False,
    db: DbOption = None,
) -> None:
    """General crime per state and province (FBI, Statistics Canada): count, population, rate per 100,000."""
    from etl import context
    from etl.regions import region_book

    if region and region.upper() not in region_book().names:
        raise _usage(f"--region {region!r} is not a U.S. state or Canadian province code (e.g. TX, ON)")
    engine = engine_for(db)
    _require_schema(engine)
    df = context.region_rates(engine, measure.value, year)
    if region:
        df = df[df["code"] == region.upper()]
    if as_json:
        records = [{k: (None if isinstance(v, float) and v != v else v) for k, v in r.items()}
                   for r in df.astype(object).where(df.notna(), None).to_dict(orient="records")]
        sys.stdout.write(json.dumps({"measure": measure.value, "year": year if year is not None else (
            int(df["year"].iloc[0]) if len(df) else None), "caveat": context.CAVEAT,
            "coverage_threshold_pct": context.COVERAGE_THRESHOLD_PCT, "regions": records}, indent=2, default=str) + "\n")
        return
    if df.empty:
        out.print(f"no {context.MEASURES[measure.value].lower()} figures loaded"
                  + (f" for {year}" if year else "") + "; load an FBI or Statistics Canada table with `jewelcrime etl`")
        return
    table = Table(title=f"{context.MEASURES[measure.value]}, {int(df['year'].iloc[0])}, per 100,000 residents")
    for col in ("rank", "region", "count", "population", "rate", "source", "NIBRS coverage", "comparable"):
        table.add_column(col, justify="right" if col in ("rank", "count", "population", "rate") else "left")
    for r in df.itertuples(index=False):
        cover = "" if r.coverage_pct != r.coverage_pct or r.coverage_pct is None else (
            f"{r.coverage_pct:.0f}%" + (" (low)" if r.low_coverage else ""))
        table.add_row(_cell(r.rank), f"{r.name} ({r.code})", "" if r.count != r.count else f"{r.count:,.0f}",
                      "" if r.population != r.population else f"{r.population:,.0f}",
                      "" if r.rate != r.rate else f"{r.rate:,.1f}", context.describe(r._asdict()), cover,
                      "yes" if r.comparable else "not across the border")
    out.print(table)
    out.print(context.CAVEAT, highlight=False)


@app.command("sample")
@guarded
def sample_command(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the sample files")] = RAW_DIR,
    seed: Annotated[int, typer.Option("--seed", help="Random seed; the same seed gives the same files")] = 2022,
    scale: Annotated[float, typer.Option("--scale", min=0.01, max=1000.0, help="Multiply the calibrated row counts")] = 1.0,
) -> None:
    """Regenerate the synthetic sample files deterministically."""
    from etl import sample

    written = sample.generate(out_dir, seed=seed, scale=scale)
    for path, rows in written.items():
        out.print(f"wrote {path} ({rows:,} rows)", highlight=False)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
