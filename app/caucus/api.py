"""The caucus JSON API under /api/v1: the caller's own delegation's room, read and spoken in."""

from __future__ import annotations

from fastapi import APIRouter

from app.accounts.auth import ApiUser
from app.caucus import schemas as s
from app.caucus import service as caucus
from app.db import SessionDep
from app.ids import Id
from app.proposals import views
from app.proposals.schemas import person_out

# Tagged as before the move, so the OpenAPI document is unchanged.
router = APIRouter(prefix="/api/v1", tags=["proposals"])


@router.get("/commissions/{commission_id}/caucus/{pillar}")
def read_caucus(
    session: SessionDep, user: ApiUser, commission_id: Id, pillar: str
) -> list[s.CaucusMessageOut]:
    """Your own delegation's room; the API never opens another delegation's room."""
    participant, _seat, group = caucus.own_seat(session, user, commission_id, pillar)
    people = views.people_by_id(session, commission_id)
    assert participant.delegation_id is not None
    return [
        s.CaucusMessageOut(
            id=m.id,
            author=person_out(people.get(m.author_id or 0)),
            body=m.body,
            created_at=m.created_at,
        )
        for m in caucus.messages(session, participant.delegation_id, group.id)
    ]


@router.post("/commissions/{commission_id}/caucus/{pillar}", status_code=201)
def post_caucus(
    session: SessionDep, user: ApiUser, commission_id: Id, pillar: str, body: s.MessageIn
) -> s.CaucusMessageOut:
    participant, seat, group = caucus.own_seat(session, user, commission_id, pillar)
    assert participant.delegation is not None
    m = caucus.post_message(session, participant, seat, participant.delegation, group, body.body)
    people = views.people_in(session, {participant.id})
    return s.CaucusMessageOut(
        id=m.id, author=person_out(people.get(participant.id)), body=m.body, created_at=m.created_at
    )
