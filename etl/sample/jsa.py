"""Synthetic JSA-style incidents, calibrated to data/raw/reference/jsa_annual.csv.

Counts that the reference file publishes are planned exactly (per year:
total, category and sub-type counts, homicides, California's share of
robberies, the sum of known losses); everything else is drawn at random
from plausible mixes. The plan is made first, then rows are drawn to fit it;
etl/sample/jsa_text.py then writes them out as a person would type them.
"""
from __future__ import annotations

import bisect
import calendar
import datetime as dt
import itertools
import math
import zlib
from functools import lru_cache
from typing import TypeVar

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from etl.sample.data import Reference
from etl.sample.places import CityBook

T = TypeVar("T")

CATEGORY_WEIGHTS = {"robbery": 0.15, "burglary": 0.22, "theft": 0.59, "off_premises": 0.04}
CATEGORIES = tuple(CATEGORY_WEIGHTS)
PUBLISHED_CATEGORY = {"robbery": "robberies", "burglary": "burglaries", "theft": "thefts",
                      "off_premises": "off_premises"}
# November and December carry the holiday stock and the holiday crime.
MONTH_WEIGHTS = np.array([0.88, 0.86, 0.94, 0.92, 0.97, 0.93, 0.95, 0.97, 0.92, 0.98, 1.22, 1.50])
MONTH_WOBBLE = 0.04  # per-year noise on the month shape; small enough that the holiday peak always shows
CANADA_PER_US_CRIME = 0.045  # Canadian rows on top of the U.S. total: about 50-100 a year
# Jewelry crime is denser than population in these states (big jewelry districts and malls).
STATE_BOOST = {"CA": 1.25, "NY": 1.45, "TX": 1.1, "FL": 1.1, "NJ": 1.3, "NV": 1.2, "IL": 1.05}
# (median loss in USD, lognormal sigma): per-incident losses are heavy-tailed.
LOSS_MODEL: dict[tuple[str, str | None], tuple[float, float]] = {
    ("robbery", None): (40_000, 1.2), ("robbery", "smash_and_grab"): (60_000, 1.1),
    ("robbery", "armed_robbery"): (100_000, 1.3),
    ("burglary", None): (30_000, 1.4), ("burglary", "after_hours_burglary"): (50_000, 1.4),
    ("burglary", "safe_attack"): (150_000, 1.3),
    ("theft", None): (5_000, 1.1), ("theft", "grab_and_run"): (8_000, 1.0), ("theft", "distraction_theft"): (10_000, 1.0),
    ("theft", "sneak_theft"): (6_000, 1.0), ("theft", "switch"): (12_000, 1.0),
    ("off_premises", None): (150_000, 1.5), ("off_premises", "traveling_salesperson"): (250_000, 1.5),
    ("off_premises", "trade_show"): (300_000, 1.4), ("off_premises", "home_invasion"): (120_000, 1.3),
}
LOSS_CAP = 40.0  # a single loss is capped at this many medians, so one draw cannot swamp a year
BLANK_LOSS = 0.05
BLANK_CITY = 0.03


# ------------------------------------------------------------------ helpers

def stream(seed: int, name: str) -> np.random.Generator:
    """An independent random stream per purpose: changing one part of the draw leaves the others alone."""
    return np.random.default_rng([seed % 2**63, zlib.crc32(name.encode())])


def largest_remainder(total: int, weights: ArrayLike) -> np.ndarray:
    """Integers proportional to `weights` that add up to exactly `total`."""
    w = np.asarray(weights, dtype="float64")
    total = max(int(total), 0)
    if total == 0 or w.sum() <= 0:
        return np.zeros(len(w), dtype="int64")
    exact = w / w.sum() * total
    base = np.floor(exact).astype("int64")
    short = total - int(base.sum())
    order = np.argsort(-(exact - base), kind="stable")
    base[order[:short]] += 1
    return base


@lru_cache(maxsize=None)
def _cumulative(options: tuple[tuple[object, float], ...]) -> list[float]:
    total = sum(w for _, w in options)
    return list(itertools.accumulate(w / total for _, w in options))


def spell(rng: np.random.Generator, options: tuple[tuple[T, float], ...]) -> T:
    """One of the options, chosen by weight with a single uniform draw."""
    return options[min(bisect.bisect_right(_cumulative(options), rng.random()), len(options) - 1)][0]


def _objects(values, index=None) -> pd.Series:  # noqa: ANN001
    """A column that keeps None as None (pandas would turn a text column's None into NaN)."""
    return pd.Series(list(values), index=index, dtype=object)


def scaled(value: float | None, scale: float) -> int | None:
    return None if value is None else int(round(value * scale))


# ------------------------------------------------------------------ the count plan

