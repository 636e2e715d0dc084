"""Opening votes, casting ballots and closing. Functions never commit.

The tally as it stands is app.voting.tally; an adopted proposal becomes a norm in
app.norms.adoption.

Concurrency: casting a ballot takes a shared lock on the vote row and closing takes an
exclusive one (PostgreSQL), so no ballot lands in a vote after its result is written;
on SQLite every writing transaction begins IMMEDIATE, which serializes them anyway.
One ballot per voter is the database's unique constraint on receipts, not a check here.

A secret ballot is written as a sealed ballot with its receipt, and nothing is counted until
the vote closes: then its sealed ballots are opened, counted and deleted in the closing
transaction, and the database files are scrubbed once it commits (app.voting.scrub).
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.commissions.models import (
    Delegation,
    WorkingGroup,
)
from app.config import get_settings
from app.db import utcnow
from app.errors import Conflict, Invalid, NotAllowed, NotFound
from app.i18n import gettext as _
from app.injects import service as injects
from app.norms.adoption import adopt_as_norm
from app.proposals import rules as proposal_rules
from app.proposals.acting import Acting, load_proposal, record_change
from app.proposals.amendments import apply_amendment, load_amendment
from app.proposals.models import Amendment, Proposal
from app.proposals.service import set_stage, texts_step_of
from app.voting import ballot, rules, scrub, sealing
from app.voting.models import SealedBallot, SecretBallotCount, Vote
from app.voting.tally import Standing, standing

logger = logging.getLogger(__name__)


class UnreadableBallots(Conflict):
    """A closing vote's sealed ballots do not open with this server's key: the vote is not
    counted (a silent miscount would be worse) and stays open."""


def _new_vote(
    session: Session,
    acting: Acting,
    *,
    amendment: Amendment | None,
    deadline: datetime | None,
) -> Vote:
    group = acting.group
    if deadline is not None and deadline <= utcnow():
        raise Invalid(_("The deadline must be in the future."), field="deadline")
    vote = Vote(
        proposal_id=acting.proposal.id,
        amendment_id=amendment.id if amendment else None,
        round=acting.proposal.round,
        voting_rule=group.voting_rule,
        quorum=group.quorum,
        ballot_unit=group.ballot_unit,
        ballot_type=group.ballot_type,
        hide_running_tally=group.hide_running_tally,
        opened_by_id=acting.participant.id,
        deadline=deadline,
    )
    session.add(vote)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as error:
        raise Conflict(_("A vote on this is open or was held already.")) from error
    return vote


def open_votes_on(session: Session, proposal_id: int) -> list[Vote]:
    return list(
        session.scalars(
            select(Vote).where(Vote.proposal_id == proposal_id, Vote.closed_at.is_(None))
        )
    )


def open_vote(session: Session, acting: Acting, deadline: datetime | None = None) -> Vote:
    """Move a proposal from debate to voting under the group's rules as they stand now."""
    if not proposal_rules.may_move("open_vote", acting.seat, acting.facts):
        if acting.proposal.stage != "debate":
            raise Conflict(_("A vote can only open on a proposal in debate."))
        raise NotAllowed(_("Only the co-chairs or an instructor can open the vote."))
    if open_votes_on(session, acting.proposal.id):
        raise Conflict(_("Close the open amendment vote before voting on the proposal."))
    step = texts_step_of(session, acting.proposal.id)
    if refusal := proposal_rules.texts_refusal(step, acting.group.texts_must_agree):
        raise Conflict(refusal)
    set_stage(session, acting.proposal, "debate", "voting")
    vote = _new_vote(session, acting, amendment=None, deadline=deadline)
    injects.fire(session, acting.proposal.commission_id, "on_vote_opened", acting.group.id)
    acting.record(
        session,
        "vote.opened",
        announce="stage",
        subject_id=vote.id,
        vote=vote.id,
        round=vote.round,
        rule=vote.voting_rule,
    )
    return vote


