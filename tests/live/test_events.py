"""Publish after commit, never before, never after a rollback, in every way sessions commit.

Most tests use a SQLite file engine of their own; the `db`/`connection` tests use the repository's
conftest fixtures, whose sessions commit by releasing a SAVEPOINT inside an outer transaction
(`join_transaction_mode="create_savepoint"`), as the app's route tests do.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, String, create_engine, event, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from app.live import events as live
from app.live.broker import InMemoryBroker, LiveEvent, Subscription

TALLY = LiveEvent(1, "tally", proposal_id=1)
ARGUMENT = LiveEvent(1, "argument", proposal_id=1, subject_id=2)
STAGE = LiveEvent(1, "stage")
CAUCUS = LiveEvent(1, "caucus", delegation_id=4)


class Recorder:
    """A broker that records what is published, and from which thread."""

    def __init__(self) -> None:
        self.published: list[list[LiveEvent]] = []
        self.threads: list[str] = []

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    def publish(self, events: Sequence[LiveEvent]) -> None:
        self.published.append(list(events))
        self.threads.append(threading.current_thread().name)

    def subscribe(self, commission_id: int) -> Subscription:
        raise NotImplementedError

    @property
    def events(self) -> list[LiveEvent]:
        return [event for batch in self.published for event in batch]


class Base(DeclarativeBase):
    pass


class Thing(Base):
    __tablename__ = "live_test_thing"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(20), unique=True)


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    recorder = Recorder()
    live.install(recorder)
    yield recorder
    live.uninstall()


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    """A file database configured like the app's, so that SAVEPOINTs work under pysqlite."""
    engine = create_engine(f"sqlite:///{tmp_path / 'live.db'}")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN")

    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


# --- one session, its own transaction ------------------------------------------------------


def test_commit_publishes_and_nothing_is_sent_before(
    recorder: Recorder, sqlite_engine: Engine
) -> None:
    with Session(sqlite_engine) as session:
        session.add(Thing(name="a"))
        live.announce(session, TALLY)
        live.announce(session, ARGUMENT)
        session.flush()
        assert recorder.published == []
        assert live.pending_events(session) == [TALLY, ARGUMENT]
        session.commit()
        assert recorder.published == [[TALLY, ARGUMENT]]
        assert live.pending_events(session) == []
        # The session goes on: the next unit of work publishes only its own events.
        live.announce(session, STAGE)
        session.commit()
    assert recorder.published == [[TALLY, ARGUMENT], [STAGE]]
    with Session(sqlite_engine) as session:
        assert session.query(Thing).count() == 1


def test_rollback_discards(recorder: Recorder, sqlite_engine: Engine) -> None:
    with Session(sqlite_engine) as session:
        session.add(Thing(name="a"))
        live.announce(session, TALLY)
        session.rollback()
        assert live.pending_events(session) == []
        live.announce(session, STAGE)
        session.commit()
    assert recorder.events == [STAGE]


def test_closing_without_commit_discards(recorder: Recorder, sqlite_engine: Engine) -> None:
    session = Session(sqlite_engine)
    session.execute(text("SELECT 1"))
    live.announce(session, TALLY)
    session.close()
    assert live.pending_events(session) == []
    session.commit()  # a reused session does not publish the old event
    assert recorder.published == []


def test_commit_without_any_sql_still_publishes(recorder: Recorder, sqlite_engine: Engine) -> None:
    with Session(sqlite_engine) as session:
        live.announce(session, TALLY)
        session.commit()
    assert recorder.events == [TALLY]


def test_begin_block_and_sessionmaker(recorder: Recorder, sqlite_engine: Engine) -> None:
    """The app's `session_scope()` shape: `with Session(...) as s, s.begin():`."""
    factory = sessionmaker(bind=sqlite_engine, expire_on_commit=False)
    with factory() as session, session.begin():
        live.announce(session, TALLY)
    with pytest.raises(RuntimeError), factory() as session, session.begin():
        live.announce(session, STAGE)
        raise RuntimeError
    assert recorder.events == [TALLY]


def test_identical_events_are_published_once(recorder: Recorder, sqlite_engine: Engine) -> None:
    with Session(sqlite_engine) as session:
        for announced in (TALLY, ARGUMENT, TALLY, LiveEvent(1, "tally", proposal_id=1)):
            live.announce(session, announced)
        session.commit()
    assert recorder.published == [[TALLY, ARGUMENT]]


def test_the_committing_thread_publishes(recorder: Recorder, sqlite_engine: Engine) -> None:
    def work() -> None:
        with Session(sqlite_engine) as session:
            live.announce(session, TALLY)
            session.commit()

    thread = threading.Thread(target=work, name="worker-1")
    thread.start()
    thread.join()
    assert recorder.threads == ["worker-1"]


