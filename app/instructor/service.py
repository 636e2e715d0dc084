"""Running a commission: opening it, seating the roster, rules and partners. Never commits."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from app.accounts import service as accounts
from app.accounts.models import User
from app.activity.models import Activity
from app.activity.service import record
from app.commissions import service as commissions
from app.commissions.models import (
    Commission,
    Delegation,
    Participant,
    RoleBrief,
    Sector,
    WorkingGroup,
    WorkingGroupMembership,
)
from app.db import utcnow
from app.errors import Conflict, Invalid, NotAllowed, NotFound
from app.i18n import gettext as _
from app.instructor import rules, seating
from app.instructor.roster import RosterRow, new_password, suggest_username
from app.live.broker import LiveEvent
from app.live.events import announce
from app.proposals import service as proposals
from app.proposals.acting import announce_change, load_proposal, seat_from
from app.proposals.models import Argument, Proposal
from app.proposals.rules import Seat
from app.scenarios import service as scenarios
from app.voting import rules as voting_rules
from app.voting import service as voting
from app.voting.models import BallotReceipt, Vote
from app.voting.rules import BALLOT_TYPES, BALLOT_UNITS, VOTING_RULES


def managed_commission(
    session: Session, commission_id: int, user: User
) -> tuple[Commission, Participant]:
    """The commission and the instructor's own seat in it; anyone else is refused."""
    commission = session.get(Commission, commission_id)
    if commission is None:
        raise NotFound(_("There is no commission here."))
    me = commissions.participant_for(session, commission_id, user)
    if not rules.can_manage(commissions.viewer_of(me)):
        raise NotAllowed(_("Only the instructors of this commission can run it."))
    assert me is not None
    return commission, me


def open_from_scenario(session: Session, user: User, scenario_id: int, title: str) -> Commission:
    if not rules.can_open_commissions(user.is_instructor):
        raise NotAllowed(_("Only instructors can open commissions."))
    title = " ".join(title.split())
    if not title:
        raise Invalid(
            _("Give the commission a title, for example the course and term."), field="title"
        )
    if len(title) > 200:
        raise Invalid(_("Use at most 200 characters."), field="title")
    scenario = scenarios.load_scenario(session, scenario_id)
    if scenario is None or not (scenario.is_builtin or scenario.owner_id == user.id):
        raise Invalid(_("Choose one of your scenarios or a built-in one."), field="scenario_id")
    commission = commissions.open_commission(session, scenario, title, user)
    me = commissions.participant_for(session, commission.id, user)
    record(session, commission.id, "commission.opened", actor_id=me.id if me else None, title=title)
    return commission


def start_session(session: Session, commission: Commission, me: Participant) -> None:
    if commission.status != "setup":
        raise Conflict(_("This commission is already in session or has concluded."))
    commissions.start_session(commission)
    record(session, commission.id, "commission.started", actor_id=me.id)


def _refuse_when_concluded(commission: Commission) -> None:
    if refusal := rules.console_change_refusal(commission.status):
        raise Conflict(refusal)


@dataclass
class Roster:
    participants: list[Participant]
    delegations: list[Delegation]
    sectors: list[Sector]
    groups: list[WorkingGroup]
    briefs: list[RoleBrief]

    @property
    def students(self) -> list[Participant]:
        """Delegates and observers: everyone on the roster but its instructors."""
        return [p for p in self.participants if p.role != "instructor"]


def roster(session: Session, commission_id: int) -> Roster:
    """Everything the roster page shows, in five queries."""
    participants = commissions.seated_participants(session, commission_id)
    delegations = list(
        session.scalars(
            select(Delegation)
            .where(Delegation.commission_id == commission_id)
            .order_by(Delegation.position, Delegation.id)
        )
    )
    sectors = list(
        session.scalars(
            select(Sector).where(Sector.commission_id == commission_id).order_by(Sector.position)
        )
    )
    groups = list(
        session.scalars(
            select(WorkingGroup)
            .where(WorkingGroup.commission_id == commission_id)
            .order_by(WorkingGroup.position)
        )
    )
    briefs = list(
        session.scalars(
            select(RoleBrief)
            .where(RoleBrief.commission_id == commission_id)
            .order_by(RoleBrief.position, RoleBrief.id)
        )
    )
    return Roster(participants, delegations, sectors, groups, briefs)


