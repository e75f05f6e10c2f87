"""Database tables (SQLAlchemy Core), the schema version, and opening a database.

The same definitions serve SQLite and PostgreSQL.
"""
from __future__ import annotations

import sqlalchemy as sa

from etl.errors import SchemaVersionError

SCHEMA_VERSION = 14
SOURCE_LENGTH = 80  # a mapped source's own name, e.g. 'Chicago Police open data'
metadata = sa.MetaData()

meta = sa.Table(
    "meta", metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

load_batch = sa.Table(
    "load_batch", metadata,
    sa.Column("batch_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("file_name", sa.Text, nullable=False),
    sa.Column("file_path", sa.Text, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("format", sa.String(64), nullable=False),
    sa.Column("format_version", sa.String(64)),  # a column mapping's digest: an edited mapping reloads the file
    sa.Column("source", sa.String(SOURCE_LENGTH)),
    sa.Column("encoding", sa.String(16)),
    sa.Column("sheets", sa.Text),  # JSON list of the workbook sheets read, with their counts
    sa.Column("data_year", sa.Integer),
    sa.Column("release", sa.String(32)),  # a table's release (vintage): older releases stay, the newest is shown
    sa.Column("rows_in", sa.Integer, nullable=False, default=0),
    sa.Column("loaded", sa.Integer, nullable=False, default=0),
    sa.Column("duplicates", sa.Integer, nullable=False, default=0),
    sa.Column("quarantined", sa.Integer, nullable=False, default=0),
    sa.Column("skipped", sa.Integer, nullable=False, default=0),  # blank rows, repeated headers, totals rows
    sa.Column("filtered", sa.Integer, nullable=False, default=0),  # left out by a mapping's filter
    sa.Column("notes", sa.Integer, nullable=False, default=0),  # cells read as unknown, with a note
    sa.Column("not_used", sa.Text),  # JSON list of the headers of columns the format does not use
    sa.Column("is_sample", sa.Boolean, nullable=False, default=False),
    sa.Column("started_at", sa.DateTime, nullable=False),
    sa.Column("finished_at", sa.DateTime),
    sa.Column("status", sa.String(16), nullable=False),  # loaded | replaced
    sa.Column("message", sa.Text),
    sa.Column("is_current", sa.Boolean, nullable=False, default=True),
)
sa.Index("ix_batch_file", load_batch.c.file_name, load_batch.c.format, load_batch.c.is_current)

quarantine = sa.Table(
    "quarantine", metadata,
    sa.Column("quarantine_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("batch_id", sa.Integer, sa.ForeignKey("load_batch.batch_id"), nullable=False, index=True),
    sa.Column("sheet", sa.Text),
    sa.Column("row_number", sa.Integer, nullable=False),
    sa.Column("raw", sa.Text, nullable=False),
    sa.Column("reasons", sa.Text, nullable=False),  # JSON list of strings
)
# Rows that are not data (blank rows, a repeated header, a totals row), each with its reason.
skipped_row = sa.Table(
    "skipped_row", metadata,
    sa.Column("skipped_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("batch_id", sa.Integer, sa.ForeignKey("load_batch.batch_id"), nullable=False, index=True),
    sa.Column("sheet", sa.Text),
    sa.Column("row_number", sa.Integer, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("raw", sa.Text, nullable=False),
)
# A cell of a loaded row whose value could not be read as written: stored as unknown (or as the number it
# began with), and this note says so.
load_note = sa.Table(
    "load_note", metadata,
    sa.Column("note_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("batch_id", sa.Integer, sa.ForeignKey("load_batch.batch_id"), nullable=False, index=True),
    sa.Column("sheet", sa.Text),
    sa.Column("row_number", sa.Integer, nullable=False),
    sa.Column("column", sa.Text, nullable=False),
    sa.Column("value", sa.Text),
    sa.Column("note", sa.Text, nullable=False),
)

incident = sa.Table(
    "incident", metadata,
    sa.Column("incident_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("batch_id", sa.Integer, sa.ForeignKey("load_batch.batch_id"), nullable=False),
    sa.Column("source", sa.String(SOURCE_LENGTH), nullable=False),
    sa.Column("source_record_id", sa.Text),
    sa.Column("sheet", sa.Text),
    sa.Column("row_number", sa.Integer, nullable=False),
    sa.Column("row_hash", sa.BigInteger, nullable=False),
    sa.Column("occurred_on", sa.Date, nullable=False),
    sa.Column("day_number", sa.Integer, nullable=False),  # days since 1970-01-01: date arithmetic in any database
    sa.Column("year", sa.SmallInteger, nullable=False),
    sa.Column("half", sa.SmallInteger, nullable=False),
    sa.Column("month", sa.SmallInteger, nullable=False),
    sa.Column("hour", sa.SmallInteger),
    sa.Column("time_of_day", sa.String(12)),
    sa.Column("region_code", sa.String(2), nullable=False),
    sa.Column("country", sa.String(2), nullable=False),
    sa.Column("city", sa.Text),
    sa.Column("city_key", sa.Text),
    sa.Column("is_major_city", sa.Boolean, nullable=False),
    sa.Column("category", sa.String(16), nullable=False),
    sa.Column("subtype", sa.String(32)),
    sa.Column("crimes_against", sa.String(10)),
    sa.Column("loss_usd", sa.Float),
    sa.Column("paid_usd", sa.Float),
    sa.Column("reserve_usd", sa.Float),
    sa.Column("reported_on", sa.Date),
    sa.Column("claim_status", sa.String(12)),
    sa.Column("injured", sa.Integer),
    sa.Column("killed", sa.Integer),
    sa.Column("weapon_shown", sa.Boolean),
    sa.Column("location_type", sa.String(16)),
    sa.Column("latitude", sa.Float),
    sa.Column("longitude", sa.Float),
    sa.Column("description", sa.Text),
    sa.Column("extra", sa.Text),  # JSON: the file's other columns (not used by the format), header -> cell
    sa.Column("is_sample", sa.Boolean, nullable=False),
    sa.Column("linked_incident_id", sa.Integer),  # a JM claim's JSA twin
    sa.Column("counts_in_combined", sa.Boolean, nullable=False, default=True),
)
# Rows another file of the same source already loaded exactly: parked here, not counted, so that
# replacing that other file later can bring them back (nothing lost, nothing doubled).
incident_duplicate = sa.Table(
    "incident_duplicate", metadata,
    *[c._copy() for c in incident.columns if c.name != "incident_id"],
    sa.Column("duplicate_id", sa.Integer, primary_key=True, autoincrement=True),
)
sa.Index("ix_incident_duplicate_batch", incident_duplicate.c.batch_id)

# By batch, for replacing a file's rows; the incident list's own indexes are KEYSET_INDEXES below (they cost
# the loader time: benchmarks/incidents_bench.py and docs/incidents.md measure how much).
BATCH_INDEX = sa.Index("ix_incident_batch", incident.c.batch_id)
# By row hash, so a load finds the rows another file already has by a join in the database instead of reading
# every stored hash into Python (which cost 0.5 s per million stored rows on every load). It covers the source and
# batch the lookups also test, so they never read the table's rows (a million lookups: 4 s -> 1.4 s)
HASH_INDEX = sa.Index("ix_incident_hash", incident.c.row_hash, incident.c.source, incident.c.batch_id)
INCIDENT_INDEXES = (BATCH_INDEX, HASH_INDEX)
# The incident rows behind a chart (dashboard/incidents.py) are paged by key: by day, by day within one state or
# province, or by loss, with the id that breaks ties. The two date indexes go on with the chart filters, so rows
# that do not match are passed over in the index without reading the table. The loss index stays narrow: its rows
# go in at random places whatever a file's order, so it slows a load most per byte. benchmarks/incidents_bench.py.
_FILTERED = (incident.c.source, incident.c.category, incident.c.subtype, incident.c.country, incident.c.crimes_against,
             incident.c.counts_in_combined, incident.c.is_major_city)
KEYSET_INDEXES = (
    sa.Index("ix_incident_day", incident.c.day_number, incident.c.incident_id, incident.c.region_code, *_FILTERED),
    sa.Index("ix_incident_region_day", incident.c.region_code, incident.c.day_number, incident.c.incident_id, *_FILTERED),
    sa.Index("ix_incident_loss", incident.c.loss_usd, incident.c.incident_id),
)

# ---- rollups: one row per group, whatever the number of files loaded (kept up to date on every load and
# replace: etl/rollups.py adds a file's groups and subtracts a replaced file's), so a dashboard query reads
# as many rows as the groups it shows, not groups times files
_MEASURES = (
    sa.Column("n", sa.Integer, nullable=False),
    sa.Column("n_combined", sa.Integer, nullable=False),
    sa.Column("loss_usd", sa.Float, nullable=False),
    sa.Column("loss_combined", sa.Float, nullable=False),  # only rows that count in combined figures
    sa.Column("loss_known", sa.Integer, nullable=False),
    sa.Column("loss_known_combined", sa.Integer, nullable=False),
    sa.Column("injured", sa.Integer, nullable=False),
    sa.Column("killed", sa.Integer, nullable=False),
    sa.Column("weapon_shown", sa.Integer, nullable=False),
)
ROLLUP_KEYS: dict[str, list[str]] = {}  # rollup table -> its group columns (the unique key an upsert adds on)


def _rollup(name: str, *dims: sa.Column, measures: bool = True) -> sa.Table:
    cols = [sa.Column("source", sa.String(SOURCE_LENGTH), nullable=False),
            sa.Column("is_sample", sa.Boolean, nullable=False), *dims]
    ROLLUP_KEYS[name] = [c.name for c in cols]
    cols += [c.copy() for c in _MEASURES] if measures else [sa.Column("n", sa.Integer, nullable=False),
                                                          sa.Column("n_combined", sa.Integer, nullable=False)]
    table = sa.Table(name, metadata, *cols)
    sa.Index(f"ux_{name}", *[table.c[k] for k in ROLLUP_KEYS[name]], unique=True)
    return table


rollup_region = _rollup(
    "rollup_region",
    sa.Column("year", sa.SmallInteger, nullable=False), sa.Column("half", sa.SmallInteger, nullable=False),
    sa.Column("country", sa.String(2), nullable=False), sa.Column("region_code", sa.String(2), nullable=False),
    sa.Column("category", sa.String(16), nullable=False), sa.Column("subtype", sa.String(32), nullable=False),
    sa.Column("crimes_against", sa.String(10), nullable=False), sa.Column("is_major_city", sa.Boolean, nullable=False),
)
sa.Index("ix_rollup_region", rollup_region.c.year, rollup_region.c.source, rollup_region.c.category)
# chosen states and provinces: their groups only (the unique key leads with the source, so a query for one
# region read every region's groups of the source: 33 ms for one state's months at 10M incidents, 5 ms with it)
sa.Index("ix_rollup_region_place", rollup_region.c.region_code, rollup_region.c.source)

# the groups of rollup_region without the half and the major-city flag, for the map's and a region's counts by
# year: about a third of its rows (SQLite's time there is in reading the rows, not in finding them)
rollup_region_year = _rollup(
    "rollup_region_year",
    sa.Column("year", sa.SmallInteger, nullable=False),
    sa.Column("country", sa.String(2), nullable=False), sa.Column("region_code", sa.String(2), nullable=False),
    sa.Column("category", sa.String(16), nullable=False), sa.Column("subtype", sa.String(32), nullable=False),
    sa.Column("crimes_against", sa.String(10), nullable=False),
)
# by state or province, covering the map's counts by region and year (read in index order: no sort, no lookups;
# its SQL 9.7 -> 5.4 ms at 10M incidents) and a chosen region's years
sa.Index("ix_rollup_region_year_place", *[rollup_region_year.c[c] for c in (
    "region_code", "year", "source", "crimes_against", "category", "subtype", "n", "n_combined", "loss_usd",
    "loss_combined")])

rollup_month = _rollup(
    "rollup_month",
    sa.Column("year", sa.SmallInteger, nullable=False), sa.Column("month", sa.SmallInteger, nullable=False),
    sa.Column("country", sa.String(2), nullable=False), sa.Column("region_code", sa.String(2), nullable=False),
    sa.Column("category", sa.String(16), nullable=False),
    sa.Column("subtype", sa.String(32), nullable=False), sa.Column("crimes_against", sa.String(10), nullable=False),
    sa.Column("is_major_city", sa.Boolean, nullable=False),
)
sa.Index("ix_rollup_month_place", rollup_month.c.region_code, rollup_month.c.source)

# the nation's groups (rollup_region and rollup_month without the region), for the national trends: a
# query over every state and province reads about 1/60 of the rows
rollup_nation = _rollup(
    "rollup_nation",
    sa.Column("year", sa.SmallInteger, nullable=False), sa.Column("half", sa.SmallInteger, nullable=False),
    sa.Column("country", sa.String(2), nullable=False),
    sa.Column("category", sa.String(16), nullable=False), sa.Column("subtype", sa.String(32), nullable=False),
    sa.Column("crimes_against", sa.String(10), nullable=False), sa.Column("is_major_city", sa.Boolean, nullable=False),
)

rollup_nation_month = _rollup(
    "rollup_nation_month",
    sa.Column("year", sa.SmallInteger, nullable=False), sa.Column("month", sa.SmallInteger, nullable=False),
    sa.Column("country", sa.String(2), nullable=False),
    sa.Column("category", sa.String(16), nullable=False),
    sa.Column("subtype", sa.String(32), nullable=False), sa.Column("crimes_against", sa.String(10), nullable=False),
    sa.Column("is_major_city", sa.Boolean, nullable=False),
)

rollup_pattern = _rollup(
    "rollup_pattern",
    sa.Column("year", sa.SmallInteger, nullable=False), sa.Column("region_code", sa.String(2), nullable=False),
    sa.Column("category", sa.String(16), nullable=False),
    sa.Column("dimension", sa.String(16), nullable=False),  # hour | time_of_day | location_type | weekday
    sa.Column("value", sa.String(16), nullable=False),
    measures=False,
)
sa.Index("ix_rollup_pattern", rollup_pattern.c.region_code, rollup_pattern.c.dimension)

# ---- NIBRS national tables (FBI summary files and the reference totals)
nibrs_offense = sa.Table(
    "nibrs_offense", metadata,
    sa.Column("nibrs_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("batch_id", sa.Integer, sa.ForeignKey("load_batch.batch_id"), nullable=False, index=True),
    sa.Column("year", sa.SmallInteger, nullable=False),
    sa.Column("crimes_against", sa.String(10), nullable=False),  # total | persons | property | society
    sa.Column("offense_category", sa.Text, nullable=False),  # '' for the class total row
    sa.Column("incidents", sa.BigInteger),
    sa.Column("offenses", sa.BigInteger),
    sa.Column("victims", sa.BigInteger),
    sa.Column("known_offenders", sa.BigInteger),
    sa.Column("published_percent", sa.Float),
    sa.Column("is_derived", sa.Boolean, nullable=False),
    sa.Column("is_sample", sa.Boolean, nullable=False, default=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("url", sa.Text),
    sa.Column("notes", sa.Text),
)

# ---- general crime by state, province and year (FBI and Statistics Canada tables): context for jewelry crime
context_crime = sa.Table(
    "context_crime", metadata,
    sa.Column("context_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("batch_id", sa.Integer, sa.ForeignKey("load_batch.batch_id"), nullable=False, index=True),
    sa.Column("dataset", sa.String(32), nullable=False),  # the format: fbi-estimated | nibrs-state | statcan-crime
    sa.Column("source", sa.Text, nullable=False),  # who published it, for source lines
    sa.Column("release", sa.String(32), nullable=False),  # which release (vintage) of the table, e.g. "1979-2024"
    sa.Column("year", sa.SmallInteger, nullable=False),
    sa.Column("country", sa.String(2), nullable=False),
    sa.Column("region_code", sa.String(2)),  # NULL for a national row
    sa.Column("offense", sa.Text, nullable=False),  # the source's own offense or violation (code where it has one)
    sa.Column("offense_label", sa.Text, nullable=False),
    sa.Column("nibrs_class", sa.String(10)),  # persons | property | society, for NIBRS tables by class
    sa.Column("count", sa.Float),  # offenses or incidents; NULL when the source marks it not available
    sa.Column("rate_per_100k", sa.Float),  # as published, where the source publishes a rate
    sa.Column("population", sa.BigInteger),  # the population the source gives with the row (covered, for NIBRS)
    sa.Column("agencies", sa.Integer),  # reporting agencies (NIBRS)
    sa.Column("status", sa.Text),  # why a value is missing ("not available"), as the source says
    sa.Column("notes", sa.Text),
)
sa.Index("ix_context_crime", context_crime.c.dataset, context_crime.c.year, context_crime.c.offense)

# every general-crime measure per dataset, place and year, worked out from the current batches at load time
# (etl/context_rollup.py); no batch_id: it is rebuilt whole, never replaced batch by batch
rollup_context = sa.Table(
    "rollup_context", metadata,
    sa.Column("rollup_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("measure", sa.String(16), nullable=False),  # robbery | burglary | theft | property | violent
    sa.Column("dataset", sa.String(32), nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("release", sa.String(32), nullable=False),
    sa.Column("year", sa.SmallInteger, nullable=False),
    sa.Column("country", sa.String(2), nullable=False),
    sa.Column("region_code", sa.String(2)),  # NULL for the nation
    sa.Column("count", sa.Float),  # NULL when one of the measure's offenses is missing or not available
    sa.Column("rate_published", sa.Float),
    sa.Column("population", sa.Float),
    sa.Column("rate", sa.Float),  # per 100,000: as published, else count / population
    sa.Column("comparable", sa.Boolean, nullable=False),  # across the border, by the crosswalk
    sa.Column("note", sa.Text),
    # the row a state or province is shown with that year (its country's preferred table), and its rank then
    sa.Column("preferred", sa.Boolean, nullable=False, default=False),
    sa.Column("rank", sa.Integer),  # 1 = highest rate of the year among the preferred rows
    sa.Column("ranked", sa.Integer),  # how many preferred rows of the year have a rate
)
sa.Index("ix_rollup_context", rollup_context.c.measure, rollup_context.c.preferred, rollup_context.c.year)
# one place's years (a regional page's general crime): 4.5 -> 0.1 ms, where the index above reads every place's
sa.Index("ix_rollup_context_place", rollup_context.c.measure, rollup_context.c.preferred, rollup_context.c.region_code,
         rollup_context.c.year)

# reporting coverage of NIBRS by state and year ("Participation by State")
context_participation = sa.Table(
    "context_participation", metadata,
    sa.Column("participation_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("batch_id", sa.Integer, sa.ForeignKey("load_batch.batch_id"), nullable=False, index=True),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("year", sa.SmallInteger, nullable=False),
    sa.Column("country", sa.String(2), nullable=False),
    sa.Column("region_code", sa.String(2)),  # NULL for the national row
    sa.Column("agencies", sa.Integer),  # agencies reporting to NIBRS
    sa.Column("agencies_total", sa.Integer),  # all agencies, where published
    sa.Column("population_covered", sa.BigInteger),
    sa.Column("population_total", sa.BigInteger),  # where published
    sa.Column("published_percent", sa.Float),  # percent of residents covered, where published
)

# population estimates by province or state and year, for per-capita rates (Statistics Canada 17-10-0005-01)
context_population = sa.Table(
    "context_population", metadata,
    sa.Column("population_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("batch_id", sa.Integer, sa.ForeignKey("load_batch.batch_id"), nullable=False, index=True),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("release", sa.String(32), nullable=False),
    sa.Column("year", sa.SmallInteger, nullable=False),
    sa.Column("country", sa.String(2), nullable=False),
    sa.Column("region_code", sa.String(2)),  # NULL for the national row
    sa.Column("population", sa.BigInteger, nullable=False),
)

# ---- reference tables (data/raw/reference/*.csv)
region = sa.Table(
    "region", metadata,
    sa.Column("code", sa.String(2), primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("country", sa.String(2), nullable=False),
    sa.Column("iso_3166_2", sa.String(6), nullable=False),
    sa.Column("aliases", sa.Text),
)
region_population = sa.Table(
    "region_population", metadata,
    sa.Column("region_code", sa.String(2), primary_key=True),
    sa.Column("year", sa.SmallInteger, primary_key=True),
    sa.Column("as_of", sa.Text),
    sa.Column("population", sa.BigInteger, nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("url", sa.Text),
)
jewelry_business = sa.Table(
    "jewelry_business", metadata,
    sa.Column("level", sa.String(8), primary_key=True),
    sa.Column("code", sa.String(2), primary_key=True),
    sa.Column("year", sa.SmallInteger, primary_key=True),
    sa.Column("measure", sa.Text, primary_key=True),
    sa.Column("businesses", sa.Integer, nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("url", sa.Text),
    sa.Column("confidence", sa.Text),
    sa.Column("notes", sa.Text),
)
major_city = sa.Table(
    "major_city", metadata,
    sa.Column("city", sa.Text, primary_key=True),
    sa.Column("region_code", sa.String(2), primary_key=True),
    sa.Column("country", sa.String(2), nullable=False),
    sa.Column("population", sa.Integer),
    sa.Column("population_year", sa.SmallInteger),
    sa.Column("source", sa.Text),
)
published_figure = sa.Table(
    "published_figure", metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("figure_id", sa.String(64)),
    sa.Column("compares", sa.String(16)),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("claim", sa.Text, nullable=False),
    sa.Column("value", sa.Float, nullable=False),
    sa.Column("unit", sa.String(16), nullable=False),
    sa.Column("period", sa.Text),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("url", sa.Text),
    sa.Column("published_date", sa.Text),
    sa.Column("confidence", sa.Text),
)
jsa_annual = sa.Table(
    "jsa_annual", metadata,
    sa.Column("year", sa.SmallInteger, primary_key=True),
    sa.Column("metric", sa.String(40), primary_key=True),
    sa.Column("value", sa.Float, nullable=False),
    sa.Column("unit", sa.String(12), nullable=False),
    sa.Column("source", sa.Text),
    sa.Column("url", sa.Text),
    sa.Column("confidence", sa.Text),
    sa.Column("notes", sa.Text),
)
# one published claim per row of claims.csv, checked by etl/claims.py (the cells as written, normalised)
claim = sa.Table(
    "claim", metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("row_number", sa.Integer, nullable=False),  # its line in claims.csv: the figures keep the file order
    sa.Column("claim", sa.Text, nullable=False),
    sa.Column("published_value", sa.Float, nullable=False),
    sa.Column("unit", sa.String(16), nullable=False),  # percent_change | percent_share | count | amount_usd
    sa.Column("published_by", sa.Text, nullable=False),
    sa.Column("url", sa.Text), sa.Column("published_on", sa.String(10)),
    sa.Column("metric", sa.String(16), nullable=False),  # incidents | losses | offenses
    sa.Column("numerator", sa.Text), sa.Column("denominator", sa.Text),  # filters of a share: key=value;key=value
    sa.Column("source", sa.String(SOURCE_LENGTH)), sa.Column("country", sa.String(2)),
    sa.Column("regions", sa.Text), sa.Column("category", sa.Text), sa.Column("subtype", sa.String(32)),
    sa.Column("major_only", sa.Boolean, nullable=False), sa.Column("nibrs_class", sa.String(10)),
    sa.Column("period", sa.String(32), nullable=False), sa.Column("compared_with", sa.String(32)),
    sa.Column("official_value", sa.Float), sa.Column("official_source", sa.Text),
    sa.Column("tolerance", sa.Float), sa.Column("published_denominator", sa.Float),
)
# offenses and violations of the context tables -> a small shared set of measures (data/raw/reference)
crime_crosswalk = sa.Table(
    "crime_crosswalk", metadata,
    sa.Column("dataset", sa.String(32), primary_key=True),
    sa.Column("offense", sa.Text, primary_key=True),
    sa.Column("measure", sa.String(16), nullable=False),  # robbery | burglary | theft | property | violent
    sa.Column("measure_label", sa.Text, nullable=False),
    sa.Column("cross_border_comparable", sa.Boolean, nullable=False),
    sa.Column("alternative_to", sa.Text),  # a detail line used only where the file lacks this total line
    sa.Column("note", sa.Text),
)

crime_type = sa.Table(
    "crime_type", metadata,
    sa.Column("category", sa.String(16), primary_key=True),
    sa.Column("subtype", sa.String(32), primary_key=True),  # '' = the category itself
    sa.Column("label", sa.Text, nullable=False),
    sa.Column("category_label", sa.Text, nullable=False),
    sa.Column("crimes_against", sa.String(10)),
    sa.Column("guidance", sa.String(32)),
    sa.Column("is_jsa_category", sa.Boolean, nullable=False),
)

ROLLUPS = (rollup_region, rollup_month, rollup_pattern, rollup_nation, rollup_nation_month, rollup_region_year)


def batch_tables() -> list[sa.Table]:
    """Every table whose rows belong to a load batch (found from the schema, so a new table is never missed)."""
    return [t for t in metadata.sorted_tables if "batch_id" in t.c and t is not load_batch]


def stored_version(conn: sa.Connection) -> int | None:
    if not sa.inspect(conn).has_table("meta"):
        return None
    value = conn.execute(sa.select(meta.c.value).where(meta.c.key == "schema_version")).scalar()
    return int(value) if value is not None else None


def check_version(conn: sa.Connection) -> bool:
    """True when the schema exists and is current; raise when it is another version."""
    found = stored_version(conn)
    if found is None:
        tables = sa.inspect(conn).get_table_names()
        if tables:
            raise SchemaVersionError(
                f"the database has tables ({', '.join(sorted(tables)[:5])}...) but no schema version: it was not made by "
                "jewelcrime or is from an early version; run `jewelcrime etl --rebuild` to rebuild it from data/raw/")
        return False
    if found != SCHEMA_VERSION:
        from etl.schema_upgrade import can_upgrade  # it builds on this module

        fix = ("run `jewelcrime etl` where the database can be written to upgrade it in place (or `jewelcrime etl "
               "--rebuild` to rebuild it from data/raw/)" if found < SCHEMA_VERSION and can_upgrade(found)
               else "run `jewelcrime etl --rebuild` to rebuild it from data/raw/")
        raise SchemaVersionError(f"the database has schema version {found}, this jewelcrime needs version "
                                 f"{SCHEMA_VERSION}; {fix}")
    return True


def create(conn: sa.Connection) -> None:
    metadata.create_all(conn)
    for ix in INCIDENT_INDEXES:
        ix.create(conn, checkfirst=True)
    conn.execute(meta.insert(), [{"key": "schema_version", "value": str(SCHEMA_VERSION)}])


def drop_all(conn: sa.Connection) -> None:
    """Drop every table, ours or not-quite-ours (an older schema)."""
    insp = sa.inspect(conn)
    names = insp.get_table_names()
    old = sa.MetaData()
    old.reflect(conn, only=names)
    old.drop_all(conn)
