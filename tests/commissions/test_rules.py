from __future__ import annotations

import pytest

from app.commissions.rules import (
    NOBODY,
    OUTSIDE,
    Person,
    Viewer,
    can_read_delegation_brief,
    can_read_private_brief,
    can_view_commission,
    can_view_roster,
    names_people,
    person_label,
    seat_label,
    shown_as,
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


ALICE = Person("Alice Adams", "delegate", "United States", "Government")
OBSERVER = Person("Olga Obs", "observer", None, None)
HALE = Person("Dr. Hale", "instructor", None, None)


@pytest.mark.parametrize(
    ("reader", "chatham_house", "credit_students", "named"),
    [
        # Outside the room: seats only, unless the instructor credited students by name.
        (OUTSIDE, False, False, False),
        (OUTSIDE, False, True, True),
        # The Chatham House Rule outweighs crediting.
        (OUTSIDE, True, True, False),
        (OUTSIDE, True, False, False),
        # Inside the room classmates know each other, except under the Chatham House Rule.
        (US_DELEGATE, False, False, True),
        (UNSEATED, False, False, True),
        (US_DELEGATE, True, False, False),
        (US_DELEGATE, True, True, False),
        # Instructors run the room and grade it: they always see names.
        (INSTRUCTOR, False, False, True),
        (INSTRUCTOR, True, False, True),
    ],
)
def test_who_sees_names(
    reader: Viewer, chatham_house: bool, credit_students: bool, named: bool
) -> None:
    assert (
        names_people(reader, chatham_house=chatham_house, credit_students=credit_students) is named
    )
    shown = shown_as(ALICE, reader, chatham_house=chatham_house, credit_students=credit_students)
    assert shown == (
        "Alice Adams (United States · Government)" if named else "United States · Government"
    )


def test_the_outside_reader_is_nobody_in_the_room() -> None:
    assert OUTSIDE == NOBODY
    assert not OUTSIDE.is_member and not OUTSIDE.is_instructor


def test_a_person_without_a_seat_is_named_by_role() -> None:
    assert seat_label(Person("Bo", "delegate", "United States", None)) == "United States"
    assert seat_label(Person("Bo", "delegate", None, "Academia")) == "Academia"
    assert seat_label(Person("Bo", "delegate", None, None)) == "Delegate"
    assert seat_label(OBSERVER) == "Observer"
    assert person_label(HALE, named=False) == "Instructor"
    assert person_label(HALE, named=True) == "Dr. Hale (Instructor)"
    assert "Olga" not in person_label(OBSERVER, named=False)
