"""The guidance on a store sign: the crime types that make up most of the figure's own incidents.

The rule (docs/graphics-words.md): count the incidents the figure itself counts (its measure's source,
country, regions, categories, sub-type, major-city choice and NIBRS class) in its own latest period, by
crime type; rank the types by incidents; take the fewest top types that together make up more than half
of them; the sign's guidance is the scenarios of those types (at most two, the largest types' first),
with four tips in all. A figure about a NIBRS class (FBI offenses, not jewelry incidents) takes the
scenario fixed for its class. A figure with no incidents of its own takes all jewelry crime (JSA and
Jewelers Mutual) in the same period, then in the latest year loaded.

Counts come from etl.claim_data.incidents, the function the claim checker counts with, so "the
figure's incidents" are exactly the ones its number is computed from (queries.mix has no country or
major-city filter).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Sequence

import sqlalchemy as sa

from dashboard import claims_view, queries
from dashboard.guidance_content import SCENARIOS, tips as scenario_tips
from etl.claim_data import incidents
from etl.claim_period import Period, parse_period
from etl.claim_spec import Filters as ClaimFilters
from etl.taxonomy import CATEGORIES, CRIME_TYPES, CrimeType

MAX_SCENARIOS = 2
TIPS = 4  # tips on a sign in all, shared out between its scenarios
DEFAULT_SCENARIO = "smash-and-grab"  # only when no jewelry incident is loaded at all
ORDER = {ct: i for i, ct in enumerate(CRIME_TYPES)}  # ties are broken in taxonomy order
CLASS_WORDS = {"property": "crimes against property", "persons": "crimes against persons",
               "society": "crimes against society"}


@dataclass(frozen=True)
class Guidance:
    scenarios: tuple[str, ...]  # guidance slugs, largest crime type's first
    basis: str  # the rule's outcome in one sentence, for the sign's manifest
    types: tuple[str, ...] = ()  # labels of the crime types the guidance was chosen by
    share_pct: float | None = None  # their share of the incidents counted

    @property
    def title(self) -> str:
        names = [SCENARIOS[s].title for s in self.scenarios]
        return "What to do: " + and_list([names[0], *(lower_first(n) for n in names[1:])])

    def tips(self, n: int = TIPS) -> tuple[str, ...]:
        each = max(1, n // max(1, len(self.scenarios)))
        return tuple(t for s in self.scenarios for t in scenario_tips(s, each))


def and_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" and {items[-1]}"


def lower_first(text: str) -> str:
    return text[0].lower() + text[1:] if text else text


def pick(counts: Sequence[tuple[CrimeType, int]]) -> tuple[list[tuple[CrimeType, int]], list[str], int]:
    """The rule itself: (types chosen with their counts, their scenarios, all incidents counted).

    Types are ranked by incidents (ties in taxonomy order); the fewest top types making up more than half
    of all incidents are chosen; their distinct scenarios, largest first, are cut to MAX_SCENARIOS and
    the types of a scenario cut away are dropped. Types with no guidance (non-crime losses) count in the
    total but are never chosen."""
    total = sum(n for _, n in counts)
    ranked = sorted(((ct, n) for ct, n in counts if n > 0 and ct.guidance in SCENARIOS),
                    key=lambda item: (-item[1], ORDER[item[0]]))
    chosen: list[tuple[CrimeType, int]] = []
    covered = 0
    for ct, n in ranked:
        if covered * 2 > total:
            break
        chosen.append((ct, n))
        covered += n
    scenarios = list(dict.fromkeys(str(ct.guidance) for ct, _ in chosen))[:MAX_SCENARIOS]
    return [(ct, n) for ct, n in chosen if ct.guidance in scenarios], scenarios, total


def type_counts(engine: sa.Engine, f: ClaimFilters, period: Period) -> list[tuple[CrimeType, int]]:
    """Incidents per crime type among those the filters count in the period (they add up to its total).

    A category's own row (sub-type not recorded) is the category's count less its sub-types'."""
    def count(conn: sa.Connection, g: ClaimFilters) -> int:
        return int(incidents(conn, "incidents", g, period).value)

    out: list[tuple[CrimeType, int]] = []
    with engine.connect() as conn:
        for category in CATEGORIES:
            if f.categories and category not in f.categories:
                continue
            subs = [ct for ct in CRIME_TYPES if ct.category == category and ct.subtype
                    and (ct.subtype == f.subtype if f.subtype else ct.crimes_against is not None)]
            got = [(ct, count(conn, replace(f, categories=(category,), subtype=ct.subtype))) for ct in subs]
            whole = [ct for ct in CRIME_TYPES if ct.category == category and ct.subtype is None]
            if whole and not f.subtype:
                rest = count(conn, replace(f, categories=(category,), subtype=None)) - sum(n for _, n in got)
                got.insert(0, (whole[0], max(rest, 0)))
            out += got
    return out


