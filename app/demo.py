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
from app.i18n import lazy as N_
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
    seat: str  # the delegation's and sector's codes, or a word (marked with N_, said with _)


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
    logins = [DemoLogin("instructor", instructor.display_name, N_("instructor"))]
    commission = session.scalar(
        select(Commission).where(
            Commission.title == DEMO_COMMISSION_TITLE, Commission.created_by_id == instructor.id
        )
    )
    if commission is None:
        scenario = scenarios.find_scenario_by_slug(session, "cooling-off")
        assert scenario is not None
        commission = scenarios.open_commission(session, scenario, DEMO_COMMISSION_TITLE, instructor)
        commissions.start_session(commission)
    users: dict[str, User] = {}
    for username, name, delegation_code, sector_code, *_rest in DEMO_DELEGATES:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            user = accounts.create_user(
                session, username=username, display_name=name, password=DEMO_PASSWORD
            )
        users[username] = user
        logins.append(DemoLogin(username, name, f"{delegation_code} {sector_code}"))
    _seat_demo_class(session, commission, users, with_roles=True)
    ensure_past_seminar(session, instructor, users)
    return commission, logins


def _seat_demo_class(
    session: Session, commission: Commission, users: dict[str, User], *, with_roles: bool
) -> None:
    """Seat the demo delegates not yet in this commission: delegation, sector, every working
    group; `with_roles` adds their private role briefs and co-chairs."""
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
    groups = list(
        session.scalars(select(WorkingGroup).where(WorkingGroup.commission_id == commission.id))
    )
    briefs = {
        b.code: b
        for b in session.scalars(select(RoleBrief).where(RoleBrief.commission_id == commission.id))
        if with_roles
    }
    for username, _name, delegation_code, sector_code, brief_code, head, chair_of in DEMO_DELEGATES:
        user = users[username]
        if commissions.participant_for(session, commission.id, user) is not None:
            continue
        participant = commissions.join_commission(session, commission, user)
        commissions.assign_seat(
            participant,
            delegation=delegations[delegation_code],
            sector=sectors[sector_code],
            role_brief=briefs.get(brief_code),
            head_of_delegation=head,
        )
        session.add_all(
            Membership(
                participant_id=participant.id,
                working_group_id=group.id,
                is_co_chair=with_roles and group.code == chair_of,
            )
            for group in groups
        )
    session.flush()


PAST_SEMINAR_TITLE = "Cooling Off: spring seminar (concluded)"

# group, author, sponsor, title, text, argument by the sponsor, PRC ballots (yes, no, abstain)
PAST_PROPOSALS = (
    (
        "FT",
        "us-lab",
        "prc-tsinghua",
        "Joint notification of serious AI incidents",
        "Each side names a national contact point. When a frontier AI system causes or nearly "
        "causes serious harm across the border, the contact point informs the other side "
        "within 72 hours and shares what is known about the cause.",
        "A notice within days, not weeks, is what keeps an accident from looking like an attack.",
        (5, 0, 0),
    ),
    (
        "CY",
        "us-cyber",
        "prc-pla",
        "No peacetime cyber operations against critical infrastructure",
        "Neither side conducts or knowingly supports cyber operations in peacetime that damage "
        "power grids, water systems, hospitals or financial clearing systems of the other.",
        "Hospitals and water systems should be outside any contest between our two countries.",
        (4, 0, 1),
    ),
    (
        "FT",
        "prc-mfa",
        "us-state",
        "人工智能军事应用须保持人类控制 — Human control over military AI",
        "双方确认，涉及核武器使用的决定始终由人类作出。Both sides affirm that every decision "
        "to use nuclear weapons remains with a human being, and describe how they ensure it.",
        "We can support this if each side describes its practice, not only the principle.",
        (5, 0, 0),
    ),
    (
        "DI",
        "us-scholar",
        "prc-ngo",
        "Labelling synthetic media in election periods",
        "During national elections, platforms based in either country label audio and video "
        "generated by AI that depicts candidates, and keep the labels machine-readable.",
        "Labels help voters everywhere; the scope must stay narrow to win support at home.",
        (2, 3, 0),
    ),
)


def ensure_past_seminar(session: Session, instructor: User, users: dict[str, User]) -> Commission:
    """A class that met before: concluded, charter public, so the registry, the report and the
    comparison have something to show. Built through the services, like a real session."""
    from app.instructor.conclusion import service as conclusion
    from app.proposals import service as proposals
    from app.proposals.acting import Acting, acting_on, seat_of
    from app.voting import service as voting

    past = session.scalar(
        select(Commission).where(
            Commission.title == PAST_SEMINAR_TITLE, Commission.created_by_id == instructor.id
        )
    )
    if past is not None:
        return past
    scenario = scenarios.find_scenario_by_slug(session, "cooling-off")
    assert scenario is not None
    past = scenarios.open_commission(session, scenario, PAST_SEMINAR_TITLE, instructor)
    commissions.start_session(past)
    session.flush()
    _seat_demo_class(session, past, users, with_roles=False)
    groups = list(
        session.scalars(select(WorkingGroup).where(WorkingGroup.commission_id == past.id))
    )

    def acting(proposal_id: int, username: str) -> Acting:
        user = instructor if username == "instructor" else users[username]
        return acting_on(session, proposal_id, user)

    by_code = {g.code: g for g in groups}
    for group, author, sponsor, title, text, argument, prc_ballots in PAST_PROPOSALS:
        writer = commissions.participant_for(session, past.id, users[author], with_delegation=True)
        backer = commissions.participant_for(session, past.id, users[sponsor])
        assert writer is not None
        assert backer is not None
        seat = seat_of(session, writer, by_code[group])
        proposal = proposals.create_proposal(
            session, writer, seat, by_code[group], title=title, text=text
        )
        proposals.invite_sponsor(session, acting(proposal.id, author), backer.id)
        proposals.respond_to_sponsorship(session, acting(proposal.id, sponsor), accept=True)
        proposals.move_stage(session, acting(proposal.id, author), "table")
        proposals.move_stage(session, acting(proposal.id, "instructor"), "open_debate")
        proposals.post_argument(
            session, acting(proposal.id, sponsor), stance="support", body=argument
        )
        vote = voting.open_vote(session, acting(proposal.id, "instructor"))
        prc = ["yes"] * prc_ballots[0] + ["no"] * prc_ballots[1] + ["abstain"] * prc_ballots[2]
        choices = ["yes"] * 5 + prc
        for (username, *_), choice in zip(DEMO_DELEGATES, choices, strict=True):
            voting.cast_ballot(session, acting(proposal.id, username), vote.id, choice)
        voting.close_vote(session, acting(proposal.id, "instructor"), vote.id)
    me = commissions.participant_for(session, past.id, instructor)
    assert me is not None
    conclusion.conclude(session, past, me, visibility="public")
    session.flush()
    return past