@dataclass(frozen=True)
class SeatChoice:
    """An instructor's choice for one participant; ids must belong to the same commission."""

    delegation_id: int | None
    sector_id: int | None
    role_brief_id: int | None
    group_ids: frozenset[int]
    co_chair_group_ids: frozenset[int]
    head: bool


def _own(items: list[Delegation] | list[Sector] | list[WorkingGroup] | list[RoleBrief]) -> set[int]:
    return {item.id for item in items}


def seat_participant(
    session: Session,
    commission: Commission,
    me: Participant,
    participant_id: int,
    choice: SeatChoice,
) -> Participant:
    """Assign delegation, sector, brief, groups, head and co-chairs, and tell the participant."""
    _refuse_when_concluded(commission)
    data = roster(session, commission.id)
    participant = next((p for p in data.participants if p.id == participant_id), None)
    if participant is None:
        raise NotFound(_("There is no such participant in this commission."))
    if participant.role == "instructor":
        raise Invalid(_("Instructors do not take a seat."), field="delegation_id")
    if choice.delegation_id is not None and choice.delegation_id not in _own(data.delegations):
        raise Invalid(_("Choose a delegation of this commission."), field="delegation_id")
    if choice.sector_id is not None and choice.sector_id not in _own(data.sectors):
        raise Invalid(_("Choose a sector of this commission."), field="sector_id")
    if choice.role_brief_id is not None and choice.role_brief_id not in _own(data.briefs):
        raise Invalid(_("Choose a brief of this commission."), field="role_brief_id")
    if not (choice.group_ids | choice.co_chair_group_ids) <= _own(data.groups):
        raise Invalid(_("Choose working groups of this commission."), field="group_ids")
    if choice.co_chair_group_ids and choice.delegation_id is None:
        raise Invalid(_("A co-chair needs a delegation."), field="co_chair_group_ids")
    _apply_seat(session, participant, choice, data.participants)
    session.flush()
    record(
        session,
        commission.id,
        "participant.seated",
        actor_id=me.id,
        participant=participant.id,
        delegation=choice.delegation_id,
        sector=choice.sector_id,
    )
    announce(
        session, LiveEvent(commission_id=commission.id, kind="seat", subject_id=participant.id)
    )
    return participant


def _apply_seat(
    session: Session, participant: Participant, choice: SeatChoice, everyone: list[Participant]
) -> None:
    """Write one seat (needs participant.memberships loaded); a new head steps the old one down."""
    participant.delegation_id = choice.delegation_id
    participant.sector_id = choice.sector_id
    participant.role_brief_id = choice.role_brief_id
    if choice.head and choice.delegation_id is not None:
        for other in everyone:
            if other.delegation_id == choice.delegation_id and other.id != participant.id:
                other.is_head_of_delegation = False
    participant.is_head_of_delegation = choice.head and choice.delegation_id is not None
    wanted = choice.group_ids | choice.co_chair_group_ids
    for old in list(participant.memberships):
        if old.working_group_id not in wanted:
            session.delete(old)
    existing = {m.working_group_id: m for m in participant.memberships}
    for group_id in wanted:
        membership = existing.get(group_id)
        if membership is None:
            membership = WorkingGroupMembership(
                participant_id=participant.id, working_group_id=group_id
            )
            session.add(membership)
        membership.is_co_chair = group_id in choice.co_chair_group_ids


