"""What a graphic says: every word and number on it, computed from the data, with no layout.

The templates place these words; nothing here knows about pixels. A headline
figure's words come from the claim checker (etl.figures, through queries); a
chart's from its registry builder's ChartResult. A published claim the data
does not support never appears: the graphic shows the computed value and its
source instead. Graphics are public: no file names, no internal labels, and a
store sign (read by customers and staff) has no correction words at all. The
rules in plain words: docs/graphics-words.md.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from typing import Any

import sqlalchemy as sa

from dashboard import claims_view, queries
from dashboard.chart_result import ChartResult
from dashboard.graphics import words_guidance as guidance
from dashboard.graphics.settings import Settings
from dashboard.state import SOURCES, Filters, parse, source_options
from etl.claim_period import Period, parse_period
from etl.claim_text import FBI_SOURCE_LINE, JSA_JM_SOURCE_LINE, title as claim_title
from etl.context import MEASURES as CONTEXT_MEASURES

SAMPLE_MARK = "SAMPLE DATA: synthetic, not real incidents"
COUNTRY_WORDS = {"US": "U.S.", "CA": "Canada", None: "U.S. and Canada"}
KIND_LABELS = {"social": "Social graphic", "badge": "Stat card", "signage": "Store sign", "chart": "Chart"}
# who the data comes from: the line under a graphic, a short name for status lines, the words in a subtitle
SOURCE_LINES = {"JSA": "Data derived from Jewelers' Security Alliance", "JM": "Data derived from Jewelers Mutual Group",
                "combined": JSA_JM_SOURCE_LINE}
SHORT_NAMES = {"JSA": "JSA", "JM": "Jewelers Mutual", "combined": "JSA and Jewelers Mutual", "offenses": "FBI NIBRS"}
PUBLIC_LABELS = {"combined": "JSA and Jewelers Mutual data", "JSA": "JSA data", "JM": "Jewelers Mutual data"}
CLASS_WORDS = {"persons": "crimes against persons", "property": "crimes against property",
               "society": "crimes against society"}
SIGN_SAMPLE_NOTE = ("Sample data: these numbers come from the synthetic sample bundled with the product, "
                    "not real incidents.")
NOTHING_LOADED = "No data of this kind is loaded yet."
FILE = r"[\w.-]+\.(?:csv|xlsx|xls|json|txt|zip|parquet|tsv)\b"


@dataclass(frozen=True)
class Words:
    """Every text on one graphic. Empty strings are left off the graphic."""

    kind: str  # social, badge, signage or chart
    title: str
    subtitle: str  # what is shown: period, place, which data
    number: str | None = None  # the big computed figure, when there is one
    number_tone: str = "accent"  # accent, or muted when there is no data
    statement: str = ""  # the counts behind the number, in a sentence (a sign: the number in a plain sentence)
    claim: str = ""  # how the number relates to the published claim ('' on customer-facing signs)
    claim_tone: str = "muted"  # ok, warn or muted
    status: str = ""  # a stat card's one-line status
    as_of: str = ""  # the latest period in the data and its value
    stale: str = ""  # the warning of a claim the latest data no longer supports ('' otherwise)
    source: str = ""
    date_range: str = ""  # the period of the data actually shown
    made_on: dt.date = field(default_factory=dt.date.today)
    sample: bool = False
    sample_note: str = ""
    guidance_title: str = ""  # signs: what to do
    tips: tuple[str, ...] = ()
    call_to_action: str = ""
    call_to_action_url: str = ""
    alt: str = ""
    guidance_basis: str = ""  # signs: why this guidance, the rule's outcome in one sentence (for the manifest)
    guidance_scenarios: tuple[str, ...] = ()  # signs: the guidance scenarios' slugs, largest crime type's first

    @property
    def date_line(self) -> str:
        return f"Data: {self.date_range} · Made {self.made_on:%d %B %Y}"

    def with_headline(self, headline: str | None) -> "Words":
        """The title replaced by an edited headline (the number, source and dates stay as computed)."""
        return replace(self, title=headline) if headline else self


# ---------------------------------------------------------------- public text: no file names, no internal labels

def scrub(text: str) -> str:
    """A text without file names: '(file.csv)' asides, 'counts from a.csv, b.csv', 'loaded with a column mapping
    from a.csv' and any other file name are dropped, with the punctuation they leave."""
    files = rf"{FILE}(?:\s*(?:,|and)\s*{FILE})*"
    text = re.sub(rf",?\s*loaded with a column mapping from {files}", "", text)
    text = re.sub(rf"[;,]?\s*counts from {files}", "", text)
    text = re.sub(rf"\s*\([^()]*{FILE}[^()]*\)", "", text)
    text = re.sub(rf"\s*{FILE}", "", text)
    return re.sub(r"\s+([;,.])", r"\1", re.sub(r"([;,])\s*(?=[;,.]|$)", "", text)).strip(" ;,")


