"""`jewelcrime`: the ETL commands plus `serve` (and later `export`).

Lives in the dashboard package because the ETL never imports the dashboard.
"""
from __future__ import annotations

from typing import Annotated, Optional

import typer

from etl.cli import DbOption, app, err, guarded
from etl.config import make_engine, resolve_db_url


@app.command("serve")
@guarded
def serve_command(
    host: Annotated[str, typer.Option("--host", help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port")] = 8050,
    db: DbOption = None,
    debug: Annotated[bool, typer.Option("--debug", help="Dash debug mode (development only)")] = False,
    threads: Annotated[int, typer.Option("--threads", min=1, max=64, help="Worker threads")] = 8,
) -> None:
    """Serve the dashboard; builds the database from data/raw/ first if it is missing."""
    from etl import pipeline

    url = resolve_db_url(db)
    engine = make_engine(url)
    if pipeline.ensure_database(engine):
        err.print("the database was empty: loading data/raw/ first", highlight=False)
        results = pipeline.load_paths(engine, pipeline.discover())
        bad = [r for r in results if not r.ok]
        for r in bad:
            err.print(f"[red]rejected[/] {r.path.name}: {r.message}", highlight=False)
    from dashboard.app import create_app

    dash_app = create_app(url)
    err.print(f"dashboard on http://{host}:{port}/ (database {make_engine(url).url.render_as_string(hide_password=True)})",
              highlight=False)
    if debug:
        dash_app.run(host=host, port=port, debug=True)
        return
    from waitress import serve

    serve(dash_app.server, host=host, port=port, threads=threads, ident="jewelcrime")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
