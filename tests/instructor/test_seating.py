"""Auto-assignment proposes a balanced first draft of the seating for the instructor to adjust."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.instructor.seating import (
    NO_MEMBER_DELEGATION,
    NO_SECTOR,
    BriefOption,
    NowhereToSeat,
    Seat,
    Student,
    auto_assign,
    balance_report,
)
from app.scenarios.service import builtin_scenario_file

DELEGATIONS = ("US", "PRC")
SECTORS = ("government", "military", "academia", "ngo", "private")
GROUPS = ("CY", "AI", "BIO", "DI")
# One brief per delegation and sector, and a second one for each side's officials.
BRIEFS = tuple(
    [BriefOption(f"{d}-{s}", d, s) for d in DELEGATIONS for s in SECTORS]
    + [BriefOption(f"{d}-government-2", d, "government") for d in DELEGATIONS]
)


def roster(count: int, *, start: int = 1) -> list[Student]:
    return [
        Student(participant_id=i, name=f"Student {i:03d}", delegation=None, sector=None)
        for i in range(start, start + count)
    ]


def seat_all(
    students: Sequence[Student],
    *,
    delegations: Sequence[str] = DELEGATIONS,
    groups: Sequence[str] = GROUPS,
    briefs: Sequence[BriefOption] = BRIEFS,
    groups_per_student: int = 0,
    reseat_all: bool = False,
    seed: int | None = 7,
) -> dict[int, Seat]:
    return auto_assign(
        students,
        delegations=delegations,
        sectors=SECTORS,
        groups=groups,
        briefs=briefs,
        groups_per_student=groups_per_student,
        reseat_all=reseat_all,
        seed=seed,
    )


def sizes(seats: Mapping[int, Seat]) -> Counter[str]:
    return Counter(seat.delegation for seat in seats.values())


def co_chair_loads(seats: Mapping[int, Seat], delegation: str) -> list[int]:
    """How many groups each non-head of a delegation co-chairs."""
    return [
        len(seat.co_chair_of)
        for seat in seats.values()
        if seat.delegation == delegation and not seat.head
    ]


# --- A seminar of 28 --------------------------------------------------------------------------


@pytest.fixture
def seminar() -> dict[int, Seat]:
    return seat_all(roster(28))


def test_28_students_split_14_and_14(seminar: dict[int, Seat]) -> None:
    assert sizes(seminar) == {"US": 14, "PRC": 14}


def test_sectors_are_balanced_inside_each_delegation(seminar: dict[int, Seat]) -> None:
    report = balance_report(seminar, delegations=DELEGATIONS, sectors=SECTORS)
    for delegation in DELEGATIONS:
        assert sorted(report[delegation].values(), reverse=True) == [3, 3, 3, 3, 2]
        # Ties go to the earlier sector, so officials are never the short one.
        assert report[delegation]["government"] == 3


def test_every_student_gets_a_brief_for_their_delegation_and_sector(
    seminar: dict[int, Seat],
) -> None:
    for seat in seminar.values():
        assert seat.brief is not None
        assert seat.brief.startswith(f"{seat.delegation}-{seat.sector}")


def test_no_brief_is_shared_while_a_fitting_one_is_unused(seminar: dict[int, Seat]) -> None:
    uses = Counter(seat.brief for seat in seminar.values())
    assert set(uses) == {b.code for b in BRIEFS}  # all twelve briefs handed out
    # Three officials share two briefs; three per other sector share one.
    assert uses["US-government"] + uses["US-government-2"] == 3
    assert sorted([uses["US-government"], uses["US-government-2"]]) == [1, 2]


def test_one_head_per_delegation_from_government(seminar: dict[int, Seat]) -> None:
    heads = [seat for seat in seminar.values() if seat.head]
    assert sorted(seat.delegation for seat in heads) == ["PRC", "US"]
    assert all(seat.sector == "government" for seat in heads)


def test_one_co_chair_per_delegation_per_group_and_never_the_head(
    seminar: dict[int, Seat],
) -> None:
    for group in GROUPS:
        chairs = [seat for seat in seminar.values() if group in seat.co_chair_of]
        assert sorted(seat.delegation for seat in chairs) == ["PRC", "US"]
        assert not any(seat.head for seat in chairs)
    for delegation in DELEGATIONS:
        # Thirteen non-heads, four groups: nobody chairs twice.
        assert max(co_chair_loads(seminar, delegation)) == 1


def test_every_student_sits_in_every_group_by_default(seminar: dict[int, Seat]) -> None:
    assert all(seat.groups == GROUPS for seat in seminar.values())


def test_co_chairing_is_spread_when_groups_outnumber_students() -> None:
    many_groups = tuple(f"G{i}" for i in range(7))
    seats = seat_all(roster(8), groups=many_groups)  # four a side: a head and three others
    for delegation in DELEGATIONS:
        assert sorted(co_chair_loads(seats, delegation)) == [2, 2, 3]
    assert not any(seat.co_chair_of for seat in seats.values() if seat.head)


# --- Keeping and discarding earlier decisions --------------------------------------------------


def test_existing_delegations_and_sectors_are_kept_and_counted() -> None:
    students = roster(10)
    students[0] = Student(1, "Ada", "PRC", "military")
    students[1] = Student(2, "Bo", "PRC", None)
    students[2] = Student(3, "Cy", None, "ngo")
    seats = seat_all(students)
    assert seats[1].delegation == "PRC" and seats[1].sector == "military"
    assert seats[2].delegation == "PRC"
    assert seats[3].sector == "ngo"
    assert sizes(seats) == {"US": 5, "PRC": 5}


def test_newcomers_go_to_the_smaller_delegation() -> None:
    students = [Student(i, f"U{i}", "US", None) for i in range(1, 7)] + roster(4, start=7)
    seats = seat_all(students)
    assert sizes(seats) == {"US": 6, "PRC": 4}
    assert all(seats[i].delegation == "PRC" for i in range(7, 11))


def test_students_arriving_with_the_same_sector_are_split_across_delegations() -> None:
    officials = [Student(i, f"Official {i}", None, "government") for i in range(1, 5)]
    seats = seat_all([*officials, *roster(8, start=5)])
    assert Counter(seats[i].delegation for i in range(1, 5)) == {"US": 2, "PRC": 2}


def test_reseat_all_ignores_earlier_decisions() -> None:
    students = [Student(i, f"U{i}", "US", "military") for i in range(1, 11)]
    seats = seat_all(students, reseat_all=True)
    assert sizes(seats) == {"US": 5, "PRC": 5}
    assert Counter(seat.sector for seat in seats.values())["military"] == 2


def test_students_in_an_observer_delegation_stay_but_nobody_new_joins_it() -> None:
    students = [Student(1, "Eve", "EU", "government"), *roster(4, start=2)]
    seats = seat_all(students, briefs=[*BRIEFS, BriefOption("EU-any", "EU", None)])
    assert seats[1].delegation == "EU"
    assert seats[1].brief == "EU-any"
    assert not seats[1].head and not seats[1].co_chair_of
    assert sizes(seats) == {"EU": 1, "US": 2, "PRC": 2}


# --- Briefs, heads ------------------------------------------------------------------------------


def test_brief_falls_back_to_the_delegation_then_to_none() -> None:
    briefs = [
        BriefOption("us-official", "US", "government"),
        BriefOption("us-anyone", "US", None),
        BriefOption("prc-soldier", "PRC", "military"),
    ]
    seats = seat_all(roster(4), briefs=briefs)
    by_seat = {(s.delegation, s.sector): s.brief for s in seats.values()}
    assert by_seat == {
        ("US", "government"): "us-official",
        ("US", "military"): "us-anyone",
        ("PRC", "government"): None,  # never another sector's brief
        ("PRC", "military"): "prc-soldier",
    }


def test_briefs_for_any_delegation_fit_after_the_delegation_ones() -> None:
    briefs = [BriefOption("any-official", None, "government"), BriefOption("anyone", None, None)]
    seats = seat_all(roster(4), briefs=briefs)
    by_seat = {(s.delegation, s.sector): s.brief for s in seats.values()}
    assert by_seat[("US", "government")] == "any-official"
    assert by_seat[("US", "military")] == "anyone"


def test_head_is_the_first_official_by_name() -> None:
    students = [
        Student(1, "zhang", "PRC", "government"),
        Student(2, "Aaron", "PRC", "military"),
        Student(3, "Bai", "PRC", "government"),
    ]
    seats = seat_all(students, delegations=["PRC"])
    assert [pid for pid, seat in seats.items() if seat.head] == [3]


def test_head_is_the_first_by_name_when_there_is_no_official() -> None:
    students = [Student(1, "Zoe", "US", "ngo"), Student(2, "amir", "US", "private")]
    seats = seat_all(students, delegations=["US"])
    assert [pid for pid, seat in seats.items() if seat.head] == [2]


# --- Working groups per student -----------------------------------------------------------------


def test_one_group_each_spreads_every_delegation_evenly() -> None:
    three = ("CY", "AI", "BIO")
    seats = seat_all(roster(30), groups=three, groups_per_student=1)
    assert all(len(seat.groups) == 1 for seat in seats.values())
    per_group = Counter((seat.delegation, seat.groups[0]) for seat in seats.values())
    assert per_group == {(d, g): 5 for d in DELEGATIONS for g in three}
    for seat in seats.values():
        assert set(seat.co_chair_of) <= set(seat.groups)


def test_two_groups_of_three_stay_within_one_of_each_other() -> None:
    three = ("CY", "AI", "BIO")
    seats = seat_all(roster(29), groups=three, groups_per_student=2)
    for delegation in DELEGATIONS:
        counts = Counter(
            g for seat in seats.values() if seat.delegation == delegation for g in seat.groups
        )
        assert max(counts.values()) - min(counts.values()) <= 1
    assert all(len(seat.groups) == 2 for seat in seats.values())


@pytest.mark.parametrize("seed", range(10))
def test_three_of_four_groups_stay_even_around_the_co_chairs(seed: int) -> None:
    # Four a side, each non-head chairing a group: a greedy fill alone can leave one group two
    # short here, which the repair pass must even out.
    seats = seat_all(roster(8), groups_per_student=3, seed=seed)
    for delegation in DELEGATIONS:
        counts = Counter(
            g for seat in seats.values() if seat.delegation == delegation for g in seat.groups
        )
        assert sorted(counts[g] for g in GROUPS) == [3, 3, 3, 3]
    for seat in seats.values():
        assert len(seat.groups) == 3
        assert set(seat.co_chair_of) <= set(seat.groups)


def test_a_co_chair_sits_in_every_group_they_chair_even_beyond_k() -> None:
    seats = seat_all(roster(1), groups_per_student=1)
    (seat,) = seats.values()
    assert seat.head
    assert seat.co_chair_of == GROUPS
    assert seat.groups == GROUPS


# --- Edge cases ---------------------------------------------------------------------------------


def test_no_students_no_seats() -> None:
    assert seat_all([]) == {}


def test_one_student_leads_the_first_delegation() -> None:
    seats = seat_all(roster(1))
    assert seats[1].delegation == "US"
    assert seats[1].sector == "government"
    assert seats[1].head


def test_more_delegations_than_students() -> None:
    seats = seat_all(roster(2), delegations=["US", "PRC", "EU", "IN"])
    assert sizes(seats) == {"US": 1, "PRC": 1}
    assert sum(seat.head for seat in seats.values()) == 2


def test_a_partner_member_delegation_gets_its_share() -> None:
    seats = seat_all(roster(31), delegations=["US", "PRC", "EU"])
    assert sorted(sizes(seats).values()) == [10, 10, 11]
    eu_chairs = {g for seat in seats.values() if seat.delegation == "EU" for g in seat.co_chair_of}
    assert eu_chairs == set(GROUPS)


def test_no_groups_means_no_places_and_no_chairs() -> None:
    seats = seat_all(roster(4), groups=(), groups_per_student=2)
    assert all(seat.groups == () and seat.co_chair_of == () for seat in seats.values())


def test_no_member_delegation_is_refused() -> None:
    with pytest.raises(ValueError, match="no member delegation"):
        seat_all(roster(3), delegations=[])


def test_nowhere_to_seat_says_why_so_the_console_can_explain() -> None:
    with pytest.raises(NowhereToSeat) as no_delegation:
        seat_all(roster(3), delegations=[])
    assert no_delegation.value.reason == NO_MEMBER_DELEGATION
    with pytest.raises(NowhereToSeat) as no_sector:
        auto_assign(roster(2), delegations=DELEGATIONS, sectors=[], groups=GROUPS, briefs=[])
    assert no_sector.value.reason == NO_SECTOR


def test_a_negative_number_of_groups_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        seat_all(roster(3), groups_per_student=-1)


def test_no_sectors_is_refused() -> None:
    with pytest.raises(ValueError, match="no sector"):
        auto_assign(roster(2), delegations=DELEGATIONS, sectors=[], groups=GROUPS, briefs=[])


def test_a_repeated_participant_is_refused() -> None:
    with pytest.raises(ValueError, match="more than once"):
        seat_all([*roster(2), *roster(1)])


def test_500_students_are_seated_evenly() -> None:
    """A whole cohort at once (how long it takes is bench/seating.py's question, not a test's)."""
    seats = seat_all(roster(500), groups_per_student=2)
    assert sizes(seats) == {"US": 250, "PRC": 250}
    for delegation, by_sector in balance_report(
        seats, delegations=DELEGATIONS, sectors=SECTORS
    ).items():
        assert sorted(by_sector.values()) == [50] * 5, delegation
    assert all(len(seat.groups) == 2 for seat in seats.values())
    for delegation in DELEGATIONS:
        places = Counter(
            g for seat in seats.values() if seat.delegation == delegation for g in seat.groups
        )
        assert sorted(places.values()) == [125] * 4, delegation


# --- Determinism --------------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_draft_whatever_the_input_order() -> None:
    students = roster(28)
    first = seat_all(students, seed=42, groups_per_student=2)
    assert seat_all(list(reversed(students)), seed=42, groups_per_student=2) == first


def test_another_seed_gives_another_draft() -> None:
    students = roster(28)
    assert seat_all(students, seed=1) != seat_all(students, seed=2)


# --- The balance report -------------------------------------------------------------------------


def test_balance_report_fills_zeros_and_follows_the_given_order() -> None:
    seats = {
        1: Seat("US", "ngo", None, (), True, ()),
        2: Seat("US", "government", None, (), False, ()),
        3: Seat("PRC", "ngo", None, (), True, ()),
    }
    report = balance_report(seats, delegations=["US", "PRC", "EU"], sectors=["government"])
    assert report == {
        "US": {"government": 1, "ngo": 1},
        "PRC": {"government": 0, "ngo": 1},
        "EU": {"government": 0, "ngo": 0},
    }
    assert list(report) == ["US", "PRC", "EU"]
    assert balance_report({}) == {}


# --- Properties ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    students: list[Student]
    delegations: list[str]
    sectors: list[str]
    groups: list[str]
    briefs: list[BriefOption]
    groups_per_student: int
    reseat_all: bool
    seed: int


@st.composite
def cases(draw: st.DrawFn) -> Case:
    delegations = [f"D{i}" for i in range(draw(st.integers(1, 4)))]
    sectors = [f"S{i}" for i in range(draw(st.integers(1, 5)))]
    students = [
        Student(
            participant_id=i,
            name=draw(st.sampled_from(["Ann", "ann", "Bo", "Cy", "Di"])),
            delegation=draw(st.none() | st.sampled_from(delegations)),
            sector=draw(st.none() | st.sampled_from(sectors)),
        )
        for i in range(draw(st.integers(0, 60)))
    ]
    briefs = st.builds(
        BriefOption,
        code=st.sampled_from([f"B{i}" for i in range(8)]),
        delegation=st.none() | st.sampled_from(delegations),
        sector=st.none() | st.sampled_from(sectors),
    )
    return Case(
        students=students,
        delegations=delegations,
        sectors=sectors,
        groups=[f"G{i}" for i in range(draw(st.integers(0, 5)))],
        briefs=draw(st.lists(briefs, max_size=8)),
        groups_per_student=draw(st.integers(0, 4)),
        reseat_all=draw(st.booleans()),
        seed=draw(st.integers(0, 1000)),
    )


@settings(max_examples=100, deadline=None)
@given(cases())
def test_any_seating_keeps_its_promises(case: Case) -> None:
    seats = auto_assign(
        case.students,
        delegations=case.delegations,
        sectors=case.sectors,
        groups=case.groups,
        briefs=case.briefs,
        groups_per_student=case.groups_per_student,
        reseat_all=case.reseat_all,
        seed=case.seed,
    )
    groups, per_student = case.groups, case.groups_per_student

    # Everyone is seated.
    assert set(seats) == {s.participant_id for s in case.students}

    # Earlier decisions survive unless the instructor starts over.
    if not case.reseat_all:
        for student in case.students:
            if student.delegation is not None:
                assert seats[student.participant_id].delegation == student.delegation
            if student.sector is not None:
                assert seats[student.participant_id].sector == student.sector

    # Starting over, delegations and the sectors inside each differ by at most one.
    report = balance_report(seats, delegations=case.delegations, sectors=case.sectors)
    if case.reseat_all:
        size = [sum(report[d].values()) for d in case.delegations]
        assert max(size) - min(size) <= 1
        for d in case.delegations:
            assert max(report[d].values()) - min(report[d].values()) <= 1

    for d in case.delegations:
        seated = [seat for seat in seats.values() if seat.delegation == d]
        # Exactly one head per delegation with anyone in it.
        assert sum(seat.head for seat in seated) == (1 if seated else 0)
        if not seated:
            continue
        for group in groups:
            # Exactly one co-chair per delegation per group, sitting in it.
            chairs = [seat for seat in seated if group in seat.co_chair_of]
            assert len(chairs) == 1
            assert group in chairs[0].groups
        # Nobody chairs twice while a colleague chairs none; the head only when alone.
        others = [len(seat.co_chair_of) for seat in seated if not seat.head]
        if others:
            assert max(others) - min(others) <= 1
            assert not any(seat.co_chair_of for seat in seated if seat.head)
        if 0 < per_student < len(groups):
            counts = Counter(g for seat in seated for g in seat.groups)
            assert max(counts[g] for g in groups) - min(counts[g] for g in groups) <= 1
            for seat in seated:
                assert len(seat.groups) == max(per_student, len(seat.co_chair_of))
        else:
            assert all(seat.groups == tuple(groups) for seat in seated)


# --- Briefs are shared only when they must be ---------------------------------------------------

COOLING_OFF = builtin_scenario_file()
COOLING_OFF_BRIEFS = [BriefOption(b.code, b.delegation, b.sector) for b in COOLING_OFF.role_briefs]
COOLING_OFF_SECTORS = [s.code for s in COOLING_OFF.sectors]
COOLING_OFF_GROUPS = [g.code for g in COOLING_OFF.working_groups]


def seat_cooling_off(students: Sequence[Student], **options: object) -> dict[int, Seat]:
    return auto_assign(
        students,
        delegations=["US", "PRC"],
        sectors=COOLING_OFF_SECTORS,
        groups=COOLING_OFF_GROUPS,
        briefs=COOLING_OFF_BRIEFS,
        **options,  # type: ignore[arg-type]
    )


def fits(option: BriefOption, seat: Seat) -> bool:
    return option.delegation in (None, seat.delegation) and option.sector in (None, seat.sector)


def most_different_briefs(seats: Mapping[int, Seat], briefs: Sequence[BriefOption]) -> int:
    """How many students at most could each hold a different fitting brief (Kuhn's matching)."""
    fitting = {
        pid: sorted({b.code for b in briefs if fits(b, seat)}) for pid, seat in seats.items()
    }
    owner: dict[str, int] = {}

    def claim(pid: int, seen: set[str]) -> bool:
        for code in fitting[pid]:
            if code not in seen:
                seen.add(code)
                if code not in owner or claim(owner[code], seen):
                    owner[code] = pid
                    return True
        return False

    return sum(claim(pid, set()) for pid in sorted(fitting))


def test_a_class_of_twelve_in_cooling_off_gets_its_twelve_briefs() -> None:
    # The seminar that found the defect: six a side, so one sector on each side has two people.
    # The extra Chinese delegate was an official sharing the one PRC government brief while the
    # second private-sector brief lay unused; now the extra seat goes where a brief is free.
    seats = seat_cooling_off(roster(12), seed=3)
    assert sorted(seat.brief or "" for seat in seats.values()) == sorted(
        b.code for b in COOLING_OFF_BRIEFS
    )
    prc = Counter(seat.sector for seat in seats.values() if seat.delegation == "PRC")
    assert prc["private"] == 2 and prc["government"] == 1


def test_when_every_sector_has_its_briefs_taken_the_extra_seat_goes_where_sharing_is_least() -> (
    None
):
    # Eleven a side: two per sector, and one more. On the Chinese side the extra goes to the
    # private sector (two briefs, so 2 + 1 holders), not to government (one brief, 3 holders).
    seats = seat_cooling_off(roster(22), seed=5)
    prc = Counter(seat.sector for seat in seats.values() if seat.delegation == "PRC")
    assert prc["private"] == 3 and prc["government"] == 2
    assert max(Counter(seat.brief for seat in seats.values()).values()) == 2


@settings(max_examples=60, deadline=None)
@given(
    count=st.integers(1, 12),
    seed=st.integers(0, 10_000),
    per_student=st.integers(0, 3),
)
def test_cooling_off_never_shares_a_brief_in_a_class_of_up_to_twelve(
    count: int, seed: int, per_student: int
) -> None:
    seats = seat_cooling_off(roster(count), seed=seed, groups_per_student=per_student)
    briefs = [seat.brief for seat in seats.values()]
    assert None not in briefs
    assert len(set(briefs)) == count


def test_a_brief_for_the_whole_delegation_comes_before_sharing_the_exact_one() -> None:
    students = [Student(1, "Ann", "US", "government"), Student(2, "Bo", "US", "government")]
    briefs = [BriefOption("us-official", "US", "government"), BriefOption("us-anyone", "US", None)]
    seats = seat_all(students, delegations=["US"], briefs=briefs)
    assert sorted(seat.brief or "" for seat in seats.values()) == ["us-anyone", "us-official"]


def test_a_shared_brief_goes_to_the_other_delegation_first() -> None:
    # Two briefs for anybody and four students: whoever holds a brief first, the second holder
    # of each comes from the other delegation, so no caucus has two people with the same goals.
    students = [Student(i, f"S{i}", "US" if i <= 2 else "PRC", "ngo") for i in range(1, 5)]
    briefs = [BriefOption("observer-1", None, None), BriefOption("observer-2", None, None)]
    for seed in range(20):
        seats = seat_all(students, briefs=briefs, seed=seed)
        holders = Counter((seat.brief, seat.delegation) for seat in seats.values())
        assert holders == {(b, d): 1 for b in ("observer-1", "observer-2") for d in DELEGATIONS}


def test_too_few_briefs_are_shared_evenly() -> None:
    briefs = [BriefOption(f"any-{i}", None, None) for i in range(3)]
    seats = seat_all(roster(11), briefs=briefs)
    assert sorted(Counter(seat.brief for seat in seats.values()).values()) == [3, 4, 4]


def test_among_the_scarcest_sectors_one_with_a_free_brief_comes_first() -> None:
    briefs = [
        BriefOption("us-official", "US", "government"),
        BriefOption("us-scholar", "US", "academia"),
    ]
    seats = seat_all(roster(2), delegations=["US"], briefs=briefs)
    # Government first (the natural head), then academia rather than the military, which has
    # no brief, although military comes earlier in scenario order.
    assert sorted(seat.sector for seat in seats.values()) == ["academia", "government"]
    assert {seat.brief for seat in seats.values()} == {"us-official", "us-scholar"}


@settings(max_examples=100, deadline=None)
@given(cases())
def test_briefs_fit_and_are_shared_only_when_they_must_be(case: Case) -> None:
    seats = auto_assign(
        case.students,
        delegations=case.delegations,
        sectors=case.sectors,
        groups=case.groups,
        briefs=case.briefs,
        groups_per_student=case.groups_per_student,
        reseat_all=case.reseat_all,
        seed=case.seed,
    )
    for seat in seats.values():
        fitting = [b for b in case.briefs if fits(b, seat)]
        if seat.brief is None:
            # Nobody goes without a brief while one fits their seat.
            assert fitting == []
        else:
            # A brief never contradicts the seat (another side, another sector).
            assert seat.brief in {b.code for b in fitting}

    # As many different briefs are in use as could be: nobody shares a brief while a brief that
    # fits them (or, moved around, fits someone else) lies unused.
    uses = Counter(seat.brief for seat in seats.values() if seat.brief is not None)
    assert len(uses) == most_different_briefs(seats, case.briefs)

    # Sharing is even: no student could move to a fitting brief held by two fewer people of
    # their delegation, or by one fewer there and two fewer overall.
    in_delegation = Counter((seat.brief, seat.delegation) for seat in seats.values())
    for seat in seats.values():
        if seat.brief is None:
            continue
        here, used = in_delegation[seat.brief, seat.delegation], uses[seat.brief]
        for option in case.briefs:
            if fits(option, seat) and option.code != seat.brief:
                there = in_delegation[option.code, seat.delegation]
                assert there > here - 2
                assert not (there == here - 1 and uses[option.code] <= used - 2)


# --- Working groups of one size -----------------------------------------------------------------


def test_one_group_each_gives_groups_of_one_size_across_delegations() -> None:
    # Five a side in three groups: each side splits 2-2-1; the sides' larger shares go to
    # different groups, so the groups hold 4, 3 and 3, not 4, 4 and 2.
    seats = seat_all(roster(10), groups=("FT", "CY", "DI"), groups_per_student=1)
    sizes = Counter(seat.groups[0] for seat in seats.values())
    assert sorted(sizes.values()) == [3, 3, 4]


@settings(max_examples=100, deadline=None)
@given(cases())
def test_working_groups_come_out_the_same_size_within_one(case: Case) -> None:
    seats = auto_assign(
        case.students,
        delegations=case.delegations,
        sectors=case.sectors,
        groups=case.groups,
        briefs=case.briefs,
        groups_per_student=case.groups_per_student,
        reseat_all=case.reseat_all,
        seed=case.seed,
    )
    if seats and 0 < case.groups_per_student < len(case.groups):
        sizes = Counter(g for seat in seats.values() for g in seat.groups)
        assert max(sizes[g] for g in case.groups) - min(sizes[g] for g in case.groups) <= 1