def claim_filters(d: dict[str, Any] | None) -> ClaimFilters:
    """A figure's filters (its measure's plain data) as the checker's Filters; no source is JSA and JM."""
    d = d or {}
    return ClaimFilters(source=d.get("source") or "combined", country=d.get("country"),
                        regions=tuple(d.get("regions") or ()), categories=tuple(d.get("categories") or ()),
                        subtype=d.get("subtype"), major_only=bool(d.get("major_only")),
                        nibrs_class=d.get("nibrs_class") if d.get("nibrs_class") not in ("total",) else None)


def _pct(share: float) -> str:
    text = f"{share:.0f}%"
    return f"{share:.1f}%" if text == "50%" and share > 50 else text


def _from_counts(counts: list[tuple[CrimeType, int]], what: str) -> Guidance | None:
    chosen, scenarios, total = pick(counts)
    if not chosen or not total:
        return None
    labels = [ct.label for ct, _ in chosen]
    share = sum(n for _, n in chosen) / total * 100
    basis = f"{and_list([labels[0], *(lower_first(x) for x in labels[1:])])} made up {_pct(share)} of {what}."
    return Guidance(tuple(scenarios), basis, tuple(labels), round(share, 1))


def for_figure(engine: sa.Engine, fig: dict[str, Any]) -> Guidance:
    """The sign's guidance for a checked claim (a headline figure), by the rule above."""
    m = fig.get("measure") or {}
    nibrs_class, _categories = claims_view.scenario_categories(fig)
    period = parse_period(m["period"]) if m.get("period") else None
    if m.get("metric") == "offenses":
        slug = claims_view.NIBRS_CLASS_SCENARIO.get(nibrs_class or "")
        if slug in SCENARIOS:
            return Guidance((slug,), f"The figure counts {CLASS_WORDS[nibrs_class]} reported to the FBI, not "
                                     f"jewelry incidents; the guidance for that class is "
                                     f"{lower_first(SCENARIOS[slug].title)}.")
    elif period is not None:
        own = (m.get("numerator") if m.get("unit") == "percent_share" else m.get("filters")) or {}
        found = _from_counts(type_counts(engine, claim_filters(own), period),
                             f"the {period.text()} incidents in this figure")
        if found:
            return found
    # no incidents of its own: all jewelry crime in its period, else in the latest year loaded
    years = queries.years(engine)
    tries = ([period] if period is not None else []) + ([parse_period(str(years[-1]))] if years else [])
    for p in tries:
        found = _from_counts(type_counts(engine, ClaimFilters(source="combined"), p),
                             f"all jewelry crimes recorded in {p.text()} (the figure has none of its own)")
        if found:
            return found
    return Guidance((DEFAULT_SCENARIO,), "No jewelry incidents are loaded, so the sign gives the "
                                         f"{lower_first(SCENARIOS[DEFAULT_SCENARIO].title)} guidance.")
