"""Concluding closes what is open and publishes the charter at the chosen visibility."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts import service as accounts
from app.accounts.models import User
from app.activity.models import Activity
from app.norms.models import Norm
from app.voting import service as voting
from tests.conftest import Cast, csrf_from, sign_in
from tests.proposals.helpers import acting, open_vote_of, to_stage


def test_concluding_says_what_will_close_then_closes_it(
    client: TestClient, db: Session, cast: Cast
) -> None:
    voting_now = to_stage(db, cast, "voting")
    vote = open_vote_of(db, voting_now)
    for user in (cast.us_delegate, cast.us_colleague, cast.prc_delegate):
        voting.cast_ballot(db, acting(db, voting_now, user), vote.id, "yes")
    in_debate = to_stage(db, cast, "debate", group="DI")
    draft = to_stage(db, cast, "draft", group="CY")
    url = f"/commissions/{cast.commission.id}/manage/conclude"
    sign_in(client, "ines")
    preview = client.get(url).text
    assert "1 open vote will close" in preview
    assert "1 proposal that never came to a vote will be withdrawn" in preview
    response = client.post(url, data={"csrf_token": csrf_from(preview), "visibility": "public"})
    assert response.status_code == 303
    for item in (voting_now, in_debate, draft):
        db.refresh(item)
    db.refresh(cast.commission)
    assert voting_now.stage == "adopted"
    assert db.scalar(select(Norm.code).where(Norm.proposal_id == voting_now.id)) == "FT-1"
    assert in_debate.stage == "withdrawn"
    assert draft.stage == "draft"
    assert cast.commission.status == "concluded"
    assert cast.commission.charter_visibility == "public"
    again = client.post(
        url, data={"csrf_token": csrf_from(client.get(url).text), "visibility": "class"}
    )
    assert again.status_code == 409


def test_only_instructors_conclude(client: TestClient, db: Session, cast: Cast) -> None:
    sign_in(client, "pei")
    url = f"/commissions/{cast.commission.id}/manage/conclude"
    assert client.get(url).status_code == 403
    token = csrf_from(client.get("/").text)
    assert client.post(url, data={"csrf_token": token, "visibility": "public"}).status_code == 403
    db.refresh(cast.commission)
    assert cast.commission.status == "in_session"


def test_a_visibility_must_be_chosen(client: TestClient, db: Session, cast: Cast) -> None:
    sign_in(client, "ines")
    url = f"/commissions/{cast.commission.id}/manage/conclude"
    response = client.post(
        url, data={"csrf_token": csrf_from(client.get(url).text), "visibility": "everyone"}
    )
    assert response.status_code == 422
    assert "Choose who may read the charter." in response.text


def test_nothing_can_be_written_after_conclusion(
    client: TestClient, db: Session, cast: Cast
) -> None:
    from tests.proposals.helpers import acting as acting_on

    proposal = to_stage(db, cast, "debate")
    cast.commission.status = "concluded"
    db.flush()
    facts = acting_on(db, proposal, cast.prc_delegate).facts
    assert facts.session_over
    sign_in(client, "pei")
    token = csrf_from(client.get(f"/proposals/{proposal.id}").text)
    argued = client.post(
        f"/proposals/{proposal.id}/arguments",
        data={"csrf_token": token, "stance": "support", "body": "Too late?"},
    )
    assert argued.status_code == 403
    group = f"/commissions/{cast.commission.id}/groups/frontier-technology"
    drafted = client.post(
        f"{group}/proposals", data={"csrf_token": token, "title": "t", "text": "x"}
    )
    assert drafted.status_code == 409
    caucus = f"/commissions/{cast.commission.id}/caucus/frontier-technology"
    assert client.post(caucus, data={"csrf_token": token, "body": "hi"}).status_code == 409


def conclude_url(cast: Cast) -> str:
    return f"/commissions/{cast.commission.id}/manage/conclude"


def test_students_are_credited_by_name_only_if_the_instructor_chooses(
    client: TestClient, db: Session, cast: Cast
) -> None:
    sign_in(client, "ines")
    form = client.get(conclude_url(cast)).text
    assert "How the charter names students" in form
    assert 'name="credit_students_by_name" value="true">' in form  # offered, not ticked
    response = client.post(
        conclude_url(cast),
        data={
            "csrf_token": csrf_from(form),
            "visibility": "public",
            "credit_students_by_name": "true",
        },
    )
    assert response.status_code == 303
    db.refresh(cast.commission)
    assert cast.commission.credit_students_by_name is True
    logged = db.scalar(
        select(Activity).where(
            Activity.commission_id == cast.commission.id, Activity.kind == "commission.concluded"
        )
    )
    assert logged is not None and logged.data["credit_students_by_name"] is True
    assert "Its charter credits students by name." in client.get(conclude_url(cast)).text


def test_by_default_the_charter_credits_no_student(
    client: TestClient, db: Session, cast: Cast
) -> None:
    sign_in(client, "ines")
    form = client.get(conclude_url(cast)).text
    client.post(conclude_url(cast), data={"csrf_token": csrf_from(form), "visibility": "public"})
    db.refresh(cast.commission)
    assert cast.commission.status == "concluded"
    assert cast.commission.credit_students_by_name is False
    assert "names delegations and sectors, not students" in client.get(conclude_url(cast)).text


def test_a_refused_conclusion_keeps_what_the_instructor_chose(
    client: TestClient, db: Session, cast: Cast
) -> None:
    sign_in(client, "ines")
    form = client.get(conclude_url(cast)).text
    refused = client.post(
        conclude_url(cast),
        data={
            "csrf_token": csrf_from(form),
            "visibility": "everyone",
            "credit_students_by_name": "true",
        },
    )
    assert refused.status_code == 422
    assert 'name="credit_students_by_name" value="true" checked>' in refused.text
    db.refresh(cast.commission)
    assert cast.commission.status == "in_session"
    assert cast.commission.credit_students_by_name is False


def test_the_chatham_house_rule_forbids_crediting_by_name(
    client: TestClient, db: Session, cast: Cast
) -> None:
    cast.commission.chatham_house = True
    db.flush()
    sign_in(client, "ines")
    form = client.get(conclude_url(cast)).text
    assert 'name="credit_students_by_name"' not in form  # not offered
    assert "no one is named outside the room" in form
    # A form sent anyway (an old tab, a script) is refused with the reason, the choice kept.
    refused = client.post(
        conclude_url(cast),
        data={
            "csrf_token": csrf_from(form),
            "visibility": "public",
            "credit_students_by_name": "1",
        },
    )
    assert refused.status_code == 422
    assert "Leave crediting students by name off." in refused.text
    assert 'name="visibility" value="public" checked>' in refused.text
    db.refresh(cast.commission)
    assert cast.commission.status == "in_session"


def test_the_api_concludes_with_or_without_crediting(
    client: TestClient, db: Session, cast: Cast
) -> None:
    prof = {"Authorization": f"Bearer {accounts.create_api_token(db, cast.instructor, 'lms')[1]}"}
    url = f"/api/v1/commissions/{cast.commission.id}/conclude"
    cast.commission.chatham_house = True
    db.flush()
    refused = client.post(
        url, json={"visibility": "public", "credit_students_by_name": True}, headers=prof
    )
    assert refused.status_code == 422
    assert "Chatham House Rule" in refused.json()["detail"]
    cast.commission.chatham_house = False
    db.flush()
    done = client.post(
        url, json={"visibility": "public", "credit_students_by_name": True}, headers=prof
    )
    assert done.status_code == 204, done.text
    db.refresh(cast.commission)
    assert cast.commission.credit_students_by_name is True
    schema = client.get("/api/v1/openapi.json").json()["components"]["schemas"]["ConcludeIn"]
    assert schema["properties"]["credit_students_by_name"]["default"] is False


def test_after_conclusion_the_console_offers_no_changes_it_would_refuse(
    client: TestClient, db: Session, cast: Cast
) -> None:
    console = f"/commissions/{cast.commission.id}/manage"
    sign_in(client, "ines")
    open_page = client.get(console).text
    for action in (
        "/manage/auto-seat",
        "/manage/roster",
        "/manage/groups/FT",
        "/manage/delegations",
    ):
        assert f'action="/commissions/{cast.commission.id}{action}"' in open_page
    cast.commission.status = "concluded"
    db.flush()
    page = client.get(console).text
    for action in (
        "/manage/auto-seat",
        "/manage/roster",
        f'/manage/participants/{cast.participants["pei"].id}"',
        "/manage/groups/",
        "/manage/delegations",
        "roster-example.csv",
    ):
        assert action not in page, action
    assert "seats are final and nobody new is enrolled" in page
    assert "The commission has concluded: nobody new is enrolled." in page
    assert "the rules its votes were held under stay as they were" in page
    assert "The commission has concluded: its delegations are final." in page
    # The roster is still there to read, with each student's seat and a password reset.
    assert "Pei PRC" in page and "People&#39;s Republic of China" in page
    assert f"/manage/participants/{cast.participants['pei'].id}/password" in page


def test_after_conclusion_every_console_change_is_refused(
    client: TestClient, db: Session, cast: Cast
) -> None:
    from app.accounts import service as accounts
    from app.commissions.models import Delegation

    cast.commission.status = "concluded"
    db.flush()
    sign_in(client, "ines")
    console = f"/commissions/{cast.commission.id}/manage"
    final = "This commission has concluded: its roster, seats, rules and delegations are final."
    us = cast.delegations["US"].id
    for url, data in (
        (f"{console}/participants/{cast.participants['pei'].id}", {"delegation_id": str(us)}),
        (f"{console}/auto-seat", {"reseat_all": "true"}),
        (
            f"{console}/groups/FT",
            {
                "voting_rule": "unanimity",
                "quorum_percent": "10",
                "ballot_unit": "delegate",
                "ballot_type": "roll_call",
                "sponsorship": "none",
            },
        ),
        (f"{console}/delegations", {"code": "EU", "name": "European Union"}),
        (f"{console}/delegations/{us}", {"status": "observer"}),
    ):
        token = csrf_from(client.get(console).text)
        refused = client.post(url, data={**data, "csrf_token": token})
        assert refused.status_code == 409, url
        assert final in refused.text, url
    token = csrf_from(client.get(console).text)
    upload = client.post(
        f"{console}/roster",
        data={"csrf_token": token},
        files={"file": ("roster.csv", b"name\nLate Comer\n", "text/csv")},
    )
    assert upload.status_code == 409
    assert final in upload.text

    prof = {"Authorization": f"Bearer {accounts.create_api_token(db, cast.instructor, 'x')[1]}"}
    api = f"/api/v1/commissions/{cast.commission.id}"
    for method, url, body in (
        ("post", f"{api}/auto-seat", {}),
        ("post", f"{api}/roster", {"csv": "name\nLate Comer\n"}),
        ("post", f"{api}/delegations", {"code": "IN", "name": "India"}),
        ("patch", f"{api}/groups/FT", {"voting_rule": "consensus", "quorum_percent": 10}),
    ):
        answer = client.request(method, url, json=body, headers=prof)
        assert answer.status_code == 409, url
        assert answer.json()["detail"] == final

    db.expire_all()
    pei = db.get(type(cast.participants["pei"]), cast.participants["pei"].id)
    assert pei is not None and pei.delegation_id == cast.delegations["PRC"].id
    assert db.scalar(select(Delegation).where(Delegation.code.in_(("EU", "IN")))) is None
    assert db.scalar(select(User).where(User.display_name == "Late Comer")) is None