def put_amendment_to_vote(
    session: Session, acting: Acting, amendment_id: int, deadline: datetime | None = None
) -> Vote:
    if not proposal_rules.can_chair(acting.seat, acting.facts):
        raise NotAllowed(_("Only the co-chairs or an instructor can put an amendment to a vote."))
    if acting.proposal.stage != "debate":
        raise Conflict(_("Amendments are voted on while the proposal is in debate."))
    amendment = load_amendment(session, acting, amendment_id)
    if amendment.status != "proposed":
        raise Conflict(_("This amendment has been decided already."))
    if open_votes_on(session, acting.proposal.id):
        raise Conflict(_("Another vote on this proposal is still open."))
    amendment.status = "voting"
    vote = _new_vote(session, acting, amendment=amendment, deadline=deadline)
    acting.record(
        session,
        "amendment.vote_opened",
        announce="amendment",
        subject_id=vote.id,
        amendment=amendment.id,
        vote=vote.id,
    )
    return vote


def load_vote(session: Session, acting: Acting, vote_id: int, *, lock: str | None = None) -> Vote:
    query = select(Vote).where(Vote.id == vote_id, Vote.proposal_id == acting.proposal.id)
    if lock == "share":
        query = query.with_for_update(read=True)
    elif lock == "update":
        query = query.with_for_update()
    vote = session.scalar(query)
    if vote is None:
        raise NotFound(_("There is no such vote on this proposal."))
    return vote


def cast_ballot(session: Session, acting: Acting, vote_id: int, choice: str) -> Vote:
    """Cast a ballot for someone already loaded as acting on the proposal (the demo, tests):
    the same path as the page and the API (app.voting.ballot), from the vote on."""
    participant = acting.participant
    voter = ballot.Voter(
        commission_id=acting.proposal.commission_id,
        proposal_id=acting.proposal.id,
        working_group_id=acting.group.id,
        participant_id=participant.id,
        delegation_id=participant.delegation_id,
        sector_id=participant.sector_id,
        seat=acting.seat,
        vote=load_vote(session, acting, vote_id, lock="share"),
    )
    return ballot.cast(session, voter, choice)


def _result_record(final: Standing) -> dict[str, Any]:
    assert final.result is not None
    return {
        "adopted": final.result.adopted,
        "quorum_met": final.result.quorum_met,
        "eligible": final.result.eligible,
        "cast": final.result.cast,
        "lines": list(final.result.lines),
        "summary": final.result.summary,
        "by_delegation": {
            c.code: {
                "name": c.name,
                "yes": c.yes,
                "no": c.no,
                "abstain": c.abstain,
                "eligible": c.eligible,
            }
            for c in final.counts
            if c.is_member
        },
        "ballot_type": final.vote.ballot_type,
        "voting_rule": final.vote.voting_rule,
    }


def close_vote(session: Session, acting: Acting, vote_id: int) -> Standing:
    """A chair closes a vote: its result becomes final and the proposal or amendment is decided."""
    if not proposal_rules.can_chair(acting.seat, acting.facts):
        raise NotAllowed(_("Only the co-chairs or an instructor can close the vote."))
    vote = load_vote(session, acting, vote_id, lock="update")
    if vote.closed_at is not None:
        raise Conflict(_("This vote has closed already."))
    return decide_vote(session, acting.proposal, acting.group, vote, actor_id=acting.participant.id)


