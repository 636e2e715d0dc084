"""A seeded world for the page sweep in tests/test_security.py: every kind of thing a GET page
can show, so that each page route can be visited with real ids.

The cast's commission stays in session, with a proposal at every stage, an observer delegation,
a published inject and caucus talk; a second commission on the same scenario has concluded with
a public charter, a third with a charter for its class only, a fourth is still being set up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.caucus import service as caucus
from app.commissions import service as commissions
from app.commissions.models import (
    Commission,
    Delegation,
    Participant,
    RoleBrief,
    Sector,
    WorkingGroup,
)
from app.injects import service as injects
from app.injects.models import Inject
from app.instructor import service as instructor
from app.instructor.conclusion import service as conclusion
from app.proposals import service as proposals
from app.proposals.acting import seat_of
from app.proposals.amendments import accept_amendment, propose_amendment
from app.scenarios import service as scenarios
from app.voting import service as voting
from tests.conftest import Cast, make_user, seat
from tests.proposals.helpers import acting, draft, open_vote_of, to_stage


@dataclass(frozen=True)
class World:
    live: int  # the cast's commission, in session
    concluded: int  # concluded, charter public
    class_only: int  # concluded, charter for its class
    in_setup: int  # opened, not started
    builtin_scenario: int
    own_scenario: int  # the instructor's clone
    proposals: dict[str, int]  # the live commission's by stage; Ursula's draft and Pei's
    concluded_proposals: dict[str, int]  # b_adopted (FT-1), b_adopted_cy (CY-1), b_withdrawn
    inject: int  # published in the live commission
    waiting_inject: int  # one of the live commission's injects not published

    def ids(self) -> dict[str, int]:
        """Every id by the name a URL in the sweep's table uses for it."""
        return {
            "live": self.live,
            "concluded": self.concluded,
            "class_only": self.class_only,
            "in_setup": self.in_setup,
            "builtin": self.builtin_scenario,
            "own": self.own_scenario,
            "inject": self.inject,
            "waiting_inject": self.waiting_inject,
            **self.proposals,
            **self.concluded_proposals,
        }


def _cast_in(db: Session, cast: Cast, commission: Commission) -> Cast:
    """The cast's people seated the same way in another commission."""
    parts: dict[str, Any] = {
        "commission": commission,
        "delegations": {
            d.code: d for d in db.scalars(select(Delegation).filter_by(commission_id=commission.id))
        },
        "sectors": {
            s.code: s for s in db.scalars(select(Sector).filter_by(commission_id=commission.id))
        },
        "groups": {
            g.code: g
            for g in db.scalars(select(WorkingGroup).filter_by(commission_id=commission.id))
        },
        "briefs": {
            b.code: b for b in db.scalars(select(RoleBrief).filter_by(commission_id=commission.id))
        },
    }
    participants = {
        "ursula": seat(db, parts, cast.us_delegate, "US", "private", "us-frontier-lab"),
        "ulysses": seat(db, parts, cast.us_colleague, "US", "ngo", "us-ngo-integrity"),
        "pei": seat(db, parts, cast.prc_delegate, "PRC", "academia", "prc-university-governance"),
    }
    return Cast(
        commission=commission,
        instructor=cast.instructor,
        us_delegate=cast.us_delegate,
        us_colleague=cast.us_colleague,
        prc_delegate=cast.prc_delegate,
        unseated=cast.unseated,
        stranger=cast.stranger,
        participants=participants,
        **{k: v for k, v in parts.items() if k != "commission"},
    )


def _instructor_seat(db: Session, cast: Cast) -> Participant:
    me = commissions.participant_for(db, cast.commission.id, cast.instructor)
    assert me is not None
    return me


def _observer(db: Session, cast: Cast, user: User) -> Participant:
    """A European Union observer delegation with one delegate in every working group."""
    eu = instructor.add_partner(
        db,
        cast.commission,
        _instructor_seat(db, cast),
        code="EU",
        name="European Union",
        status="observer",
    )
    parts = {
        "commission": cast.commission,
        "delegations": {**cast.delegations, "EU": eu},
        "sectors": cast.sectors,
        "groups": cast.groups,
        "briefs": cast.briefs,
    }
    return seat(db, parts, user, "EU", "government", None)


def _adopt(db: Session, cast: Cast, group: str = "FT") -> int:
    proposal = to_stage(db, cast, "voting", group=group)
    vote = open_vote_of(db, proposal)
    for user in (cast.us_delegate, cast.us_colleague, cast.prc_delegate):
        voting.cast_ballot(db, acting(db, proposal, user), vote.id, "yes")
    voting.close_vote(db, acting(db, proposal, cast.instructor), vote.id)
    assert proposal.stage == "adopted"
    return proposal.id


