"""The brokers: event payloads, in-process fan-out, and PostgreSQL NOTIFY/LISTEN across processes.

The PostgreSQL tests use their own database (LIVE_TEST_DATABASE_URL, default
postgresql://postgres@127.0.0.1:5432/commission_live_test, created if missing) and a channel of
their own per test, so parallel runs cannot hear each other. They are skipped, with the reason,
when that server cannot be reached.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, TypeVar

import psycopg
import pytest
from psycopg import sql

from app.live.broker import (
    CHANNEL,
    Broker,
    InMemoryBroker,
    LiveEvent,
    PostgresBroker,
    Subscription,
    make_broker,
    postgres_conninfo,
)

T = TypeVar("T")

LIVE_TEST_DATABASE_URL = os.environ.get(
    "LIVE_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/commission_live_test"
)


def run(coro: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
    """Run a coroutine on a fresh loop, failing (not hanging) if it takes too long: a guard
    against a hang, generous enough for a loaded machine (5 s was not, on two busy cores)."""
    return asyncio.run(asyncio.wait_for(coro, timeout))


async def received(subscription: Subscription, count: int, timeout: float = 2.0) -> list[LiveEvent]:
    events: list[LiveEvent] = []
    for _ in range(count):
        event = await subscription.get(timeout)
        assert event is not None, f"only {len(events)} of {count} events arrived: {events}"
        events.append(event)
    return events


async def eventually(condition: Callable[[], bool], timeout: float = 4.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.02)


# --- LiveEvent -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "event",
    [
        LiveEvent(1, "tally"),
        LiveEvent(7, "argument", proposal_id=3, subject_id=99),
        LiveEvent(7, "caucus", delegation_id=2),
        LiveEvent(2**40, "roster", proposal_id=1, subject_id=2, delegation_id=3),
    ],
)
def test_event_json_round_trip(event: LiveEvent) -> None:
    payload = event.to_json()
    assert LiveEvent.from_json(payload) == event
    assert len(payload.encode()) < 200, "payloads stay tiny: ids only"


def test_unknown_keys_are_ignored_for_rolling_deploys() -> None:
    payload = '{"commission_id": 4, "kind": "stage", "new_field": [1, 2]}'
    assert LiveEvent.from_json(payload) == LiveEvent(4, "stage")


@pytest.mark.parametrize(
    "payload",
    [
        "",
        "not json",
        "[1, 2]",
        "null",
        '"tally"',
        '{"kind": "tally"}',
        '{"commission_id": 1}',
        '{"commission_id": "1", "kind": "tally"}',
        '{"commission_id": true, "kind": "tally"}',
        '{"commission_id": 0, "kind": "tally"}',
        '{"commission_id": -3, "kind": "tally"}',
        '{"commission_id": 1.0, "kind": "tally"}',
        '{"commission_id": 1, "kind": ""}',
        '{"commission_id": 1, "kind": "Tally"}',
        '{"commission_id": 1, "kind": "tally; drop"}',
        '{"commission_id": 1, "kind": 5}',
        '{"commission_id": 1, "kind": null}',
        '{"commission_id": 1, "kind": "tally", "proposal_id": "2"}',
        '{"commission_id": 1, "kind": "tally", "subject_id": 1.5}',
        '{"commission_id": 1, "kind": "tally", "delegation_id": false}',
    ],
)
def test_malformed_payloads_are_rejected(payload: str) -> None:
    with pytest.raises(ValueError, match=r"live event|must be"):
        LiveEvent.from_json(payload)


def test_bad_events_fail_where_they_are_made() -> None:
    with pytest.raises(ValueError, match="commission_id"):
        LiveEvent(0, "tally")
    with pytest.raises(ValueError, match="kind"):
        LiveEvent(1, "Not A Kind")


def test_visibility_of_delegation_events() -> None:
    public = LiveEvent(1, "tally")
    private = LiveEvent(1, "caucus", delegation_id=5)
    assert public.visible_to(None)
    assert public.visible_to(6)
    assert private.visible_to(5)
    assert not private.visible_to(6)
    assert not private.visible_to(None)
    assert private.visible_to(None, instructor=True)


# --- InMemoryBroker ------------------------------------------------------------------------


def test_in_memory_broker_fans_out_by_commission_in_order() -> None:
    async def scenario() -> None:
        broker = InMemoryBroker()
        assert isinstance(broker, Broker)
        await broker.start()
        first, second, other = broker.subscribe(1), broker.subscribe(1), broker.subscribe(2)
        ones = [LiveEvent(1, "argument", subject_id=i) for i in range(1, 6)]
        twos = [LiveEvent(2, "tally", proposal_id=i) for i in range(1, 3)]
        broker.publish([ones[0], twos[0], ones[1]])
        broker.publish([ones[2], ones[3], twos[1], ones[4]])
        assert await received(first, 5) == ones
        assert await received(second, 5) == ones
        assert await received(other, 2) == twos
        for subscription in (first, second, other):
            assert await subscription.get(timeout=0.05) is None
            assert not subscription.overflowed
        await broker.stop()

    run(scenario())


def test_in_memory_broker_publish_from_worker_threads() -> None:
    """Sync routes commit in the threadpool; their events reach subscribers on the loop."""

    async def scenario() -> None:
        broker = InMemoryBroker()
        await broker.start()
        subscription = broker.subscribe(3)
        events = [LiveEvent(3, "argument", subject_id=i) for i in range(1, 101)]

        def publish_one_by_one() -> None:
            for event in events:
                broker.publish([event])

        thread = threading.Thread(target=publish_one_by_one)
        thread.start()
        assert await received(subscription, 100) == events
        await asyncio.to_thread(thread.join)
        # On the loop's own thread (an async route) publishing works the same way.
        broker.publish([LiveEvent(3, "stage")])
        assert await subscription.get(timeout=1) == LiveEvent(3, "stage")
        await broker.stop()

    run(scenario())


def test_closing_a_subscription_stops_delivery() -> None:
    async def scenario() -> None:
        broker = InMemoryBroker()
        await broker.start()
        kept = broker.subscribe(1)
        async with broker.subscribe(1) as closed:
            assert broker.subscriber_count(1) == 2
        assert closed.closed
        assert broker.subscriber_count(1) == 1
        broker.publish([LiveEvent(1, "tally")])
        assert await kept.get(timeout=1) == LiveEvent(1, "tally")
        assert await closed.get(timeout=1) is None  # at once, not after the timeout
        assert closed.drain() == []

        # A stream blocked in get() or in `async for` is released by close().
        waiting = broker.subscribe(1)
        pending = asyncio.create_task(waiting.get())
        iterating = broker.subscribe(1)

        async def collect() -> list[LiveEvent]:
            return [event async for event in iterating]

        collected = asyncio.create_task(collect())
        broker.publish([LiveEvent(1, "stage")])
        await eventually(lambda: pending.done())
        assert pending.result() == LiveEvent(1, "stage")
        waiting.close()
        await broker.stop()  # closes every remaining subscription
        assert await collected == [LiveEvent(1, "stage")]
        assert kept.closed
        assert broker.subscriber_count() == 0

    run(scenario())


def test_overflow_drops_oldest_and_flags_the_subscription() -> None:
    async def scenario() -> None:
        broker = InMemoryBroker(queue_size=3)
        await broker.start()
        slow, fast = broker.subscribe(1), broker.subscribe(1)
        events = [LiveEvent(1, "argument", subject_id=i) for i in range(1, 6)]
        broker.publish(events[:2])
        assert await received(fast, 2) == events[:2]
        broker.publish(events[2:])
        assert await received(fast, 3) == events[2:]
        assert not fast.overflowed
        assert slow.overflowed
        assert slow.drain() == events[2:]  # the newest three
        assert slow.drain() == []
        await broker.stop()

    run(scenario())


def test_drain_returns_a_burst_for_coalescing() -> None:
    async def scenario() -> None:
        broker = InMemoryBroker()
        await broker.start()
        subscription = broker.subscribe(1)
        burst = [LiveEvent(1, "tally", proposal_id=1)] * 3 + [LiveEvent(1, "stage")]
        broker.publish(burst)
        first = await subscription.get(timeout=1)
        assert [first, *subscription.drain()] == burst
        await broker.stop()

    run(scenario())


def test_publishing_without_a_running_broker_is_harmless(caplog: pytest.LogCaptureFixture) -> None:
    """Before start and after its loop has closed, publish drops the events (and says so at
    debug level) instead of raising; a later start delivers new events, never the dropped."""
    caplog.set_level(logging.DEBUG, logger="app.live.broker")
    broker = InMemoryBroker()
    broker.publish([LiveEvent(1, "tally")])
    assert "live events dropped: the broker is not running" in caplog.text

    async def first_run() -> None:
        await broker.start()

    run(first_run())  # its loop is closed now, the broker never stopped
    broker.publish([LiveEvent(1, "tally", proposal_id=2)])
    assert "live events dropped: the broker's event loop is closed" in caplog.text

    async def second_run() -> list[LiveEvent]:
        await broker.start()
        subscription = broker.subscribe(1)
        broker.publish([LiveEvent(1, "stage")])
        events = [await subscription.get(timeout=1), *subscription.drain()]
        await broker.stop()
        return [event for event in events if event is not None]

    assert run(second_run()) == [LiveEvent(1, "stage")]


# --- make_broker ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "conninfo"),
    [
        ("postgresql://postgres@127.0.0.1:5432/db", "postgresql://postgres@127.0.0.1:5432/db"),
        (
            "postgresql+psycopg://u:p%40ss@h/db?sslmode=require",
            "postgresql://u:p%40ss@h/db?sslmode=require",
        ),
        ("postgres://u@h/db", "postgresql://u@h/db"),
        ("sqlite:///./commission.db", None),
        ("sqlite+pysqlite:///tmp/x.db", None),
    ],
)
def test_make_broker_picks_by_url(url: str, conninfo: str | None) -> None:
    assert postgres_conninfo(url) == conninfo
    broker = make_broker(url)
    if conninfo is None:
        assert isinstance(broker, InMemoryBroker)
    else:
        assert isinstance(broker, PostgresBroker)
        assert broker.conninfo == conninfo
        assert broker.channel == CHANNEL


def test_make_broker_refuses_other_postgres_drivers() -> None:
    with pytest.raises(ValueError, match="asyncpg"):
        make_broker("postgresql+asyncpg://u@h/db")


def test_postgres_broker_survives_an_unreachable_database() -> None:
    """Pages keep working without live updates: nothing raises, failures are logged."""
    broker = PostgresBroker(
        "postgresql://postgres@127.0.0.1:1/nowhere", connect_timeout=1, startup_timeout=0.3
    )
    broker.publish([LiveEvent(1, "tally")])

    async def scenario() -> None:
        await broker.start()
        assert not broker.listening
        await broker.stop()

    run(scenario())


# --- PostgresBroker ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pg_url() -> str:
    """The scratch database's URL; created if missing, the module skipped if unreachable."""
    conninfo = postgres_conninfo(LIVE_TEST_DATABASE_URL)
    assert conninfo is not None
    name = conninfo.rsplit("/", 1)[-1].split("?", 1)[0]
    admin = conninfo.rsplit("/", 1)[0] + "/postgres"
    try:
        conn = psycopg.connect(admin, autocommit=True, connect_timeout=2)
    except psycopg.OperationalError as exc:
        pytest.skip(
            f"PostgreSQL not reachable for the live tests ({LIVE_TEST_DATABASE_URL}): {exc}"
        )
    with conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            # Another test process may make it first.
            with contextlib.suppress(psycopg.errors.DuplicateDatabase):
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return conninfo


