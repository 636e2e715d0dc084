"""Request and response bodies of the instructor API (codes, not ids, so scripts read well)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from app.errors import ErrorOut


class CommissionIn(BaseModel):
    title: str = Field(max_length=200)
    scenario: str = Field(default="cooling-off", description="The scenario's slug.")


class OpenedOut(BaseModel):
    id: int
    title: str
    status: str
    join_code: str


class RosterIn(BaseModel):
    csv: str = Field(description="The roster as CSV text: name, email, delegation, sector.")


class LineProblemOut(BaseModel):
    line: int | None = Field(description="The line of the file; none for the whole file.")
    message: str


class RosterRefusedOut(ErrorOut):
    """A roster with any bad line imports no one: `problems` lists every line's problem."""

    problems: list[LineProblemOut] | None = None


class CredentialOut(BaseModel):
    name: str
    username: str
    password: str
    email: str | None
    delegation: str | None
    sector: str | None


class SeatIn(BaseModel):
    delegation: str | None = None
    sector: str | None = None
    brief: str | None = None
    groups: list[str] = Field(default_factory=list, description="Working group codes.")
    co_chair_of: list[str] = Field(default_factory=list)
    head: bool = False


class AutoSeatIn(BaseModel):
    reseat_all: bool = False
    groups_per_student: int = Field(
        default=0, ge=0, description="Working groups each student sits in; 0 means all of them."
    )


class RulesIn(BaseModel):
    voting_rule: Literal[
        "double_majority", "simple_majority", "two_thirds", "consensus", "unanimity"
    ]
    quorum_percent: int = Field(ge=0, le=100)
    ballot_unit: Literal["delegate", "delegation"] = "delegate"
    ballot_type: Literal["roll_call", "secret"] = "roll_call"
    sponsorship: Literal["every_member_delegation", "any_other_delegation", "none"] = (
        "every_member_delegation"
    )
    hide_running_tally: bool = False
    chairs_move_stages: bool = True
    texts_must_agree: bool = Field(
        default=True,
        description="A proposal whose English and Chinese texts are out of step cannot go to "
        "the vote until an author confirms that they agree.",
    )


class PartnerIn(BaseModel):
    code: str = Field(max_length=12)
    name: str = Field(max_length=120)
    status: Literal["member", "observer"] = "observer"


class ConcludeIn(BaseModel):
    visibility: Literal["private", "class", "public"]
    credit_students_by_name: bool = Field(
        default=False,
        description="Name students outside the room (visitors, the registry, exports). Off: "
        "they appear by delegation and sector. Refused under the Chatham House Rule.",
    )
