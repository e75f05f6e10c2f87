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

from etl.config import RAW_DIR, make_engine, resolve_db_url
from etl.errors import EtlError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Jewelry-industry crime statistics: load data, check figures, serve the dashboard.")
# a pipe or a test runner gets wide tables (80 columns would cut file names)
out = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, soft_wrap=True, width=None if sys.stderr.isatty() else 160)

DbOption = Annotated[Optional[str], typer.Option("--db", help="Database URL (default: $DATABASE_URL or the bundled SQLite file)")]


class FormatName(str, Enum):
    jsa = "jsa"
    jm = "jm"
    nibrs = "nibrs"
    reference = "reference"


def _safe_url(url: str) -> str:
    return sa.engine.make_url(url).render_as_string(hide_password=True)


def guarded(fn: Callable[..., None]) -> Callable[..., None]:
    """Turn every failure into one message and exit code 1; tracebacks only with JEWELCRIME_DEBUG=1."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):  # noqa: ANN202
        try:
            return fn(*args, **kwargs)
        except typer.Exit:
            raise
        except EtlError as exc:
            err.print(f"[red]error:[/] {exc}", highlight=False)
            raise typer.Exit(1) from None
        except sa.exc.OperationalError as exc:
            err.print(f"[red]error:[/] cannot use the database: {exc.orig}", highlight=False)
            raise typer.Exit(1) from None
        except Exception as exc:  # noqa: BLE001 - the promise is: no traceback, ever
            if os.environ.get("JEWELCRIME_DEBUG") or _is_usage_error(exc):
                raise
            err.print(f"[red]internal error:[/] {type(exc).__name__}: {exc} (set JEWELCRIME_DEBUG=1 for details)",
                      highlight=False)
            raise typer.Exit(1) from None

    return wrapper


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
    year: Annotated[Optional[int], typer.Option("--year", min=1980, max=2100, help="Year of an FBI NIBRS table")] = None,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Drop the database and rebuild it from data/raw/")] = False,
) -> None:
    """Load incident, claim, NIBRS and reference files into the database."""
    from etl import pipeline

    url = resolve_db_url(db)
    engine = make_engine(url)
    if rebuild:
        pipeline.rebuild(engine)
        err.print(f"dropped every table in {_safe_url(url)}; rebuilding from {RAW_DIR}", highlight=False)
    if pipeline.ensure_database(engine):  # an old schema raises SchemaVersionError: one message, exit 1
        err.print(f"created database {_safe_url(url)} with the reference tables", highlight=False)
    files, results = _expand(list(paths)) if paths else (pipeline.discover(), [])
    if rebuild and paths:
        files = pipeline.discover() + files
    if not files and not results:
        err.print("nothing to load: no CSV or XLSX files found")
        raise typer.Exit(0)
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total} files"),
                  TimeElapsedColumn(), console=err, transient=True, disable=not err.is_terminal) as bar:
        task = bar.add_task("loading", total=len(files))
        for path in files:
            result = pipeline.load_file(engine, path, fmt.value if fmt else None, year,
                                        lambda msg, p=path: bar.update(task, description=f"{p.name}: {msg}"))
            results.append(result)
            bar.advance(task)
    print_summary(results)
    raise typer.Exit(0 if all(r.ok for r in results) else 1)


def print_summary(results: list) -> None:
    table = Table(title="Load summary", show_lines=False)
    for col, justify in (("file", "left"), ("format", "left"), ("status", "left"), ("rows in", "right"),
                         ("loaded", "right"), ("duplicates", "right"), ("quarantined", "right")):
        table.add_column(col, justify=justify)
    for r in results:
        colour = {"rejected": "red", "failed": "red", "unchanged": "dim"}.get(r.status, "green")
        table.add_row(r.path.name, r.format or "?", f"[{colour}]{r.status}[/]", f"{r.rows_in:,}", f"{r.loaded:,}",
                      f"{r.duplicates:,}", f"{r.quarantined:,}")
    out.print(table)
    for r in results:
        if r.status in ("rejected", "failed"):
            out.print(f"[red]{r.status}[/] {r.path}: {r.message}", highlight=False)
        elif r.status == "unchanged":
            out.print(f"[dim]{r.path.name}: {r.message}[/]", highlight=False)
        for w in r.warnings:
            out.print(f"[yellow]note[/] {r.path.name}: {w}", highlight=False)
        if r.quarantined and r.status != "unchanged":
            out.print(f"[yellow]{r.path.name}: {r.quarantined:,} row(s) quarantined; see `jewelcrime quarantine`[/]",
                      highlight=False)
    linked = [r.linked for r in results if r.linked is not None]
    if linked:
        out.print(f"JM claims linked to a JSA incident (counted once in combined figures): {linked[-1]:,}")
    ok = [r for r in results if r.ok]
    out.print(f"{len(ok)} of {len(results)} file(s) loaded or unchanged; "
              f"{sum(r.loaded for r in results):,} rows loaded, {sum(r.duplicates for r in results if r.status != 'unchanged'):,} "
              f"duplicates skipped, {sum(r.quarantined for r in results if r.status != 'unchanged'):,} quarantined")


@app.command("quarantine")
@guarded
def quarantine_command(
    db: DbOption = None,
    csv: Annotated[Optional[Path], typer.Option("--csv", help="Write every quarantined row to this CSV file")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Rows to show on screen")] = 50,
) -> None:
    """List or export quarantined rows with their reasons."""
    from etl.reports import quarantined_rows

    engine = engine_for(db)
    _require_schema(engine)
    df = quarantined_rows(engine)
    if csv is not None:
        try:
            df.to_csv(csv, index=False)
        except OSError as exc:
            raise EtlError(f"cannot write {csv}: {exc.strerror or exc}") from None
        out.print(f"wrote {len(df):,} quarantined row(s) to {csv}", highlight=False)
        return
    if df.empty:
        out.print("no quarantined rows")
        return
    table = Table(title=f"Quarantined rows ({len(df):,})")
    for col in ("file", "row", "reasons", "raw"):
        table.add_column(col, overflow="fold")
    for r in df.head(limit).itertuples(index=False):
        table.add_row(r.file, str(r.row), r.reasons, r.raw[:160])
    out.print(table)
    if len(df) > limit:
        out.print(f"... {len(df) - limit:,} more; use --csv FILE for all of them")


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
    """The campaign's headline figures, computed from the database, with verdicts."""
    from etl.figures import compute_all

    engine = engine_for(db)
    _require_schema(engine)
    figs = compute_all(engine)
    if as_json:
        sys.stdout.write(json.dumps([f.as_dict() for f in figs], indent=2, default=str) + "\n")
        return
    table = Table(title="Headline figures")
    for col in ("id", "value", "published", "verdict", "inputs", "sample data"):
        table.add_column(col, overflow="fold")
    for f in figs:
        value = "no data" if f.value is None else f"{f.value:+.1f}%" if f.id != "property_share_2020" else f"{f.value:.1f}%"
        pub = "" if f.published_value is None else f"{f.published_value:g}%"
        colour = {"supported": "green", "not supported": "red"}.get(f.verdict, "yellow")
        table.add_row(f.id, value, pub, f"[{colour}]{f.verdict}[/]",
                      ", ".join(f"{k}={v:,}" if isinstance(v, int) else f"{k}={v}" for k, v in f.inputs.items()),
                      "yes" if f.sample_data else "no")
    out.print(table)
    for f in figs:
        out.print(f"[bold]{f.id}[/]: {f.formula}. {f.verdict_reason}.", highlight=False)


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
