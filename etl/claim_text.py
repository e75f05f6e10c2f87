"""A claim's words, built from its row: the label, the period, the formula, the names of its inputs.

Nothing here knows any particular claim: the same filters and periods give
the same words for every claim (see docs/figures.md, "How a claim is
worded").
"""
from __future__ import annotations

import re

from etl import taxonomy
from etl.claim_period import Period
from etl.claim_spec import ClaimSpec, Filters

JSA_JM_SOURCE_LINE = "Data derived from Jewelers' Security Alliance and Jewelers Mutual Group"
FBI_SOURCE_LINE = "Data: FBI, National Incident-Based Reporting System (NIBRS)"
MAJOR_CITY_NOTE = "major city = the reference list of cities with at least 500,000 residents"
COUNTRY_ADJECTIVE = {"US": "U.S. ", "CA": "Canadian "}
SOURCE_PHRASE = {"JSA": "in the JSA-style data", "JM": "in the JM-style claims data",
                 "combined": "in the JSA and JM data (a JM claim linked to a JSA incident counted once)"}
CLASS_LABEL = {"persons": "Crimes Against Persons", "property": "Crimes Against Property",
               "society": "Crimes Against Society"}
CATEGORY_PLURAL = {"robbery": "robberies", "burglary": "burglaries", "theft": "thefts",
                   "off_premises": "off-premises crimes", "other": "other losses"}


def plural(label: str) -> str:
    """'Smash-and-grab robbery' -> 'smash-and-grab robberies'; a trailing '(...)' stays as it is."""
    m = re.match(r"^(.*?)(\s*\([^)]*\))?$", label)
    head, tail = m.group(1), m.group(2) or ""
    if re.search(r"(ism|age|ance)$", head):
        word = head
    elif re.search(r"[^aeiou]y$", head):
        word = head[:-1] + "ies"
    elif re.search(r"(s|sh|ch|x)$", head):
        word = head + "es"
    else:
        word = head + "s"
    return (word + tail).lower()


def _and(items: list[str], word: str = "and") -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" {word} {items[-1]}"


def _what(f: Filters, joiner: str) -> str | None:
    """The kinds of incident counted, in words; None for every kind."""
    if f.subtype:
        label = next(c.label for c in taxonomy.CRIME_TYPES if c.subtype == f.subtype)
        return plural(label)
    if f.categories:
        return _and([CATEGORY_PLURAL[c] for c in f.categories], joiner)
    if f.nibrs_class:
        return f"crimes against {f.nibrs_class}"
    return None


def _region_names(f: Filters) -> str:
    from etl.regions import region_book

    names = region_book().names
    return _and([names.get(r, r) for r in f.regions])


def _where(f: Filters) -> str | None:
    """Where: in major cities, in named states and provinces; None when only the country says it."""
    if f.major_only:
        place = f"in major {COUNTRY_ADJECTIVE.get(f.country or '', '')}cities"
        return f"{place} of {_region_names(f)}" if f.regions else place
    if f.regions:
        return f"in {_region_names(f)}"
    return None


def source_phrase(f: Filters) -> str:
    return SOURCE_PHRASE.get(f.source or "", f"in the {f.source} data")


def subject(metric: str, f: Filters) -> str:
    """The incidents or offenses counted, for a formula: 'U.S. incidents in the JSA-style data',
    'thefts plus robberies in major U.S. cities' (the source is named when no place is)."""
    if metric == "offenses":
        return "all NIBRS offenses" if f.nibrs_class in (None, "total") else \
            f"offenses in the '{CLASS_LABEL[f.nibrs_class]}' class"
    where = _where(f)
    adjective = "" if where or f.regions else COUNTRY_ADJECTIVE.get(f.country or "", "")
    text = f"{adjective}{_what(f, 'plus') or 'incidents'} {where or source_phrase(f)}"
    return f"losses in U.S. dollars from {text}" if metric == "losses" else text


def title(metric: str, f: Filters) -> str:
    """The incidents or offenses counted, for a label: 'Crimes against U.S. jewelers'."""
    if metric == "offenses":
        return "NIBRS offenses" if f.nibrs_class in (None, "total") else f"Crimes against {f.nibrs_class}"
    what = _what(f, "and") or "crimes"
    where = _where(f) or f"against {COUNTRY_ADJECTIVE.get(f.country or '', '')}jewelers"
    text = f"{what} {where}" if metric == "incidents" else f"losses from {what} {where}"
    return text[0].upper() + text[1:]


def period_text(spec: ClaimSpec) -> str:
    p, c = spec.period, spec.compared_with
    if c is None:
        return p.text()
    return f"{c.text()} to {p.text()}" if spec.since else f"{p.text()} vs {c.text()}"


def label(spec: ClaimSpec) -> str:
    p, c = spec.period, spec.compared_with
    if spec.unit == "percent_share":
        num, den = spec.numerator, spec.denominator
        if spec.metric == "offenses" and den.nibrs_class in (None, "total"):
            return f"{title('offenses', num)}, share of NIBRS {p.text()} offenses"
        den_title = title(spec.metric, den)
        return f"{title(spec.metric, num)}, share of {den_title[0].lower()}{den_title[1:]}, {p.text()}"
    if c is not None:
        return f"{title(spec.metric, spec.filters)}, {p.text()} against {c.text()}"
    return f"{title(spec.metric, spec.filters)}, {p.text()}"


