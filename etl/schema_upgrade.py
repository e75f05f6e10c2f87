"""Upgrades in place from the schema versions whose change the stored rows already determine: a new rollup that
sums an existing one, a new or wider index. A database of such a version is brought to the current schema by
the next command that may write it (`jewelcrime etl`, `jewelcrime serve`), inside that command's transaction,
so a failure or a kill leaves it at its old version. Older versions still need `jewelcrime etl --rebuild`.

One function per version step, in UPGRADES; each takes the database from its key's version to the next."""
from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from etl import schema


def _index(table: sa.Table, name: str) -> sa.Index:
    return next(ix for ix in table.indexes if ix.name == name)


def _add_rollup_region_year(conn: sa.Connection) -> None:
    """12 -> 13: rollup_region_year, rollup_region's groups summed over the half and the major-city flag (as
    etl.rollups.compute makes it), and the index by state or province on the three regional rollups. The
    regional index of version 13 is the narrow one; 14 widens it."""
    region, by_year = schema.rollup_region, schema.rollup_region_year
    for ix in (_index(region, "ix_rollup_region_place"), _index(schema.rollup_month, "ix_rollup_month_place")):
        ix.create(conn, checkfirst=True)
    by_year.create(conn)  # with its unique key and the covering index of version 14
    keys = schema.ROLLUP_KEYS[by_year.name]
    measures = [c.name for c in by_year.c if c.name not in keys]
    summed = sa.select(*[region.c[k] for k in keys], *[sa.func.sum(region.c[m]) for m in measures]).group_by(
        *[region.c[k] for k in keys])
    conn.execute(by_year.insert().from_select([*keys, *measures], summed))


def _cover_regional_reads(conn: sa.Connection) -> None:
    """13 -> 14: the index by state or province on rollup_region_year also covers the map's counts by region and
    year (read in its order: no sort and no table lookups), and one on rollup_context finds a place's rates."""
    covering = _index(schema.rollup_region_year, "ix_rollup_region_year_place")
    found = {ix["name"]: ix["column_names"] for ix in sa.inspect(conn).get_indexes(schema.rollup_region_year.name)}
    if covering.name in found and found[covering.name] != [c.name for c in covering.columns]:
        covering.drop(conn)  # version 13's narrow index of the same name
    covering.create(conn, checkfirst=True)
    _index(schema.rollup_context, "ix_rollup_context_place").create(conn, checkfirst=True)


UPGRADES: dict[int, Callable[[sa.Connection], None]] = {12: _add_rollup_region_year, 13: _cover_regional_reads}


def can_upgrade(version: int) -> bool:
    """True when every step from `version` to the current one is here."""
    return all(v in UPGRADES for v in range(version, schema.SCHEMA_VERSION))


def upgrade(conn: sa.Connection) -> int | None:
    """Bring an upgradable database to the current version, in the caller's transaction; the version it had,
    or None when there was nothing to do (a current, empty or not upgradable database: check_version says
    what is wrong with the last)."""
    found = schema.stored_version(conn)
    if found is None or found >= schema.SCHEMA_VERSION or not can_upgrade(found):
        return None
    for version in range(found, schema.SCHEMA_VERSION):
        UPGRADES[version](conn)
    conn.execute(schema.meta.update().where(schema.meta.c.key == "schema_version").values(
        value=str(schema.SCHEMA_VERSION)))
    return found
