"""The archive file: one JSON document holding a whole commission, table by table.

Each table is a list of rows named and shaped like the database's own columns. Row ids are
the exporting installation's ids, used only as references inside the file: an import gives
every row a new id and rewrites the references (REFERENCES says which field points where).
The commission's own id is implied, so rows carry no `commission_id`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, get_args

from pydantic import AwareDatetime, BaseModel, ConfigDict

from app.archive.rows import (
    ActivityRow,
    AmendmentRow,
    ArgumentRow,
    AuthorRow,
    BallotReceiptRow,
    CaucusMessageRow,
    CommissionRow,
    DelegationRow,
    InjectRow,
    MembershipRow,
    NormRow,
    ParticipantRow,
    ProposalRow,
    RevisionRow,
    RoleBriefRow,
    RollCallBallotRow,
    Row,
    SecretBallotCountRow,
    SectorRow,
    SponsorshipRow,
    TextConfirmationRow,
    UserRow,
    VoteRow,
    WorkingGroupRow,
)
from app.scenarios.schemas import ScenarioFile

FORMAT = "commission-archive"
VERSION = 1


class Archive(BaseModel):
    """The whole file. Tables are listed in the order an import writes them."""

    model_config = ConfigDict(extra="forbid")

    format: Literal["commission-archive"]
    version: Literal[1]
    exported_at: AwareDatetime
    scenario: ScenarioFile | None
    commission: CommissionRow
    users: list[UserRow]
    delegations: list[DelegationRow]
    sectors: list[SectorRow]
    working_groups: list[WorkingGroupRow]
    role_briefs: list[RoleBriefRow]
    participants: list[ParticipantRow]
    working_group_memberships: list[MembershipRow]
    proposals: list[ProposalRow]
    proposal_authors: list[AuthorRow]
    sponsorships: list[SponsorshipRow]
    amendments: list[AmendmentRow]
    revisions: list[RevisionRow]
    # Absent from archives written before parallel texts.
    text_confirmations: list[TextConfirmationRow] = []
    arguments: list[ArgumentRow]
    caucus_messages: list[CaucusMessageRow]
    votes: list[VoteRow]
    ballot_receipts: list[BallotReceiptRow]
    roll_call_ballots: list[RollCallBallotRow]
    secret_ballot_counts: list[SecretBallotCountRow]
    norms: list[NormRow]
    injects: list[InjectRow]
    activities: list[ActivityRow]


# The archive's tables below the commission, in the order they are read and written.
TABLES = (
    "users",
    "delegations",
    "sectors",
    "working_groups",
    "role_briefs",
    "participants",
    "working_group_memberships",
    "proposals",
    "proposal_authors",
    "sponsorships",
    "amendments",
    "revisions",
    "text_confirmations",
    "arguments",
    "caucus_messages",
    "votes",
    "ballot_receipts",
    "roll_call_ballots",
    "secret_ballot_counts",
    "norms",
    "injects",
    "activities",
)

# Which field of which table refers to a row of which table (by the row's id in the file).
REFERENCES: dict[str, dict[str, str]] = {
    "commission": {"created_by_id": "users"},
    "role_briefs": {"delegation_id": "delegations", "sector_id": "sectors"},
    "participants": {
        "user_id": "users",
        "delegation_id": "delegations",
        "sector_id": "sectors",
        "role_brief_id": "role_briefs",
    },
    "working_group_memberships": {
        "participant_id": "participants",
        "working_group_id": "working_groups",
    },
    "proposals": {"working_group_id": "working_groups", "created_by_id": "participants"},
    "proposal_authors": {"proposal_id": "proposals", "participant_id": "participants"},
    "sponsorships": {"proposal_id": "proposals", "participant_id": "participants"},
    "amendments": {"proposal_id": "proposals", "author_id": "participants"},
    "revisions": {
        "proposal_id": "proposals",
        "author_id": "participants",
        "amendment_id": "amendments",
    },
    "text_confirmations": {"proposal_id": "proposals", "participant_id": "participants"},
    "arguments": {
        "proposal_id": "proposals",
        "parent_id": "arguments",
        "author_id": "participants",
        "hidden_by_id": "participants",
    },
    "caucus_messages": {
        "delegation_id": "delegations",
        "working_group_id": "working_groups",
        "author_id": "participants",
    },
    "votes": {
        "proposal_id": "proposals",
        "amendment_id": "amendments",
        "opened_by_id": "participants",
    },
    "ballot_receipts": {
        "vote_id": "votes",
        "participant_id": "participants",
        "delegation_id": "delegations",
        "delegation_seat": "delegations",
    },
    "roll_call_ballots": {
        "vote_id": "votes",
        "participant_id": "participants",
        "delegation_id": "delegations",
        "sector_id": "sectors",
    },
    "secret_ballot_counts": {"vote_id": "votes", "delegation_id": "delegations"},
    "norms": {
        "working_group_id": "working_groups",
        "proposal_id": "proposals",
        "revision_id": "revisions",
        "vote_id": "votes",
    },
    "injects": {"working_group_id": "working_groups", "target_delegation_id": "delegations"},
    "activities": {
        "actor_id": "participants",
        "proposal_id": "proposals",
        "working_group_id": "working_groups",
        "delegation_id": "delegations",
    },
}

# Activity entries name rows in their data too ({"vote": 12}); a whole number under one of
# these keys is such a reference. ("delegation" holds a code, a string, in partner entries.)
ACTIVITY_DATA_REFERENCES = {
    "inject": "injects",
    "participant": "participants",
    "coauthor": "participants",
    "sponsor": "participants",
    "delegation": "delegations",
    "sector": "sectors",
    "argument": "arguments",
    "amendment": "amendments",
    "message": "caucus_messages",
    "vote": "votes",
}


def is_row_id(value: object) -> bool:
    """A whole number (and not a bool, which Python counts as one)."""
    return isinstance(value, int) and not isinstance(value, bool)


# Told after each step, with the step's name and how many rows it read or wrote: each of
# STEPS once, on export and on import.
Progress = Callable[[str, int], None]
STEPS = ("commission", *TABLES)


# The row class of each table, as the file declares it.
ROWS: dict[str, type[Row]] = {
    table: get_args(Archive.model_fields[table].annotation)[0] for table in TABLES
}


def silent(_step: str, _rows: int) -> None:
    return None