def auto_seat(
    session: Session,
    commission: Commission,
    me: Participant,
    *,
    reseat_all: bool,
    groups_per_student: int = 0,
) -> int:
    """Balance delegations and sectors, hand out briefs, heads and co-chairs; returns seats made.

    Seats already chosen are kept unless `reseat_all`; the instructor adjusts afterwards.
    `groups_per_student` is how many working groups each delegate sits in, 0 for all of them.
    """
    _refuse_when_concluded(commission)
    data = roster(session, commission.id)
    if refusal := rules.groups_per_student_refusal(groups_per_student, len(data.groups)):
        raise Invalid(refusal, field="groups_per_student")
    delegation_code = {d.id: d.code for d in data.delegations}
    sector_code = {s.id: s.code for s in data.sectors}
    delegates = [p for p in data.participants if p.role == "delegate"]
    try:
        seats = seating.auto_assign(
            [
                seating.Student(
                    participant_id=p.id,
                    name=p.user.display_name,
                    delegation=delegation_code.get(p.delegation_id or 0),
                    sector=sector_code.get(p.sector_id or 0),
                )
                for p in delegates
            ],
            delegations=[d.code for d in data.delegations if d.status == "member"],
            sectors=[s.code for s in data.sectors],
            groups=[g.code for g in data.groups],
            briefs=[
                seating.BriefOption(
                    code=b.code,
                    delegation=delegation_code.get(b.delegation_id or 0),
                    sector=sector_code.get(b.sector_id or 0),
                )
                for b in data.briefs
            ],
            groups_per_student=groups_per_student,
            reseat_all=reseat_all,
            seed=commission.id,
        )
    except seating.NowhereToSeat as nowhere:
        raise Conflict(_nowhere_to_seat(nowhere.reason)) from nowhere
    delegation_id = {d.code: d.id for d in data.delegations}
    sector_id = {s.code: s.id for s in data.sectors}
    brief_id = {b.code: b.id for b in data.briefs}
    group_id = {g.code: g.id for g in data.groups}
    for participant in delegates:
        seat = seats[participant.id]
        _apply_seat(
            session,
            participant,
            SeatChoice(
                delegation_id=delegation_id[seat.delegation],
                sector_id=sector_id[seat.sector],
                role_brief_id=brief_id.get(seat.brief or ""),
                group_ids=frozenset(group_id[g] for g in seat.groups),
                co_chair_group_ids=frozenset(group_id[g] for g in seat.co_chair_of),
                head=False,
            ),
            data.participants,
        )
        participant.is_head_of_delegation = seat.head
    session.flush()
    record(
        session,
        commission.id,
        "roster.auto_seated",
        actor_id=me.id,
        count=len(delegates),
        groups_per_student=groups_per_student,
    )
    announce(session, LiveEvent(commission_id=commission.id, kind="roster"))
    return len(delegates)


def _nowhere_to_seat(reason: str) -> str:
    if reason == seating.NO_MEMBER_DELEGATION:
        return _(
            "No delegation is a member, so auto-assign has nowhere to seat new students. Make a "
            "delegation a member under Delegations and partners, then try again."
        )
    return _(
        "This commission has no sectors, so auto-assign cannot give students one. Seat them "
        "by hand instead."
    )


@dataclass(frozen=True)
class BriefSharing:
    """What the console says about private briefs: too few for the class, and who shares one."""

    delegates: int
    briefs: int
    shared: list[tuple[RoleBrief, list[Participant]]]  # briefs held by two or more delegates
    unused: list[RoleBrief]

    @property
    def too_few(self) -> bool:
        return 0 < self.briefs < self.delegates


def brief_sharing(data: Roster) -> BriefSharing:
    """From what the roster page loaded already: no query of its own."""
    delegates = [p for p in data.participants if p.role == "delegate"]
    holders: dict[int, list[Participant]] = {}
    for participant in delegates:
        if participant.role_brief_id is not None:
            holders.setdefault(participant.role_brief_id, []).append(participant)
    return BriefSharing(
        delegates=len(delegates),
        briefs=len(data.briefs),
        shared=[(b, holders[b.id]) for b in data.briefs if len(holders.get(b.id, ())) > 1],
        unused=[b for b in data.briefs if b.id not in holders],
    )


def open_votes_in_commission(session: Session, commission_id: int) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(Vote)
            .join(Proposal, Proposal.id == Vote.proposal_id)
            .where(Proposal.commission_id == commission_id, Vote.closed_at.is_(None))
        )
        or 0
    )


def open_votes_in_group(session: Session, group_id: int) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(Vote)
            .join(Proposal, Proposal.id == Vote.proposal_id)
            .where(Proposal.working_group_id == group_id, Vote.closed_at.is_(None))
        )
        or 0
    )


@dataclass(frozen=True)
class GroupRules:
    voting_rule: str
    quorum_percent: int
    ballot_unit: str
    ballot_type: str
    sponsorship: str
    hide_running_tally: bool
    chairs_move_stages: bool


