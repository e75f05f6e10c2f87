"""A JSA incident and a JM claim for the same event are linked and counted once."""
from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from tests.conftest import FIXTURES

JSA = FIXTURES / "figures" / "jsa_known.csv"
JM = FIXTURES / "linking" / "jm_known.csv"


def links(engine) -> dict[str, str]:
    q = """SELECT c.source_record_id AS claim, j.source_record_id AS incident
           FROM incident c JOIN incident j ON j.incident_id = c.linked_incident_id
           WHERE c.source = 'JM'"""
    with engine.connect() as conn:
        return dict(conn.execute(sa.text(q)).all())


def combined_2022(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT SUM(n_combined) FROM rollup_region WHERE year = 2022")).scalar_one()


def test_same_event_is_linked_once(cli, db_url, engine):
    result = cli("etl", JSA, JM, "--db", db_url)
    assert result.exit_code == 0, result.output
    # C-1 and C-6 both fit K-15; C-1 wins on sub-type. C-2 is a day later (allowed); C-3 two days (not);
    # C-4 names another city; C-5 is an off-premises crime like K-19; C-7 is not a crime JSA counts.
    assert links(engine) == {"C-1": "K-15", "C-2": "K-14", "C-5": "K-19"}
    assert "linked to a JSA incident" in result.output and ": 3" in result.output
    # 2022: 7 JSA rows (6 U.S. + Toronto) + 7 claims - 3 linked = 11 events
    assert combined_2022(engine) == 11
    with engine.connect() as conn:
        jm = pd.read_sql_query("SELECT SUM(n) AS n, SUM(n_combined) AS c FROM rollup_region WHERE source = 'JM'", conn)
    assert (int(jm.n[0]), int(jm.c[0])) == (7, 4)


def test_links_do_not_depend_on_load_order(cli, db_url, engine):
    assert cli("etl", JM, "--db", db_url).exit_code == 0
    assert links(engine) == {}
    assert cli("etl", JSA, "--db", db_url).exit_code == 0
    assert links(engine) == {"C-1": "K-15", "C-2": "K-14", "C-5": "K-19"}
    assert combined_2022(engine) == 11


def test_replacing_the_jsa_file_relinks(cli, db_url, engine, tmp_path):
    assert cli("etl", JSA, JM, "--db", db_url).exit_code == 0
    changed = tmp_path / JSA.name
    changed.write_text("\n".join(line for line in JSA.read_text().splitlines() if ",K-15" not in line) + "\n")
    result = cli("etl", changed, "--db", db_url)
    assert result.exit_code == 0 and "replaced" in result.output
    # without K-15 the smash-and-grab claim C-6 or robbery claim C-1 has nothing to link to
    assert links(engine) == {"C-2": "K-14", "C-5": "K-19"}
    assert combined_2022(engine) == 11  # 6 JSA + 7 claims - 2 linked
