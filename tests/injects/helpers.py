"""The cast's injects by code, the instructor's seat, stream viewers and a second commission."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.commissions.models import Commission, Participant
from app.injects.models import Inject
from app.live.registry import StreamViewer
from app.scenarios import service as scenarios
from tests.conftest import Cast, make_user


def inject(db: Session, commission_id: int, code: str) -> Inject:
    found = db.scalar(
        select(Inject).where(Inject.commission_id == commission_id, Inject.code == code)
    )
    assert found is not None
    return found


def instructor_id(db: Session, cast: Cast) -> int:
    me = db.scalar(
        select(Participant.id).where(
            Participant.user_id == cast.instructor.id,
            Participant.commission_id == cast.commission.id,
        )
    )
    assert me is not None
    return me


def viewer(db: Session, cast: Cast, name: str) -> StreamViewer:
    """A stream viewer for a seated delegate by name, or "ines", the instructor."""
    participant = cast.participants.get(name) or db.get(Participant, instructor_id(db, cast))
    assert participant is not None
    return StreamViewer(
        user_id=participant.user_id,
        participant_id=participant.id,
        role=participant.role,
        delegation_id=participant.delegation_id,
    )


def other_commission(db: Session) -> Commission:
    """Another instructor's commission from the same scenario: its injects are not the cast's."""
    scenario = scenarios.find_scenario_by_slug(db, "cooling-off")
    assert scenario is not None
    owner = make_user(db, "olga", instructor=True, name="Olga Other")
    commission = scenarios.open_commission(db, scenario, "Seminar B", owner)
    db.flush()
    return commission
