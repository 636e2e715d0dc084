"""Speaking in a caucus room without HTTP: who may, what is kept, logged and announced."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.activity.models import Activity
from app.caucus import service as caucus
from app.commissions import service as commissions
from app.commissions.rules import Seat
from app.errors import NotAllowed
from app.proposals import acting
from tests.conftest import Cast


def seat_of(db: Session, cast: Cast, user: User) -> Seat:
    participant = commissions.participant_for(db, cast.commission.id, user, with_delegation=True)
    assert participant is not None
    return acting.seat_of(db, participant, cast.groups["FT"])


def test_a_room_holds_one_group_or_the_whole_delegation_in_order(db: Session, cast: Cast) -> None:
    ursula, us = cast.participants["ursula"], cast.delegations["US"]
    seat = seat_of(db, cast, cast.us_delegate)
    ft, cy = cast.groups["FT"], cast.groups["CY"]
    for group, body in ((ft, "one"), (cy, "elsewhere"), (None, "everyone"), (ft, "two")):
        caucus.post_message(db, ursula, seat, us, group, body)
    assert [m.body for m in caucus.messages(db, us.id, ft.id)] == ["one", "two"]
    assert [m.body for m in caucus.messages(db, us.id, None)] == ["everyone"]
    assert [m.body for m in caucus.messages(db, us.id, ft.id, limit=1)] == ["two"]
    assert caucus.messages(db, cast.delegations["PRC"].id, ft.id) == []


def test_a_message_is_logged_for_its_delegation_only(db: Session, cast: Cast) -> None:
    us = cast.delegations["US"]
    message = caucus.post_message(
        db,
        cast.participants["ursula"],
        seat_of(db, cast, cast.us_delegate),
        us,
        cast.groups["FT"],
        "Hi",
    )
    logged = db.scalars(select(Activity).where(Activity.kind == "caucus.message")).one()
    assert logged.delegation_id == us.id
    assert logged.data == {"message": message.id}


def test_nobody_speaks_in_another_delegations_room(db: Session, cast: Cast) -> None:
    with pytest.raises(NotAllowed):
        caucus.post_message(
            db,
            cast.participants["pei"],
            seat_of(db, cast, cast.prc_delegate),
            cast.delegations["US"],
            cast.groups["FT"],
            "Let me in.",
        )
    assert caucus.messages(db, cast.delegations["US"].id, cast.groups["FT"].id) == []