def change_rules(
    session: Session, commission: Commission, me: Participant, group_code: str, new: GroupRules
) -> WorkingGroup:
    _refuse_when_concluded(commission)
    group = session.scalar(
        select(WorkingGroup)
        .where(WorkingGroup.commission_id == commission.id, WorkingGroup.code == group_code)
        .with_for_update()
    )
    if group is None:
        raise NotFound(_("There is no such working group in this commission."))
    if refusal := rules.rule_change_refusal(open_votes_in_group(session, group.id)):
        raise Conflict(refusal)
    if new.voting_rule not in VOTING_RULES:
        raise Invalid(_("Choose one of the voting rules."), field="voting_rule")
    if new.ballot_unit not in BALLOT_UNITS:
        raise Invalid(_("Choose who casts ballots."), field="ballot_unit")
    if new.ballot_type not in BALLOT_TYPES:
        raise Invalid(_("Choose roll-call or secret ballots."), field="ballot_type")
    if new.sponsorship not in ("every_member_delegation", "any_other_delegation", "none"):
        raise Invalid(_("Choose what tabling needs."), field="sponsorship")
    if not 0 <= new.quorum_percent <= 100:
        raise Invalid(_("The quorum is a share between 0 and 100 percent."), field="quorum_percent")
    group.voting_rule, group.ballot_unit, group.ballot_type = (
        new.voting_rule,
        new.ballot_unit,
        new.ballot_type,
    )
    group.quorum = new.quorum_percent / 100
    group.sponsorship = new.sponsorship
    group.hide_running_tally = new.hide_running_tally
    group.chairs_move_stages = new.chairs_move_stages
    record(
        session,
        commission.id,
        "rules.changed",
        actor_id=me.id,
        working_group_id=group.id,
        voting_rule=group.voting_rule,
        quorum=group.quorum,
        ballot_unit=group.ballot_unit,
        ballot_type=group.ballot_type,
    )
    return group


def add_partner(
    session: Session, commission: Commission, me: Participant, *, code: str, name: str, status: str
) -> Delegation:
    """A partner (EU, India, …) joins at any time, as a member (votes) or an observer (speaks)."""
    _refuse_when_concluded(commission)
    code, name = code.strip().upper(), " ".join(name.split())
    if not re.match(rules.PARTNER_CODE_PATTERN, code):
        raise Invalid(
            _("Use 2 to 12 capital letters or digits, starting with a letter, e.g. EU."),
            field="code",
        )
    if not name or len(name) > 120:
        raise Invalid(_("Give the delegation's name (at most 120 characters)."), field="name")
    if status not in ("member", "observer"):
        raise Invalid(_("Choose member or observer."), field="status")
    if status == "member" and open_votes_in_commission(session, commission.id):
        raise Conflict(
            _("A vote is open: a new member would change its count. Add it as an observer now."),
            field="status",
        )
    position = session.scalar(
        select(func.coalesce(func.max(Delegation.position), 0)).where(
            Delegation.commission_id == commission.id
        )
    )
    delegation = Delegation(
        commission_id=commission.id,
        code=code,
        name=name,
        status=status,
        position=int(position or 0) + 1,
    )
    try:
        with session.begin_nested():
            session.add(delegation)
            session.flush()
    except IntegrityError as error:
        raise Conflict(
            _("A delegation with the code %(code)s is already here.", code=code), field="code"
        ) from error
    record(session, commission.id, "partner.added", actor_id=me.id, delegation=code, status=status)
    return delegation


def set_partner_status(
    session: Session, commission: Commission, me: Participant, delegation_id: int, status: str
) -> Delegation:
    _refuse_when_concluded(commission)
    delegation = session.get(Delegation, delegation_id)
    if delegation is None or delegation.commission_id != commission.id:
        raise NotFound(_("There is no such delegation in this commission."))
    if status not in ("member", "observer"):
        raise Invalid(_("Choose member or observer."), field="status")
    if open_votes_in_commission(session, commission.id):
        raise Conflict(_("A vote is open. Close it before changing who may vote."))
    delegation.status = status
    record(
        session,
        commission.id,
        "partner.status",
        actor_id=me.id,
        delegation=delegation.code,
        status=status,
    )
    return delegation


@dataclass(frozen=True)
class Credential:
    name: str
    username: str
    password: str
    email: str | None
    delegation: str | None
    sector: str | None


