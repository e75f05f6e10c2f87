"""Link a JM claim to the JSA incident that describes the same event.

Rule (docs/data-formats.md, "Linking"): a claim and an incident are the same
event when they have the same state or province, the same JSA category
(robbery, burglary, theft, off-premises), dates at most one day apart, and the
same city (or no city on either side). Each side links at most once; the
closest date wins, then a matching sub-type, then the lower ids. A linked
claim stays in the database but does not count again in combined figures.

Links are recomputed over all claims whenever either source changes, so the
result does not depend on the order files were loaded in.
"""
from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from etl import schema, taxonomy

MAX_DAYS_APART = 1
INCIDENTS, CLAIMS = "JSA", "JM"  # the two sources linking pairs; no other source takes part


def candidates(claims: pd.DataFrame, incidents: pd.DataFrame) -> pd.DataFrame:
    """All compatible (claim, incident) pairs with their ranking keys."""
    pairs = []
    for shift in range(-MAX_DAYS_APART, MAX_DAYS_APART + 1):
        shifted = claims.assign(day_number=claims["day_number"] + shift, days_apart=abs(shift))
        pairs.append(shifted.merge(incidents, on=["region_code", "category", "day_number"], suffixes=("", "_jsa")))
    if not pairs:
        return pd.DataFrame()
    cand = pd.concat(pairs, ignore_index=True)
    same_city = cand["city_key"].isna() | cand["city_key_jsa"].isna() | (cand["city_key"] == cand["city_key_jsa"])
    cand = cand[same_city.to_numpy(dtype=bool)]
    cand = cand.assign(subtype_differs=(cand["subtype"].fillna("") != cand["subtype_jsa"].fillna("")).astype(int))
    return cand.sort_values(["days_apart", "subtype_differs", "incident_id", "incident_id_jsa"])


def match(claims: pd.DataFrame, incidents: pd.DataFrame) -> dict[int, int]:
    """Greedy one-to-one matching on the ranked candidates: claim id -> incident id."""
    cand = candidates(claims, incidents)
    links: dict[int, int] = {}
    used: set[int] = set()
    for claim_id, jsa_id in zip(cand["incident_id"].tolist(), cand["incident_id_jsa"].tolist()):
        if claim_id in links or jsa_id in used:
            continue
        links[claim_id] = jsa_id
        used.add(jsa_id)
    return links


def relink(conn: sa.Connection) -> int:
    """Recompute every JM-to-JSA link; returns the number of linked claims."""
    inc = schema.incident
    cols = [inc.c.incident_id, inc.c.region_code, inc.c.category, inc.c.day_number, inc.c.city_key, inc.c.subtype]
    jsa_cats = list(taxonomy.JSA_CATEGORIES)
    claims = pd.read_sql_query(sa.select(*cols).where(inc.c.source == CLAIMS, inc.c.category.in_(jsa_cats)), conn)
    conn.execute(inc.update().where(inc.c.source == CLAIMS).values(linked_incident_id=None, counts_in_combined=True))
    if claims.empty:
        return 0
    lo, hi = int(claims["day_number"].min()) - MAX_DAYS_APART, int(claims["day_number"].max()) + MAX_DAYS_APART
    regions = sorted(claims["region_code"].unique().tolist())
    incidents = pd.read_sql_query(
        sa.select(*cols).where(inc.c.source == INCIDENTS, inc.c.category.in_(jsa_cats), inc.c.region_code.in_(regions),
                               inc.c.day_number.between(lo, hi)), conn)
    if incidents.empty:
        return 0
    links = match(claims, incidents.rename(columns={"incident_id": "incident_id_jsa", "city_key": "city_key_jsa",
                                                    "subtype": "subtype_jsa"}))
    if links:
        stmt = inc.update().where(inc.c.incident_id == sa.bindparam("cid")).values(
            linked_incident_id=sa.bindparam("jid"), counts_in_combined=False)
        conn.execute(stmt, [{"cid": c, "jid": j} for c, j in links.items()])
    return len(links)
