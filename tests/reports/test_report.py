"""The after-action report page, its participation CSV and sharing it with the class."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.caucus import service as caucus
from app.proposals import service as proposals
from app.proposals.acting import seat_of
from app.proposals.amendments import propose_amendment
from app.proposals.models import Proposal
from app.reports import service as reports
from app.voting import service as voting
from tests.conftest import Cast, QueryCounter, csrf_from, post_form, sign_in
from tests.norms.test_charter import adopt
from tests.proposals.helpers import acting, open_vote_of, to_stage


def url(cast: Cast) -> str:
    return f"/commissions/{cast.commission.id}/report"


def status_for(client: TestClient, who: str | None, path: str) -> int:
    client.cookies.clear()
    if who:
        sign_in(client, who)
    return client.get(path).status_code


def share(client: TestClient, cast: Cast, shared: bool) -> None:
    client.cookies.clear()
    sign_in(client, "ines")
    response = post_form(
        client, url(cast), url(cast) + "/sharing", {"shared": "true" if shared else "false"}
    )
    assert response.status_code == 303


def secret_vote(db: Session, cast: Cast) -> Proposal:
    """A proposal in the cybersecurity group decided by secret ballot: two yes, one no."""
    proposal = to_stage(db, cast, "voting", group="CY", ballot_type="secret")
    vote = open_vote_of(db, proposal)
    for user, choice in (
        (cast.us_delegate, "yes"),
        (cast.us_colleague, "yes"),
        (cast.prc_delegate, "no"),
    ):
        voting.cast_ballot(db, acting(db, proposal, user), vote.id, choice)
    voting.close_vote(db, acting(db, proposal, cast.instructor), vote.id)
    return proposal


def csv_rows(client: TestClient, cast: Cast) -> dict[str, dict[str, str]]:
    response = client.get(url(cast) + "/participation.csv")
    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith("attachment")
    return {row["username"]: row for row in csv.DictReader(io.StringIO(response.text))}


def test_the_report_is_for_instructors_until_they_share_it(
    client: TestClient, db: Session, cast: Cast
) -> None:
    report, export = url(cast), url(cast) + "/participation.csv"
    assert status_for(client, "ines", report) == 200
    assert status_for(client, "ines", export) == 200
    for who in ("ursula", "newcomer", "stan", None):
        assert status_for(client, who, report) == 404, who
        assert status_for(client, who, export) == 404, who
    assert "/report" not in client.get(f"/commissions/{cast.commission.id}").text
    share(client, cast, True)
    for who in ("ursula", "pei", "newcomer"):
        assert status_for(client, who, report) == 200, who
        assert status_for(client, who, export) == 403, who  # the CSV stays with instructors
    assert (
        f'href="/commissions/{cast.commission.id}/report"'
        in client.get(f"/commissions/{cast.commission.id}").text
    )
    for who in ("stan", None):
        assert status_for(client, who, report) == 404, who
        assert status_for(client, who, export) == 404, who
    share(client, cast, False)
    assert status_for(client, "ursula", report) == 404
    assert status_for(client, "ines", "/commissions/999999/report") == 404


def test_sharing_needs_the_csrf_token_and_an_instructor(
    client: TestClient, db: Session, cast: Cast
) -> None:
    sign_in(client, "ines")
    assert client.post(url(cast) + "/sharing", data={"shared": "true"}).status_code == 403
    db.refresh(cast.commission)
    assert cast.commission.report_shared_with_class is False
    assert f'action="{url(cast)}/sharing"' in client.get(url(cast)).text
    client.cookies.clear()
    sign_in(client, "ursula")
    token = csrf_from(client.get("/").text)
    refused = client.post(url(cast) + "/sharing", data={"shared": "true", "csrf_token": token})
    assert refused.status_code == 404
    share(client, cast, True)
    client.cookies.clear()
    sign_in(client, "ursula")
    assert "/sharing" not in client.get(url(cast)).text
    token = csrf_from(client.get("/").text)
    refused = client.post(url(cast) + "/sharing", data={"shared": "false", "csrf_token": token})
    assert refused.status_code == 403
    db.refresh(cast.commission)
    assert cast.commission.report_shared_with_class is True


def test_counts_for_a_small_session(client: TestClient, db: Session, cast: Cast) -> None:
    adopted = adopt(db, cast)  # Ursula drafts, Pei sponsors, all three vote yes (roll call)
    debated = to_stage(db, cast, "debate", group="DI")
    as_ulysses, as_pei = (
        acting(db, debated, cast.us_colleague),
        acting(db, debated, cast.prc_delegate),
    )
    proposals.post_argument(db, as_ulysses, stance="support", body="Yes, and soon.")
    proposals.post_argument(db, as_ulysses, stance="question", body="Within what time?")
    rude = proposals.post_argument(db, as_pei, stance="oppose", body="Rude words.")
    proposals.hide_argument(db, acting(db, debated, cast.instructor), rude.id, "Off topic.")
    propose_amendment(db, as_pei, text="Within 48 hours.", rationale="Faster.")
    us = cast.participants["ursula"]
    seat = seat_of(db, us, cast.groups["FT"])
    caucus.post_message(db, us, seat, cast.delegations["US"], None, "Hold firm.")
    secret_vote(db, cast)
    sign_in(client, "ines")
    rows = csv_rows(client, cast)
    assert rows["ursula"] == {
        "name": "Ursula US",
        "username": "ursula",
        "role": "delegate",
        "delegation": "United States",
        "sector": rows["ursula"]["sector"],
        "proposals": "3",
        "sponsorships": "0",
        "arguments": "0",
        "arguments_hidden": "0",
        "amendments": "0",
        "ballots_cast": "2",
        "caucus_messages": "1",
    }
    assert rows["pei"]["sponsorships"] == "3"
    assert (rows["pei"]["arguments"], rows["pei"]["arguments_hidden"]) == ("0", "1")
    assert rows["pei"]["amendments"] == "1"
    assert rows["pei"]["ballots_cast"] == "2"
    assert (rows["ulysses"]["arguments"], rows["ulysses"]["ballots_cast"]) == ("2", "2")
    assert rows["newcomer"]["ballots_cast"] == "0"
    assert rows["ines"]["role"] == "instructor"
    page = client.get(url(cast)).text
    assert "Joint AI incident reporting" in page  # the timeline names the proposals
    assert "FT-1" in page
    assert adopted.title in page


def test_a_secret_ballot_counts_as_cast_but_never_as_agreement(
    client: TestClient, db: Session, cast: Cast
) -> None:
    adopt(db, cast)
    secret_vote(db, cast)
    from app.commissions.service import viewer_of

    report = reports.load_report(db, cast.commission, viewer_of(cast.participants["ursula"]))
    assert (report.roll_call_votes, report.secret_votes) == (1, 1)
    us, prc = cast.delegations["US"].id, cast.delegations["PRC"].id
    between = report.delegation_agreement.cell(us, prc)
    assert between is not None and (between.alike, between.pairs) == (2, 2)  # the roll call only
    united = report.delegation_agreement.cell(us, us)
    assert united is not None and (united.alike, united.pairs) == (1, 1)
    by_person = {p.username: p.counts.ballots for p in report.participants}
    assert by_person["pei"] == 2
    sign_in(client, "ines")
    page = client.get(url(cast)).text
    assert "Drawn from 1 closed roll-call vote." in page
    assert "1 secret-ballot vote is left out" in page


def test_under_the_chatham_house_rule_the_class_sees_no_names(
    client: TestClient, db: Session, cast: Cast
) -> None:
    adopt(db, cast)
    cast.commission.chatham_house = True
    db.flush()
    share(client, cast, True)
    instructor_view = client.get(url(cast)).text
    assert "Pei PRC" in instructor_view and "By participant" in instructor_view
    client.cookies.clear()
    sign_in(client, "pei")
    class_view = client.get(url(cast)).text
    for person in ("Ursula US", "Ulysses US", "Ines Instructor", "ursula"):  # Pei is signed in
        assert person not in class_view, person
    assert "By participant" not in class_view
    assert "Chatham House Rule" in class_view
    assert "By delegation" in class_view
    cast.commission.chatham_house = False
    db.flush()
    assert "Ursula US" in client.get(url(cast)).text


def test_charts_are_inline_svg_images(client: TestClient, db: Session, cast: Cast) -> None:
    adopt(db, cast)
    sign_in(client, "ines")
    page = client.get(url(cast)).text
    for chart in ("chart-activity", "chart-speakers", "chart-across"):
        assert f'id="{chart}" role="img" aria-label="' in page, chart
    assert "<script" not in page.split("<main", 1)[1]
    assert ' style="' not in page


def test_report_queries_do_not_grow_with_the_data(
    client: TestClient, db: Session, cast: Cast, count_queries: QueryCounter
) -> None:
    sign_in(client, "ines")
    client.get(url(cast))
    count_queries.statements.clear()
    assert client.get(url(cast)).status_code == 200
    empty = count_queries.count
    adopt(db, cast)
    adopt(db, cast, "DI")
    secret_vote(db, cast)
    debated = to_stage(db, cast, "debate", group="FT")
    for n in range(5):
        proposals.post_argument(
            db, acting(db, debated, cast.us_colleague), stance="note", body=f"Point {n}."
        )
    count_queries.statements.clear()
    page = client.get(url(cast))
    assert count_queries.count == empty, count_queries.statements
    assert page.status_code == 200
    # The data is on the page: both norms, and Ulysses' five arguments.
    assert "FT-1" in page.text and "DI-1" in page.text
    assert "<title>Ulysses US: 5</title>" in page.text
