"""What the stream redraws when ballots are cast: a vote's tally, once per audience, and each
voter's own ballot, for the voter only.

A storm of ballots is the heaviest thing a room sends. The tally reads nothing of the viewer
but whether they may chair (the closing form, and how "everyone has voted" is worded), so it is
drawn at most twice per batch however many watch, from one count (`Batch.once`). The ballot
part ("You voted: yes") is the voter's alone and goes only to their own streams (another tab,
another device); every other page's ballot part does not change when someone else votes.

A stage or amendment event redraws the whole vote panel (app.proposals.fragments) and speaks
its own sentence, so a proposal that has one in the batch is left to that: one redraw and one
sentence per proposal and batch.

Installed by the wiring (`app.main.install_live_fragments`); see `app.live.registry`.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

from sqlalchemy import select

from app.commissions.models import Commission, WorkingGroup
from app.commissions.rules import Seat
from app.commissions.seats import group_seats
from app.live.registry import Batch, Fragment, Fragments, Message, Push, StreamViewer
from app.proposals.models import Proposal
from app.proposals.rules import ProposalFacts, can_chair
from app.voting import rules, tally
from app.voting.panel import VotePanel, tally_sentence
from app.voting.tally import Standing
from app.web import sse_event

# Events that redraw the whole vote panel (app.proposals.fragments): their proposals are theirs.
PANEL_KINDS = frozenset({"stage", "amendment"})


@dataclass(frozen=True)
class Tallied:
    """A proposal whose vote gained ballots, with its count as it stands after the batch."""

    proposal: Proposal
    facts: ProposalFacts
    standing: Standing
    voters: frozenset[int]  # whose ballots came in this batch


def tallied(batch: Batch) -> list[Tallied]:
    """The proposals of the batch whose only news is ballots, each counted once."""

    def load() -> list[Tallied]:
        voters: dict[int, set[int]] = {}
        for event in batch.events:
            if event.kind == "tally" and event.proposal_id is not None:
                voters.setdefault(event.proposal_id, set()).update(
                    [event.participant_id] if event.participant_id else []
                )
        for event in batch.events:
            if event.kind in PANEL_KINDS:
                voters.pop(event.proposal_id or 0, None)
        return [t for pid, ids in voters.items() if (t := _count(batch, pid, ids)) is not None]

    return batch.once(("voting.tallied", batch.events), load)


def _count(batch: Batch, proposal_id: int, voters: set[int]) -> Tallied | None:
    session = batch.session
    row = session.execute(
        select(Proposal, WorkingGroup.chairs_move_stages, Commission.status)
        .join(WorkingGroup, WorkingGroup.id == Proposal.working_group_id)
        .join(Commission, Commission.id == Proposal.commission_id)
        .where(Proposal.id == proposal_id)
    ).first()
    if row is None or row[0].stage == "draft":
        return None
    proposal, chairs_move_stages, status = row
    vote = tally.current_vote(session, proposal)
    if vote is None or (vote.round != proposal.round and vote.closed_at is None):
        return None
    facts = ProposalFacts(
        stage=proposal.stage,
        author_ids=frozenset(),
        sponsor_ids=frozenset(),  # past its draft: open to every member
        chairs_move_stages=chairs_move_stages,
        session_over=status == "concluded",
    )
    standing = tally.standing(session, vote, proposal.commission_id, proposal.working_group_id)
    return Tallied(proposal, facts, standing, frozenset(voters))


def seat_of(batch: Batch, proposal: Proposal, viewer: StreamViewer) -> Seat | None:
    seats = batch.once(
        ("seats", proposal.working_group_id),
        lambda: group_seats(batch.session, proposal.commission_id, proposal.working_group_id),
    )
    return seats.get(viewer.participant_id)


def tally_audience(batch: Batch, viewer: StreamViewer) -> Hashable | None:
    """Per proposal: whether the viewer may chair its group (None: no seat, nothing to see)."""
    key = tuple(
        None if (seat := seat_of(batch, t.proposal, viewer)) is None else can_chair(seat, t.facts)
        for t in tallied(batch)
    )
    return key if any(k is not None for k in key) else None


def tallies(push: Push) -> list[Message]:
    messages: list[Message] = []
    for t in tallied(push.batch):
        seat = seat_of(push.batch, t.proposal, push.viewer)
        if seat is None:
            continue
        panel = VotePanel(t.standing, False, False, None, t.standing.vote.amendment_id is not None)
        html = push.block(
            "voting/_vote_panel.html",
            "vote_tally",
            vp=panel,
            can_chair=can_chair(seat, t.facts),
            p=t.proposal,
        )
        pid = t.proposal.id
        messages += [
            (sse_event("proposal", pid, "tally"), html),
            (sse_event("proposal", pid, "announce"), tally_sentence(t.standing)),
        ]
    return messages


def ballot_audience(batch: Batch, viewer: StreamViewer) -> Hashable | None:
    """The voter alone, when one of their ballots came in this batch."""
    mine = tuple(t.proposal.id for t in tallied(batch) if viewer.participant_id in t.voters)
    return (viewer.participant_id, mine) if mine else None


def own_ballots(push: Push) -> list[Message]:
    session, me = push.session, push.viewer.participant_id
    messages: list[Message] = []
    for t in tallied(push.batch):
        seat = seat_of(push.batch, t.proposal, push.viewer)
        if me not in t.voters or seat is None:
            continue
        vote = t.standing.vote
        panel = VotePanel(
            standing=t.standing,
            can_vote=vote.closed_at is None and rules.can_vote(seat, vote.ballot_unit),
            has_voted=tally.has_voted(session, vote, me),
            my_choice=tally.my_roll_call_choice(session, vote, me),
            is_amendment=vote.amendment_id is not None,
        )
        html = push.block("voting/_vote_panel.html", "vote_ballot", vp=panel, p=t.proposal)
        messages.append((sse_event("proposal", t.proposal.id, "ballot"), html))
    return messages


TALLY = Fragment(tallies, tally_audience)
OWN_BALLOT = Fragment(own_ballots, ballot_audience)
FRAGMENTS: Fragments = {
    "tally": TALLY,
    **dict.fromkeys(PANEL_KINDS, TALLY),  # to see which proposals are left to the whole panel
}
OWN_BALLOTS: Fragments = {"tally": OWN_BALLOT, **dict.fromkeys(PANEL_KINDS, OWN_BALLOT)}