def public_source(text: str, sources: set[str] | None = None) -> str:
    """A source line for a graphic: no file names, no leading 'Data: ' (the graphic prints 'Source: '), and
    the JSA and JM line narrowed to the one source counted."""
    one = next(iter(sources)) if sources and len(sources) == 1 else None
    if one in ("JSA", "JM"):
        text = text.replace(JSA_JM_SOURCE_LINE, SOURCE_LINES[one])
    text = scrub(text)
    return text[len("Data: "):] if text.startswith("Data: ") else text


def public_labels(text: str) -> str:
    """Subtitles in public words: 'JSA-style incidents' is 'JSA data'; a mapped source is its own name; no
    '(trend: every year)' (the date line says which years are drawn)."""
    for key, label in SOURCES.items():
        text = text.replace(label, PUBLIC_LABELS[key])
    text = re.sub(r" \(mapped source\)|\s*\(trend: [^)]*\)", "", text)
    return re.sub(r"^no region\b", "no state or province chosen", scrub(text))


def counted(engine: sa.Engine, sources: set[str]) -> set[str]:
    """The sources whose rows are counted: JSA and JM asked for (combined) but only JSA loaded is JSA."""
    present = sources & set(queries.sources(engine))
    return present if sources <= {"JSA", "JM"} and present else sources


def _sources(engine: sa.Engine, m: dict[str, Any]) -> set[str]:
    """The incident sources a claim counts: JSA, JM or a mapped source's name (combined is JSA and JM)."""
    out: set[str] = set()
    for part in (m.get("filters"), m.get("numerator"), m.get("denominator")):
        s = (part or {}).get("source")
        out |= {"JSA", "JM"} if s == "combined" else {s} if s else set()
    return counted(engine, out)


def short_source(engine: sa.Engine, m: dict[str, Any]) -> str:
    """Who the numbers come from, in a few words: 'JSA', 'FBI NIBRS', 'JSA and Jewelers Mutual'."""
    if m.get("metric") == "offenses":
        return SHORT_NAMES["offenses"]
    s = _sources(engine, m)
    key = "combined" if s == {"JSA", "JM"} else next(iter(s)) if len(s) == 1 else None
    return SHORT_NAMES.get(key or "", ", ".join(sorted(s)) or "the")


def figure_source(engine: sa.Engine, fig: dict[str, Any]) -> str:
    """The source line of a figure: the one source its measure counts; NIBRS with its release named once."""
    m = fig.get("measure") or {}
    if m.get("metric") != "offenses":
        return public_source(fig.get("source_line") or "", _sources(engine, m))
    release = scrub(str((fig.get("extra") or {}).get("nibrs_source") or ""))
    release = re.sub(r"^\s*(FBI\b[,\s]*)?(NIBRS\b[,\s]*)?(table\b\s*)?", "", release).strip(" ,;")
    line = public_source(fig.get("source_line") or FBI_SOURCE_LINE)
    return f"{line}, {release}" if re.search(r"\d", release) else line


# ---------------------------------------------------------------- dates and "as of"

def _periods(m: dict[str, Any]) -> tuple[Period | None, Period | None]:
    def one(text: Any) -> Period | None:
        try:
            return parse_period(str(text)) if text else None
        except ValueError:
            return None
    return one(m.get("period")), one(m.get("compared_with"))


def figure_date_range(engine: sa.Engine, fig: dict[str, Any]) -> str:
    """The periods the number is computed from: '2019 and 2022', 'Jan-Jun 2021 and Jan-Jun 2022', '2020'."""
    p, c = _periods(fig.get("measure") or {})
    if p is None:
        return queries.data_status(engine)["range"]
    return f"{c.text()} and {p.text()}" if c is not None and c != p else p.text()


def _month(text: str | None) -> dt.date | None:
    return dt.datetime.strptime(text, "%b %Y").date() if text else None


def years_text(years: list[int]) -> str:
    years = sorted(set(years))
    if years == list(range(years[0], years[-1] + 1)):
        return str(years[0]) if len(years) == 1 else f"{years[0]}-{years[-1]}"
    return guidance.and_list([str(y) for y in years])


