"""The load summary `jewelcrime etl` prints: a table of every file's row accounting, then what happened to
the rows that did not simply load."""
from __future__ import annotations

from rich.console import Console
from rich.table import Table


def print_summary(results: list, out: Console) -> None:
    table = Table(title="Load summary", show_lines=False)
    for col, justify in (("file", "left"), ("format", "left"), ("status", "left"), ("rows in", "right"),
                         ("loaded", "right"), ("duplicates", "right"), ("quarantined", "right"), ("skipped", "right"),
                         ("filtered out", "right")):
        table.add_column(col, justify=justify)
    for r in results:
        colour = {"rejected": "red", "failed": "red", "refused": "red", "unchanged": "dim"}.get(r.status, "green")
        table.add_row(r.path.name, r.format or "?", f"[{colour}]{r.status}[/]", f"{r.rows_in:,}", f"{r.loaded:,}",
                      f"{r.duplicates:,}", f"{r.quarantined:,}", f"{r.skipped:,}", f"{r.filtered:,}")
    out.print(table)
    for r in results:
        _print_details(r, out)
    linked = [r.linked for r in results if r.linked is not None]
    if linked:
        out.print(f"JM claims linked to a JSA incident (counted once in combined figures): {linked[-1]:,}")
    ok = [r for r in results if r.ok]
    fresh = [r for r in results if r.status != "unchanged"]
    out.print(f"{len(ok)} of {len(results)} file(s) loaded or unchanged; "
              f"{sum(r.loaded for r in results):,} rows loaded, {sum(r.duplicates for r in fresh):,} "
              f"duplicates skipped, {sum(r.quarantined for r in fresh):,} quarantined, "
              f"{sum(r.skipped for r in fresh):,} skipped, {sum(r.filtered for r in fresh):,} filtered out")


def _print_details(r, out: Console) -> None:  # noqa: ANN001 - a pipeline.FileResult
    name = r.path.name
    if r.status in ("rejected", "failed"):
        out.print(f"[red]{r.status}[/] {r.path}: {r.message}", highlight=False)
    elif r.status == "unchanged":
        out.print(f"[dim]{name}: {r.message}[/]", highlight=False)
    if not r.ok or r.status == "unchanged":
        return
    if r.source:
        out.print(f"{name}: read as {r.format} (source: {r.source})", highlight=False)
    for part in r.sheets:
        out.print(f"{name}, sheet '{part['sheet']}': {part['rows_in']:,} rows in, {part['loaded']:,} loaded, "
                  f"{part['duplicates']:,} duplicates, {part['quarantined']:,} quarantined, {part['skipped']:,} "
                  f"skipped, {part['filtered']:,} filtered out", highlight=False)
    for w in r.warnings:
        out.print(f"[yellow]note[/] {name}: {w}", highlight=False)
    for sheet, row, why in r.skipped_rows[:20]:
        out.print(f"skipped {name}{f', sheet {sheet!r}' if sheet else ''}, row {row}: {why}", highlight=False)
    if len(r.skipped_rows) > 20:
        out.print(f"... {len(r.skipped_rows) - 20:,} more skipped rows; see `jewelcrime quarantine --skipped`")
    for why, n in r.filtered_detail.items():
        out.print(f"filtered out {name}: {n:,} row(s): {why}", highlight=False)
    if r.quarantined:
        out.print(f"[yellow]{name}: {r.quarantined:,} row(s) quarantined; see `jewelcrime quarantine`[/]", highlight=False)
    if r.notes:
        out.print(f"[yellow]{name}: {r.notes:,} cell(s) not read exactly as written (loaded as unknown, or as the "
                  "number they hold); see `jewelcrime quarantine --notes`[/]", highlight=False)
