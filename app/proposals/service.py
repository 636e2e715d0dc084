"""Drafting, sponsoring, moving and debating proposals. Functions never commit.

Who is acting is app.proposals.acting; amendments are app.proposals.amendments. Stage changes
are compare-and-set updates (`WHERE stage = :expected`), so two chairs clicking at once cannot
both move a proposal: the second gets a Conflict.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload

from app.commissions.models import Commission, Delegation, Participant, WorkingGroup
from app.commissions.rules import Seat
from app.db import utcnow
from app.errors import Conflict, Invalid, NotAllowed, NotFound
from app.i18n import gettext as _
from app.proposals import rules
from app.proposals.acting import Acting, record_change, session_over
from app.proposals.models import Argument, Proposal, ProposalAuthor, Revision, Sponsorship

TITLE_MAX = 200
TEXT_MAX = 20_000
BODY_MAX = 10_000


def commission_default_locale(session: Session, proposal_id: int) -> str | None:
    """The default language of the commission a proposal belongs to (app.commissions.service)."""
    return session.scalar(
        select(Commission.default_locale)
        .join(Proposal, Proposal.commission_id == Commission.id)
        .where(Proposal.id == proposal_id)
    )


def require(allowed: bool, message: str) -> None:
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
    require(
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
    record_change(
        session,
        proposal,
        "proposal.drafted",
        actor_id=participant.id,
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
    require(
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
    acting.record(session, "proposal.revised", revision=revision.number)
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
    require(
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
    acting.record(session, "proposal.coauthor_added", coauthor=other.id)
    session.flush()


def invite_sponsor(session: Session, acting: Acting, participant_id: int) -> Sponsorship:
    require(
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
    acting.record(session, "sponsor.invited", sponsor=other.id)
    session.flush()
    return existing


def respond_to_sponsorship(session: Session, acting: Acting, *, accept: bool) -> None:
    require(
        rules.can_respond_to_sponsorship(acting.seat, acting.facts),
        _("Only a delegate asked to sponsor this proposal can answer, before it is tabled."),
    )
    sponsorship = session.get(Sponsorship, (acting.proposal.id, acting.participant.id))
    assert sponsorship is not None
    sponsorship.status = "accepted" if accept else "declined"
    sponsorship.responded_at = utcnow()
    acting.record(session, "sponsor.accepted" if accept else "sponsor.declined")
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
    kind = STAGE_MESSAGES[action]
    acting.record(session, kind, announce="stage", stage=proposal.stage, round=proposal.round)


# --- debate --------------------------------------------------------------------------------


def post_argument(
    session: Session, acting: Acting, *, stance: str, body: str, parent_id: int | None = None
) -> Argument:
    require(
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
    acting.record(
        session,
        "argument.posted",
        announce="argument",
        subject_id=argument.id,
        argument=argument.id,
        stance=stance,
    )
    return argument


def hide_argument(session: Session, acting: Acting, argument_id: int, reason: str) -> Argument:
    require(rules.can_hide_argument(acting.seat), _("Only instructors can hide arguments."))
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
    acting.record(
        session,
        "argument.hidden",
        announce="argument_hidden",
        subject_id=argument.id,
        argument=argument.id,
        reason=argument.hidden_reason,
    )
    session.flush()
    return argument


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