def count_sealed_ballots(
    session: Session, vote: Vote, commission_id: int
) -> dict[int, dict[str, int]]:
    """Open a closing secret vote's sealed ballots, write its counters and delete the ballots.

    The counters are all written now, one per member delegation (and any other that has
    ballots) and choice, zeros included, in one fixed order (delegation id, then choice): so
    neither their transaction nor their physical order has anything to do with who voted when.
    A ballot that does not open raises UnreadableBallots before anything is written.
    """
    secret_key = get_settings().secret_key
    tally: dict[int, Counter[str]] = {}
    # A vote opened before ballots were sealed (migration 0007) kept its first ballots as counters.
    for delegation_id, choice, count in session.execute(
        select(
            SecretBallotCount.delegation_id, SecretBallotCount.choice, SecretBallotCount.count
        ).where(SecretBallotCount.vote_id == vote.id)
    ):
        tally.setdefault(delegation_id, Counter())[choice] += count
    for delegation_id, sealed in session.execute(
        select(SealedBallot.delegation_id, SealedBallot.sealed).where(
            SealedBallot.vote_id == vote.id
        )
    ):
        try:
            choice = sealing.unseal(secret_key, vote.id, delegation_id, bytes(sealed))
        except sealing.UnsealableBallot as error:
            raise UnreadableBallots(
                _(
                    "The sealed ballots of this vote do not open with this server's key "
                    "(SECRET_KEY), so they cannot be counted and the vote stays open. Start the "
                    "server with the key they were cast under, then close the vote again."
                )
            ) from error
        tally.setdefault(delegation_id, Counter())[choice] += 1
    members = session.scalars(
        select(Delegation.id).where(
            Delegation.commission_id == commission_id, Delegation.status == "member"
        )
    ).all()
    session.execute(delete(SecretBallotCount).where(SecretBallotCount.vote_id == vote.id))
    session.execute(delete(SealedBallot).where(SealedBallot.vote_id == vote.id))
    rows = [
        {"vote_id": vote.id, "delegation_id": d, "choice": c, "count": tally.get(d, Counter())[c]}
        for d in sorted({*members, *tally})
        for c in rules.CHOICES
    ]
    if rows:
        session.execute(insert(SecretBallotCount), rows)
    vote.scrub_pending = True
    scrub.after_commit(session)
    return {d: dict(counts) for d, counts in tally.items()}


def decide_vote(
    session: Session, proposal: Proposal, group: WorkingGroup, vote: Vote, *, actor_id: int | None
) -> Standing:
    """Write the final result of a locked, open vote and carry it out."""
    choices = (
        count_sealed_ballots(session, vote, proposal.commission_id)
        if vote.ballot_type == "secret"
        else None
    )
    final = standing(session, vote, proposal.commission_id, group.id, final=True, choices=choices)
    assert final.result is not None  # counted: a closing vote is never sealed
    result = _result_record(final)
    vote.closed_at, vote.adopted, vote.result = utcnow(), final.result.adopted, result
    if vote.amendment_id is None:
        set_stage(session, proposal, "voting", "adopted" if vote.adopted else "rejected")
        if vote.adopted:
            tally = result["by_delegation"]
            adopt_as_norm(session, proposal, group, vote_id=vote.id, tally=tally, actor_id=actor_id)
        else:
            injects.fire(session, proposal.commission_id, "on_vote_failed", group.id)
        kind = "vote.closed"
    else:
        amendment = session.get(Amendment, vote.amendment_id)
        assert amendment is not None
        amendment.status = "adopted" if vote.adopted else "rejected"
        amendment.decided_at = utcnow()
        if vote.adopted:
            apply_amendment(session, proposal, amendment)
        kind = "amendment.vote_closed"
    record_change(
        session,
        proposal,
        kind,
        actor_id=actor_id,
        announce="stage",
        subject_id=vote.id,
        vote=vote.id,
        adopted=vote.adopted,
        summary=final.result.summary,
    )
    session.flush()
    return final


def overdue_vote_ids(session: Session) -> list[int]:
    return list(
        session.scalars(select(Vote.id).where(Vote.closed_at.is_(None), Vote.deadline < utcnow()))
    )


def close_overdue_votes(session: Session) -> int:
    """Close every open vote whose deadline has passed; returns how many were closed.

    Safe to run from several app processes at once: each vote is locked and re-checked. A
    secret vote whose ballots do not open stays open (and is logged) without holding up the rest.
    """
    closed = 0
    for vote_id in overdue_vote_ids(session):
        vote = session.scalar(select(Vote).where(Vote.id == vote_id).with_for_update())
        if vote is None or vote.closed_at is not None:
            continue
        proposal = load_proposal(session, vote.proposal_id)
        try:
            with session.begin_nested():
                decide_vote(session, proposal, proposal.working_group, vote, actor_id=None)
        except UnreadableBallots:
            logger.exception("vote %s is past its deadline but its ballots do not open", vote_id)
            continue
        closed += 1
    return closed
