"""Voting's parts of the proposal page: the vote panel, its API answer, the amendments' votes,
and the stage and amendment forms' vote actions. Proposals sit below voting and never import
it: the wiring installs PARTS (`app.main.install_page_parts`, see `app.page_parts`), and the
page asks for them by name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.i18n import gettext as _
from app.page_parts import Parts
from app.proposals import schemas as s
from app.proposals.acting import Acting
from app.voting import rules, tally
from app.voting import service as voting
from app.voting.models import BallotReceipt, Vote
from app.voting.tally import Standing


@dataclass
class VotePanel:
    standing: Standing
    can_vote: bool
    has_voted: bool
    my_choice: str | None
    is_amendment: bool


def vote_panel(session: Session, acting: Acting) -> VotePanel | None:
    vote = tally.current_vote(session, acting.proposal)
    if vote is None or (vote.round != acting.proposal.round and vote.closed_at is None):
        return None
    standing = tally.standing(session, vote, acting.proposal.commission_id, acting.group.id)
    has_voted = tally.has_voted(session, vote, acting.participant.id)
    return VotePanel(
        standing=standing,
        can_vote=vote.closed_at is None and rules.can_vote(acting.seat, vote.ballot_unit),
        has_voted=has_voted,
        my_choice=tally.my_roll_call_choice(session, vote, acting.participant.id)
        if has_voted
        else None,
        is_amendment=vote.amendment_id is not None,
    )


def tally_sentence(standing: Standing) -> str:
    """The vote as one short sentence, for a live page's status region (screen readers)."""
    result = standing.result
    if result is not None and standing.show_counts:
        return _(
            "Tally: %(yes)s yes, %(no)s no, %(abstain)s abstain. %(summary)s",
            yes=result.yes,
            no=result.no,
            abstain=result.abstain,
            summary=result.summary,
        )
    # Turnout only: hidden running tallies, and open secret votes (nothing is counted).
    return _("%(cast)s of %(eligible)s have voted.", cast=standing.cast, eligible=standing.eligible)


def amendment_votes(session: Session, amendment_ids: Sequence[int]) -> dict[int, Vote]:
    rows = session.scalars(select(Vote).where(Vote.amendment_id.in_(amendment_ids)))
    return {v.amendment_id: v for v in rows if v.amendment_id is not None}


def voters(session: Session, proposal_id: int) -> frozenset[int]:
    """Everyone who cast a ballot in any vote on the proposal (their panels say so)."""
    return frozenset(
        session.scalars(
            select(BallotReceipt.participant_id)
            .join(Vote, Vote.id == BallotReceipt.vote_id)
            .where(Vote.proposal_id == proposal_id)
        )
    )


def vote_out(panel: VotePanel | None) -> s.VoteOut | None:
    if panel is None:
        return None
    st, vote = panel.standing, panel.standing.vote
    # Hidden running tallies, and every open secret vote (counted only when it closes).
    shown = st.result if st.show_counts else None
    return s.VoteOut(
        id=vote.id,
        amendment_id=vote.amendment_id,
        round=vote.round,
        voting_rule=vote.voting_rule,
        ballot_type=vote.ballot_type,
        ballot_unit=vote.ballot_unit,
        quorum=vote.quorum,
        opened_at=vote.opened_at,
        deadline=vote.deadline,
        closed_at=vote.closed_at,
        eligible=st.eligible,
        cast=st.cast,
        counts_hidden=shown is None,
        by_delegation=[
            s.DelegationTallyOut(
                delegation=c.code,
                name=c.name,
                eligible=c.eligible,
                yes=c.yes if shown else None,
                no=c.no if shown else None,
                abstain=c.abstain if shown else None,
            )
            for c in st.counts
            if c.is_member
        ],
        adopted=shown.adopted if shown else None,
        final=vote.closed_at is not None,
        summary=shown.summary if shown else None,
        explanation=shown.explanation if shown else None,
        you_voted=panel.has_voted,
        your_choice=panel.my_choice,
    )


PARTS: Parts = {
    "proposal.vote_panel": vote_panel,
    "proposal.vote_out": vote_out,
    "proposal.tally_sentence": tally_sentence,
    "proposal.voters": voters,
    "proposal.amendment_votes": amendment_votes,
    "proposal.open_vote": voting.open_vote,
    "proposal.amendment_vote": voting.put_amendment_to_vote,
}
