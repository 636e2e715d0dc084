"""Building proposals at a given stage, straight through the services (no HTTP)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.accounts.models import User
from app.commissions import service as commissions
from app.commissions.models import WorkingGroupMembership
from app.proposals import service as proposals
from app.proposals.acting import Acting, acting_on, seat_of
from app.proposals.models import Proposal
from app.voting import service as voting
from app.voting import tally
from app.voting.models import Vote
from tests.conftest import Cast


def acting(db: Session, proposal: Proposal, user: User) -> Acting:
    return acting_on(db, proposal.id, user)


def draft(db: Session, cast: Cast, group: str = "FT", author: str = "ursula") -> Proposal:
    participant = cast.participants[author]
    user = {"ursula": cast.us_delegate, "ulysses": cast.us_colleague, "pei": cast.prc_delegate}[
        author
    ]
    seat = seat_of(
        db,
        commissions.participant_for(db, cast.commission.id, user, with_delegation=True),  # type: ignore[arg-type]
        cast.groups[group],
    )
    return proposals.create_proposal(
        db,
        participant,
        seat,
        cast.groups[group],
        title="Joint AI incident reporting",
        text="Both sides report serious AI incidents to each other within 72 hours.",
    )


# A proposal's two texts, English and Chinese, both authentic.
EN_TITLE = "Labels on AI-generated political content"
EN_TEXT = "Each side labels the AI-generated political content that its state media publish."
ZH_TITLE = "人工智能生成的政治内容须加标识"
ZH_TEXT = "双方对其官方媒体发布的人工智能生成的政治内容加注标识。"


def bilingual_draft(db: Session, cast: Cast, group: str = "DI") -> Proposal:
    """Ursula's draft with its English text and the Chinese one, written at once."""
    participant = commissions.participant_for(
        db, cast.commission.id, cast.us_delegate, with_delegation=True
    )
    assert participant is not None
    return proposals.create_proposal(
        db,
        participant,
        seat_of(db, participant, cast.groups[group]),
        cast.groups[group],
        title=EN_TITLE,
        text=EN_TEXT,
        parallel=proposals.Wording(ZH_TITLE, ZH_TEXT),
    )


def to_stage(
    db: Session,
    cast: Cast,
    stage: str,
    group: str = "FT",
    *,
    bilingual: bool = False,
    **rules: object,
) -> Proposal:
    """A proposal by Ursula (US) sponsored by Pei (PRC), moved on by the instructor; with
    `bilingual`, with an English and a Chinese text."""
    for name, value in rules.items():
        setattr(cast.groups[group], name, value)
    db.flush()
    proposal = bilingual_draft(db, cast, group) if bilingual else draft(db, cast, group)
    if stage == "draft":
        return proposal
    proposals.invite_sponsor(
        db, acting(db, proposal, cast.us_delegate), cast.participants["pei"].id
    )
    proposals.respond_to_sponsorship(db, acting(db, proposal, cast.prc_delegate), accept=True)
    proposals.move_stage(db, acting(db, proposal, cast.us_delegate), "table")
    if stage == "tabled":
        return proposal
    proposals.move_stage(db, acting(db, proposal, cast.instructor), "open_debate")
    if stage == "debate":
        return proposal
    voting.open_vote(db, acting(db, proposal, cast.instructor))
    return proposal


def open_vote_of(db: Session, proposal: Proposal) -> Vote:
    vote = tally.current_vote(db, proposal)
    assert vote is not None
    return vote


def make_co_chair(db: Session, cast: Cast, name: str, group: str) -> None:
    membership = db.get(WorkingGroupMembership, (cast.participants[name].id, cast.groups[group].id))
    assert membership is not None
    membership.is_co_chair = True
    db.flush()
