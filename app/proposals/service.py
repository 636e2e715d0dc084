"""Drafting, sponsoring, moving, debating and amending proposals. Functions never commit.

Stage changes are compare-and-set updates (`WHERE stage = :expected`), so two chairs
clicking at once cannot both move a proposal: the second gets a Conflict.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload, selectinload

from app.accounts.models import User
from app.activity.service import record
from app.commissions import service as commissions
from app.commissions.models import (
    Commission,
    Delegation,
    Participant,
    WorkingGroup,
    WorkingGroupMembership,
)
from app.db import utcnow
from app.errors import Conflict, Invalid, NotAllowed, NotFound
from app.i18n import gettext as _
from app.live.broker import LiveEvent
from app.live.events import announce
from app.proposals import rules
from app.proposals.models import (
    Amendment,
    Argument,
    Proposal,
    ProposalAuthor,
    Revision,
    Sponsorship,
)
from app.proposals.rules import ProposalFacts, Seat

TITLE_MAX = 200
TEXT_MAX = 20_000
BODY_MAX = 10_000


# --- who is acting -------------------------------------------------------------------------


def seat_from(
    participant: Participant,
    delegation: Delegation | None,
    membership: WorkingGroupMembership | None,
) -> Seat:
    """The participant as seen from the working group of `membership` (None: not in it)."""
    return Seat(
        participant_id=participant.id,
        role=participant.role,
        delegation_id=participant.delegation_id,
        delegation_is_member=delegation is not None and delegation.status == "member",
        in_group=membership is not None,
        is_co_chair=membership is not None and membership.is_co_chair,
        is_head=participant.is_head_of_delegation,
    )


def seat_of(session: Session, participant: Participant, group: WorkingGroup) -> Seat:
    """The participant as seen from one working group (needs participant.delegation loaded)."""
    membership = session.get(WorkingGroupMembership, (participant.id, group.id))
    return seat_from(participant, participant.delegation, membership)


def facts_of(
    proposal: Proposal, group: WorkingGroup, *, session_over: bool = False
) -> ProposalFacts:
    """Needs proposal.authors and proposal.sponsorships loaded."""
    return ProposalFacts(
        stage=proposal.stage,
        author_ids=frozenset(a.participant_id for a in proposal.authors),
        sponsor_ids=frozenset(s.participant_id for s in proposal.sponsorships),
        chairs_move_stages=group.chairs_move_stages,
        session_over=session_over,
    )


def session_over(session: Session, commission_id: int) -> bool:
    status = session.scalar(select(Commission.status).where(Commission.id == commission_id))
    return status == "concluded"


@dataclass
class Acting:
    """A proposal with what every decision about it needs, and the person acting on it."""

    proposal: Proposal
    group: WorkingGroup
    participant: Participant
    seat: Seat
    facts: ProposalFacts


def load_proposal(session: Session, proposal_id: int, *, for_update: bool = False) -> Proposal:
    query = (
        select(Proposal)
        .where(Proposal.id == proposal_id)
        .options(
            joinedload(Proposal.working_group),
            selectinload(Proposal.authors),
            selectinload(Proposal.sponsorships),
        )
        # Authors and sponsors may have changed earlier in this session: reload, do not reuse.
        .execution_options(populate_existing=True)
    )
    if for_update:
        query = query.with_for_update(of=Proposal)
    proposal = session.scalar(query)
    if proposal is None:
        raise NotFound(_("There is no proposal here."))
    return proposal


def acting_on(
    session: Session, proposal_id: int, user: User, *, for_update: bool = False
) -> Acting:
    """Load a proposal for a user; a proposal they may not see is answered as not found."""
    proposal = load_proposal(session, proposal_id, for_update=for_update)
    participant = commissions.participant_for(
        session, proposal.commission_id, user, with_delegation=True
    )
    if participant is None:
        raise NotFound(_("There is no proposal here."))
    group = proposal.working_group
    seat = seat_of(session, participant, group)
    facts = facts_of(proposal, group, session_over=session_over(session, proposal.commission_id))
    if not rules.can_view(seat, facts):
        raise NotFound(_("There is no proposal here."))
    return Acting(proposal, group, participant, seat, facts)


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise NotAllowed(message)


def _check_text(title: str, text: str, rationale: str) -> tuple[str, str, str]:
    title, text, rationale = title.strip(), text.strip(), rationale.strip()
    if not title:
        raise Invalid(_("Give the proposal a title."), field="title")
    if len(title) > TITLE_MAX:
        raise Invalid(_("Use at most 200 characters."), field="title")
    if not text:
        raise Invalid(_("Write the text of the norm you propose."), field="text")
    if len(text) > TEXT_MAX:
        raise Invalid(_("Use at most 20,000 characters."), field="text")
    if len(rationale) > TEXT_MAX:
        raise Invalid(_("Use at most 20,000 characters."), field="rationale")
    return title, text, rationale


def announce_change(
    session: Session, proposal: Proposal, kind: str, subject_id: int | None = None
) -> None:
    """Tell every open page of the commission, once this transaction commits."""
    announce(
        session,
        LiveEvent(
            commission_id=proposal.commission_id,
            kind=kind,
            proposal_id=proposal.id,
            subject_id=subject_id,
        ),
    )


# --- drafting ------------------------------------------------------------------------------


def create_proposal(
    session: Session,
    participant: Participant,
    seat: Seat,
    group: WorkingGroup,
    *,
    title: str,
    text: str,
    rationale: str = "",
) -> Proposal:
    _require(
        rules.can_draft_in_group(seat),
        _("Only seated delegates of this working group can draft proposals in it."),
    )
    if session_over(session, group.commission_id):
        raise Conflict(_("This commission has concluded; its record is final."))
    title, text, rationale = _check_text(title, text, rationale)
    proposal = Proposal(
        commission_id=group.commission_id,
        working_group_id=group.id,
        title=title,
        created_by_id=participant.id,
    )
    session.add(proposal)
    session.flush()
    session.add(ProposalAuthor(proposal_id=proposal.id, participant_id=participant.id))
    session.add(
        Revision(
            proposal_id=proposal.id,
            number=1,
            title=title,
            text=text,
            rationale=rationale,
            author_id=participant.id,
        )
    )
    # A draft is private to its authors: the log entry is kept, but nobody is told live.
    record(
        session,
        group.commission_id,
        "proposal.drafted",
        actor_id=participant.id,
        proposal_id=proposal.id,
        working_group_id=group.id,
        delegation_id=participant.delegation_id,
    )
    session.flush()
    return proposal


def latest_revision(session: Session, proposal_id: int) -> Revision:
    revision = session.scalar(
        select(Revision)
        .where(Revision.proposal_id == proposal_id)
        .order_by(Revision.number.desc())
        .limit(1)
    )
    assert revision is not None, "every proposal has a first revision"
    return revision


def edit_proposal(
    session: Session, acting: Acting, *, title: str, text: str, rationale: str
) -> Revision | None:
    """Save a new immutable revision; nothing is written when nothing changed."""
    _require(
        rules.can_edit(acting.seat, acting.facts),
        _("Only the authors can edit, and only a draft or a rejected proposal."),
    )
    title, text, rationale = _check_text(title, text, rationale)
    current = latest_revision(session, acting.proposal.id)
    if (current.title, current.text, current.rationale) == (title, text, rationale):
        return None
    revision = Revision(
        proposal_id=acting.proposal.id,
        number=current.number + 1,
        title=title,
        text=text,
        rationale=rationale,
        author_id=acting.participant.id,
    )
    session.add(revision)
    acting.proposal.title = title
    record(
        session,
        acting.proposal.commission_id,
        "proposal.revised",
        actor_id=acting.participant.id,
        proposal_id=acting.proposal.id,
        working_group_id=acting.group.id,
        revision=revision.number,
    )
    session.flush()
    return revision


def _participant_in(session: Session, commission_id: int, participant_id: int) -> Participant:
    participant = session.scalar(
        select(Participant)
        .where(Participant.id == participant_id, Participant.commission_id == commission_id)
        .options(joinedload(Participant.delegation), joinedload(Participant.user))
    )
    if participant is None or participant.role != "delegate" or participant.delegation is None:
        raise Invalid(_("Choose a seated delegate of this commission."), field="participant_id")
    return participant


def add_coauthor(session: Session, acting: Acting, participant_id: int) -> None:
    _require(
        rules.can_edit(acting.seat, acting.facts),
        _("Only the authors can add co-authors to a draft."),
    )
    other = _participant_in(session, acting.proposal.commission_id, participant_id)
    if other.id in acting.facts.author_ids:
        raise Conflict(_("%(name)s is already an author.", name=other.user.display_name))
    session.add(ProposalAuthor(proposal_id=acting.proposal.id, participant_id=other.id))
    # An author need not also be asked to sponsor.
    sponsorship = session.get(Sponsorship, (acting.proposal.id, other.id))
    if sponsorship is not None:
        session.delete(sponsorship)
    record(
        session,
        acting.proposal.commission_id,
        "proposal.coauthor_added",
        actor_id=acting.participant.id,
        proposal_id=acting.proposal.id,
        working_group_id=acting.group.id,
        coauthor=other.id,
    )
    session.flush()


def invite_sponsor(session: Session, acting: Acting, participant_id: int) -> Sponsorship:
    _require(
        rules.can_edit(acting.seat, acting.facts),
        _("Only the authors can ask for sponsors, before the proposal is tabled."),
    )
    other = _participant_in(session, acting.proposal.commission_id, participant_id)
    if other.id in acting.facts.author_ids:
        raise Conflict(_("Authors back their proposal already; ask someone else."))
    existing = session.get(Sponsorship, (acting.proposal.id, other.id))
    if existing is not None and existing.status != "declined":
        raise Conflict(_("%(name)s has been asked already.", name=other.user.display_name))
    if existing is None:
        existing = Sponsorship(proposal_id=acting.proposal.id, participant_id=other.id)
        session.add(existing)
    else:
        existing.status, existing.responded_at, existing.invited_at = "invited", None, utcnow()
    record(
        session,
        acting.proposal.commission_id,
        "sponsor.invited",
        actor_id=acting.participant.id,
        proposal_id=acting.proposal.id,
        working_group_id=acting.group.id,
        sponsor=other.id,
    )
    session.flush()
    return existing


def respond_to_sponsorship(session: Session, acting: Acting, *, accept: bool) -> None:
    _require(
        rules.can_respond_to_sponsorship(acting.seat, acting.facts),
        _("Only a delegate asked to sponsor this proposal can answer, before it is tabled."),
    )
    sponsorship = session.get(Sponsorship, (acting.proposal.id, acting.participant.id))
    assert sponsorship is not None
    sponsorship.status = "accepted" if accept else "declined"
    sponsorship.responded_at = utcnow()
    record(
        session,
        acting.proposal.commission_id,
        "sponsor.accepted" if accept else "sponsor.declined",
        actor_id=acting.participant.id,
        proposal_id=acting.proposal.id,
        working_group_id=acting.group.id,
    )
    session.flush()


def sponsorship_shortfall(session: Session, acting: Acting) -> list[str]:
    """What tabling still needs, as sentences (empty when the group's rule holds)."""
    delegations = session.scalars(
        select(Delegation).where(Delegation.commission_id == acting.proposal.commission_id)
    ).all()
    backers = [a.participant_id for a in acting.proposal.authors] + [
        s.participant_id for s in acting.proposal.sponsorships if s.status == "accepted"
    ]
    backing = session.scalars(
        select(Participant.delegation_id).where(
            Participant.id.in_(backers), Participant.delegation_id.is_not(None)
        )
    ).all()
    drafter = session.get(Participant, acting.proposal.created_by_id or 0)
    return rules.sponsorship_shortfall(
        acting.group.sponsorship,
        [rules.SponsorDelegation(d.id, d.name, d.status == "member") for d in delegations],
        drafter.delegation_id if drafter else None,
        [d for d in backing if d is not None],
    )


# --- stages --------------------------------------------------------------------------------


def set_stage(
    session: Session, proposal: Proposal, expected: str, new: str, **values: object
) -> None:
    """Compare-and-set: the database refuses the move if someone moved the proposal first."""
    moved = session.execute(
        update(Proposal)
        .where(Proposal.id == proposal.id, Proposal.stage == expected)
        .values(stage=new, stage_changed_at=utcnow(), updated_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(_("This proposal has moved on meanwhile. Reload the page."))
    session.refresh(proposal, attribute_names=["stage", "round", "stage_changed_at"])


STAGE_MESSAGES = {
    "table": "proposal.tabled",
    "open_debate": "debate.opened",
    "open_vote": "vote.opened",
    "withdraw": "proposal.withdrawn",
}


def move_stage(session: Session, acting: Acting, action: str) -> None:
    """Table, open debate or withdraw (opening and closing votes live in voting.service)."""
    proposal, stage = acting.proposal, acting.proposal.stage
    if action not in ("table", "open_debate", "withdraw"):
        raise Invalid(_("Unknown action."), field="action")
    if not rules.may_move(action, acting.seat, acting.facts):
        if stage not in rules.TRANSITIONS[action][0]:
            raise Conflict(_("That step is not possible at this stage."))
        raise NotAllowed(_("You may not take that step on this proposal."))
    values: dict[str, object] = {}
    if action == "table":
        if missing := sponsorship_shortfall(session, acting):
            raise Conflict(" ".join([_("Tabling needs more sponsors."), *missing]))
        if stage == "rejected":
            values["round"] = proposal.round + 1
    set_stage(session, proposal, stage, rules.TRANSITIONS[action][1], **values)
    record(
        session,
        proposal.commission_id,
        STAGE_MESSAGES[action],
        actor_id=acting.participant.id,
        proposal_id=proposal.id,
        working_group_id=acting.group.id,
        stage=proposal.stage,
        round=proposal.round,
    )
    announce_change(session, proposal, "stage")


# --- debate --------------------------------------------------------------------------------


def post_argument(
    session: Session, acting: Acting, *, stance: str, body: str, parent_id: int | None = None
) -> Argument:
    _require(
        rules.can_argue(acting.seat, acting.facts),
        _("Arguments are open to the working group while a proposal is in debate or voting."),
    )
    if stance not in rules.STANCES:
        raise Invalid(_("Choose support, oppose, question or note."), field="stance")
    body = body.strip()
    if not body:
        raise Invalid(_("Write your argument."), field="body")
    if len(body) > BODY_MAX:
        raise Invalid(_("Use at most 10,000 characters."), field="body")
    if parent_id is not None:
        parent = session.get(Argument, parent_id)
        if parent is None or parent.proposal_id != acting.proposal.id:
            raise Invalid(
                _("You can only reply to an argument on this proposal."), field="parent_id"
            )
    argument = Argument(
        proposal_id=acting.proposal.id,
        parent_id=parent_id,
        author_id=acting.participant.id,
        stance=stance,
        body=body,
    )
    session.add(argument)
    session.flush()
    record(
        session,
        acting.proposal.commission_id,
        "argument.posted",
        actor_id=acting.participant.id,
        proposal_id=acting.proposal.id,
        working_group_id=acting.group.id,
        argument=argument.id,
        stance=stance,
    )
    announce_change(session, acting.proposal, "argument", argument.id)
    return argument


def hide_argument(session: Session, acting: Acting, argument_id: int, reason: str) -> Argument:
    _require(rules.can_hide_argument(acting.seat), _("Only instructors can hide arguments."))
    argument = session.get(Argument, argument_id)
    if argument is None or argument.proposal_id != acting.proposal.id:
        raise NotFound(_("There is no such argument on this proposal."))
    reason = reason.strip()
    if not reason:
        raise Invalid(_("Say why the argument is hidden; the reason is logged."), field="reason")
    if argument.hidden_at is not None:
        raise Conflict(_("This argument is hidden already."))
    argument.hidden_at, argument.hidden_by_id = utcnow(), acting.participant.id
    argument.hidden_reason = reason[:1000]
    record(
        session,
        acting.proposal.commission_id,
        "argument.hidden",
        actor_id=acting.participant.id,
        proposal_id=acting.proposal.id,
        working_group_id=acting.group.id,
        argument=argument.id,
        reason=argument.hidden_reason,
    )
    session.flush()
    announce_change(session, acting.proposal, "argument_hidden", argument.id)
    return argument


# --- amendments ----------------------------------------------------------------------------


def propose_amendment(session: Session, acting: Acting, *, text: str, rationale: str) -> Amendment:
    _require(
        rules.can_propose_amendment(acting.seat, acting.facts),
        _("Amendments are open to the working group while the proposal is in debate."),
    )
    text, rationale = text.strip(), rationale.strip()
    current = latest_revision(session, acting.proposal.id)
    if not text:
        raise Invalid(_("Write the new text you propose."), field="text")
    if len(text) > TEXT_MAX:
        raise Invalid(_("Use at most 20,000 characters."), field="text")
    if text == current.text:
        raise Invalid(_("The new text is the same as the current one."), field="text")
    amendment = Amendment(
        proposal_id=acting.proposal.id,
        round=acting.proposal.round,
        author_id=acting.participant.id,
        base_revision_number=current.number,
        text=text,
        rationale=rationale[:TEXT_MAX],
    )
    session.add(amendment)
    session.flush()
    record(
        session,
        acting.proposal.commission_id,
        "amendment.proposed",
        actor_id=acting.participant.id,
        proposal_id=acting.proposal.id,
        working_group_id=acting.group.id,
        amendment=amendment.id,
    )
    announce_change(session, acting.proposal, "amendment", amendment.id)
    return amendment


def load_amendment(session: Session, acting: Acting, amendment_id: int) -> Amendment:
    amendment = session.get(Amendment, amendment_id, with_for_update=True)
    if amendment is None or amendment.proposal_id != acting.proposal.id:
        raise NotFound(_("There is no such amendment on this proposal."))
    return amendment


def apply_amendment(session: Session, proposal: Proposal, amendment: Amendment) -> Revision:
    """The amendment's text becomes a new revision, credited to the amendment's author."""
    current = latest_revision(session, proposal.id)
    revision = Revision(
        proposal_id=proposal.id,
        number=current.number + 1,
        title=current.title,
        text=amendment.text,
        rationale=current.rationale,
        author_id=amendment.author_id,
        amendment_id=amendment.id,
    )
    session.add(revision)
    session.flush()
    return revision


def accept_amendment(session: Session, acting: Acting, amendment_id: int) -> Revision:
    _require(
        rules.can_accept_amendment(acting.seat, acting.facts),
        _("Only the authors can accept an amendment as friendly, during debate."),
    )
    amendment = load_amendment(session, acting, amendment_id)
    if amendment.status != "proposed":
        raise Conflict(_("This amendment has been decided already."))
    amendment.status, amendment.decided_at = "accepted", utcnow()
    revision = apply_amendment(session, acting.proposal, amendment)
    record(
        session,
        acting.proposal.commission_id,
        "amendment.accepted",
        actor_id=acting.participant.id,
        proposal_id=acting.proposal.id,
        working_group_id=acting.group.id,
        amendment=amendment.id,
        revision=revision.number,
    )
    announce_change(session, acting.proposal, "amendment", amendment.id)
    return revision


def withdraw_amendment(session: Session, acting: Acting, amendment_id: int) -> None:
    amendment = load_amendment(session, acting, amendment_id)
    _require(
        amendment.author_id == acting.participant.id,
        _("Only its author can withdraw an amendment."),
    )
    if amendment.status != "proposed":
        raise Conflict(_("This amendment has been decided already."))
    amendment.status, amendment.decided_at = "withdrawn", utcnow()
    record(
        session,
        acting.proposal.commission_id,
        "amendment.withdrawn",
        actor_id=acting.participant.id,
        proposal_id=acting.proposal.id,
        working_group_id=acting.group.id,
        amendment=amendment.id,
    )
    announce_change(session, acting.proposal, "amendment", amendment.id)


# --- lookups -------------------------------------------------------------------------------


def group_in_commission(session: Session, commission_id: int, pillar_or_code: str) -> WorkingGroup:
    group = session.scalar(
        select(WorkingGroup).where(
            WorkingGroup.commission_id == commission_id,
            (WorkingGroup.pillar == pillar_or_code) | (WorkingGroup.code == pillar_or_code.upper()),
        )
    )
    if group is None:
        raise NotFound(_("There is no such working group in this commission."))
    return group


def acting_for_ballot(session: Session, proposal_id: int, user: User) -> Acting:
    """What casting a ballot needs, in one query (the storm path: a room voting at once).

    A ballot never needs authors or sponsors: a proposal that can be voted on is past its
    draft, so every member may see it. Anything else is answered as not found, like acting_on.
    """
    row = session.execute(
        select(Proposal, WorkingGroup, Participant, Delegation, WorkingGroupMembership, Commission)
        .join(WorkingGroup, WorkingGroup.id == Proposal.working_group_id)
        .join(Commission, Commission.id == Proposal.commission_id)
        .join(
            Participant,
            (Participant.commission_id == Proposal.commission_id)
            & (Participant.user_id == user.id),
        )
        .outerjoin(Delegation, Delegation.id == Participant.delegation_id)
        .outerjoin(
            WorkingGroupMembership,
            (WorkingGroupMembership.participant_id == Participant.id)
            & (WorkingGroupMembership.working_group_id == WorkingGroup.id),
        )
        .where(Proposal.id == proposal_id)
    ).first()
    if row is None or row[0].stage == "draft":
        raise NotFound(_("There is no proposal here."))
    proposal, group, participant, delegation, membership, commission = row
    seat = seat_from(participant, delegation, membership)
    facts = ProposalFacts(
        stage=proposal.stage,
        author_ids=frozenset(),
        sponsor_ids=frozenset(),
        chairs_move_stages=group.chairs_move_stages,
        session_over=commission.status == "concluded",
    )
    return Acting(proposal, group, participant, seat, facts)
