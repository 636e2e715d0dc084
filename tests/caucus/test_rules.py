"""Who may read and speak in a caucus room: the rules alone, without a database or HTTP."""

from __future__ import annotations

import pytest

from app.caucus import rules
from app.commissions.rules import Seat

US, PRC = 1, 2


def seat(role: str, delegation_id: int | None) -> Seat:
    return Seat(
        participant_id=7,
        role=role,
        delegation_id=delegation_id,
        delegation_is_member=delegation_id is not None,
        in_group=True,
        is_co_chair=False,
        is_head=False,
    )


@pytest.mark.parametrize(
    ("role", "delegation_id", "reads", "posts"),
    [
        ("delegate", US, True, True),  # their own delegation's room
        ("delegate", PRC, False, False),  # another delegation's room
        ("observer", US, True, True),  # seated in the delegation, whatever their role
        ("delegate", None, False, False),  # joined but not yet seated
        ("instructor", None, True, False),  # reads every room, speaks in none
        ("instructor", US, True, False),  # even one recorded against a delegation
    ],
)
def test_a_room_is_its_delegations_and_the_instructors_only_read_it(
    role: str, delegation_id: int | None, reads: bool, posts: bool
) -> None:
    member = seat(role, delegation_id)
    assert rules.can_read(member, US) is reads
    assert rules.can_post(member, US) is posts