@pytest.fixture
def channel() -> str:
    return f"commission_events_test_{uuid.uuid4().hex[:12]}"


@pytest.fixture
def admin(pg_url: str) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        yield conn


async def running(*brokers: PostgresBroker) -> None:
    for broker in brokers:
        await broker.start()
        assert broker.listening


async def stopped(*brokers: PostgresBroker) -> None:
    for broker in brokers:
        await broker.stop()


def test_postgres_event_reaches_every_process_exactly_once(pg_url: str, channel: str) -> None:
    async def scenario() -> None:
        a = PostgresBroker(pg_url, channel=channel)
        b = PostgresBroker(pg_url, channel=channel)
        try:
            await running(a, b)
            on_a, on_b, elsewhere = a.subscribe(7), b.subscribe(7), b.subscribe(8)
            event = LiveEvent(7, "argument", proposal_id=2, subject_id=11)
            marker = LiveEvent(7, "stage")
            # From a worker thread, as a sync route's commit would.
            await asyncio.to_thread(a.publish, [event])
            await asyncio.to_thread(a.publish, [marker])
            # The marker follows directly: the event arrived once, not twice, on both brokers.
            assert await received(on_a, 2) == [event, marker]
            assert await received(on_b, 2) == [event, marker]
            assert await on_a.get(timeout=0.2) is None
            assert await on_b.get(timeout=0.01) is None
            assert await elsewhere.get(timeout=0.01) is None
        finally:
            await stopped(a, b)

    run(scenario())


