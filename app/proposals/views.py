"""What the proposal and working-group pages show, loaded in a fixed number of queries.

The vote panel, the amendments' votes and the adopted norm are voting's and norms' parts of the
page (app.voting.panel, app.norms.parts), asked for through `app.page_parts`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from app import page_parts
from app.accounts.models import User
from app.commissions import service as commissions
from app.commissions.models import Delegation, Participant, WorkingGroup
from app.commissions.rules import Seat
from app.errors import NotFound
from app.i18n import gettext as _
from app.proposals import rules
from app.proposals import service as proposals
from app.proposals.acting import Acting, acting_on, seat_of
from app.proposals.models import (
    Amendment,
    Argument,
    Proposal,
    ProposalAuthor,
    Revision,
    TextConfirmation,
)
from app.textdiff import Segment, word_diff


@dataclass
class ArgumentNode:
    argument: Argument
    author: Participant | None
    replies: list[ArgumentNode] = field(default_factory=list)


@dataclass
class AmendmentView:
    amendment: Amendment
    author: Participant | None
    diff: list[Segment]
    vote: Any  # voting's Vote, or None (the part "proposal.amendment_votes")


@dataclass
class BalanceRow:
    delegation: Delegation
    counts: dict[str, int]


@dataclass
class ProposalPage:
    acting: Acting
    revision: Revision  # the current text in the proposal's own language
    revisions: list[Revision]
    people: dict[int, Participant]
    arguments: list[ArgumentNode]
    argument_count: int
    balance: list[BalanceRow]
    amendments: list[AmendmentView]
    vote_panel: Any  # voting's VotePanel, or None (the part "proposal.vote_panel")
    shortfall: list[str]
    sponsor_candidates: list[Participant]
    norm: Any = None  # norms' Norm an adopted proposal became (the part "proposal.norm")
    # The current text in each language, in the pages' order (one, or two side by side).
    texts: list[Revision] = field(default_factory=list)
    texts_step: rules.TextsStep = field(default_factory=lambda: rules.TextsStep({}, None))
    confirmation: TextConfirmation | None = None

    @property
    def parallel(self) -> bool:
        return len(self.texts) > 1

    @property
    def vote_blocked_by_texts(self) -> bool:
        """The group's rule keeps the proposal from the vote while its texts are out of step."""
        return rules.vote_blocked_by_texts(self.texts_step, self.group.texts_must_agree)

    def previous_in_language(self, revision: Revision) -> Revision | None:
        """The revision before this one in the same language (what its diff starts from)."""
        earlier = [
            r
            for r in self.revisions
            if r.language == revision.language and r.number < revision.number
        ]
        return earlier[-1] if earlier else None

    @property
    def proposal(self) -> Proposal:
        return self.acting.proposal

    @property
    def group(self) -> WorkingGroup:
        return self.acting.group

    def can(self, what: str) -> bool:
        seat, facts = self.acting.seat, self.acting.facts
        checks = {
            "edit": lambda: rules.can_edit(seat, facts),
            "table": lambda: rules.may_move("table", seat, facts),
            "withdraw": lambda: rules.may_move("withdraw", seat, facts),
            "open_debate": lambda: rules.may_move("open_debate", seat, facts),
            "open_vote": lambda: rules.may_move("open_vote", seat, facts),
            "chair": lambda: rules.can_chair(seat, facts),
            "argue": lambda: rules.can_argue(seat, facts),
            "hide": lambda: rules.can_hide_argument(seat),
            "amend": lambda: rules.can_propose_amendment(seat, facts),
            "accept_amendment": lambda: rules.can_accept_amendment(seat, facts),
            "respond": lambda: rules.can_respond_to_sponsorship(seat, facts),
            "confirm_texts": lambda: rules.can_confirm_texts(seat, facts, self.texts_step),
        }
        return checks[what]()

    def sponsorship_of_me(self) -> str | None:
        for sponsorship in self.proposal.sponsorships:
            if sponsorship.participant_id == self.acting.participant.id:
                return sponsorship.status
        return None


def proposal_context(page: ProposalPage, **extra: Any) -> dict[str, Any]:
    """What proposal.html and its blocks read: the page, and `p` and `g` for short."""
    return {"page": page, "p": page.proposal, "g": page.group, **extra}


def people_in(session: Session, ids: set[int]) -> dict[int, Participant]:
    if not ids:
        return {}
    rows = session.scalars(
        select(Participant)
        .where(Participant.id.in_(ids))
        .options(
            joinedload(Participant.user),
            joinedload(Participant.delegation),
            joinedload(Participant.sector),
        )
    ).all()
    return {p.id: p for p in rows}


def argument_tree(
    session: Session, proposal_id: int, people: dict[int, Participant]
) -> tuple[list[ArgumentNode], list[Argument]]:
    rows = session.scalars(
        select(Argument).where(Argument.proposal_id == proposal_id).order_by(Argument.id)
    ).all()
    missing = {a.author_id for a in rows if a.author_id and a.author_id not in people}
    people.update(people_in(session, missing))
    nodes = {a.id: ArgumentNode(a, people.get(a.author_id or 0)) for a in rows}
    roots: list[ArgumentNode] = []
    for argument in rows:
        node = nodes[argument.id]
        parent = nodes.get(argument.parent_id or 0)
        (parent.replies if parent else roots).append(node)
    return roots, list(rows)


