"""The rows of an archive file, one class per table, shaped like the database's own columns.

Each row is read from the file (unknown fields refused) or from an ORM object; values limited to
a closed set are checked against the same tuples as the columns' CHECK constraints, worded for
the reader. app.archive.schemas puts the rows together into the whole file.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

from app.accounts.rules import USERNAME_PATTERN
from app.commissions.rules import (
    BALLOT_TYPES,
    BALLOT_UNITS,
    DELEGATION_STATUSES,
    PARTICIPANT_ROLES,
    SPONSORSHIP_RULES,
    STATUSES,
    VISIBILITIES,
    VOTING_RULES,
)
from app.i18n import LocaleId
from app.i18n import gettext as _
from app.injects.rules import INJECT_STATUSES, TRIGGERS
from app.proposals.rules import (
    AMENDMENT_STATUSES,
    SPONSORSHIP_STATUSES,
    STAGES,
    STANCES,
    TEXT_LANGUAGES,
)
from app.voting.rules import CHOICES


def _one_of(values: tuple[str, ...]) -> Callable[[str], str]:
    def check(value: str) -> str:
        if value not in values:
            raise ValueError(
                _("“%(value)s” is not one of %(choices)s.", value=value, choices=", ".join(values))
            )
        return value

    return check


CommissionStatus = Annotated[str, AfterValidator(_one_of(STATUSES))]
Visibility = Annotated[str, AfterValidator(_one_of(VISIBILITIES))]
DelegationStatus = Annotated[str, AfterValidator(_one_of(DELEGATION_STATUSES))]
Role = Annotated[str, AfterValidator(_one_of(PARTICIPANT_ROLES))]
VotingRule = Annotated[str, AfterValidator(_one_of(VOTING_RULES))]
BallotUnit = Annotated[str, AfterValidator(_one_of(BALLOT_UNITS))]
BallotType = Annotated[str, AfterValidator(_one_of(BALLOT_TYPES))]
SponsorshipRule = Annotated[str, AfterValidator(_one_of(SPONSORSHIP_RULES))]
SponsorshipStatus = Annotated[str, AfterValidator(_one_of(SPONSORSHIP_STATUSES))]
Stage = Annotated[str, AfterValidator(_one_of(STAGES))]
Stance = Annotated[str, AfterValidator(_one_of(STANCES))]
AmendmentStatus = Annotated[str, AfterValidator(_one_of(AMENDMENT_STATUSES))]
Choice = Annotated[str, AfterValidator(_one_of(CHOICES))]
# Absent from archives written before parallel texts: every text then was in its proposal's
# language, stored as English.
Language = Annotated[str, AfterValidator(_one_of(TEXT_LANGUAGES))]
InjectStatus = Annotated[str, AfterValidator(_one_of(INJECT_STATUSES))]
Trigger = Annotated[str, AfterValidator(_one_of(TRIGGERS))]
Username = Annotated[str, Field(pattern=USERNAME_PATTERN.pattern)]


class Row(BaseModel):
    """A row read from the file (unknown fields refused) or from an ORM object."""

    model_config = ConfigDict(extra="forbid", from_attributes=True)


class KeyedRow(Row):
    """A row with an id, which other rows of the file may refer to."""

    id: int


class UserRow(KeyedRow):
    """An account as far as the commission needs it: never a password hash or a session."""

    username: Username
    display_name: Annotated[str, Field(min_length=1, max_length=80)]
    email: Annotated[str, Field(max_length=254)] | None
    is_instructor: bool


class CommissionRow(KeyedRow):
    title: Annotated[str, Field(min_length=1, max_length=200)]
    public_briefing: str
    join_code: Annotated[str, Field(min_length=1, max_length=16)]
    status: CommissionStatus
    charter_visibility: Visibility
    chatham_house: bool
    # Absent from archives written before it existed: such a charter names no student outside.
    credit_students_by_name: bool = False
    report_shared_with_class: bool
    # Absent from archives written before it existed: no default language.
    default_locale: LocaleId | None = None
    created_by_id: int | None
    created_at: AwareDatetime
    opened_at: AwareDatetime | None
    concluded_at: AwareDatetime | None


class DelegationRow(KeyedRow):
    code: str
    name: str
    status: DelegationStatus
    brief: str
    position: int
    joined_at: AwareDatetime


class SectorRow(KeyedRow):
    code: str
    name: str
    description: str
    position: int


class WorkingGroupRow(KeyedRow):
    code: str
    pillar: str
    name: str
    mandate: str
    position: int
    voting_rule: VotingRule
    quorum: Annotated[float, Field(ge=0, le=1)]
    ballot_unit: BallotUnit
    ballot_type: BallotType
    sponsorship: SponsorshipRule
    hide_running_tally: bool
    chairs_move_stages: bool
    # Absent from archives written before parallel texts: the rule's default, on.
    texts_must_agree: bool = True


class RoleBriefRow(KeyedRow):
    code: str
    title: str
    delegation_id: int | None
    sector_id: int | None
    summary: str
    goals: str
    red_lines: str
    position: int


class ParticipantRow(KeyedRow):
    user_id: int
    role: Role
    delegation_id: int | None
    sector_id: int | None
    role_brief_id: int | None
    is_head_of_delegation: bool
    joined_at: AwareDatetime


class MembershipRow(Row):
    participant_id: int
    working_group_id: int
    is_co_chair: bool


class ProposalRow(KeyedRow):
    working_group_id: int
    title: str
    stage: Stage
    round: Annotated[int, Field(ge=1)]
    created_by_id: int | None
    created_at: AwareDatetime
    updated_at: AwareDatetime
    stage_changed_at: AwareDatetime


class AuthorRow(Row):
    proposal_id: int
    participant_id: int
    added_at: AwareDatetime


class SponsorshipRow(Row):
    proposal_id: int
    participant_id: int
    status: SponsorshipStatus
    invited_at: AwareDatetime
    responded_at: AwareDatetime | None


class AmendmentRow(KeyedRow):
    proposal_id: int
    round: int
    author_id: int | None
    language: Language = "en"
    base_revision_number: int
    text: str
    rationale: str
    status: AmendmentStatus
    created_at: AwareDatetime
    decided_at: AwareDatetime | None


class RevisionRow(KeyedRow):
    proposal_id: int
    number: Annotated[int, Field(ge=1)]
    language: Language = "en"
    title: str
    text: str
    rationale: str
    author_id: int | None
    amendment_id: int | None
    created_at: AwareDatetime


def _confirmed_revisions(value: dict[str, int]) -> dict[str, int]:
    for language, number in value.items():
        _one_of(TEXT_LANGUAGES)(language)
        if number < 1:
            raise ValueError(_("A revision number is a whole number from 1."))
    return value


class TextConfirmationRow(KeyedRow):
    """An author's word that a proposal's two texts, as these revisions, agree."""

    proposal_id: int
    participant_id: int | None
    revisions: Annotated[dict[str, int], AfterValidator(_confirmed_revisions)]
    confirmed_at: AwareDatetime


class ArgumentRow(KeyedRow):
    proposal_id: int
    parent_id: int | None
    author_id: int | None
    stance: Stance
    body: str
    created_at: AwareDatetime
    hidden_at: AwareDatetime | None
    hidden_by_id: int | None
    hidden_reason: str | None


class CaucusMessageRow(KeyedRow):
    delegation_id: int
    working_group_id: int | None
    author_id: int | None
    body: str
    created_at: AwareDatetime


class VoteRow(KeyedRow):
    proposal_id: int
    amendment_id: int | None
    round: Annotated[int, Field(ge=1)]
    voting_rule: VotingRule
    quorum: Annotated[float, Field(ge=0, le=1)]
    ballot_unit: BallotUnit
    ballot_type: BallotType
    hide_running_tally: bool
    opened_by_id: int | None
    opened_at: AwareDatetime
    deadline: AwareDatetime | None
    closed_at: AwareDatetime | None
    adopted: bool | None
    result: dict[str, Any] | None


class BallotReceiptRow(KeyedRow):
    """That a participant voted; for a secret ballot nothing here or elsewhere says how."""

    vote_id: int
    participant_id: int
    delegation_id: int
    delegation_seat: int | None
    cast_at: AwareDatetime


class RollCallBallotRow(KeyedRow):
    vote_id: int
    participant_id: int
    delegation_id: int
    sector_id: int | None
    choice: Choice
    cast_at: AwareDatetime


class SecretBallotCountRow(Row):
    """Only a count per vote, delegation and choice: secret ballots exist as nothing else."""

    vote_id: int
    delegation_id: int
    choice: Choice
    count: Annotated[int, Field(ge=0)]


class NormRow(KeyedRow):
    """A norm without its search fields: those are derived from it whenever it is written."""

    working_group_id: int
    proposal_id: int
    revision_id: int
    vote_id: int | None
    number: Annotated[int, Field(ge=1)]
    code: str
    title: str
    text: str
    language: Language = "en"
    # The parallel text in the other language, equally authentic (none: '' and null).
    parallel_language: Language | None = None
    parallel_title: str = ""
    parallel_text: str = ""
    tally: dict[str, Any]
    adopted_at: AwareDatetime


class InjectRow(KeyedRow):
    code: str | None
    title: str
    body: str
    working_group_id: int | None
    target_delegation_id: int | None
    status: InjectStatus
    trigger: Trigger
    idle_minutes: int | None
    scheduled_for: AwareDatetime | None
    published_at: AwareDatetime | None
    created_at: AwareDatetime
    # Archives written before injects recorded it have none: the quiet then counts from creation.
    armed_at: AwareDatetime | None = None


class ActivityRow(KeyedRow):
    actor_id: int | None
    kind: str
    proposal_id: int | None
    working_group_id: int | None
    delegation_id: int | None
    data: dict[str, Any]
    created_at: AwareDatetime
