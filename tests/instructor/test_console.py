"""The instructor console: only the commission's instructors, every form refusing bad input."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.commissions.models import Commission, Delegation, Participant, WorkingGroupMembership
from app.errors import Conflict
from app.instructor.roster import RosterRow
from app.scenarios.models import Scenario
from tests.conftest import Cast, QueryCounter, csrf_from, make_user, sign_in
from tests.proposals.helpers import to_stage


def post(
    client: TestClient, url: str, data: Mapping[str, object] | None = None, **kwargs: Any
) -> httpx2.Response:
    token = csrf_from(client.get("/").text)
    return client.post(url, data={**(data or {}), "csrf_token": token}, **kwargs)


def manage(cast: Cast) -> str:
    return f"/commissions/{cast.commission.id}/manage"


def test_an_instructor_opens_a_commission_from_the_built_in_scenario(
    client: TestClient, db: Session, cast: Cast
) -> None:
    sign_in(client, "ines")
    home = client.get("/instructor")
    assert home.status_code == 200
    assert "Cooling Off" in home.text
    scenario_id = db.scalar(select(Scenario.id).where(Scenario.slug == "cooling-off"))
    opened = post(
        client,
        "/instructor/commissions",
        {"title": "IR 342 spring", "scenario_id": str(scenario_id)},
    )
    assert opened.status_code == 303
    commission = db.scalar(select(Commission).where(Commission.title == "IR 342 spring"))
    assert commission is not None
    assert commission.status == "setup"
    assert opened.headers["location"] == f"/commissions/{commission.id}/manage"
    code_page = client.get(f"/commissions/{commission.id}/join-code").text
    assert f"{commission.join_code[:4]}-{commission.join_code[4:]}" in code_page
    assert post(client, f"/commissions/{commission.id}/manage/start").status_code == 303
    db.refresh(commission)
    assert commission.status == "in_session"


def test_opening_needs_a_title_and_keeps_the_choice(
    client: TestClient, db: Session, cast: Cast
) -> None:
    sign_in(client, "ines")
    page = post(client, "/instructor/commissions", {"title": "  ", "scenario_id": "1"})
    assert page.status_code == 422
    assert "Give the commission a title" in page.text


def test_delegates_cannot_open_commissions(client: TestClient, cast: Cast) -> None:
    sign_in(client, "ursula")
    assert client.get("/instructor").status_code == 403
    assert (
        post(client, "/instructor/commissions", {"title": "Mine", "scenario_id": "1"}).status_code
        == 403
    )


@pytest.mark.parametrize("who", ["ursula", "pei", "stan", "other-prof"])
def test_only_this_commissions_instructors_run_it(
    client: TestClient, db: Session, cast: Cast, who: str
) -> None:
    if who == "other-prof":
        make_user(db, who, instructor=True)
    sign_in(client, who)
    c = cast.commission.id
    assert client.get(manage(cast)).status_code in (403, 404)
    assert client.get(f"/commissions/{c}/join-code").status_code in (403, 404)
    participant = cast.participants["pei"].id
    for url, data in (
        (f"{manage(cast)}/start", {}),
        (
            f"{manage(cast)}/participants/{participant}",
            {"delegation_id": str(cast.delegations["US"].id)},
        ),
        (f"{manage(cast)}/groups/FT", {"voting_rule": "unanimity", "quorum_percent": "10"}),
        (f"{manage(cast)}/delegations", {"code": "EU", "name": "European Union"}),
        (f"{manage(cast)}/auto-seat", {"reseat_all": "true"}),
    ):
        assert post(client, url, data).status_code in (403, 404), url
    db.refresh(cast.participants["pei"])
    assert cast.participants["pei"].delegation_id == cast.delegations["PRC"].id
    assert db.scalar(select(Delegation).where(Delegation.code == "EU")) is None


def test_seating_a_participant(client: TestClient, db: Session, cast: Cast) -> None:
    sign_in(client, "ines")
    newcomer = cast.participants["newcomer"]
    ft, cy = cast.groups["FT"].id, cast.groups["CY"].id
    response = post(
        client,
        f"{manage(cast)}/participants/{newcomer.id}",
        {
            "delegation_id": str(cast.delegations["PRC"].id),
            "sector_id": str(cast.sectors["military"].id),
            "role_brief_id": str(cast.briefs["prc-ams-cyber"].id),
            "group_ids": [str(ft)],
            "co_chair_group_ids": [str(cy)],
            "head": "true",
        },
    )
    assert response.status_code == 303
    db.refresh(newcomer)
    assert newcomer.delegation_id == cast.delegations["PRC"].id
    assert newcomer.is_head_of_delegation
    memberships = {
        m.working_group_id: m.is_co_chair
        for m in db.scalars(
            select(WorkingGroupMembership).where(
                WorkingGroupMembership.participant_id == newcomer.id
            )
        )
    }
    assert memberships == {ft: False, cy: True}
    # The seated delegate now reads their own brief.
    client.cookies.clear()
    sign_in(client, "newcomer")
    assert (
        cast.briefs["prc-ams-cyber"].title in client.get(f"/commissions/{cast.commission.id}").text
    )


def test_seating_refuses_another_commissions_ids(
    client: TestClient, db: Session, cast: Cast
) -> None:
    scenario = db.scalar(select(Scenario).where(Scenario.slug == "cooling-off"))
    from app.scenarios import service as scenarios

    assert scenario is not None
    other = scenarios.open_commission(
        db,
        scenarios.load_scenario(db, scenario.id),  # type: ignore[arg-type]
        "B",
        cast.instructor,
    )
    foreign = db.scalar(select(Delegation).where(Delegation.commission_id == other.id))
    assert foreign is not None
    sign_in(client, "ines")
    response = post(
        client,
        f"{manage(cast)}/participants/{cast.participants['pei'].id}",
        {"delegation_id": str(foreign.id)},
    )
    assert response.status_code == 422
    assert "Choose a delegation of this commission." in response.text


def test_rules_change_is_refused_while_a_vote_is_open(
    client: TestClient, db: Session, cast: Cast
) -> None:
    to_stage(db, cast, "voting")
    sign_in(client, "ines")
    refused = post(
        client,
        f"{manage(cast)}/groups/FT",
        {
            "voting_rule": "simple_majority",
            "quorum_percent": "50",
            "ballot_unit": "delegate",
            "ballot_type": "roll_call",
            "sponsorship": "none",
        },
    )
    assert refused.status_code == 409
    assert "Close it before changing the rules" in refused.text
    db.refresh(cast.groups["FT"])
    assert cast.groups["FT"].voting_rule == "double_majority"
    changed = post(
        client,
        f"{manage(cast)}/groups/DI",
        {
            "voting_rule": "two_thirds",
            "quorum_percent": "60",
            "ballot_unit": "delegation",
            "ballot_type": "secret",
            "sponsorship": "any_other_delegation",
            "hide_running_tally": "true",
        },
    )
    assert changed.status_code == 303
    db.refresh(cast.groups["DI"])
    assert (
        cast.groups["DI"].voting_rule,
        cast.groups["DI"].quorum,
        cast.groups["DI"].ballot_type,
    ) == ("two_thirds", 0.6, "secret")
    assert cast.groups["DI"].hide_running_tally is True
    assert cast.groups["DI"].chairs_move_stages is False


def test_bad_rule_values_are_explained(client: TestClient, db: Session, cast: Cast) -> None:
    sign_in(client, "ines")
    bad = post(
        client,
        f"{manage(cast)}/groups/DI",
        {
            "voting_rule": "plurality",
            "quorum_percent": "50",
            "ballot_unit": "delegate",
            "ballot_type": "roll_call",
            "sponsorship": "none",
        },
    )
    assert bad.status_code == 422
    quorum = post(
        client,
        f"{manage(cast)}/groups/DI",
        {
            "voting_rule": "consensus",
            "quorum_percent": "150",
            "ballot_unit": "delegate",
            "ballot_type": "roll_call",
            "sponsorship": "none",
        },
    )
    assert quorum.status_code == 422
    assert "between 0 and 100" in quorum.text


def test_partners_join_as_observers_or_members(client: TestClient, db: Session, cast: Cast) -> None:
    sign_in(client, "ines")
    added = post(
        client,
        f"{manage(cast)}/delegations",
        {"code": "eu", "name": "European Union", "status": "observer"},
    )
    assert added.status_code == 303
    eu = db.scalar(
        select(Delegation).where(
            Delegation.commission_id == cast.commission.id, Delegation.code == "EU"
        )
    )
    assert eu is not None and eu.status == "observer"
    again = post(
        client, f"{manage(cast)}/delegations", {"code": "EU", "name": "Europe", "status": "member"}
    )
    assert again.status_code == 409
    assert 'value="Europe"' in again.text
    bad = post(client, f"{manage(cast)}/delegations", {"code": "x", "name": "", "status": "member"})
    assert bad.status_code == 422
    promoted = post(client, f"{manage(cast)}/delegations/{eu.id}", {"status": "member"})
    assert promoted.status_code == 303
    db.refresh(eu)
    assert eu.status == "member"


def test_an_observer_partner_does_not_count_a_member_partner_does(db: Session, cast: Cast) -> None:
    from app.instructor import service
    from app.voting import tally
    from tests.proposals.helpers import open_vote_of

    me = db.scalar(select(Participant).where(Participant.user_id == cast.instructor.id))
    assert me is not None
    service.add_partner(
        db, cast.commission, me, code="EU", name="European Union", status="observer"
    )
    service.add_partner(db, cast.commission, me, code="IN", name="India", status="member")
    proposal = to_stage(db, cast, "voting", sponsorship="none")
    result = tally.standing(
        db, open_vote_of(db, proposal), cast.commission.id, cast.groups["FT"].id
    ).result
    assert result is not None
    # A member partner is part of the double majority (with no delegates yet, it has no majority);
    # an observer is not counted at all.
    assert "India" in result.explanation
    assert "European Union" not in result.explanation
    # While that vote is open, a new member would change the count: only observers may join.
    with pytest.raises(Conflict):
        service.add_partner(db, cast.commission, me, code="BR", name="Brazil", status="member")
    service.add_partner(db, cast.commission, me, code="BR", name="Brazil", status="observer")


def test_a_delegate_is_refused_the_join_code_page(
    client: TestClient, db: Session, cast: Cast
) -> None:
    user = db.scalar(select(User).where(User.username == "ursula"))
    assert user is not None
    sign_in(client, "ursula")
    assert client.get(f"/commissions/{cast.commission.id}/join-code").status_code == 403


def test_the_console_has_a_plain_title(client: TestClient, cast: Cast) -> None:
    sign_in(client, "ines")
    html = client.get(manage(cast)).text
    title = re.search(r"<title>(.*?)</title>", html, re.S)
    assert title
    assert title.group(1).strip() == "Console: Seminar A · Commission"
    assert html.count('id="injects"') == 1


def test_the_roster_counts_students_not_instructors(
    client: TestClient, db: Session, cast: Cast
) -> None:
    from app.commissions import service as commissions

    # A second instructor helps run the room; an observer sits in.
    helper = make_user(db, "hugo", instructor=True)
    db.add(Participant(commission_id=cast.commission.id, user_id=helper.id, role="instructor"))
    watcher = commissions.join_commission(db, cast.commission, make_user(db, "olive"))
    watcher.role = "observer"
    db.flush()
    sign_in(client, "ines")
    page = client.get(manage(cast)).text
    heading = re.search(r'<h2 id="roster-heading">(.*?)</h2>', page, re.S)
    assert heading
    # Ursula, Ulysses, Pei, the newcomer and the observer; not Ines, not Hugo.
    assert re.sub(r"<[^>]+>", "", heading.group(1)) == "Roster (5 students)"


def test_the_console_runs_the_same_queries_whatever_the_size_of_the_class(
    client: TestClient, db: Session, cast: Cast, count_queries: QueryCounter
) -> None:
    from app.instructor import enrolment, seats

    me = db.scalar(select(Participant).where(Participant.user_id == cast.instructor.id))
    assert me is not None
    sign_in(client, "ines")
    count_queries.statements.clear()
    assert client.get(manage(cast)).status_code == 200
    small = count_queries.count
    rows = [RosterRow(i, f"Student {i}", None, None, None) for i in range(2, 32)]
    enrolment.enrol(db, cast.commission, me, rows)
    seats.auto_seat(db, cast.commission, me, reseat_all=True, groups_per_student=2)
    db.flush()
    count_queries.statements.clear()
    page = client.get(manage(cast))
    assert page.status_code == 200
    assert "Roster (34 students)" in re.sub(r"<[^>]+>", "", page.text)
    assert 'id="shared-briefs"' in page.text  # the brief summary is drawn from the same rows
    assert count_queries.count == small, count_queries.statements
