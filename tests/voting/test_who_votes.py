"""Who may vote: one rule (app.voting.rules.can_vote) for the ballot form, the refusal of a
ballot, the tally's eligible counts, the dashboard's "not yet voted" and the API."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.commissions.rules import Seat
from app.instructor.dashboard import service as instructor
from app.voting import rules, tally
from app.voting import service as voting
from tests.conftest import Cast, QueryCounter, csrf_from, make_user, seat, sign_in
from tests.proposals.helpers import acting, to_stage


def a_seat(pid: int, **given: object) -> Seat:
    facts: dict[str, object] = {
        "participant_id": pid,
        "role": "delegate",
        "delegation_id": 1,
        "delegation_is_member": True,
        "in_group": True,
        "is_co_chair": False,
        "is_head": False,
    }
    facts.update(given)
    return Seat(**facts)  # type: ignore[arg-type]


def test_delegates_of_member_delegations_in_the_group_vote() -> None:
    assert rules.can_vote(a_seat(1), "delegate")
    assert not rules.can_vote(a_seat(1, in_group=False), "delegate")
    assert not rules.can_vote(a_seat(1, delegation_is_member=False), "delegate")
    assert not rules.can_vote(a_seat(1, delegation_id=None), "delegate")
    assert not rules.can_vote(a_seat(1, role="instructor"), "delegate")
    assert not rules.can_vote(a_seat(1, role="observer"), "delegate")


def test_under_ballot_unit_delegation_the_head_votes_in_the_group_or_not() -> None:
    assert not rules.can_vote(a_seat(1), "delegation")
    assert rules.can_vote(a_seat(1, is_head=True), "delegation")
    assert rules.can_vote(a_seat(1, is_head=True, in_group=False), "delegation")
    assert not rules.can_vote(a_seat(1, is_head=True, delegation_is_member=False), "delegation")


def test_eligible_counts_by_delegation() -> None:
    seats = [
        a_seat(1),
        a_seat(2),
        a_seat(3, in_group=False),
        a_seat(4, delegation_id=2),
        a_seat(5, delegation_id=2, is_head=True),
        a_seat(6, delegation_id=3, delegation_is_member=False),  # an observer delegation
        a_seat(7, delegation_id=4, is_head=True, in_group=False),
    ]
    assert rules.eligible_by_delegation(seats, "delegate") == {1: 2, 2: 2}
    # One ballot per delegation whose head may cast it; delegation 1 has no head.
    assert rules.eligible_by_delegation(seats, "delegation") == {2: 1, 4: 1}


def test_who_has_not_yet_voted() -> None:
    seats = [a_seat(1), a_seat(2), a_seat(3, delegation_id=2, is_head=True)]
    waiting = rules.not_yet_voted(seats, "delegate", {2})
    assert [s.participant_id for s in waiting] == [1, 3]
    two_heads = [a_seat(1, is_head=True), a_seat(2, is_head=True), *seats[2:]]
    # A delegation that voted through one of its heads waits for nobody else.
    waiting = rules.not_yet_voted(two_heads, "delegation", {2})
    assert [s.participant_id for s in waiting] == [3]


def test_one_seat_awaits_its_ballot_until_it_or_its_delegation_has_voted() -> None:
    me, head = a_seat(1), a_seat(1, is_head=True)
    assert rules.awaits_ballot(me, "delegate", voted=False, delegation_voted=True)
    assert not rules.awaits_ballot(me, "delegate", voted=True, delegation_voted=False)
    assert rules.awaits_ballot(head, "delegation", voted=False, delegation_voted=False)
    assert not rules.awaits_ballot(head, "delegation", voted=False, delegation_voted=True)
    # Nobody who may not vote awaits a ballot, whatever has been cast.
    assert not rules.awaits_ballot(me, "delegation", voted=False, delegation_voted=False)
    assert not rules.awaits_ballot(
        a_seat(1, role="observer"), "delegate", voted=False, delegation_voted=False
    )


def test_everyone_has_voted() -> None:
    assert rules.everyone_has_voted(3, 3)
    assert not rules.everyone_has_voted(2, 3)
    assert not rules.everyone_has_voted(0, 0)


@pytest.mark.parametrize("unit", ["delegate", "delegation"])
def test_the_tally_the_dashboard_and_the_ballot_agree_on_who_votes(
    db: Session, cast: Cast, unit: str
) -> None:
    # Someone in the group from a delegation, someone outside the group, a head outside it.
    outsider = make_user(db, "otto", name="Otto Outside")
    seat(db, {**cast.__dict__}, outsider, "US", "government", None, groups=("CY",))
    cast.participants["ursula"].is_head_of_delegation = True
    db.flush()
    proposal = to_stage(db, cast, "voting", ballot_unit=unit)
    vote = voting.open_votes_on(db, proposal.id)[0]
    standing = tally.standing(db, vote, cast.commission.id, cast.groups["FT"].id)
    board = next(b for b in instructor.dashboard(db, cast.commission.id) if b.group.code == "FT")
    (open_vote,) = board.open_votes
    users = {
        "ursula": cast.us_delegate,
        "ulysses": cast.us_colleague,
        "pei": cast.prc_delegate,
        "otto": outsider,
        "newcomer": cast.unseated,
    }
    may_vote = {
        name
        for name, user in users.items()
        if rules.can_vote(acting(db, proposal, user).seat, unit)
    }
    assert standing.result is not None  # a roll-call vote has a running tally
    assert standing.result.eligible == open_vote.eligible
    assert {p.user.username for p in open_vote.not_voted} == may_vote
    if unit == "delegate":
        assert may_vote == {"ursula", "ulysses", "pei"}
        assert standing.result.eligible == 3
    else:
        # Only the US has a head; the PRC delegation cannot vote until it names one.
        assert may_vote == {"ursula"}
        assert standing.result.eligible == 1

    voting.cast_ballot(db, acting(db, proposal, cast.us_delegate), vote.id, "yes")
    board = next(b for b in instructor.dashboard(db, cast.commission.id) if b.group.code == "FT")
    after = tally.standing(db, vote, cast.commission.id, cast.groups["FT"].id)
    assert after.result is not None
    assert board.open_votes[0].cast == after.result.cast == 1
    assert board.open_votes[0].everyone_voted == after.everyone_voted == (unit == "delegation")


def test_the_page_ballot_takes_the_lean_path_of_the_api(
    client: TestClient, db: Session, cast: Cast, count_queries: QueryCounter
) -> None:
    """The form students use: one joined query for who is voting, no lock on the proposal,
    no authors or sponsors loaded (the API's path, which bench/vote_storm.py times)."""
    proposal = to_stage(db, cast, "voting")
    vote = voting.open_votes_on(db, proposal.id)[0]
    sign_in(client, "pei")
    token = csrf_from(client.get(f"/proposals/{proposal.id}").text)
    count_queries.statements.clear()
    response = client.post(
        f"/proposals/{proposal.id}/votes/{vote.id}/ballot",
        data={"choice": "yes", "csrf_token": token},
    )
    assert response.status_code == 303
    ballot_sql = " ".join(count_queries.statements).lower()
    assert "proposal_authors" not in ballot_sql
    assert "sponsorships" not in ballot_sql
    assert "for update of proposals" not in ballot_sql
    assert tally.has_voted(db, vote, cast.participants["pei"].id)


def test_a_refused_page_ballot_redraws_the_proposal_with_why(
    client: TestClient, db: Session, cast: Cast
) -> None:
    proposal = to_stage(db, cast, "voting")
    vote = voting.open_votes_on(db, proposal.id)[0]
    sign_in(client, "ines")
    token = csrf_from(client.get(f"/proposals/{proposal.id}").text)
    response = client.post(
        f"/proposals/{proposal.id}/votes/{vote.id}/ballot",
        data={"choice": "yes", "csrf_token": token},
    )
    assert response.status_code == 403
    assert "Only delegates of member delegations" in response.text


def test_a_second_page_ballot_is_refused_on_the_page(
    client: TestClient, db: Session, cast: Cast
) -> None:
    proposal = to_stage(db, cast, "voting")
    vote = voting.open_votes_on(db, proposal.id)[0]
    sign_in(client, "pei")
    for choice, status in (("yes", 303), ("no", 409)):
        token = csrf_from(client.get(f"/proposals/{proposal.id}").text)
        answer = client.post(
            f"/proposals/{proposal.id}/votes/{vote.id}/ballot",
            data={"choice": choice, "csrf_token": token},
        )
        assert answer.status_code == status
    assert "You have voted already; a ballot cannot be changed." in answer.text
    assert tally.my_roll_call_choice(db, vote, cast.participants["pei"].id) == "yes"