def enrol(
    session: Session, commission: Commission, me: Participant, rows: list[RosterRow]
) -> list[Credential]:
    """An account and a seat for each row of a checked roster file; passwords shown once.

    All or nothing: the caller's transaction holds every account, so one failure undoes them all.
    """
    _refuse_when_concluded(commission)
    taken = set(session.scalars(select(User.username)))
    delegations = {
        d.code: d.id
        for d in session.scalars(
            select(Delegation).where(Delegation.commission_id == commission.id)
        )
    }
    sectors = {
        x.code: x.id
        for x in session.scalars(select(Sector).where(Sector.commission_id == commission.id))
    }
    credentials = []
    for row in rows:
        username = suggest_username(row.name, taken)
        taken.add(username)
        password = new_password()
        user = accounts.create_user(
            session,
            username=username,
            display_name=row.name,
            password=password,
            email=row.email,
            generated_password=True,
        )
        session.add(
            Participant(
                commission_id=commission.id,
                user_id=user.id,
                role="delegate",
                delegation_id=delegations.get(row.delegation or ""),
                sector_id=sectors.get(row.sector or ""),
                joined_at=utcnow(),
            )
        )
        credentials.append(
            Credential(
                name=row.name,
                username=username,
                password=password,
                email=row.email,
                delegation=row.delegation,
                sector=row.sector,
            )
        )
    session.flush()
    record(session, commission.id, "roster.imported", actor_id=me.id, count=len(credentials))
    announce(session, LiveEvent(commission_id=commission.id, kind="roster"))
    return credentials


@dataclass(frozen=True)
class NewPassword:
    """A student's new password, for the instructor to pass on; shown once, never stored."""

    name: str
    username: str
    password: str


def reset_password(
    session: Session, commission: Commission, me: Participant, participant_id: int
) -> NewPassword:
    """A new random password for a student of this commission, who is signed out everywhere.

    Allowed after conclusion too: students still sign in to read the charter and the report.
    The activity log records who was reset and by whom, never the password.
    """
    participant = session.scalar(
        select(Participant)
        .where(Participant.id == participant_id, Participant.commission_id == commission.id)
        .options(joinedload(Participant.user))
    )
    if participant is None:
        raise NotFound(_("There is no such participant in this commission."))
    user = participant.user
    instructs = session.scalar(
        select(func.count())
        .select_from(Participant)
        .where(Participant.user_id == user.id, Participant.role == "instructor")
    )
    if refusal := rules.password_reset_refusal(
        role=participant.role,
        instructor_account=user.is_instructor,
        instructs_a_commission=bool(instructs),
    ):
        raise NotAllowed(refusal)
    password = new_password()
    accounts.replace_password(session, user, password, generated_password=True)
    record(
        session,
        commission.id,
        "participant.password_reset",
        actor_id=me.id,
        participant=participant.id,
    )
    return NewPassword(name=user.display_name, username=user.username, password=password)


@dataclass
class ConclusionPreview:
    """What concluding will close, shown to the instructor before they confirm."""

    open_votes: list[tuple[Proposal, Vote]]
    proposals_in_play: list[Proposal]


def conclusion_preview(session: Session, commission: Commission) -> ConclusionPreview:
    votes = session.execute(
        select(Proposal, Vote)
        .join(Vote, Vote.proposal_id == Proposal.id)
        .where(Proposal.commission_id == commission.id, Vote.closed_at.is_(None))
        .order_by(Proposal.id)
    ).all()
    in_play = session.scalars(
        select(Proposal)
        .where(
            Proposal.commission_id == commission.id,
            Proposal.stage.in_(("draft", "tabled", "debate")),
        )
        .order_by(Proposal.id)
    ).all()
    return ConclusionPreview([(p, v) for p, v in votes], list(in_play))


def conclude(
    session: Session,
    commission: Commission,
    me: Participant,
    *,
    visibility: str,
    credit_students_by_name: bool = False,
) -> ConclusionPreview:
    """Close every open vote as it stands, withdraw what never reached a vote, publish the charter.

    Drafts stay drafts (they were never public); tabled proposals and those in debate are
    withdrawn, so the record says plainly that they did not come to a vote. Outside the room the
    charter names students only if `credit_students_by_name`, which the Chatham House Rule forbids.
    """
    if visibility not in ("private", "class", "public"):
        raise Invalid(_("Choose who may read the charter."), field="visibility")
    if credit_students_by_name and commission.chatham_house:
        raise Invalid(
            _(
                "This commission runs under the Chatham House Rule: no one may be named outside"
                " the room. Leave crediting students by name off."
            ),
            field="credit_students_by_name",
        )
    if commission.status == "concluded":
        raise Conflict(_("This commission has concluded already."))
    preview = conclusion_preview(session, commission)
    for proposal, vote in preview.open_votes:
        locked = session.scalar(select(Vote).where(Vote.id == vote.id).with_for_update())
        if locked is None or locked.closed_at is not None:
            continue
        loaded = load_proposal(session, proposal.id)
        voting.decide_vote(session, loaded, loaded.working_group, locked, actor_id=me.id)
    for proposal in preview.proposals_in_play:
        if proposal.stage in ("tabled", "debate"):
            proposals.set_stage(session, proposal, proposal.stage, "withdrawn")
            announce_change(session, proposal, "stage")
    commission.status, commission.concluded_at = "concluded", utcnow()
    commission.charter_visibility = visibility
    commission.credit_students_by_name = credit_students_by_name
    record(
        session,
        commission.id,
        "commission.concluded",
        actor_id=me.id,
        visibility=visibility,
        credit_students_by_name=credit_students_by_name,
    )
    return preview