def test_postgres_events_keep_their_order(pg_url: str, channel: str) -> None:
    async def scenario() -> None:
        broker = PostgresBroker(pg_url, channel=channel)
        try:
            await running(broker)
            subscription = broker.subscribe(1)
            events = [LiveEvent(1, "tally", proposal_id=1)] * 2 + [
                LiveEvent(1, "argument", subject_id=i) for i in range(1, 20)
            ]
            await asyncio.to_thread(broker.publish, events)
            # Identical events in one publish are not folded by PostgreSQL.
            assert await received(subscription, len(events)) == events
        finally:
            await stopped(broker)

    run(scenario())


def test_postgres_listener_health_pings_lose_nothing(pg_url: str, channel: str) -> None:
    """Notifications arriving while the listener pings are buffered, not dropped."""

    async def scenario() -> None:
        broker = PostgresBroker(pg_url, channel=channel, health_check_interval=0.01)
        try:
            await running(broker)
            subscription = broker.subscribe(1)
            events = [LiveEvent(1, "argument", subject_id=i) for i in range(1, 41)]

            def trickle() -> None:
                for event in events:
                    broker.publish([event])
                    time.sleep(0.005)

            await asyncio.to_thread(trickle)
            assert await received(subscription, len(events)) == events
            assert not subscription.overflowed
        finally:
            await stopped(broker)

    run(scenario())