def _clipped(engine: sa.Engine, years: list[int], source: str) -> str:
    """Whole years shown, cut to the months the source has data for: "2019-2022", "Jan 2019 to Jun 2024"."""
    status = queries.data_status(engine, source)
    first, last = _month(status["first"]), _month(status["last"])
    if first is None or last is None:
        return years_text(years)
    start, end = max(dt.date(min(years), 1, 1), first), min(dt.date(max(years), 12, 1), last)
    if start > end:  # the chart shows years with no data: say which
        return years_text(years)
    if start.month == 1 and end.month == 12:
        return years_text([y for y in years if start.year <= y <= end.year])
    if start.year == end.year:
        return f"{start:%b}-{end:%b} {end.year}" if start != end else f"{end:%b %Y}"
    return f"{start:%b %Y} to {end:%b %Y}"


def chart_date_range(engine: sa.Engine, result: ChartResult, f: Filters | None, source: str) -> str:
    """The range of the data a chart draws: its rows' years (or periods), else its filters' years, else the years
    its own description names, else the data's range."""
    rows, described = result.rows, result.date_range or ""
    nibrs = result.source.startswith(FBI_SOURCE_LINE)
    general = result.source.startswith("General crime")
    if len(rows) and {"period", "prior_period"} <= set(rows.columns):
        return guidance.and_list(list(dict.fromkeys([*rows["prior_period"].astype(str), *rows["period"].astype(str)])))
    years: list[int] = []
    if len(rows) and "year" in rows.columns:
        years = [int(y) for y in rows["year"].dropna().unique()]
    elif len(rows) and "month" in rows.columns:  # by calendar month: a column per year
        years = [int(c[-4:]) for c in rows.columns if re.fullmatch(r"incidents_\d{4}", c)]
    if not years and f is not None:
        years = ([f.nibrs_year] if f.nibrs_year else []) if nibrs else \
            list(range(f.year_from, f.year_to + 1)) if f.year_from is not None else []
    if not years:
        shown = described.split("showing ", 1)[1] if "showing " in described else described
        if found := re.search(r"\b(\d{4})(?:-(\d{4}))?\b", re.sub(r"Data \w+ \d{4} to \w+ \d{4}", "", shown)):
            years = list(range(int(found[1]), int(found[2] or found[1]) + 1))
    if not years:
        return years_text(queries.nibrs_years(engine)) if nibrs and queries.nibrs_years(engine) else \
            queries.data_status(engine, source)["range"]
    if "total_jan_jun" in rows.columns:
        return f"Jan-Jun of {years_text(years)}"
    return years_text(years) if nibrs or general else _clipped(engine, years, source)


def data_as_of(engine: sa.Engine, what: str, source: str = "combined") -> str:
    """The latest period in the data: NIBRS ('offenses'), general crime ('general') or incidents of a source."""
    if what == "offenses":
        years = queries.nibrs_years(engine)
        return f"As of {years[-1]}, the latest NIBRS year in the data." if years else NOTHING_LOADED
    if what == "general":
        years = [y for m in CONTEXT_MEASURES for y in queries.context_years(engine, m)]
        return f"As of {max(years)}, the latest year of general crime in the data." if years else NOTHING_LOADED
    last = queries.data_status(engine, source)["last"]
    return f"As of {last}, the latest month in the data." if last else NOTHING_LOADED


def stale_warning(fig: dict[str, Any]) -> str:
    """A short warning under the 'as of' line (which already gives the latest value); '' when not stale."""
    if not fig.get("stale"):
        return ""
    held = re.match(r"True for (.+?);", fig.get("freshness") or "")  # the checker's "True for 2022; by 2024 ..."
    return f"Out of date: this figure held for {held.group(1) if held else fig['period']}, not for the latest period."


def as_of_line(fig: dict[str, Any]) -> str:
    """The latest period in the data and the figure's value for it."""
    if fig.get("as_of"):
        return fig["as_of"]
    latest = fig.get("latest") or {}
    if latest.get("period") and latest.get("value") is not None:
        value = claims_view.format_value(latest["value"], fig.get("claim_unit", "percent_change"))
        return f"As of {latest['period']}, the latest period in the data: {value}."
    return ""


# ---------------------------------------------------------------- headline figures

def claim_line(fig: dict[str, Any]) -> tuple[str, str]:
    if fig["verdict"] == "supported":
        period = f" for {fig['period']}" if fig.get("stale") else ""
        return f"Consistent with the published claim{period}: “{fig['published_claim']}”.", "ok"
    if fig["verdict"] == "not supported":
        return ("The widely shared figure is not supported by this data; this is the value computed from the source.",
                "warn")
    return "No published claim could be checked against this data.", "muted"