@dataclass
class OpenVote:
    proposal: Proposal
    vote: Vote
    cast: int
    eligible: int
    not_voted: list[Participant]

    @property
    def everyone_voted(self) -> bool:
        return voting_rules.everyone_has_voted(self.cast, self.eligible)


@dataclass
class GroupBoard:
    group: WorkingGroup
    by_stage: dict[str, list[Proposal]]
    open_votes: list[OpenVote]
    activity: list[Activity]
    arguments: list[tuple[Argument, Proposal]]


def dashboard(session: Session, commission_id: int, *, activity_limit: int = 8) -> list[GroupBoard]:
    """Every working group at a glance, in six queries whatever the size of the room.

    Who has not voted is shown; how anyone voted never is (secret or not, that is the tally's job).
    """
    data = roster(session, commission_id)
    proposals_ = session.scalars(
        select(Proposal)
        .where(Proposal.commission_id == commission_id, Proposal.stage != "draft")
        .order_by(Proposal.stage_changed_at.desc())
    ).all()
    open_votes = session.execute(
        select(Proposal, Vote)
        .join(Vote, Vote.proposal_id == Proposal.id)
        .where(Proposal.commission_id == commission_id, Vote.closed_at.is_(None))
    ).all()
    voted: dict[int, set[int]] = {}
    if open_votes:
        for vote_id, participant_id in session.execute(
            select(BallotReceipt.vote_id, BallotReceipt.participant_id).where(
                BallotReceipt.vote_id.in_([v.id for _p, v in open_votes])
            )
        ):
            voted.setdefault(vote_id, set()).add(participant_id)
    recent = session.scalars(
        select(Activity)
        .where(Activity.commission_id == commission_id, Activity.delegation_id.is_(None))
        .order_by(Activity.id.desc())
        .limit(activity_limit * max(len(data.groups), 1) * 3)
    ).all()
    latest_arguments = session.execute(
        select(Argument, Proposal)
        .join(Proposal, Proposal.id == Argument.proposal_id)
        .where(Proposal.commission_id == commission_id, Argument.hidden_at.is_(None))
        .order_by(Argument.id.desc())
        .limit(activity_limit * max(len(data.groups), 1) * 3)
    ).all()
    delegations = {d.id: d for d in data.delegations}
    boards = []
    for group in data.groups:
        by_stage: dict[str, list[Proposal]] = {}
        for proposal in proposals_:
            if proposal.working_group_id == group.id:
                by_stage.setdefault(proposal.stage, []).append(proposal)
        seats = [
            seat_from(
                p,
                delegations.get(p.delegation_id or 0),
                next((m for m in p.memberships if m.working_group_id == group.id), None),
            )
            for p in data.participants
        ]
        boards.append(
            GroupBoard(
                group=group,
                by_stage=by_stage,
                open_votes=[
                    _open_vote(proposal, vote, voted.get(vote.id, set()), seats, data)
                    for proposal, vote in open_votes
                    if proposal.working_group_id == group.id
                ],
                activity=[a for a in recent if a.working_group_id == group.id][:activity_limit],
                arguments=[(a, p) for a, p in latest_arguments if p.working_group_id == group.id][
                    :5
                ],
            )
        )
    return boards


def _open_vote(
    proposal: Proposal, vote: Vote, voted: set[int], seats: list[Seat], data: Roster
) -> OpenVote:
    """Turnout and who may still vote, decided by the same rule as the tally and the ballot."""
    people = {p.id: p for p in data.participants}
    eligible = sum(voting_rules.eligible_by_delegation(seats, vote.ballot_unit).values())
    waiting = voting_rules.not_yet_voted(seats, vote.ballot_unit, voted)
    return OpenVote(
        proposal,
        vote,
        len(voted),
        max(eligible, len(voted)),
        [people[s.participant_id] for s in waiting],
    )
