"""Request and response bodies of the proposals API."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from app.ids import Id

if TYPE_CHECKING:
    from app.commissions.models import Participant


Language = Literal["en", "zh_CN"]  # app.proposals.rules.TEXT_LANGUAGES


class ParallelTextIn(BaseModel):
    """The text in the other language, equally authentic."""

    title: str = Field(max_length=200)
    text: str = Field(max_length=20_000)
    rationale: str = Field(default="", max_length=20_000)


class ProposalIn(BaseModel):
    title: str = Field(max_length=200)
    text: str = Field(max_length=20_000)
    rationale: str = Field(default="", max_length=20_000)
    language: Language | None = Field(
        default=None,
        description="The language of title, text and rationale. A new proposal's own language "
        "(English by default); when editing, the proposal's own language unless given.",
    )
    parallel: ParallelTextIn | None = Field(
        default=None,
        description="The text in the other language, added or changed in the same edit; "
        "written together, the two texts are confirmed as agreeing.",
    )


class ParticipantRef(BaseModel):
    participant_id: Id


class SponsorshipAnswer(BaseModel):
    accept: bool


class StageAction(BaseModel):
    action: Literal["table", "open_debate", "open_vote", "withdraw"]
    deadline_minutes: int | None = Field(default=None, ge=1, le=24 * 60)


class ArgumentIn(BaseModel):
    stance: Literal["support", "oppose", "question", "note"]
    body: str = Field(max_length=10_000)
    parent_id: Id | None = None


class HideIn(BaseModel):
    reason: str = Field(max_length=1000)


class AmendmentIn(BaseModel):
    text: str = Field(max_length=20_000)
    rationale: str = Field(default="", max_length=20_000)
    language: Language | None = Field(
        default=None, description="The text it amends; by default the proposal's own language."
    )


class PersonOut(BaseModel):
    participant_id: int
    display_name: str
    delegation: str | None


def person_out(p: Participant | None) -> PersonOut | None:
    if p is None:
        return None
    return PersonOut(
        participant_id=p.id,
        display_name=p.user.display_name,
        delegation=p.delegation.code if p.delegation else None,
    )


class SponsorOut(PersonOut):
    status: str


class RevisionOut(BaseModel):
    number: int
    language: str
    title: str
    text: str
    rationale: str
    author: PersonOut | None
    amendment_id: int | None
    created_at: datetime


class DelegationTallyOut(BaseModel):
    delegation: str
    name: str
    eligible: int
    yes: int | None
    no: int | None
    abstain: int | None


class VoteOut(BaseModel):
    id: int
    amendment_id: int | None
    round: int
    voting_rule: str
    ballot_type: str
    ballot_unit: str
    quorum: float
    opened_at: datetime
    deadline: datetime | None
    closed_at: datetime | None
    eligible: int
    cast: int
    # No yes/no/abstain, adopted or summary until the vote closes: when the group hides running
    # tallies, and always for a secret ballot (nothing is counted before the close).
    counts_hidden: bool
    by_delegation: list[DelegationTallyOut]
    adopted: bool | None
    final: bool
    summary: str | None
    explanation: str | None
    you_voted: bool
    your_choice: str | None


class ProposalSummaryOut(BaseModel):
    id: int
    title: str
    stage: str
    round: int
    working_group: str


class TextOut(BaseModel):
    """A proposal's current text in one language."""

    language: str
    title: str
    text: str
    rationale: str
    revision: int


class TextsStepOut(BaseModel):
    out_of_step: bool
    # The group's rule keeps the proposal from the vote until an author confirms the texts.
    blocks_vote: bool
    confirmed_revisions: dict[str, int] | None
    confirmed_by: PersonOut | None
    confirmed_at: datetime | None


class ProposalOut(ProposalSummaryOut):
    text: str
    rationale: str
    revision: int
    # The proposal's own language (that of `title`, `text` and `rationale`), and every current
    # text, its own and the parallel one, both equally authentic.
    language: str
    texts: list[TextOut]
    texts_step: TextsStepOut
    authors: list[PersonOut]
    sponsors: list[SponsorOut]
    tabling_needs: list[str]
    vote: VoteOut | None
    norm_code: str | None


class ArgumentOut(BaseModel):
    id: int
    parent_id: int | None
    stance: str
    body: str | None
    author: PersonOut | None
    created_at: datetime
    hidden: bool
    hidden_reason: str | None


class AmendmentOut(BaseModel):
    id: int
    status: str
    language: str
    text: str
    rationale: str
    base_revision: int
    author: PersonOut | None
    created_at: datetime


class DiffSegmentOut(BaseModel):
    kind: str
    text: str
