"""The demo: the built-in scenario, an instructor, ten delegates and a commission in session."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts import service as accounts
from app.accounts.models import User
from app.commissions import service as commissions
from app.commissions.models import Commission, Delegation, RoleBrief, Sector, WorkingGroup
from app.commissions.models import WorkingGroupMembership as Membership
from app.scenarios import service as scenarios

DEMO_PASSWORD = "demo-password"  # noqa: S105 - printed on the console; demo only
DEMO_COMMISSION_TITLE = "Cooling Off: demo seminar"

# sign-in name, display name, delegation, sector, role brief, head of delegation, co-chair of
DEMO_DELEGATES = (
    ("us-state", "Avery Brooks", "US", "government", "us-state-cyber", True, "FT"),
    ("us-cyber", "Jordan Ellis", "US", "military", "us-cybercom", False, "CY"),
    ("us-lab", "Sam Whitaker", "US", "private", "us-frontier-lab", False, None),
    ("us-scholar", "Riley Chen", "US", "academia", "us-university-ai", False, "DI"),
    ("us-ngo", "Taylor Okafor", "US", "ngo", "us-ngo-integrity", False, None),
    ("prc-mfa", "Li Wei", "PRC", "government", "prc-mfa-arms-control", True, "FT"),
    ("prc-pla", "Zhang Min", "PRC", "military", "prc-ams-cyber", False, "CY"),
    ("prc-tsinghua", "Wang Fang", "PRC", "academia", "prc-university-governance", False, "DI"),
    ("prc-chips", "Chen Jie", "PRC", "private", "prc-semiconductor", False, None),
    ("prc-ngo", "Zhou Lan", "PRC", "ngo", "prc-cyber-association", False, None),
)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    display_name: str
    seat: str


def ensure_demo(session: Session) -> tuple[Commission, list[DemoLogin]]:
    """Create what is missing of the demo; running it twice changes nothing."""
    scenarios.ensure_builtin_scenarios(session)
    instructor = session.scalar(select(User).where(User.username == "instructor"))
    if instructor is None:
        instructor = accounts.create_user(
            session,
            username="instructor",
            display_name="Dr. Morgan Hale",
            password=DEMO_PASSWORD,
            is_instructor=True,
        )
    logins = [DemoLogin("instructor", instructor.display_name, "instructor")]
    commission = session.scalar(
        select(Commission).where(
            Commission.title == DEMO_COMMISSION_TITLE, Commission.created_by_id == instructor.id
        )
    )
    if commission is None:
        scenario = scenarios.find_scenario_by_slug(session, "cooling-off")
        assert scenario is not None
        commission = commissions.open_commission(
            session, scenario, DEMO_COMMISSION_TITLE, instructor
        )
        commissions.start_session(commission)
    delegations = {
        d.code: d
        for d in session.scalars(
            select(Delegation).where(Delegation.commission_id == commission.id)
        )
    }
    sectors = {
        s.code: s
        for s in session.scalars(select(Sector).where(Sector.commission_id == commission.id))
    }
    groups = {
        g.code: g
        for g in session.scalars(
            select(WorkingGroup).where(WorkingGroup.commission_id == commission.id)
        )
    }
    briefs = {
        b.code: b
        for b in session.scalars(select(RoleBrief).where(RoleBrief.commission_id == commission.id))
    }
    for username, name, delegation_code, sector_code, brief_code, head, chair_of in DEMO_DELEGATES:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            user = accounts.create_user(
                session, username=username, display_name=name, password=DEMO_PASSWORD
            )
        existing = commissions.participant_for(session, commission.id, user)
        participant = commissions.join_commission(session, commission, user)
        if existing is None:
            delegation, sector = delegations[delegation_code], sectors[sector_code]
            commissions.assign_seat(
                participant,
                delegation=delegation,
                sector=sector,
                role_brief=briefs.get(brief_code),
                head_of_delegation=head,
            )
            session.add_all(
                Membership(
                    participant_id=participant.id,
                    working_group_id=group.id,
                    is_co_chair=(group.code == chair_of),
                )
                for group in groups.values()
            )
        logins.append(DemoLogin(username, name, f"{delegation_code} {sector_code}"))
    session.flush()
    return commission, logins