def category_counts(total: int, known: dict[str, int], minimum: dict[str, int], weights: dict[str, float]) -> dict[str, int]:
    """Split a year's total over the categories: published ones as given, the rest by weight.

    A category whose weighted share falls below its minimum (e.g. thefts must
    hold the published grab-and-runs) is raised to it and the others shrink.
    """
    counts = dict(known)
    free = [c for c in CATEGORIES if c not in known]
    rest = total - sum(known.values())
    if not free or rest < 0:
        counts.update({c: 0 for c in free})
        counts["theft"] = max(0, counts["theft"] + total - sum(counts.values()))  # rounding after --scale
        return counts
    fixed: dict[str, float] = {}
    while True:
        open_ = [c for c in free if c not in fixed]
        budget = rest - sum(fixed.values())
        share = {c: max(budget, 0) * weights[c] / sum(weights[o] for o in open_) for c in open_}
        low = [c for c in open_ if share[c] < minimum.get(c, 0)]
        if not low or len(low) == len(open_) or budget <= 0:
            break
        fixed.update({c: float(minimum[c]) for c in low})
    wanted = {**share, **fixed}
    counts.update(zip(free, largest_remainder(rest, [wanted[c] for c in free]).tolist()))
    return counts


def subtype_counts(category: str, n: int, pub: dict[str, int | None]) -> dict[str | None, int]:
    """Sub-type counts inside one category; published sub-types exact, the others a plausible share."""
    def take(value: int | None, default: float, room: int) -> int:
        return max(0, min(room, value if value is not None else int(round(default * room))))

    if category == "robbery":
        sg = take(pub.get("smash_and_grab"), 0.30, n)
        armed = take(None, 0.45, n - sg)
        return {"smash_and_grab": sg, "armed_robbery": armed, None: n - sg - armed}
    if category == "burglary":
        safe = take(pub.get("safe_attacks"), 0.07, n)
        after = take(None, 0.6, n - safe)
        return {"safe_attack": safe, "after_hours_burglary": after, None: n - safe - after}
    if category == "theft":
        gr = take(pub.get("grab_and_run"), 0.5, n)
        dist = min(n - gr, take(pub.get("distraction_thefts"), 0.09, n))
        rest = n - gr - dist
        sneak = take(None, 0.3, rest)
        switch = take(None, 0.25, rest - sneak) if rest - sneak > 0 else 0
        return {"grab_and_run": gr, "distraction_theft": dist, "sneak_theft": sneak, "switch": switch,
                None: rest - sneak - switch}
    trav = take(None, 0.45, n)
    trade = take(None, 0.15 / 0.55, n - trav)
    home = take(None, 0.15 / 0.40, n - trav - trade)
    return {"traveling_salesperson": trav, "trade_show": trade, "home_invasion": home, None: n - trav - trade - home}


def plan_year(ref: Reference, year: int, scale: float, rng: np.random.Generator) -> dict[tuple[str, str | None], int]:
    """(category, sub-type) -> number of U.S. rows for one year."""
    metric = lambda name: scaled(ref.metric(year, name), scale)  # noqa: E731
    total = metric("total_crimes") or 0
    known = {c: metric(m) for c, m in PUBLISHED_CATEGORY.items() if metric(m) is not None}
    pub = {m: metric(m) for m in ("smash_and_grab", "grab_and_run", "distraction_thefts", "safe_attacks")}
    minimum = {
        "robbery": math.ceil(1.3 * (pub["smash_and_grab"] or 0)),
        "theft": math.ceil(1.1 * ((pub["grab_and_run"] or 0) + (pub["distraction_thefts"] or 0))),
        "burglary": 3 * (pub["safe_attacks"] or 0),
    }
    # unpublished years wobble a little around the usual mix
    weights = {c: w * float(np.exp(rng.normal(0, 0.08))) for c, w in CATEGORY_WEIGHTS.items()}
    plan = {}
    for cat, n in category_counts(total, known, minimum, weights).items():
        for sub, k in subtype_counts(cat, n, pub).items():
            plan[(cat, sub)] = k
    return plan


@lru_cache(maxsize=1)
def default_subtype_shares() -> dict[str, tuple[tuple[str | None, float], ...]]:
    """Category -> ((sub-type, share), ...) for rows drawn one at a time (Canada, JM-only claims)."""
    return {cat: tuple(subtype_counts(cat, 10_000, {}).items()) for cat in CATEGORIES}


# ------------------------------------------------------------------ drawing rows

def _dates(rng: np.random.Generator, year: int, months: np.ndarray) -> list[dt.date]:
    days = np.array([calendar.monthrange(year, int(m))[1] for m in range(1, 13)])
    day = (rng.random(len(months)) * days[months - 1]).astype("int64") + 1
    return [dt.date(year, int(m), int(d)) for m, d in zip(months, day)]