def test_a_failing_broker_does_not_fail_the_commit(
    sqlite_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    class Broken(Recorder):
        def publish(self, events: Sequence[LiveEvent]) -> None:
            raise ConnectionError("broker down")

    live.install(Broken())
    try:
        with Session(sqlite_engine) as session:
            session.add(Thing(name="kept"))
            live.announce(session, TALLY)
            session.commit()
    finally:
        live.uninstall()
    assert "publishing 1 event(s) failed" in caplog.text
    with Session(sqlite_engine) as session:
        assert session.query(Thing).count() == 1


# --- nested savepoints ---------------------------------------------------------------------


def test_rolled_back_savepoint_discards_only_its_own_events(
    recorder: Recorder, sqlite_engine: Engine
) -> None:
    with Session(sqlite_engine) as session:
        live.announce(session, TALLY)
        with pytest.raises(RuntimeError), session.begin_nested():
            live.announce(session, STAGE)
            raise RuntimeError
        live.announce(session, ARGUMENT)
        session.commit()
    assert recorder.events == [TALLY, ARGUMENT]


def test_released_savepoint_waits_for_the_outer_commit(
    recorder: Recorder, sqlite_engine: Engine
) -> None:
    with Session(sqlite_engine) as session:
        with session.begin_nested():
            live.announce(session, STAGE)
        assert recorder.published == [], "releasing a savepoint is not a commit"
        session.commit()
    assert recorder.events == [STAGE]

    with Session(sqlite_engine) as session:
        with session.begin_nested():
            live.announce(session, STAGE)
        session.rollback()
    assert recorder.events == [STAGE]


def test_savepoints_within_savepoints(recorder: Recorder, sqlite_engine: Engine) -> None:
    with Session(sqlite_engine) as session:
        live.announce(session, TALLY)
        with session.begin_nested():
            live.announce(session, ARGUMENT)
            with session.begin_nested():  # released, then its parent rolls back
                live.announce(session, STAGE)
            session.get_nested_transaction().rollback()  # type: ignore[union-attr]
        with session.begin_nested():  # a sibling: survives
            live.announce(session, CAUCUS)
        session.commit()
    assert recorder.events == [TALLY, CAUCUS]


def test_failed_flush_in_a_savepoint(recorder: Recorder, sqlite_engine: Engine) -> None:
    """A failed flush rolls back through an internal subtransaction to the savepoint."""
    with Session(sqlite_engine) as session:
        session.add(Thing(name="taken"))
        live.announce(session, TALLY)
        session.flush()
        with pytest.raises(IntegrityError), session.begin_nested():
            live.announce(session, STAGE)
            session.add(Thing(name="taken"))
            session.flush()
        session.commit()
    assert recorder.events == [TALLY]


def test_commit_with_a_savepoint_still_open(recorder: Recorder, sqlite_engine: Engine) -> None:
    with Session(sqlite_engine) as session:
        live.announce(session, TALLY)
        session.begin_nested()
        live.announce(session, STAGE)
        session.commit()  # releases the savepoint and commits: both go out, once
    assert recorder.published == [[TALLY, STAGE]]


# --- installing ----------------------------------------------------------------------------


def test_announce_is_a_no_op_until_installed(sqlite_engine: Engine) -> None:
    assert live.current_broker() is None
    with Session(sqlite_engine) as session:
        live.announce(session, TALLY)
        assert live.pending_events(session) == []


def test_install_is_idempotent_and_replaces_the_broker(sqlite_engine: Engine) -> None:
    first, second = Recorder(), Recorder()
    live.install(first)
    live.install(first)
    live.install(second)
    try:
        assert live.current_broker() is second
        with Session(sqlite_engine) as session:
            live.announce(session, TALLY)
            session.commit()
    finally:
        live.uninstall()
    assert first.published == []
    assert second.published == [[TALLY]], "listeners registered once: published once"
    with Session(sqlite_engine) as session:
        live.announce(session, TALLY)
        session.commit()
    assert second.published == [[TALLY]]


def test_end_to_end_through_the_in_memory_broker(sqlite_engine: Engine) -> None:
    """A sync route's commit in a worker thread reaches a stream waiting on the event loop."""

    def route(event: LiveEvent, *, fail: bool) -> None:
        with Session(sqlite_engine) as session:
            live.announce(session, event)
            if fail:
                session.rollback()
            else:
                session.commit()

    async def scenario() -> None:
        broker = InMemoryBroker()
        await broker.start()
        live.install(broker)
        try:
            subscription = broker.subscribe(1)
            await asyncio.to_thread(route, STAGE, fail=True)
            await asyncio.to_thread(route, TALLY, fail=False)
            assert await subscription.get(timeout=2) == TALLY  # not STAGE: rolled back
            assert subscription.drain() == []
        finally:
            live.uninstall()
            await broker.stop()

    asyncio.run(asyncio.wait_for(scenario(), 5))


# --- the test suite's sessions: commits that release a savepoint ---------------------------


def test_savepoint_mode_commit_publishes(recorder: Recorder, db: Session) -> None:
    """`db` commits by RELEASE SAVEPOINT inside the test's outer transaction; that publishes."""
    live.announce(db, TALLY)
    db.execute(text("SELECT 1"))
    assert recorder.published == []
    db.commit()
    assert recorder.events == [TALLY]


def test_savepoint_mode_rollback_discards(recorder: Recorder, db: Session) -> None:
    live.announce(db, TALLY)
    db.execute(text("SELECT 1"))
    db.rollback()
    live.announce(db, STAGE)
    db.commit()
    assert recorder.events == [STAGE]


def test_savepoint_mode_with_nested_savepoints(recorder: Recorder, db: Session) -> None:
    live.announce(db, TALLY)
    with pytest.raises(RuntimeError), db.begin_nested():
        live.announce(db, STAGE)
        raise RuntimeError
    with db.begin_nested():
        live.announce(db, ARGUMENT)
    assert recorder.published == []
    db.commit()
    assert recorder.events == [TALLY, ARGUMENT]


def test_savepoint_mode_route_session(recorder: Recorder, connection: Connection) -> None:
    """The conftest `app` fixture's per-request session: a route's commit publishes."""
    with Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    ) as session:
        live.announce(session, TALLY)
        session.commit()
    with Session(bind=connection, join_transaction_mode="create_savepoint") as session:
        live.announce(session, STAGE)
        session.rollback()
    assert recorder.events == [TALLY]
    assert connection.in_transaction(), "the outer test transaction is untouched"