def plain_sentence(fig: dict[str, Any]) -> str:
    """The computed number in one plain sentence for a store sign ('<what> were <share> of offenses reported to
    the FBI's NIBRS in <year>.'), with no claim or correction wording."""
    m, value = fig.get("measure") or {}, fig.get("value")
    statement = fig.get("statement") or "The data loaded has no counts for this figure."
    p, c = _periods(m)
    if value is None or p is None:
        return statement
    shown = claims_view.value_text(fig)
    if m.get("unit") == "percent_share":
        metric = m.get("metric", "incidents")
        part = claim_title(metric, guidance.claim_filters(m.get("numerator")))
        den = m.get("denominator") or {}
        if metric == "offenses":
            whole = CLASS_WORDS.get(den.get("nibrs_class") or "", "offenses")
            return f"{part} were {shown} of {whole} reported to the FBI's NIBRS in {p.long()}."
        whole = guidance.lower_first(claim_title(metric, guidance.claim_filters(den)))
        return f"{part} were {shown} of {whole} in {p.long()}."
    if m.get("unit") == "percent_change" and c is not None:
        way = f"up {value:.1f}%" if value > 0 else f"down {-value:.1f}%" if value < 0 else "unchanged"
        return f"{statement.rstrip('.')}, {way}."
    return statement


def figure_subtitle(fig: dict[str, Any]) -> str:
    m = fig.get("measure") or {}
    if m.get("metric") == "offenses":
        return f"{fig['period']}; offenses reported to the FBI's NIBRS"
    f = m.get("filters") or m.get("numerator") or {}
    if f.get("regions"):
        from etl.regions import region_book

        names = region_book().names
        place = guidance.and_list([names.get(r, r) for r in f["regions"]])
    else:
        place = COUNTRY_WORDS.get(f.get("country"), f.get("country"))
    place += ", major cities" if f.get("major_only") else ""
    key = f.get("source") or "combined"
    return f"{fig['period']}; {place}; {PUBLIC_LABELS.get(key, key)}"


def figure_words(engine: sa.Engine, fig: dict[str, Any], kind: str, settings: Settings) -> Words:
    """The words of a headline figure's social graphic, stat card or store sign."""
    m = fig.get("measure") or {}
    short = short_source(engine, m)
    claim, tone = claim_line(fig)
    status = {"supported": f"Checked against {short} data", "not supported": f"Computed from {short} data",
              "no data": "No data for this period"}[fig["verdict"]]
    stale = stale_warning(fig)
    what = "offenses" if m.get("metric") == "offenses" else "incidents"
    as_of = as_of_line(fig) or data_as_of(engine, what, (m.get("filters") or m.get("numerator") or {}).get("source")
                                          or "combined")
    words = Words(kind=kind, title=fig["label"], subtitle=figure_subtitle(fig), number=claims_view.value_text(fig),
                  number_tone="muted" if fig["verdict"] == "no data" else "accent",
                  statement=fig.get("statement") or "The data loaded has no counts for this figure.",
                  claim=claim, claim_tone=tone, status=status, as_of=as_of, stale=stale,
                  source=figure_source(engine, fig), date_range=figure_date_range(engine, fig),
                  sample=bool(fig["sample_data"]), sample_note=fig.get("sample_note") or "",
                  call_to_action=settings.call_to_action, call_to_action_url=settings.call_to_action_url)
    if kind == "signage":
        g = guidance.for_figure(engine, fig)
        words = replace(words, claim="", statement=plain_sentence(fig),
                        sample_note=SIGN_SAMPLE_NOTE if words.sample else "", guidance_title=g.title,
                        tips=g.tips(), guidance_basis=g.basis, guidance_scenarios=g.scenarios)
    return replace(words, alt=figure_alt(fig, words, short))


def figure_alt(fig: dict[str, Any], words: Words, short: str = "the") -> str:
    """Kind, title, number, what it counts, how it stands (plain words on a sign), the sample mark."""
    what = words.statement.rstrip(".")
    title = f"{words.title[0].lower()}{words.title[1:]}"
    latest = f"; {words.as_of[0].lower()}{words.as_of[1:].rstrip('.')}" if words.stale and words.as_of else ""
    if words.kind == "signage":  # customers' words: no verdicts, no corrections
        checked = f"computed from {short} data" if fig["verdict"] != "no data" else "no data for this period"
        tips = f"; tips on {guidance.lower_first(words.guidance_title.removeprefix('What to do: '))}" \
            if words.guidance_title else ""
        sample = " (sample data: synthetic, not real incidents)" if words.sample else ""
        return (f"{KIND_LABELS[words.kind]} about {title} showing {words.number}: {what}; {checked}{latest}{tips}"
                f"{sample}.")
    verdict = {"supported": "consistent with the campaign's claim", "not supported":
               "the value computed from the source, as the widely shared figure is not supported",
               "no data": "no data to check"}[fig["verdict"]]
    if words.stale:
        verdict += f" for {fig['period']}{latest}"
    sample = " (sample data: the verdict shows the product works, not that the claim is true)" if words.sample else ""
    return f"{KIND_LABELS[words.kind]} of {title} showing {words.number}: {what}; {verdict}{sample}."