def _when(period: Period) -> str:
    """'in 2022' or ', January to June 2022,' after a subject."""
    return f", {period.long()}," if period.is_span else f" in {period.long()}"


def formula(spec: ClaimSpec) -> str:
    p, c = spec.period, spec.compared_with
    majors = any(f.major_only for f in (spec.filters, spec.numerator, spec.denominator) if f is not None)
    if spec.unit == "percent_share":
        text = (f"{subject(spec.metric, spec.numerator)} divided by {subject(spec.metric, spec.denominator)} "
                f"in {p.long()}, times 100")
    elif c is not None and p.is_span:
        base = str(c.first_year) if c.first_year == c.last_year else c.text()
        text = (f"({subject(spec.metric, spec.filters)}, {p.long()}, minus the same for {c.long()}) divided by "
                f"the {base} count, times 100")
    elif c is not None:
        text = (f"({subject(spec.metric, spec.filters)} in {p.long()} minus those in {c.long()}) divided by those "
                f"in {c.long()}, times 100")
    else:
        what = "the sum of" if spec.metric == "losses" else "the number of"
        text = f"{what} {subject(spec.metric, spec.filters)}{_when(p).rstrip(',')}"
    return f"{text}; {MAJOR_CITY_NOTE}" if majors else text


def input_name(metric: str, f: Filters, period: Period | None) -> str:
    """'incidents_2019' when only the source and country filter the count, else named after the period and the
    filters: 'h1_2021_theft_robbery_major_cities'; NIBRS counts by class: 'offenses_property'."""
    if metric == "offenses":
        return f"offenses_{f.nibrs_class or 'total'}"
    parts = [*f.categories, *([f.subtype] if f.subtype else []), *(r.lower() for r in f.regions),
             *([f.nibrs_class] if f.nibrs_class else []), *(["major_cities"] if f.major_only else [])]
    slug = period.slug() if period is not None else ""
    if not parts:
        return f"{metric}_{slug}".rstrip("_")
    return ("losses_" if metric == "losses" else "") + "_".join([slug, *parts]).strip("_")


def source_line(spec: ClaimSpec) -> str:
    if spec.metric == "offenses":
        return FBI_SOURCE_LINE
    sources = {s for f in spec.parts() for s in f.sources()}
    if sources <= {"JSA", "JM"}:
        return JSA_JM_SOURCE_LINE
    return "Data: " + ", ".join(sorted(sources))


def _amount(metric: str, value: float) -> str:
    return f"${value:,.0f}" if metric == "losses" else f"{value:,.0f}"


def statement(spec: ClaimSpec, value: float | None, numerator: float | None, denominator: float | None,
              inputs: dict) -> str:
    """One sentence of the counts behind the value, for a card or a graphic (never the published wording)."""
    p, c = spec.period, spec.compared_with
    if value is None:
        return "The data loaded has no counts for this figure."
    if spec.unit == "percent_share":
        den = spec.denominator
        whole = ("NIBRS offenses" if spec.metric == "offenses" and den.nibrs_class in (None, "total")
                 else title(spec.metric, den)[0].lower() + title(spec.metric, den)[1:])
        return f"{title(spec.metric, spec.numerator)}: {_amount(spec.metric, numerator or 0)} of " \
               f"{_amount(spec.metric, denominator or 0)} {whole} in {p.long()}."
    if c is not None:
        old, new = (inputs.get(input_name(spec.metric, spec.filters, x)) or 0 for x in (c, p))
        return (f"{title(spec.metric, spec.filters)}: {_amount(spec.metric, new)} in {p.long()} against "
                f"{_amount(spec.metric, old)} in {c.long()}.")
    return f"{title(spec.metric, spec.filters)}: {_amount(spec.metric, value)} in {p.long()}."


KIND_OF_UNIT = {"percent_change": "change", "percent_share": "share", "count": "count", "amount_usd": "amount"}


def freshness(spec: ClaimSpec, verdict: str | None, later: ClaimSpec | None, latest_value: str,
              latest_verdict: str | None, stale: bool) -> tuple[str, str]:
    """(freshness, as_of): how the claim stands in the latest complete period, in words.

    freshness: 'True for 2022; by 2024 the change was -1.3%.' for a stale claim, 'Still holds in 2024: ...'
    when a later period agrees, '' when the claim's own period is the latest or it never held.
    as_of: the line a stale claim's exports carry, with the latest period's value.
    """
    if later is None or verdict != "supported" or later.period == spec.period:
        return "", ""
    kind, latest_period = KIND_OF_UNIT[spec.unit], later.period
    against = f" against {later.compared_with.text()}" if later.compared_with is not None else ""
    if stale:
        return (f"True for {spec.period.text()}; by {latest_period.text()} the {kind} was {latest_value}{against}.",
                f"As of {latest_period.text()}, the latest complete period in the data: {latest_value}{against}.")
    if latest_verdict == "supported":
        return f"Still holds in {latest_period.text()}: the {kind} was {latest_value}{against}.", ""
    return "", ""