def state_weights(ref: Reference, country: str, exclude: str | None = None) -> tuple[list[str], np.ndarray]:
    codes = [c for c, k in ref.country.items() if k == country and c != exclude and c in ref.population]
    w = np.array([ref.population[c] * STATE_BOOST.get(c, 1.0) for c in codes])
    return codes, w / w.sum()


def us_year(ref: Reference, year: int, seed: int, scale: float) -> pd.DataFrame:
    rng = stream(seed, f"jsa-us-{year}")
    plan = plan_year(ref, year, scale, rng)
    kinds = [k for k, n in plan.items() for _ in range(n)]
    kinds = [kinds[i] for i in rng.permutation(len(kinds))]
    n = len(kinds)
    shape = MONTH_WEIGHTS * np.exp(rng.normal(0, MONTH_WOBBLE, 12))
    months = np.repeat(np.arange(1, 13), largest_remainder(n, shape))
    months = months[rng.permutation(n)]
    cats = np.array([k[0] for k in kinds], dtype=object)
    region = np.empty(n, dtype=object)
    states, w = state_weights(ref, "US")
    region[:] = rng.choice(states, size=n, p=w)
    # California's share of robberies is fixed where published, else the average published share.
    robbery = np.flatnonzero(cats == "robbery")
    shares = [m["ca_share_of_robberies_pct"] for m in ref.annual.values() if "ca_share_of_robberies_pct" in m]
    share = ref.metric(year, "ca_share_of_robberies_pct")
    share = share if share is not None else (float(np.mean(shares)) if shares else w[states.index("CA")] * 100)
    k_ca = int(round(share / 100 * len(robbery)))
    in_ca = rng.permutation(robbery)[:k_ca]
    others, w_others = state_weights(ref, "US", exclude="CA")
    region[robbery] = rng.choice(others, size=len(robbery), p=w_others)
    region[in_ca] = "CA"
    return pd.DataFrame({"year": year, "occurred_on": _dates(rng, year, months), "month": months, "country": "US",
                         "region": region, "category": cats, "subtype": _objects([k[1] for k in kinds])})


def canada_year(ref: Reference, year: int, seed: int, scale: float) -> pd.DataFrame:
    rng = stream(seed, f"jsa-ca-{year}")
    n = int(round(CANADA_PER_US_CRIME * (ref.metric(year, "total_crimes") or 0) * scale))
    provinces, w = state_weights(ref, "CA")
    cw = np.array(list(CATEGORY_WEIGHTS.values()))
    cats = rng.choice(CATEGORIES, size=n, p=cw / cw.sum())
    shares = default_subtype_shares()
    subs = [spell(rng, shares[c]) for c in cats]
    months = rng.choice(np.arange(1, 13), size=n, p=MONTH_WEIGHTS / MONTH_WEIGHTS.sum())
    # provinces by population quota, so the big four keep their order (ON, QC, BC, AB) whatever the seed
    region = np.repeat(np.array(provinces, dtype=object), largest_remainder(n, w))[rng.permutation(n)]
    return pd.DataFrame({"year": year, "occurred_on": _dates(rng, year, months), "month": months, "country": "CA",
                         "region": region, "category": cats.astype(object),
                         "subtype": _objects(subs)})


def pick_city(rng: np.random.Generator, book: CityBook, region: str, major: bool) -> str | None:
    table = book.major if major else book.minor
    return spell(rng, table[region]) if region in table else None


def assign_cities(df: pd.DataFrame, ref: Reference, book: CityBook, seed: int) -> pd.DataFrame:
    rng = stream(seed, "jsa-cities")
    p = df["region"].map(lambda r: book.p_major(r, ref.population.get(r, 1.0))).to_numpy(dtype="float64")
    major = rng.random(len(df)) < p
    blank = ~major & (rng.random(len(df)) < BLANK_CITY)
    city = [None if b else pick_city(rng, book, r, m) for r, m, b in zip(df["region"], major, blank)]
    df = df.assign(city=_objects(city, df.index))
    return df.assign(is_major=major & df["city"].notna().to_numpy())


