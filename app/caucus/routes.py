"""The caucus room pages: a delegation's private talk, for one working group."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from app.accounts.auth import CurrentUser
from app.caucus import service as caucus
from app.db import SessionDep
from app.errors import Invalid, NotAllowed
from app.forms import refused
from app.ids import Id
from app.web import render

router = APIRouter()


def _page(room: caucus.Room, commission_id: int, **values: Any) -> dict[str, Any]:
    return {
        "group": room.group,
        "participant": room.participant,
        "seat": room.seat,
        "delegation": room.delegation,
        "delegations": room.delegations,
        "can_post": room.can_post,
        "messages": room.messages,
        "people": room.people,
        "commission_id": commission_id,
        **values,
    }


@router.get("/commissions/{commission_id}/caucus/{pillar}", name="caucus")
def caucus_room(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    commission_id: Id,
    pillar: str,
    delegation: str | None = None,
) -> Response:
    room = caucus.open_room(session, user, commission_id, pillar, delegation)
    return render(request, "caucus/room.html", _page(room, commission_id))


@router.post("/commissions/{commission_id}/caucus/{pillar}")
def post_in_caucus(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    commission_id: Id,
    pillar: str,
    body: Annotated[str, Form()] = "",
) -> Response:
    room = caucus.open_room(session, user, commission_id, pillar, None)
    try:
        caucus.post_message(session, room.participant, room.seat, room.delegation, room.group, body)
    except (Invalid, NotAllowed) as error:
        refusal = refused(session, error)
        return render(
            request,
            "caucus/room.html",
            _page(
                caucus.open_room(session, user, commission_id, pillar, None),
                commission_id,
                values={"body": body},
                errors=refusal.errors("body"),
            ),
            status_code=refusal.status_code,
        )
    return RedirectResponse(f"/commissions/{commission_id}/caucus/{pillar}", status_code=303)
