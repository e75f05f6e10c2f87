"""What a jeweler can do about each kind of crime: the text of the guidance pages.

Plain content, no numbers: the pages add the statistics from the database.
The crime types behind each scenario come from the one taxonomy
(etl.taxonomy), the same table the ETL writes into the database. The two
small renderers at the end are shared by several pages (page modules cannot
import each other: Dash Pages would register them twice).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from etl.taxonomy import CRIME_TYPES, GUIDANCE_SCENARIOS, CrimeType

if TYPE_CHECKING:  # Dash is imported by the two card builders only: the exporter reads the words without it
    import dash_bootstrap_components as dbc
    from dash import html


@dataclass(frozen=True)
class Scenario:
    slug: str
    summary: str  # one line for cards and lists
    how_it_happens: str
    during_after: tuple[str, ...]
    limit_loss: tuple[str, ...]
    icon: str = "bi-shield-exclamation"

    @property
    def title(self) -> str:
        return GUIDANCE_SCENARIOS[self.slug]

    @property
    def related(self) -> list[CrimeType]:
        return related_types(self.slug)


_SCENARIOS = (
    Scenario(
        "smash-and-grab",
        "A crew breaks showcases with hammers during opening hours and is gone within a minute.",
        "A group of several people, hoods up and faces hidden behind masks or scarves, walks in while the store is "
        "open, sometimes all at once and sometimes a few seconds apart. They go straight to the cases that hold the "
        "most valuable pieces, shatter the glass with hammers or similar tools, sweep what they can into bags and run. "
        "The whole thing usually lasts less than a minute. Crews pick their targets in advance: a store close to an "
        "exit or a fast road, with expensive merchandise displayed near the door, is the kind they look for.",
        (
            "Do not step in, block the door or chase anyone: the safety of staff and customers comes first, and "
            "merchandise can be replaced.",
            "Move people away from the cases and the exit and let the crew leave as quickly as it came; it is "
            "normally over within a minute or two.",
            "Press the hold-up alarm only if you can do it without drawing attention; call the police as soon as the "
            "crew has gone.",
            "From a safe place, note how many people there were, their clothing, the tools they carried, any vehicle "
            "and the direction it left in, and write it down straight away.",
            "Lock the door, keep everyone clear of broken glass and leave the damaged cases untouched for the police.",
            "Save the camera footage, list what is missing from your inventory records, then call your insurer.",
        ),
        (
            "Keep the most valuable pieces in cases away from the entrance, closer to where staff stand.",
            "Fit showcases with laminated or burglary-resistant glass so that each blow buys you time.",
            "Greet everyone at the door; a remote door release lets you keep out groups with covered faces.",
            "Photograph the contents of each case so a loss can be counted quickly and accurately.",
            "Rehearse the plan with every employee: who moves customers, who calls the police, who stays put.",
        ),
        icon="bi-hammer",
    ),
    Scenario(
        "armed-robbery",
        "Robbers show or suggest a weapon and demand merchandise from the cases and the safe.",
        "One or more robbers show a gun or knife, or say they have one. Many arrive looking like ordinary customers, "
        "or wait for opening and closing time, when few people are about and the safe may be open. They want control: "
        "they may order staff to the floor or into a back room and demand the contents of the cases and the safe. "
        "Most injuries happen when someone resists or moves suddenly.",
        (
            "Do what you are told, calmly; make no sudden movements and say what you are about to do before you do "
            "it (\"the keys are in my left pocket\").",
            "Never resist, argue, chase or reach for a weapon.",
            "Without staring, take in height, build, voice, clothing, the weapon and anything the robbers touched.",
            "Use a silent alarm only if you can do so unseen.",
            "Once they have left: lock the doors, call the police, help anyone who is hurt and ask witnesses to stay.",
            "Have each witness write down what they saw before discussing it, and keep everyone away from what the "
            "robbers touched.",
        ),
        (
            "Open and close with two people: one watches from outside or from a car while the other goes in, with "
            "an agreed signal for trouble.",
            "Keep the safe closed and, where possible, on a time lock outside the hours you need it.",
            "Let nobody in before opening or after closing, whatever reason they give.",
            "Put cameras at the door and a monitor where customers can see they are being recorded.",
            "Keep only what you need for the day in the cases and never discuss where valuables are kept.",
        ),
        icon="bi-exclamation-octagon",
    ),
    Scenario(
        "after-hours-burglary",
        "Burglars force the front glass at night and empty the showroom in about three minutes.",
        "Burglars come when the store is closed, most often by breaking the glass of the front door or a window; "
        "some ram the front with a vehicle or cut through a roof or a shared wall. They expect the alarm to go off "
        "and plan around it: merchandise left in the showroom is taken in roughly three minutes, before the police "
        "or a keyholder can get there. Attacks on the safe take longer and are usually planned, with cutting tools "
        "and attempts to defeat the alarm.",
        (
            "If the alarm company calls you at night, do not go in alone: meet the police at the store and let them "
            "check it first.",
            "Touch nothing until the police have finished; tool marks, glass and footprints are evidence.",
            "Board up or secure the opening only after the scene has been examined.",
            "Review the footage, check the safe and build a list of what is missing from your records.",
            "Report to your insurer and warn nearby jewelers; crews often hit several stores in one area.",
        ),
        (
            "At closing, put every piece in the safe, not only the expensive ones.",
            "If the safe cannot hold everything, lock the lower-value pieces in a drawer or an inner room where "
            "nobody can see them from outside.",
            "Anything visible through the window is an invitation: leave the cases empty and uncovered, because a "
            "cover tells a passer-by there is something under it.",
            "Use an alarm that signals over more than one path (cellular as well as a line) with glass-break and "
            "motion sensors, and test it regularly.",
            "Harden the front: laminated glass or security film, a roll-down gate, and posts that stop a vehicle.",
        ),
        icon="bi-moon-stars",
    ),
    Scenario(
        "grab-and-run",
        "A 'customer' asks to see a piece, then runs out of the door with it.",
        "The thief behaves like a shopper and asks to see something expensive that is easy to carry: a ring, a "
        "chain, a watch. Some ask for several pieces at once or try one on. As soon as the piece is in their hand "
        "they turn and run, often to a car waiting outside. It takes seconds, and the chance of getting the piece "
        "back drops fast once they are outside.",
        (
            "Do not run after the thief outside or try to hold the door shut; grabbing or blocking someone is how "
            "people get hurt.",
            "If you can see it safely, note the direction, the vehicle and its plate.",
            "Call the police at once with a description and exactly what was taken.",
            "Save the camera footage from the counter where the piece was shown; it usually shows the face clearly.",
        ),
        (
            "Show one piece at a time and put it away before taking out the next.",
            "Show high-value pieces at a counter away from the door, and keep your hand near the piece.",
            "Take a good look at the customer before handing anything over; be wary of sunglasses and hoods indoors "
            "and of shoppers who keep glancing at the exit.",
            "Place a camera at each showing counter at face height.",
            "A door you release remotely makes a quick exit harder and makes thieves think twice.",
        ),
        icon="bi-person-walking",
    ),
    Scenario(
        "distraction-theft",
        "One person fakes an emergency while an accomplice takes a piece from an open case.",
        "A team works the store together. One of them pretends to faint, complains of sudden pain, starts an "
        "argument or asks to see many items at once, and every employee turns to help. Meanwhile an accomplice "
        "slips a piece from an open case or the counter and leaves quietly. The loss is often noticed only when the "
        "stock is counted.",
        (
            "Help the person in distress, but keep one employee with the merchandise and lock any open case first.",
            "When a loss is found, go through the camera footage straight away and note the time.",
            "Write down what the camera may miss: names given, accents, clothing, cars, what was said.",
            "Report to the police promptly and warn other jewelers nearby; teams move from store to store.",
        ),
        (
            "Keep the cameras working and check regularly that they record and cover every case.",
            "Lock a case every time you take something out of it, and keep keys on staff.",
            "Count the pieces on the counter before and after each showing.",
            "Agree a code word that means 'someone watch the cases' and use it whenever attention is pulled away.",
            "Be alert when a group comes in together and then splits up around the store.",
        ),
        icon="bi-eye",
    ),
    Scenario(
        "sneak-theft-and-switch",
        "Pieces taken unnoticed, or swapped for a lookalike while being examined.",
        "A sneak thief takes pieces without force when nobody is watching: from a case left unlocked, from behind "
        "the counter, from a tray left out. In a switch the thief brings a lookalike, such as a stone simulant or a "
        "copied watch, exchanges it for the real piece while examining it and leaves calmly. Both are often found "
        "only days later, which makes the time and the suspect hard to pin down.",
        (
            "If you suspect a switch while the customer is still there, do not accuse anyone; check the piece "
            "quietly and call the police if it is not yours.",
            "Review the footage for the time the piece was last shown and keep a record of who saw it.",
            "Give the police and your insurer the piece's identifying details: grading report, inscription, photos.",
        ),
        (
            "Record how to recognise each high-value piece (laser inscription, grading report, weight, photos) and "
            "check it every time it comes back.",
            "Show one piece at a time and make sure it is the same one before it goes back in the case.",
            "Keep cases locked and watch the back of the counter as well as the front.",
            "Count the high-value pieces every day and reconcile the count at closing.",
        ),
        icon="bi-arrow-left-right",
    ),
    Scenario(
        "off-premises",
        "Losses away from the store: salespeople followed and robbed, cars broken into, trade shows, home invasions.",
        "Jewelers carrying merchandise are targeted away from the store. Traveling salespeople are followed from a "
        "store, a show or an airport and robbed, or their car is broken into during a short stop for fuel or food. "
        "Trade shows draw thieves who watch the booths and follow exhibitors to their hotels. Some jewelers are "
        "attacked at home and forced to go back and open the store.",
        (
            "Do not resist a robbery: no piece of merchandise is worth your life.",
            "Call the police, then your insurer, with a list of exactly what you were carrying.",
            "Note the people and vehicles involved and anything earlier that suggested you were being followed.",
        ),
        (
            "Never leave merchandise in a vehicle, not even for a few minutes; keep it on you or in a safe.",
            "Vary your routes and times; if you think you are followed, drive to a police station, not home.",
            "Take off show badges and use plain bags outside the show floor.",
            "Keep the list of goods you carry separate from the goods themselves.",
            "Keep merchandise out of your home and watch for unfamiliar cars near it.",
        ),
        icon="bi-truck",
    ),
)

SCENARIOS: dict[str, Scenario] = {s.slug: s for s in _SCENARIOS}

RESOURCES: tuple[tuple[str, str, str], ...] = (
    ("Partner for Protection", "https://www.partnerforprotection.com/",
     "Jewelers Mutual's crime-prevention campaign for jewelers"),
    ("Jewelers Mutual", "https://www.jewelersmutual.com/", "Insurance and loss-prevention help for jewelers"),
    ("Jewelers' Security Alliance", "https://jewelerssecurity.org/",
     "Crime alerts, statistics and security advice for the jewelry industry"),
)


def related_types(slug: str) -> list[CrimeType]:
    """The crime types whose guidance is this scenario (a category itself has subtype None)."""
    return [ct for ct in CRIME_TYPES if ct.guidance == slug]


def type_label(ct: CrimeType) -> str:
    """A category row stands for incidents whose sub-type was not recorded."""
    return ct.label if ct.subtype else f"{ct.label}, sub-type not recorded"


def tips(slug: str, n: int = 3) -> list[str]:
    """The first few loss-limiting tips of a scenario, for the short cards on other pages."""
    s = SCENARIOS.get(slug)
    return list(s.limit_loss[:n]) if s else []


# ---------------------------------------------------------------- shared renderers

def guidance_card(slug: str, reason: str | None = None, n_tips: int = 3) -> dbc.Card | None:
    """A short card: the scenario's title, a few tips and a link to its page (None for an unknown slug)."""
    import dash_bootstrap_components as dbc
    from dash import dcc, html

    s = SCENARIOS.get(slug)
    if s is None:
        return None
    return dbc.Card(dbc.CardBody([
        html.H3([html.I(className=f"bi {s.icon} me-2", **{"aria-hidden": "true"}), s.title], className="h6 mb-1"),
        html.P(reason, className="small text-muted mb-1") if reason else None,
        html.Ul([html.Li(t) for t in tips(slug, n_tips)], className="small mb-2 ps-3"),
        dcc.Link(["Full guidance: ", s.title, html.I(className="bi bi-arrow-right ms-1")], href=f"/guidance/{slug}",
                 className="small guidance-card-link"),
    ]), className="h-100 guidance-card", id=f"guidance-card-{slug}")


def resource_links(heading: str = "Public resources") -> html.Section:
    """Plain links to the campaign, the insurer and the industry's security alliance."""
    from dash import html

    return html.Section([
        html.H2(heading, className="h5"),
        html.Ul([html.Li([html.A(name, href=url, rel="noopener noreferrer", className="resource-link"), f": {what}"])
                 for name, url, what in RESOURCES], className="mb-0"),
    ], className="resources border-top pt-3 mt-4", id="resources")