def steer_major_cities(df: pd.DataFrame, ref: Reference, book: CityBook, seed: int) -> pd.DataFrame:
    """Make major-city thefts and robberies grow by the published claim from Jan-Jun 2021 to Jan-Jun 2022.

    The 2021 count stays as drawn; just enough 2022 rows move between a major
    and a smaller city of the same state to hit the target.
    """
    rng = stream(seed, "jsa-h1")
    df = df.copy()
    pool = (df["country"] == "US") & (df["month"] <= 6) & df["category"].isin(["theft", "robbery"])
    base = int((pool & (df["year"] == 2021) & df["is_major"]).sum())
    if not base:
        return df
    target = int(round(base * (1 + ref.h1_change_pct / 100)))
    now = pool & (df["year"] == 2022)
    have = int((now & df["is_major"]).sum())
    if have > target:
        movable = now & df["is_major"] & df["region"].isin(list(book.minor))
        flip, to_major = have - target, False
    else:
        movable = now & ~df["is_major"] & df["region"].isin(list(book.major))
        flip, to_major = target - have, True
    rows = rng.permutation(np.flatnonzero(movable.to_numpy()))[:flip]
    cities = df["city"].to_numpy(dtype=object).copy()
    for i in rows:
        cities[i] = pick_city(rng, book, df["region"].iat[i], to_major)
    df["city"] = _objects(cities, df.index)
    df.loc[df.index[rows], "is_major"] = to_major
    return df


def draw_losses(df: pd.DataFrame, ref: Reference, seed: int, scale: float) -> np.ndarray:
    """Heavy-tailed losses, rescaled so each year's known U.S. losses add up to the published total."""
    rng = stream(seed, "jsa-losses")
    med = np.array([LOSS_MODEL[(c, s)][0] for c, s in zip(df["category"], df["subtype"])])
    sig = np.array([LOSS_MODEL[(c, s)][1] for c, s in zip(df["category"], df["subtype"])])
    raw = np.minimum(med * np.exp(sig * rng.standard_normal(len(df))), LOSS_CAP * med)
    known = rng.random(len(df)) >= BLANK_LOSS
    loss = np.full(len(df), np.nan)
    us = (df["country"] == "US").to_numpy()
    years = df["year"].to_numpy()
    for year in np.unique(years):
        rows = years == year
        published, total = ref.metric(int(year), "losses_usd"), ref.metric(int(year), "total_crimes")
        mask = rows & us & known
        factor = 1.0
        target = None
        if published and total and mask.any():
            # per-incident average as published, so --scale scales the total with the rows
            target = round(published * (rows & us).sum() / total)
            factor = target / raw[mask].sum()
        vals = raw[rows & known] * factor
        vals = np.where(vals >= 10_000, np.round(vals, -2), np.maximum(np.round(vals, -1), 10))
        loss[rows & known] = vals
        if target is not None:
            # rounding residue goes to the year's biggest loss, so the total is exact to the dollar
            idx = np.flatnonzero(mask)
            top = idx[np.argmax(loss[idx])]
            loss[top] += target - loss[idx].sum()
    return loss


def draw_people(df: pd.DataFrame, ref: Reference, seed: int, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """Killed (the published homicides per year, in robberies) and injured."""
    rng = stream(seed, "jsa-people")
    killed = np.zeros(len(df), dtype="int64")
    pref = {"armed_robbery": 3.0, None: 2.0, "smash_and_grab": 1.0}
    years = df["year"].to_numpy()
    us = (df["country"] == "US").to_numpy()
    rob = (df["category"] == "robbery").to_numpy()
    for year in np.unique(years):
        k = scaled(ref.metric(int(year), "homicides"), scale)
        k = int(rng.poisson(2.5 * scale)) if k is None else k
        cand = np.flatnonzero((years == year) & us & rob)
        if k <= 0 or not len(cand):
            continue
        w = np.array([pref.get(s, 1.0) for s in df["subtype"].to_numpy()[cand]])
        hit = rng.choice(cand, size=k, replace=k > len(cand), p=w / w.sum())
        np.add.at(killed, hit, 1)
    p_hurt = df["category"].map({"robbery": 0.12, "off_premises": 0.08}).fillna(0.02).to_numpy(dtype="float64")
    injured = (rng.random(len(df)) < p_hurt) * (1 + rng.poisson(0.3, len(df)))
    injured = np.where(killed > 0, np.maximum(injured, rng.integers(0, 2, len(df))), injured)
    return killed, injured


def build(ref: Reference, book: CityBook, seed: int, scale: float) -> pd.DataFrame:
    """Every incident as typed values (dates, codes, numbers); text formatting comes later."""
    parts = [us_year(ref, y, seed, scale) for y in ref.years] + [canada_year(ref, y, seed, scale) for y in ref.years]
    df = pd.concat(parts, ignore_index=True)
    df = assign_cities(df, ref, book, seed)
    df = steer_major_cities(df, ref, book, seed)
    df["loss"] = draw_losses(df, ref, seed, scale)
    df["killed"], df["injured"] = draw_people(df, ref, seed, scale)
    order = stream(seed, "jsa-order").permutation(len(df))
    df = df.assign(_tie=order).sort_values(["occurred_on", "_tie"], kind="stable").drop(columns="_tie")
    return df.reset_index(drop=True)
