"""`jewelcrime`: the ETL commands plus `serve` (and later `export`).

Lives in the dashboard package because the ETL never imports the dashboard.
"""
from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from etl.cli import DbOption, app, err, guarded
from etl.errors import EtlError
from etl.config import make_engine, resolve_db_url


@app.command("serve")
@guarded
def serve_command(
    host: Annotated[str, typer.Option("--host", help="Interface to listen on (anything but loopback: see "
                                      "docs/serving.md, the dashboard has no login)")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port")] = 8050,
    db: DbOption = None,
    debug: Annotated[bool, typer.Option("--debug", help="Dash debug mode, one process (development only; "
                                        "loopback --host only)")] = False,
    workers: Annotated[int, typer.Option("--workers", min=1, max=64, help="Worker processes (about 170 MB each "
                                         "at start; 2 suits a 2-core server, see docs/serving.md)")] = 2,
    threads: Annotated[int, typer.Option("--threads", min=1, max=64, help="Threads per worker process")] = 8,
) -> None:
    """Serve the dashboard (gunicorn, --workers processes of --threads threads); builds the database from
    data/raw/ first if it is empty, or serves a read-only SQLite file as it is."""
    from dashboard import serving
    from etl import pipeline, schema
    from etl.config import read_only_reason

    if debug and not serving.is_loopback(host):  # the debugger runs any code a visitor types
        err.print(f"[red]usage error:[/] --debug serves tracebacks and the Werkzeug console; it is refused with "
                  f"--host {host}: use --host 127.0.0.1", highlight=False)
        raise typer.Exit(2)
    url = resolve_db_url(db)
    engine = make_engine(url)
    shown = engine.url.render_as_string(hide_password=True)
    why = read_only_reason(url)
    if why is not None:  # nothing may be written: no tables, no load
        err.print(f"serving the database read-only ({why}): no tables are created and nothing is loaded",
                  highlight=False)
        with engine.connect() as conn:
            if not schema.check_version(conn):
                raise EtlError(f"the read-only database {shown} holds no data: load it with `jewelcrime etl` "
                               "where it can be written")
    elif (was := pipeline.upgrade_database(engine)) is not None:  # here, once, before any worker starts
        err.print(f"upgraded the database in place from schema version {was} to {schema.SCHEMA_VERSION}",
                  highlight=False)
    if why is None and pipeline.ensure_database(engine):
        err.print("the database was empty: loading data/raw/ first", highlight=False)
        results = pipeline.load_paths(engine, pipeline.discover())
        for r in results:
            if not r.ok:
                err.print(f"[red]rejected[/] {r.path.name}: {r.message}", highlight=False)
    if not serving.is_loopback(host):
        err.print(f"[yellow]warning:[/] --host {host} makes the dashboard reachable from other machines and it has "
                  "no login: put a proxy with authentication in front (docs/serving.md)", highlight=False)
    where = f"http://{serving.bind_address(host, port)}/"
    if debug:
        from dashboard import security
        from dashboard.app import create_app

        security.hide_server_software()
        err.print(f"dashboard on {where} (debug, one process; database {shown})", highlight=False)
        create_app(url).run(host=host, port=port, debug=True)
        return
    engine.dispose()  # no connection of this process may be inherited by the workers
    make_engine.cache_clear()
    err.print(f"dashboard on {where} ({workers} worker processes x {threads} threads; database {shown})",
              highlight=False)
    serving.run(url, host, port, workers, threads)


from dashboard.graphics import presets  # noqa: E402 - the one table of sizes and formats

Size = Enum("Size", {name: name for name in presets.names()}, type=str)  # one choice per row of the table
ImageFormat = Enum("ImageFormat", {name: name for name in presets.FORMATS}, type=str)


class Kind(str, Enum):
    social = "social"
    badge = "badge"
    signage = "signage"


@app.command("export")
@guarded
def export_command(
    figure: Annotated[Optional[str], typer.Option("--figure", help="Headline figure id (see `jewelcrime figures`)")] = None,
    chart: Annotated[Optional[str], typer.Option("--chart", help="A dashboard chart id, e.g. map or trends-yearly")] = None,
    query: Annotated[str, typer.Option("--query", help="Chart filters as a URL query, e.g. 'year_from=2022&source=JSA'")] = "",
    kit: Annotated[bool, typer.Option("--kit", help="The whole campaign kit for every headline figure, as a ZIP")] = False,
    size: Annotated[Size, typer.Option("--size", help="Size preset (see docs/graphics.md)")] = "square",
    fmt: Annotated[ImageFormat, typer.Option("--format", help="png, svg, pdf, or html (the laid-out page itself)")] = "png",
    headline: Annotated[Optional[str], typer.Option("--headline", help="Your own wording for the title (the number, "
                                                    "source and dates stay as computed)")] = None,
    kind: Annotated[Kind, typer.Option("--kind", help="For --figure: social graphic, stat card or store signage")] = Kind.social,
    out: Annotated[Path, typer.Option("--out", help="Folder for the files (with --kit: the ZIP file to write)")] = Path("exports"),
    db: DbOption = None,
) -> None:
    """Campaign-ready images from live data (PNG, SVG, PDF or HTML), with alt text saved beside each file."""
    from dashboard.graphics import browser

    browser.shared().warm()  # Chromium starts while the rest is imported and the figures are computed
    from dashboard import exporter
    from dashboard.graphics.browser import RenderError
    from dashboard.graphics.document import LayoutError
    from dashboard.graphics.settings import SettingsError

    size, fmt = Size(size), ImageFormat(fmt)  # typer passes the default as given
    try:
        headline = exporter.check_headline(headline)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--headline") from None

    chosen = [x for x in (figure, chart, kit or None) if x]
    if len(chosen) != 1:
        raise typer.BadParameter("give exactly one of --figure ID, --chart ID or --kit")
    url = resolve_db_url(db)
    engine = make_engine(url)
    from etl import schema

    with engine.connect() as conn:
        if not schema.check_version(conn):
            raise EtlError("the database is empty; run `jewelcrime etl` first")
    try:
        if kit:
            data = exporter.kit(engine, headline=headline)
            target = out if out.suffix.lower() == ".zip" else out / "jewelcrime_campaign_kit.zip"
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
            except OSError as exc:
                raise EtlError(f"cannot write {target}: {exc.strerror or exc}") from None
            typer.echo(str(target))
            return
        if figure:
            made = exporter.export_figure(engine, figure, size.value, fmt.value, kind.value, headline=headline)
        else:
            made = exporter.export_chart(engine, chart, query, size.value, fmt.value, headline=headline)
        try:
            paths = exporter.write(made, out)
        except OSError as exc:
            raise EtlError(str(exc)) from None
    except KeyError as exc:
        raise EtlError(str(exc.args[0])) from None
    except (LayoutError, RenderError, SettingsError) as exc:
        raise EtlError(str(exc)) from None
    for path in paths:
        typer.echo(str(path))


def main() -> None:
    app()


if __name__ == "__main__":
    main()