def stance_balance(
    session: Session, commission_id: int, arguments: list[Argument], people: dict[int, Participant]
) -> list[BalanceRow]:
    """How the visible arguments divide by stance within each delegation."""
    delegations = session.scalars(
        select(Delegation)
        .where(Delegation.commission_id == commission_id)
        .order_by(Delegation.position, Delegation.id)
    ).all()
    counts: dict[int, Counter[str]] = defaultdict(Counter)
    for argument in arguments:
        author = people.get(argument.author_id or 0)
        if argument.hidden_at is None and author is not None and author.delegation_id:
            counts[author.delegation_id][argument.stance] += 1
    return [
        BalanceRow(d, {stance: counts[d.id][stance] for stance in rules.STANCES})
        for d in delegations
    ]


def amendment_views(
    session: Session, acting: Acting, people: dict[int, Participant]
) -> list[AmendmentView]:
    amendments = session.scalars(
        select(Amendment).where(Amendment.proposal_id == acting.proposal.id).order_by(Amendment.id)
    ).all()
    if not amendments:
        return []
    base_numbers = {a.base_revision_number for a in amendments}
    bases = {
        r.number: r.text
        for r in session.scalars(
            select(Revision).where(
                Revision.proposal_id == acting.proposal.id, Revision.number.in_(base_numbers)
            )
        )
    }
    votes = page_parts.build(
        "proposal.amendment_votes", session, [a.id for a in amendments], default={}
    )
    authors = {a.author_id for a in amendments if a.author_id}
    people.update(people_in(session, authors - set(people)))
    return [
        AmendmentView(
            amendment=a,
            author=people.get(a.author_id or 0),
            diff=word_diff(bases.get(a.base_revision_number, ""), a.text),
            vote=votes.get(a.id),
        )
        for a in amendments
    ]


def proposal_page(session: Session, proposal_id: int, user: User) -> ProposalPage:
    acting = acting_on(session, proposal_id, user)
    proposal = acting.proposal
    revisions = list(
        session.scalars(
            select(Revision).where(Revision.proposal_id == proposal.id).order_by(Revision.number)
        )
    )
    ids = {a.participant_id for a in proposal.authors} | {
        s.participant_id for s in proposal.sponsorships
    }
    ids |= {r.author_id for r in revisions if r.author_id}
    texts = proposals.texts_of(revisions)
    confirmation = (
        proposals.last_confirmation(session, proposal.id) if len(texts.current) > 1 else None
    )
    if confirmation is not None and confirmation.participant_id:
        ids.add(confirmation.participant_id)
    people = people_in(session, ids)
    roots, flat = argument_tree(session, proposal.id, people)
    editable = rules.can_edit(acting.seat, acting.facts)
    candidates: list[Participant] = []
    if editable:
        candidates = list(
            session.scalars(
                select(Participant)
                .where(
                    Participant.commission_id == proposal.commission_id,
                    Participant.role == "delegate",
                    Participant.delegation_id.is_not(None),
                    Participant.id.not_in(acting.facts.author_ids | acting.facts.sponsor_ids),
                )
                .options(joinedload(Participant.user), joinedload(Participant.delegation))
                .order_by(Participant.delegation_id, Participant.id)
            )
        )
    return ProposalPage(
        acting=acting,
        revision=texts.own,
        revisions=revisions,
        people=people,
        arguments=roots,
        argument_count=len(flat),
        balance=stance_balance(session, proposal.commission_id, flat, people),
        amendments=amendment_views(session, acting, people),
        vote_panel=page_parts.build("proposal.vote_panel", session, acting),
        shortfall=proposals.sponsorship_shortfall(session, acting) if editable else [],
        sponsor_candidates=candidates,
        norm=page_parts.build("proposal.norm", session, proposal.id)
        if proposal.stage == "adopted"
        else None,
        texts=list(texts.current.values()),
        texts_step=proposals.texts_step(texts, confirmation),
        confirmation=confirmation,
    )


@dataclass
class GroupPage:
    group: WorkingGroup
    participant: Participant
    seat: Seat
    by_stage: dict[str, list[Proposal]]
    can_draft: bool


def group_page(session: Session, commission_id: int, pillar: str, user: User) -> GroupPage:
    group = proposals.group_in_commission(session, commission_id, pillar)
    participant = commissions.participant_for(session, commission_id, user, with_delegation=True)
    if participant is None:
        raise NotFound(_("There is no such working group in this commission."))
    seat = seat_of(session, participant, group)
    mine = select(ProposalAuthor.proposal_id).where(ProposalAuthor.participant_id == participant.id)
    rows = session.scalars(
        select(Proposal)
        .where(
            Proposal.working_group_id == group.id,
            (Proposal.stage != "draft") | Proposal.id.in_(mine),
        )
        .order_by(Proposal.stage_changed_at.desc())
    ).all()
    by_stage: dict[str, list[Proposal]] = {stage: [] for stage in rules.STAGES}
    for proposal in rows:
        by_stage[proposal.stage].append(proposal)
    return GroupPage(group, participant, seat, by_stage, rules.can_draft_in_group(seat))


def people_by_id(session: Session, commission_id: int) -> dict[int, Participant]:
    rows = session.scalars(
        select(Participant)
        .where(Participant.commission_id == commission_id)
        .options(joinedload(Participant.user), joinedload(Participant.delegation))
    ).all()
    return {p.id: p for p in rows}