# ---------------------------------------------------------------- charts

def _dated(subtitle: str, date_range: str) -> str:
    """The subtitle's years (a part that is only '2024' or '2019-2022') as the range the chart draws."""
    def part(text: str) -> str:
        return ", ".join(date_range if re.fullmatch(r"\d{4}(?:-\d{4})?", x) else x for x in text.split(", "))
    return "; ".join(part(p) for p in subtitle.split("; "))


def _chart_filters(engine: sa.Engine, query: dict[str, Any] | None) -> Filters | None:
    if query is None:
        return None
    return parse(query, queries.years(engine), queries.regions(engine)["code"], queries.nibrs_years(engine),
                 sources=queries.sources(engine), several_regions=True)


def _chart_source_filter(engine: sa.Engine, described: str, f: Filters | None) -> str:
    """The source filter a chart was built with: from its query, else the label its description names."""
    if f is not None:
        return f.source
    labels = source_options(queries.sources(engine))
    found = [k for k, label in labels.items() if label in described]
    return max(found, key=lambda k: len(labels[k])) if found else "combined"


REGIONS_LISTED = 8  # a graphic names at most this many regions; the manifest keeps every filter


def short_region_list(text: str) -> str:
    """'60 states and provinces (AB, AK, ...)' -> '60 states and provinces (AB, AK, ... and 52 more)'."""
    def shorten(m: re.Match) -> str:
        codes = [c.strip() for c in m.group(2).split(",")]
        if len(codes) <= REGIONS_LISTED:
            return m.group(0)
        return f"{m.group(1)} ({', '.join(codes[:REGIONS_LISTED])} and {len(codes) - REGIONS_LISTED} more)"

    return re.sub(r"(\d+ states? and provinces?|\d+ states|\d+ provinces) \(([A-Z]{2}(?:, [A-Z]{2})+)\)", shorten, text)


def chart_words(engine: sa.Engine, title: str, kind_words: str, result: ChartResult, behind: list[dict[str, Any]],
                settings: Settings, *, query: dict[str, Any] | None = None) -> Words:
    """The words around an exported chart: its title, the filters shown, the headline number it stands behind.

    `query` (the chart's URL-query filters) makes the dates and the source exact; without it they are read
    from the chart's own description."""
    described = result.date_range or ""
    f = _chart_filters(engine, query)
    source_key = _chart_source_filter(engine, described, f)
    if "showing " in described:
        subtitle = described.split("showing ", 1)[1]
    else:  # the data's own range is the date line's job
        subtitle = "; ".join(p for p in described.split("; ") if not re.match(r"Data \w+ \d{4} to ", p))
    subtitle = short_region_list(public_labels(subtitle))
    if result.left_out:
        subtitle += " · The campaign's published figure is left out: the data does not support it"
    raw = result.export_source if result.export_source is not None else (
        f"{result.source}. {result.caveat}" if result.caveat else result.source)
    source = public_source(raw, counted(engine, {"JSA", "JM"} if source_key == "combined" else {source_key}))
    nibrs, general = result.source.startswith(FBI_SOURCE_LINE), result.source.startswith("General crime")
    as_of = data_as_of(engine, "offenses" if nibrs else "general" if general else "incidents", source_key)
    number = stale = note = ""
    if behind and behind[0]["value"] is not None:
        fig = behind[0]
        number = f"Headline figure {claims_view.value_text(fig)}: {fig['label']}"
        as_of = as_of_line(fig) or as_of
        stale = stale_warning(fig)
        note = fig.get("sample_note") or ""
    date_range = chart_date_range(engine, result, f, source_key)
    subtitle = _dated(subtitle, date_range)
    dates = "" if date_range in subtitle else f"{'; ' if subtitle else ''}data {date_range}"
    return Words(kind="chart", title=title, subtitle=subtitle, statement=number, as_of=as_of, stale=stale,
                 source=source, date_range=date_range, sample=result.sample, sample_note=note,
                 call_to_action=settings.call_to_action, call_to_action_url=settings.call_to_action_url,
                 alt=f"{kind_words} of “{title}” ({subtitle}{dates})")
