from __future__ import annotations

from app.commissions.rules import (
    NOBODY,
    Viewer,
    can_read_delegation_brief,
    can_read_private_brief,
    can_view_commission,
    can_view_roster,
)
from app.commissions.service import format_join_code, new_join_code, normalize_join_code

US_DELEGATE = Viewer(participant_id=1, role="delegate", delegation_id=10)
PRC_DELEGATE = Viewer(participant_id=2, role="delegate", delegation_id=20)
INSTRUCTOR = Viewer(participant_id=3, role="instructor", delegation_id=None)
UNSEATED = Viewer(participant_id=4, role="delegate", delegation_id=None)


def test_only_members_see_the_commission_and_roster() -> None:
    assert can_view_commission(US_DELEGATE)
    assert can_view_roster(UNSEATED)
    assert not can_view_commission(NOBODY)
    assert not can_view_roster(NOBODY)


def test_delegation_brief_is_for_its_delegation_and_instructors() -> None:
    assert can_read_delegation_brief(US_DELEGATE, 10)
    assert not can_read_delegation_brief(US_DELEGATE, 20)
    assert not can_read_delegation_brief(UNSEATED, 10)
    assert can_read_delegation_brief(INSTRUCTOR, 20)
    assert not can_read_delegation_brief(NOBODY, 10)


def test_private_brief_is_for_its_holder_and_instructors() -> None:
    assert can_read_private_brief(US_DELEGATE, 1)
    assert not can_read_private_brief(PRC_DELEGATE, 1)
    assert can_read_private_brief(INSTRUCTOR, 1)
    assert not can_read_private_brief(NOBODY, 1)


def test_join_codes_are_readable_and_forgiving() -> None:
    code = new_join_code()
    assert len(code) == 8
    assert not set(code) & set("01OIL")
    assert normalize_join_code(" " + format_join_code(code).lower() + " ") == code
