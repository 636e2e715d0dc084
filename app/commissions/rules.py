"""Who may see what in a commission: pure decisions over plain data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from app.i18n import gettext as _

STATUSES = ("setup", "in_session", "concluded")
VISIBILITIES = ("private", "class", "public")
PARTICIPANT_ROLES = ("instructor", "delegate", "observer")
DELEGATION_STATUSES = ("member", "observer")

# The vocabularies of a working group's rule columns (commissions.models.GroupRuleColumns): core,
# because the commission's and the scenario's groups both hold them; voting and proposals decide
# what each value means. The same vocabularies as types, for schemas
# (tests/scenarios/test_group_rules.py: still equal).
VOTING_RULES = ("double_majority", "simple_majority", "two_thirds", "consensus", "unanimity")
BALLOT_UNITS = ("delegate", "delegation")
BALLOT_TYPES = ("roll_call", "secret")
SPONSORSHIP_RULES = ("every_member_delegation", "any_other_delegation", "none")
VotingRule = Literal["double_majority", "simple_majority", "two_thirds", "consensus", "unanimity"]
BallotUnit = Literal["delegate", "delegation"]
BallotType = Literal["roll_call", "secret"]
SponsorshipRule = Literal["every_member_delegation", "any_other_delegation", "none"]


@dataclass(frozen=True)
class Viewer:
    """What the overview needs to know about the person looking at it."""

    participant_id: int | None
    role: str | None
    delegation_id: int | None

    @property
    def is_member(self) -> bool:
        return self.participant_id is not None

    @property
    def is_instructor(self) -> bool:
        return self.role == "instructor"


NOBODY = Viewer(participant_id=None, role=None, delegation_id=None)


def can_view_commission(viewer: Viewer) -> bool:
    """The overview, briefing and roster are for members of the commission only."""
    return viewer.is_member


def can_manage(viewer: Viewer) -> bool:
    """Only the commission's own instructors run it; a delegate gets a refusal."""
    return viewer.is_instructor


def can_view_roster(viewer: Viewer) -> bool:
    return viewer.is_member


def can_read_delegation_brief(viewer: Viewer, delegation_id: int) -> bool:
    """A delegation's instructions are for its own delegates and for instructors."""
    return viewer.is_instructor or (
        viewer.delegation_id is not None and viewer.delegation_id == delegation_id
    )


def can_read_private_brief(viewer: Viewer, brief_holder_participant_id: int) -> bool:
    """A private role brief is for the person who holds it and for instructors."""
    return viewer.is_instructor or viewer.participant_id == brief_holder_participant_id


# --- how people are named -------------------------------------------------------------------
#
# Students' names are education records: they stay in the class unless the instructor chose,
# when publishing the charter, to credit students by name. Outside the room (visitors, strangers,
# the registry, a downloaded export) a person is their delegation and sector. Inside the room
# classmates know each other, except under the Chatham House Rule, which ties words to seats
# even there (and so also forbids crediting anyone outside). Instructors, who run the room and
# grade it, always see names.

OUTSIDE = NOBODY  # a reader outside the room; also the reader a published export is written for


@dataclass(frozen=True)
class Person:
    """Someone a page mentions: their name and their seat (delegation and sector names)."""

    name: str
    role: str
    delegation: str | None
    sector: str | None


def names_people(reader: Viewer, *, chatham_house: bool, credit_students: bool) -> bool:
    """Whether this reader sees people's names, or only their delegations and sectors."""
    if reader.is_instructor:
        return True
    if chatham_house:
        return False
    return reader.is_member or credit_students


def seat_label(person: Person) -> str:
    """A person as the world outside the room knows them: "United States · Government"."""
    seat = [part for part in (person.delegation, person.sector) if part]
    if seat:
        return " · ".join(seat)
    return {"instructor": _("Instructor"), "observer": _("Observer")}.get(
        person.role, _("Delegate")
    )


def person_label(person: Person, *, named: bool) -> str:
    """ "Alice Adams (United States · Government)" when named, else the seat alone."""
    return f"{person.name} ({seat_label(person)})" if named else seat_label(person)


def shown_as(person: Person, reader: Viewer, *, chatham_house: bool, credit_students: bool) -> str:
    """How a page of a commission with these choices names this person to this reader."""
    named = names_people(reader, chatham_house=chatham_house, credit_students=credit_students)
    return person_label(person, named=named)


@dataclass(frozen=True)
class Seat:
    """A participant as seen from one working group: what every decision about what they may do
    there reads (app.commissions.seats loads them)."""

    participant_id: int
    role: str  # instructor | delegate | observer
    delegation_id: int | None
    delegation_is_member: bool
    in_group: bool
    is_co_chair: bool
    is_head: bool

    @property
    def is_instructor(self) -> bool:
        return self.role == "instructor"
