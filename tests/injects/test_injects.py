"""Crisis injects through the services: nothing from the scenario fires until armed; published
now, at a time or on a session event; edited, disarmed, cancelled and restored, each logged."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.activity.models import Activity
from app.db import utcnow
from app.errors import Conflict, Invalid, NotFound
from app.injects import service as injects
from app.injects import views as inject_views
from app.injects.models import Inject
from app.live import events as live
from app.live.broker import InMemoryBroker, LiveEvent
from app.live.registry import render_for
from app.voting import service as voting
from tests.conftest import Cast
from tests.injects.helpers import inject, instructor_id, other_commission, viewer
from tests.proposals.helpers import acting, open_vote_of, to_stage


@pytest.fixture
def announced() -> Iterator[None]:
    """Live events are queued on the session (and shown by `live.pending_events`)."""
    live.install(InMemoryBroker())
    yield
    live.uninstall()


def kinds(db: Session, cast: Cast) -> list[str]:
    return list(
        db.scalars(
            select(Activity.kind)
            .where(Activity.commission_id == cast.commission.id, Activity.kind.like("inject.%"))
            .order_by(Activity.id)
        )
    )


def changes_of(item: Inject, **overrides: object) -> injects.InjectChanges:
    values: dict[str, object] = {
        "title": item.title,
        "body": item.body,
        "group_id": item.working_group_id,
        "delegation_id": item.target_delegation_id,
        "trigger": item.trigger,
        "idle_minutes": item.idle_minutes,
    }
    values.update(overrides)
    return injects.InjectChanges(**values)  # type: ignore[arg-type]


def test_injects_copied_from_the_scenario_start_unarmed(db: Session, cast: Cast) -> None:
    copied = db.scalars(select(Inject).where(Inject.commission_id == cast.commission.id)).all()
    assert len(copied) == 8
    assert {i.status for i in copied} == {"draft"}
    # The scenario's moment is kept as a suggestion for the instructor.
    port = inject(db, cast.commission.id, "port-ransomware")
    deepfake = inject(db, cast.commission.id, "cochair-deepfake")
    assert (port.trigger, deepfake.trigger, deepfake.idle_minutes) == (
        "on_vote_opened",
        "on_idle",
        10,
    )


def test_nothing_fires_until_the_instructor_arms_it(db: Session, cast: Cast) -> None:
    port = inject(db, cast.commission.id, "port-ransomware")
    deepfake = inject(db, cast.commission.id, "cochair-deepfake")
    deepfake.created_at = utcnow() - timedelta(hours=1)  # the group has been quiet for an hour
    to_stage(db, cast, "voting", group="CY", sponsorship="none")
    db.flush()
    assert port.status == "draft"
    assert injects.due_inject_ids(db) == []
    assert injects.publish_due(db) == 0

    injects.arm(
        db,
        cast.commission.id,
        port.id,
        trigger="on_vote_opened",
        group_id=cast.groups["CY"].id,
        idle_minutes=None,
        actor_id=instructor_id(db, cast),
    )
    assert port.status == "armed" and port.armed_at is not None
    to_stage(db, cast, "voting", group="FT")
    db.flush()
    assert port.status == "armed", "a vote in another group does not fire it"
    to_stage(db, cast, "voting", group="CY", sponsorship="none")
    db.flush()
    assert port.status == "published"
    assert port.trigger == "on_vote_opened", "what fired it stays readable"
    assert kinds(db, cast) == ["inject.armed", "inject.published"]


def test_an_inject_armed_on_failure_fires_when_a_vote_fails(db: Session, cast: Cast) -> None:
    talk = inject(db, cast.commission.id, "talking-shop")
    injects.arm(
        db,
        cast.commission.id,
        talk.id,
        trigger="on_vote_failed",
        group_id=None,
        idle_minutes=None,
        actor_id=instructor_id(db, cast),
    )
    assert talk.status == "armed"
    proposal = to_stage(db, cast, "voting")
    vote = open_vote_of(db, proposal)
    voting.cast_ballot(db, acting(db, proposal, cast.prc_delegate), vote.id, "no")
    db.flush()
    assert talk.status == "armed", "a vote that opens or takes a no does not fire it"
    voting.close_vote(db, acting(db, proposal, cast.instructor), vote.id)
    db.flush()
    assert proposal.stage == "rejected"
    assert talk.status == "published"


def test_scheduled_and_idle_injects_go_out_when_due(db: Session, cast: Cast) -> None:
    me = instructor_id(db, cast)
    quantum = inject(db, cast.commission.id, "quantum-milestone")
    injects.schedule(db, cast.commission.id, quantum.id, 5, me)
    assert quantum.id not in injects.due_inject_ids(db)
    quantum.scheduled_for = utcnow() - timedelta(seconds=1)
    deepfake = inject(db, cast.commission.id, "cochair-deepfake")
    injects.arm(
        db,
        cast.commission.id,
        deepfake.id,
        trigger="on_idle",
        group_id=cast.groups["DI"].id,
        idle_minutes=10,
        actor_id=me,
    )
    assert deepfake.id not in injects.due_inject_ids(db)
    deepfake.armed_at = utcnow() - timedelta(minutes=30)
    db.flush()
    due = injects.due_inject_ids(db)
    assert quantum.id in due
    assert deepfake.id in due
    assert injects.publish_due(db) == 2
    assert injects.publish_due(db) == 0
    assert (quantum.trigger, quantum.scheduled_for is not None) == ("manual", True)
    assert deepfake.trigger == "on_idle"


def test_an_idle_inject_counts_the_quiet_from_its_arming(db: Session, cast: Cast) -> None:
    deepfake = inject(db, cast.commission.id, "cochair-deepfake")
    deepfake.created_at = utcnow() - timedelta(hours=2)
    injects.arm(
        db,
        cast.commission.id,
        deepfake.id,
        trigger="on_idle",
        group_id=cast.groups["DI"].id,
        idle_minutes=10,
        actor_id=instructor_id(db, cast),
    )
    db.flush()
    assert injects.due_inject_ids(db) == [], "armed after a long quiet, it waits its ten minutes"
    deepfake.armed_at = utcnow() - timedelta(minutes=11)
    db.flush()
    assert injects.due_inject_ids(db) == [deepfake.id]
    cast.commission.status = "concluded"
    db.flush()
    assert injects.due_inject_ids(db) == [], "nothing fires once the session is over"


def test_disarm_cancel_restore_and_edit_are_logged_and_announced(
    db: Session, cast: Cast, announced: None
) -> None:
    me = instructor_id(db, cast)
    cid = cast.commission.id
    port = inject(db, cid, "port-ransomware")
    injects.arm(
        db, cid, port.id, trigger="on_vote_opened", group_id=None, idle_minutes=None, actor_id=me
    )
    injects.disarm(db, cid, port.id, me)
    assert (port.status, port.trigger, port.armed_at) == ("draft", "on_vote_opened", None)
    injects.schedule(db, cid, port.id, 30, me)
    injects.disarm(db, cid, port.id, me)
    assert (port.status, port.scheduled_for) == ("draft", None)
    injects.cancel(db, cid, port.id, me)
    assert port.status == "cancelled"
    db.flush()
    to_stage(db, cast, "voting", group="CY", sponsorship="none")
    assert port.status == "cancelled", "a cancelled inject never fires"
    with pytest.raises(Conflict):
        injects.publish_now(db, cid, port.id, me)
    injects.restore(db, cid, port.id, me)
    assert port.status == "draft"
    injects.edit(
        db,
        cid,
        port.id,
        changes_of(port, title="Blackout in Busan", delegation_id=cast.delegations["PRC"].id),
        me,
    )
    assert (port.title, port.target_delegation_id) == (
        "Blackout in Busan",
        cast.delegations["PRC"].id,
    )
    assert kinds(db, cast) == [
        "inject.armed",
        "inject.disarmed",
        "inject.scheduled",
        "inject.disarmed",
        "inject.cancelled",
        "inject.restored",
        "inject.edited",
    ]
    edited = db.scalars(select(Activity).where(Activity.kind == "inject.edited")).one()
    assert edited.data == {"inject": port.id, "changed": ["target_delegation_id", "title"]}
    assert edited.actor_id == me
    plan = [e for e in live.pending_events(db) if e.kind == injects.PLAN_EVENT]
    assert len(plan) == 7 and {e.subject_id for e in plan} == {port.id}


def test_an_edit_keeps_an_armed_inject_armed_and_rearms_its_clock(db: Session, cast: Cast) -> None:
    me = instructor_id(db, cast)
    cid = cast.commission.id
    port = inject(db, cid, "port-ransomware")
    injects.arm(
        db, cid, port.id, trigger="on_vote_opened", group_id=None, idle_minutes=None, actor_id=me
    )
    port.armed_at = utcnow() - timedelta(hours=1)
    injects.edit(db, cid, port.id, changes_of(port, body="New details."), me)
    assert port.armed_at < utcnow() - timedelta(minutes=30), "a new text is not a new arming"
    injects.edit(db, cid, port.id, changes_of(port, trigger="on_idle", idle_minutes=5), me)
    assert (port.status, port.trigger, port.idle_minutes) == ("armed", "on_idle", 5)
    assert port.armed_at > utcnow() - timedelta(minutes=1)
    with pytest.raises(Invalid) as refused:
        injects.edit(db, cid, port.id, changes_of(port, trigger="manual"), me)
    assert refused.value.field == "trigger"
    with pytest.raises(Invalid) as refused:
        injects.edit(db, cid, port.id, changes_of(port, idle_minutes=None), me)
    assert refused.value.field == "idle_minutes"
    with pytest.raises(Invalid) as refused:
        injects.edit(db, cid, port.id, changes_of(port, scheduled_for=utcnow()), me)
    assert refused.value.field == "minutes"


def test_a_scheduled_inject_can_be_moved(db: Session, cast: Cast) -> None:
    me = instructor_id(db, cast)
    cid = cast.commission.id
    quantum = inject(db, cid, "quantum-milestone")
    injects.schedule(db, cid, quantum.id, 5, me)
    later = utcnow() + timedelta(minutes=45)
    injects.edit(db, cid, quantum.id, changes_of(quantum, scheduled_for=later), me)
    assert (quantum.status, quantum.scheduled_for) == ("scheduled", later)
    for bad in (utcnow() - timedelta(minutes=1), utcnow() + timedelta(hours=25)):
        with pytest.raises(Invalid):
            injects.edit(db, cid, quantum.id, changes_of(quantum, scheduled_for=bad), me)
    assert quantum.scheduled_for == later


def test_a_published_inject_cannot_be_edited_disarmed_or_cancelled(db: Session, cast: Cast) -> None:
    me = instructor_id(db, cast)
    cid = cast.commission.id
    india = inject(db, cid, "india-observer-request")
    injects.publish_now(db, cid, india.id, me)
    with pytest.raises(Conflict):
        injects.edit(db, cid, india.id, changes_of(india, title="Rewritten history"), me)
    with pytest.raises(Conflict):
        injects.cancel(db, cid, india.id, me)
    with pytest.raises(Conflict):
        injects.disarm(db, cid, india.id, me)
    assert (india.status, india.title) == (
        "published",
        "India asks for observer status; Brussels is watching",
    )


def test_another_commissions_inject_is_not_found(db: Session, cast: Cast) -> None:
    me = instructor_id(db, cast)
    theirs = inject(db, other_commission(db).id, "port-ransomware")
    cid = cast.commission.id
    for act in (
        lambda: injects.cancel(db, cid, theirs.id, me),
        lambda: injects.disarm(db, cid, theirs.id, me),
        lambda: injects.publish_now(db, cid, theirs.id, me),
        lambda: injects.edit(db, cid, theirs.id, changes_of(theirs, title="Hijacked"), me),
        lambda: injects.inject_in(db, cid, theirs.id),
    ):
        with pytest.raises(NotFound):
            act()
    assert (theirs.status, theirs.title) == (
        "draft",
        "FLASH: Ransomware blackout in a Pacific port city",
    )
    # Edits cannot point an inject at another commission's group or delegation either.
    mine = inject(db, cid, "quantum-milestone")
    with pytest.raises(Invalid):
        injects.edit(db, cid, mine.id, changes_of(mine, group_id=theirs.working_group_id), me)


def test_an_inject_for_one_delegation_reaches_only_it(db: Session, cast: Cast) -> None:
    memo = inject(db, cast.commission.id, "leaked-persona-memo")
    assert memo.target_delegation_id == cast.delegations["US"].id
    injects.publish_now(db, cast.commission.id, memo.id, instructor_id(db, cast))
    event = LiveEvent(
        commission_id=cast.commission.id,
        kind="inject",
        subject_id=memo.id,
        delegation_id=memo.target_delegation_id,
    )
    assert render_for(db, viewer(db, cast, "pei"), [event]) == []
    banner = dict(render_for(db, viewer(db, cast, "ursula"), [event]))["inject"]
    assert memo.title.replace("'", "&#39;") in banner
    us_news = inject_views.visible_injects(
        db, cast.commission.id, is_instructor=False, delegation_id=cast.delegations["US"].id
    )
    prc_news = inject_views.visible_injects(
        db, cast.commission.id, is_instructor=False, delegation_id=cast.delegations["PRC"].id
    )
    assert memo in us_news
    assert memo not in prc_news


def test_the_board_lists_fired_and_waiting_injects(db: Session, cast: Cast) -> None:
    me = instructor_id(db, cast)
    cid = cast.commission.id
    india = inject(db, cid, "india-observer-request")
    quantum = inject(db, cid, "quantum-milestone")
    port = inject(db, cid, "port-ransomware")
    talk = inject(db, cid, "talking-shop")
    injects.publish_now(db, cid, india.id, me)
    injects.schedule(db, cid, quantum.id, 20, me)
    injects.arm(
        db, cid, port.id, trigger="on_vote_opened", group_id=None, idle_minutes=None, actor_id=me
    )
    injects.cancel(db, cid, talk.id, me)
    board = inject_views.board(db, cid)
    assert [line.inject for line in board.fired] == [india]
    pending = [line.inject for line in board.pending]
    assert pending[:2] == [quantum, port], "what goes out by itself comes first"
    assert talk not in pending and len(pending) == 6
    memo = next(line for line in board.pending if line.inject.code == "leaked-persona-memo")
    assert (memo.group_name, memo.delegation_name) == ("Disinformation", "United States")


def test_a_concluded_commission_sends_and_changes_no_inject(db: Session, cast: Cast) -> None:
    me = instructor_id(db, cast)
    cid = cast.commission.id
    quantum = inject(db, cid, "quantum-milestone")
    injects.schedule(db, cid, quantum.id, 5, me)
    quantum.scheduled_for = utcnow() - timedelta(seconds=1)
    cast.commission.status = "concluded"
    db.flush()
    assert injects.due_inject_ids(db) == []
    assert injects.publish_due(db) == 0
    india = inject(db, cid, "india-observer-request")
    for act in (
        lambda: injects.publish_now(db, cid, india.id, me),
        lambda: injects.cancel(db, cid, quantum.id, me),
        lambda: injects.edit(db, cid, india.id, changes_of(india, title="Afterwards"), me),
        lambda: injects.write(
            db, cid, title="Late news", body="", group_id=None, delegation_id=None, actor_id=me
        ),
    ):
        with pytest.raises(Conflict):
            act()
    assert (india.status, quantum.status) == ("draft", "scheduled")
