"""Running a commission: opening it, its roster, rules and partners. Never commits.

Seating is in app.instructor.seats, enrolment and password resets in app.instructor.enrolment, the
dashboard and the conclusion in their own packages."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.activity.service import record
from app.commissions import service as commissions
from app.commissions.models import (
    Commission,
    Delegation,
    Participant,
    RoleBrief,
    Sector,
    WorkingGroup,
)
from app.commissions.rules import BALLOT_TYPES, BALLOT_UNITS, VOTING_RULES
from app.errors import Conflict, Invalid, NotAllowed, NotFound
from app.i18n import gettext as _
from app.i18n import known_locale
from app.instructor import rules
from app.proposals.models import Proposal
from app.scenarios import service as scenarios
from app.voting.models import Vote


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
    commission = scenarios.open_commission(session, scenario, title, user)
    me = commissions.participant_for(session, commission.id, user)
    record(session, commission.id, "commission.opened", actor_id=me.id if me else None, title=title)
    return commission


def set_default_locale(commission: Commission, locale: str) -> None:
    """The language the commission's pages open in for readers who chose none ("" for none)."""
    chosen = known_locale(locale)
    if locale and chosen is None:
        raise Invalid(_("Choose one of the languages offered."), field="default_locale")
    commission.default_locale = chosen


def start_session(session: Session, commission: Commission, me: Participant) -> None:
    if commission.status != "setup":
        raise Conflict(_("This commission is already in session or has concluded."))
    commissions.start_session(commission)
    record(session, commission.id, "commission.started", actor_id=me.id)


def refuse_when_concluded(commission: Commission) -> None:
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
    texts_must_agree: bool = True


def change_rules(
    session: Session, commission: Commission, me: Participant, group_code: str, new: GroupRules
) -> WorkingGroup:
    refuse_when_concluded(commission)
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
    group.texts_must_agree = new.texts_must_agree
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
    refuse_when_concluded(commission)
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
    refuse_when_concluded(commission)
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
