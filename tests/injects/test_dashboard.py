"""The live dashboard's injects: what fired and what is waiting, redrawn through the stream."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.i18n import format_datetime
from app.injects import service as injects
from app.live.broker import LiveEvent
from app.live.registry import render_for
from tests.conftest import Cast, QueryCounter, sign_in
from tests.injects.helpers import inject, instructor_id, viewer
from tests.proposals.helpers import to_stage


def section(page: str, heading: str) -> str:
    """The column of the dashboard's inject panel under `heading` ("Waiting" or "Fired")."""
    panel = page.split('id="dashboard-injects"')[1].split("</section>")[0]
    return panel.split(f"<h3>{heading}")[1].split("</div>")[0]


def test_the_dashboard_lists_fired_and_pending_injects(
    client: TestClient, db: Session, cast: Cast
) -> None:
    me, cid = instructor_id(db, cast), cast.commission.id
    india = inject(db, cid, "india-observer-request")
    port = inject(db, cid, "port-ransomware")
    quantum = inject(db, cid, "quantum-milestone")
    talk = inject(db, cid, "talking-shop")
    injects.publish_now(db, cid, india.id, me)
    injects.arm(
        db,
        cid,
        port.id,
        trigger="on_vote_opened",
        group_id=cast.groups["CY"].id,
        idle_minutes=None,
        actor_id=me,
    )
    injects.schedule(db, cid, quantum.id, 30, me)
    injects.cancel(db, cid, talk.id, me)
    db.flush()
    sign_in(client, "ines")
    url = f"/commissions/{cid}/dashboard"
    page = client.get(url).text
    waiting, fired = section(page, "Waiting"), section(page, "Fired")
    assert "Waiting (6)" in page and "Fired (1)" in page
    assert "fires when a vote opens in Cybersecurity" in waiting
    assert f"goes out at {format_datetime(quantum.scheduled_for)}" in waiting
    assert (
        "nothing sends it until you arm it (suggested: after 10 quiet minutes in Disinformation)"
        in waiting
    )
    assert talk.title not in page, "a cancelled inject is not waiting"
    assert f"published by hand at {format_datetime(india.published_at)}" in fired
    assert port.title not in fired

    to_stage(db, cast, "voting", group="CY", sponsorship="none")
    db.flush()
    page = client.get(url).text
    fired = section(page, "Fired")
    assert port.title in fired
    assert f"fired at {format_datetime(port.published_at)} when a vote opened" in fired
    assert port.title not in section(page, "Waiting")


def test_the_dashboards_inject_list_costs_the_same_with_more_injects(
    client: TestClient, db: Session, cast: Cast, count_queries: QueryCounter
) -> None:
    url = f"/commissions/{cast.commission.id}/dashboard"
    sign_in(client, "ines")
    client.get(url)
    count_queries.statements.clear()
    client.get(url)
    few = count_queries.count
    me = instructor_id(db, cast)
    for i in range(20):
        written = injects.write(
            db,
            cast.commission.id,
            title=f"Rumour {i}",
            body="",
            group_id=cast.groups["FT"].id,
            delegation_id=cast.delegations["US"].id if i % 2 else None,
            actor_id=me,
        )
        if i % 3 == 0:
            injects.publish(db, written, actor_id=me)
    db.flush()
    count_queries.statements.clear()
    page = client.get(url).text
    assert "Rumour 19" in page
    assert count_queries.count == few, count_queries.statements


def test_the_stream_redraws_the_inject_list_for_instructors_only(db: Session, cast: Cast) -> None:
    port = inject(db, cast.commission.id, "port-ransomware")
    injects.arm(
        db,
        cast.commission.id,
        port.id,
        trigger="on_vote_failed",
        group_id=None,
        idle_minutes=None,
        actor_id=instructor_id(db, cast),
    )
    db.flush()
    plan = LiveEvent(commission_id=cast.commission.id, kind=injects.PLAN_EVENT, subject_id=port.id)
    redrawn = dict(render_for(db, viewer(db, cast, "ines"), [plan]))
    assert "fires when a vote fails in any working group" in redrawn["dashboard-injects"]
    # A delegate's stream carries nothing about injects that have not gone out.
    assert render_for(db, viewer(db, cast, "ursula"), [plan]) == []

    injects.publish_now(db, cast.commission.id, port.id, instructor_id(db, cast))
    db.flush()
    published = LiveEvent(commission_id=cast.commission.id, kind="inject", subject_id=port.id)
    names = [name for name, _html in render_for(db, viewer(db, cast, "ines"), [published])]
    assert "dashboard-injects" in names
    student = dict(render_for(db, viewer(db, cast, "ursula"), [published]))
    assert "inject" in student and "dashboard-injects" not in student