def _reject(db: Session, cast: Cast) -> int:
    proposal = to_stage(db, cast, "voting")
    vote = open_vote_of(db, proposal)
    voting.cast_ballot(db, acting(db, proposal, cast.prc_delegate), vote.id, "no")
    voting.close_vote(db, acting(db, proposal, cast.instructor), vote.id)
    assert proposal.stage == "rejected"
    return proposal.id


def _debated(db: Session, cast: Cast, observer: User | None = None) -> int:
    """In debate, with an argument, a reply, and a friendly amendment (so two revisions)."""
    proposal = to_stage(db, cast, "debate")
    question = proposals.post_argument(
        db, acting(db, proposal, cast.prc_delegate), stance="question", body="Who verifies?"
    )
    proposals.post_argument(
        db,
        acting(db, proposal, cast.us_delegate),
        stance="note",
        body="A joint panel.",
        parent_id=question.id,
    )
    if observer is not None:
        proposals.post_argument(
            db, acting(db, proposal, observer), stance="support", body="Europe agrees."
        )
    amendment = propose_amendment(
        db, acting(db, proposal, cast.prc_delegate), text="Within 48 hours.", rationale="Faster."
    )
    accept_amendment(db, acting(db, proposal, cast.us_delegate), amendment.id)
    return proposal.id


def _caucus_talk(db: Session, cast: Cast) -> None:
    """A word in the US delegation's frontier-technology caucus, so its room shows a message."""
    ursula = commissions.participant_for(
        db, cast.commission.id, cast.us_delegate, with_delegation=True
    )
    assert ursula is not None and ursula.delegation is not None
    group = cast.groups["FT"]
    caucus.post_message(
        db, ursula, seat_of(db, ursula, group), ursula.delegation, group, "Hold firm."
    )


def _conclude(db: Session, cast: Cast, visibility: str) -> None:
    conclusion.conclude(db, cast.commission, _instructor_seat(db, cast), visibility=visibility)


def _open(db: Session, cast: Cast, title: str) -> Commission:
    scenario = scenarios.find_scenario_by_slug(db, "cooling-off")
    assert scenario is not None
    return scenarios.open_commission(db, scenario, title, cast.instructor)


def seed_world(db: Session, cast: Cast) -> World:
    olga = make_user(db, "olga", name="Olga EU")
    make_user(db, "rita", instructor=True, name="Rita Rival")
    _observer(db, cast, olga)

    live = {
        "draft": to_stage(db, cast, "draft").id,
        "prc_draft": draft(db, cast, author="pei").id,
        "tabled": to_stage(db, cast, "tabled").id,
        "debate": _debated(db, cast, observer=olga),
        "voting": to_stage(db, cast, "voting").id,
        "adopted": _adopt(db, cast),
        "rejected": _reject(db, cast),
    }
    withdrawn = to_stage(db, cast, "tabled")
    proposals.move_stage(db, acting(db, withdrawn, cast.us_delegate), "withdraw")
    live["withdrawn"] = withdrawn.id
    _caucus_talk(db, cast)
    news, waiting = db.scalars(
        select(Inject).where(Inject.commission_id == cast.commission.id).order_by(Inject.id)
    ).all()[:2]
    injects.publish_now(db, cast.commission.id, news.id, _instructor_seat(db, cast).id)

    concluded = _cast_in(db, cast, _open(db, cast, "Seminar B"))
    commissions.start_session(concluded.commission)
    finished = {
        "b_adopted": _adopt(db, concluded),
        "b_adopted_cy": _adopt(db, concluded, "CY"),
        "b_withdrawn": _debated(db, concluded),
    }
    _conclude(db, concluded, "public")

    class_only = _cast_in(db, cast, _open(db, cast, "Seminar C"))
    commissions.start_session(class_only.commission)
    _adopt(db, class_only)
    _conclude(db, class_only, "class")

    in_setup = _open(db, cast, "Seminar D")
    builtin = scenarios.find_scenario_by_slug(db, "cooling-off")
    assert builtin is not None
    own = scenarios.clone_scenario(db, builtin, cast.instructor)
    db.flush()
    return World(
        live=cast.commission.id,
        concluded=concluded.commission.id,
        class_only=class_only.commission.id,
        in_setup=in_setup.id,
        builtin_scenario=builtin.id,
        own_scenario=own.id,
        proposals=live,
        concluded_proposals=finished,
        inject=news.id,
        waiting_inject=waiting.id,
    )
