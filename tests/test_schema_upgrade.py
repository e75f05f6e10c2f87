"""Databases of schema versions 12 and 13 are upgraded in place by the next `jewelcrime etl`, in one transaction;
older ones still need --rebuild."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from etl import pipeline, schema, schema_upgrade
from etl.config import make_engine
from tests.conftest import FIXTURES

JSA = FIXTURES / "figures" / "jsa_known.csv"
FBI = FIXTURES.parent.parent / "data" / "raw" / "fbi" / "estimated_crimes_1979_2024.csv"
RY = schema.rollup_region_year


def _rows(engine: sa.Engine) -> list[tuple]:
    with engine.connect() as conn:
        return sorted(tuple(r) for r in conn.execute(sa.select(RY)))


def _indexes(engine: sa.Engine, table: str) -> dict[str, list[str]]:
    with engine.connect() as conn:
        return {ix["name"]: ix["column_names"] for ix in sa.inspect(conn).get_indexes(table)}


def _version(engine: sa.Engine) -> int | None:
    with engine.connect() as conn:
        return schema.stored_version(conn)


def _as_version(engine: sa.Engine, version: int) -> None:
    """Take a current database back to what version 13 (or 12) of the schema had."""
    with engine.begin() as conn:
        conn.execute(sa.text("DROP INDEX ix_rollup_context_place"))
        conn.execute(sa.text("DROP INDEX ix_rollup_region_year_place"))
        if version == 13:  # its index by place was the narrow one
            conn.execute(sa.text("CREATE INDEX ix_rollup_region_year_place ON rollup_region_year (region_code, source)"))
        else:  # no rollup by year, no index by place on the regional rollups
            conn.execute(sa.text("DROP TABLE rollup_region_year"))
            conn.execute(sa.text("DROP INDEX ix_rollup_region_place"))
            conn.execute(sa.text("DROP INDEX ix_rollup_month_place"))
        conn.execute(sa.text("UPDATE meta SET value = :v WHERE key = 'schema_version'"), {"v": str(version)})


def _loaded(cli, url: str) -> sa.Engine:  # noqa: ANN001
    result = cli("etl", JSA, FBI, "--db", url)
    assert result.exit_code == 0, result.output
    return make_engine(url)


@pytest.mark.parametrize("version", [12, 13])
def test_an_older_schema_is_refused_for_reading_and_upgraded_by_the_next_load(cli, db_url, version):
    engine = _loaded(cli, db_url)
    rows, wanted = _rows(engine), _indexes(engine, RY.name)
    assert rows and "ix_rollup_region_year_place" in wanted
    _as_version(engine, version)
    refused = cli("figures", "--db", db_url)
    assert refused.exit_code == 1
    assert f"schema version {version}, this jewelcrime needs version {schema.SCHEMA_VERSION}" in refused.output
    assert "upgrade it in place" in refused.output
    assert _version(engine) == version  # reading never writes

    result = cli("etl", JSA, "--db", db_url)  # a file loaded already: the upgrade is all that changes
    assert result.exit_code == 0, result.output
    assert f"in place from schema version {version} to {schema.SCHEMA_VERSION}" in result.output
    assert _version(engine) == schema.SCHEMA_VERSION
    assert _rows(engine) == rows  # 12: summed again from rollup_region, group for group
    assert _indexes(engine, RY.name) == wanted  # 13: the narrow index widened to the covering one
    assert "ix_rollup_context_place" in _indexes(engine, "rollup_context")
    assert {"ix_rollup_region_place"} <= set(_indexes(engine, "rollup_region"))
    assert cli("figures", "--db", db_url).exit_code == 0
    again = cli("etl", JSA, "--db", db_url)  # nothing more to do
    assert again.exit_code == 0 and "upgraded" not in again.output


def test_an_upgrade_that_fails_leaves_the_database_at_its_old_version(cli, db_url):
    engine = _loaded(cli, db_url)
    _as_version(engine, 12)
    with engine.begin() as conn:  # in the way of the step that makes rollup_region_year
        conn.execute(sa.text("CREATE TABLE rollup_region_year (x INTEGER)"))
    with pytest.raises(sa.exc.DatabaseError):
        pipeline.upgrade_database(engine)
    assert _version(engine) == 12
    assert "ix_rollup_region_place" not in _indexes(engine, "rollup_region")  # made before the failure, rolled back
    assert "ix_rollup_context_place" not in _indexes(engine, "rollup_context")


def test_versions_without_an_upgrade_still_need_a_rebuild(cli, db_url):
    engine = _loaded(cli, db_url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE meta SET value = '11' WHERE key = 'schema_version'"))
    assert not schema_upgrade.can_upgrade(11) and schema_upgrade.can_upgrade(12)
    result = cli("etl", JSA, "--db", db_url)
    assert result.exit_code == 1 and "run `jewelcrime etl --rebuild`" in result.output
    assert "upgrade it in place" not in result.output and _version(engine) == 11


def test_postgresql_is_upgraded_in_place_from_version_12(cli, pg_url):
    engine = _loaded(cli, pg_url)
    rows, wanted = _rows(engine), _indexes(engine, RY.name)
    _as_version(engine, 12)
    assert pipeline.upgrade_database(engine) == 12
    assert _version(engine) == schema.SCHEMA_VERSION
    assert _rows(engine) == rows and _indexes(engine, RY.name) == wanted