def test_postgres_listener_stops_even_when_a_cancel_is_swallowed(
    pg_url: str, channel: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Python 3.11's asyncio.wait_for, inside psycopg's wait for notifications, can swallow a
    cancellation that lands as its timeout fires (CPython gh-86296); the listener then went on
    listening and stop() waited forever. Here every wait for notifications swallows the
    first cancellation it meets, the way that race does."""
    original = psycopg.AsyncConnection.notifies
    swallowed: list[bool] = []
    waiting = asyncio.Event()

    async def swallowing_notifies(self: Any, **kwargs: Any) -> Any:
        waiting.set()
        try:
            async for notify in original(self, **kwargs):
                yield notify
        except asyncio.CancelledError:
            if swallowed:
                raise
            swallowed.append(True)
            asyncio.current_task().uncancel()  # type: ignore[union-attr]

    monkeypatch.setattr(psycopg.AsyncConnection, "notifies", swallowing_notifies)

    async def scenario() -> None:
        # Health pings far apart, so that the stop lands while the listener waits for
        # notifications (where the race swallows it), not between two waits: a fixed pause
        # before stopping was not always enough on a loaded machine.
        broker = PostgresBroker(pg_url, channel=channel, health_check_interval=30)
        await running(broker)
        await asyncio.wait_for(waiting.wait(), 5)
        await asyncio.sleep(0.05)
        await asyncio.wait_for(broker.stop(), 5)
        assert swallowed, "the first cancellation was not swallowed: the test proves nothing"
        assert not broker.listening

    run(scenario())


def test_postgres_listener_ignores_malformed_notifications(
    pg_url: str, channel: str, admin: psycopg.Connection[Any]
) -> None:
    async def scenario() -> None:
        broker = PostgresBroker(pg_url, channel=channel)
        try:
            await running(broker)
            subscription = broker.subscribe(1)
            for payload in ("garbage", '{"commission_id": 1}'):
                await asyncio.to_thread(
                    admin.execute, "SELECT pg_notify(%s, %s)", (channel, payload)
                )
            await asyncio.to_thread(broker.publish, [LiveEvent(1, "tally")])
            assert await subscription.get(timeout=2) == LiveEvent(1, "tally")
            assert broker.listening
        finally:
            await stopped(broker)

    run(scenario())


def test_postgres_listener_reconnects_after_its_backend_is_killed(
    pg_url: str, channel: str, admin: psycopg.Connection[Any]
) -> None:
    async def scenario() -> None:
        broker = PostgresBroker(pg_url, channel=channel, min_backoff=0.05)
        try:
            await running(broker)
            subscription = broker.subscribe(5)
            old_pid = broker.listener_pid
            assert old_pid is not None
            killed = await asyncio.to_thread(
                lambda: admin.execute("SELECT pg_terminate_backend(%s)", (old_pid,)).fetchone()
            )
            assert killed == (True,)
            await eventually(lambda: broker.listener_pid not in (None, old_pid))
            # Events sent while it was away are lost: the stream is told to reload.
            assert subscription.overflowed
            event = LiveEvent(5, "inject", subject_id=3)
            await asyncio.to_thread(broker.publish, [event])
            assert await subscription.get(timeout=3) == event
        finally:
            await stopped(broker)

    run(scenario())


def test_postgres_publish_recovers_from_a_killed_connection(
    pg_url: str, channel: str, admin: psycopg.Connection[Any]
) -> None:
    """A pooled publishing connection that died (database restart) is replaced, no event lost."""

    async def scenario() -> None:
        broker = PostgresBroker(pg_url, channel=channel)
        try:
            await running(broker)
            subscription = broker.subscribe(1)
            await asyncio.to_thread(broker.publish, [LiveEvent(1, "tally")])
            assert await subscription.get(timeout=2) == LiveEvent(1, "tally")
            # This broker's idle publishing connections only: parallel tests have their own.
            pids = [conn.info.backend_pid for conn in broker._notify._idle]
            assert pids
            await asyncio.to_thread(
                admin.execute,
                "SELECT pg_terminate_backend(pid) FROM unnest(%s::int[]) pid",
                (pids,),
            )
            await asyncio.to_thread(broker.publish, [LiveEvent(1, "stage")])
            assert await subscription.get(timeout=2) == LiveEvent(1, "stage")
        finally:
            await stopped(broker)

    run(scenario())
