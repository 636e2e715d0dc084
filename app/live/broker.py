"""The broker that carries live events from the request that committed them to every open stream.

An event names what changed (ids only, never content): each stream re-reads the database and
renders for its own viewer, so nothing private travels through the broker and a lost or repeated
event costs at most a redundant re-render.

Two brokers share one shape:

* `InMemoryBroker` fans events out inside one process. It is enough for SQLite, which a single
  app process serves.
* `PostgresBroker` sends each event with `pg_notify` and hears them back with `LISTEN`, so every
  app process on the database, the publishing one included, sees each event exactly once. Local
  delivery goes only through `LISTEN`: a process never short-cuts its own events, otherwise it
  would see them twice or in a different order than its peers.

`publish()` is called from whichever thread committed (sync routes run in a threadpool), so it is
thread-safe; subscriptions live on the event loop and are read by the SSE endpoint.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import re
import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Protocol, runtime_checkable

import psycopg
from psycopg import sql

logger = logging.getLogger(__name__)

CHANNEL = "commission_events"
DEFAULT_QUEUE_SIZE = 1000

_KIND = re.compile(r"[a-z][a-z0-9_]{0,39}")
_CHANNEL = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_POSTGRES_URL = re.compile(r"postgres(?:ql)?(?:\+(?P<driver>[a-z0-9_]+))?://", re.IGNORECASE)


def _check_id(name: str, value: object, *, required: bool) -> None:
    if value is None and not required:
        return
    # bool is an int subclass; `True` as an id is a bug, not the id 1.
    if type(value) is not int or value < 1:
        raise ValueError(f"{name} must be a positive integer, not {value!r}")


@dataclass(frozen=True)
class LiveEvent:
    """Something changed in a commission; subscribers re-read what they show.

    `delegation_id`, when set, marks an event only that delegation (and instructors) may see,
    e.g. a caucus message: the stream checks it with `visible_to` before rendering anything.
    """

    commission_id: int
    kind: str  # e.g. "argument", "tally", "stage", "amendment", "inject", "caucus", "roster"
    proposal_id: int | None = None
    subject_id: int | None = None  # the argument/amendment/inject id etc.
    delegation_id: int | None = None  # when set: only this delegation (and instructors)

    def __post_init__(self) -> None:
        # Checked at construction so a bad event fails in the code that made it, not in every
        # listening process when it arrives.
        _check_id("commission_id", self.commission_id, required=True)
        if not isinstance(self.kind, str) or not _KIND.fullmatch(self.kind):
            raise ValueError(f"kind must be a short lowercase identifier, not {self.kind!r}")
        _check_id("proposal_id", self.proposal_id, required=False)
        _check_id("subject_id", self.subject_id, required=False)
        _check_id("delegation_id", self.delegation_id, required=False)

    def visible_to(self, delegation_id: int | None, *, instructor: bool = False) -> bool:
        """Whether a viewer seated in `delegation_id` (None: not seated) may receive this event."""
        return self.delegation_id is None or instructor or self.delegation_id == delegation_id

    def to_json(self) -> str:
        return json.dumps(
            {
                "commission_id": self.commission_id,
                "kind": self.kind,
                "proposal_id": self.proposal_id,
                "subject_id": self.subject_id,
                "delegation_id": self.delegation_id,
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str) -> LiveEvent:
        """Parse a payload; `ValueError` for anything that is not a well-formed event.

        Unknown keys are ignored so that, during a rolling deploy, an older process still reads
        events from a newer one that added a field.
        """
        try:
            data = json.loads(text)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"live event payload is not JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise ValueError("live event payload is not a JSON object")
        if "commission_id" not in data or "kind" not in data:
            raise ValueError("live event payload lacks commission_id or kind")
        return cls(
            commission_id=data["commission_id"],
            kind=data["kind"],
            proposal_id=data.get("proposal_id"),
            subject_id=data.get("subject_id"),
            delegation_id=data.get("delegation_id"),
        )


class Subscription:
    """The events of one commission for one consumer (one SSE stream), in publish order.

    The queue is bounded: a stream that stops reading must not grow memory without limit. When
    it overflows the oldest events are dropped and `overflowed` becomes (and stays) True: the
    stream can no longer trust that it saw everything and should tell its client to reload.
    `PostgresBroker` sets the same flag after its listener reconnects, since events sent while it
    was away are lost.

    Only one task should read a subscription. `get`, `drain` and `close` run on the event loop.
    """

    def __init__(self, hub: _Hub, commission_id: int, maxsize: int) -> None:
        self.commission_id = commission_id
        self.overflowed = False
        self.closed = False
        self._hub = hub
        self._maxsize = maxsize
        self._events: deque[LiveEvent] = deque()
        self._wakeup = asyncio.Event()

    def _put(self, event: LiveEvent) -> None:
        if self.closed:
            return
        if len(self._events) >= self._maxsize:
            self._events.popleft()
            self.overflowed = True
        self._events.append(event)
        self._wakeup.set()

    def _mark_stale(self) -> None:
        self.overflowed = True
        self._wakeup.set()

    async def get(self, timeout: float | None = None) -> LiveEvent | None:
        """The next event; None on timeout, or at once when closed or marked stale.

        None means "nothing to render": check `closed` and `overflowed`, then send a keep-alive
        or a reload as fits.
        """
        if self._events:
            return self._events.popleft()
        if self.closed:
            return None
        self._wakeup.clear()
        try:
            await asyncio.wait_for(self._wakeup.wait(), timeout)
        except TimeoutError:
            return None
        return self._events.popleft() if self._events else None

    def drain(self) -> list[LiveEvent]:
        """Everything queued right now, without waiting: lets a stream coalesce a burst."""
        events = list(self._events)
        self._events.clear()
        return events

    def close(self) -> None:
        """Unsubscribe; queued events are dropped and a waiting `get` returns None."""
        if self.closed:
            return
        self.closed = True
        self._events.clear()
        self._hub.remove(self)
        self._wakeup.set()

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> LiveEvent:
        while True:
            event = await self.get()
            if event is not None:
                return event
            if self.closed:
                raise StopAsyncIteration

    async def __aenter__(self) -> Subscription:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class _Hub:
    """Subscriptions by commission, bound to one event loop; both brokers deliver through it."""

    def __init__(self, queue_size: int) -> None:
        self.queue_size = queue_size
        self.loop: asyncio.AbstractEventLoop | None = None
        self._subscriptions: dict[int, set[Subscription]] = {}

    def bind(self) -> None:
        self.loop = asyncio.get_running_loop()

    def subscribe(self, commission_id: int) -> Subscription:
        _check_id("commission_id", commission_id, required=True)
        if self.loop is None or self.loop.is_closed():
            self.bind()
        subscription = Subscription(self, commission_id, self.queue_size)
        self._subscriptions.setdefault(commission_id, set()).add(subscription)
        return subscription

    def remove(self, subscription: Subscription) -> None:
        subscriptions = self._subscriptions.get(subscription.commission_id)
        if subscriptions is not None:
            subscriptions.discard(subscription)
            if not subscriptions:
                del self._subscriptions[subscription.commission_id]

    def deliver(self, events: Sequence[LiveEvent]) -> None:
        """Hand events to their subscribers; on the loop thread only."""
        for event in events:
            for subscription in tuple(self._subscriptions.get(event.commission_id, ())):
                subscription._put(event)

    def deliver_threadsafe(self, events: Sequence[LiveEvent]) -> None:
        """Schedule delivery on the loop from any thread, the loop's own included.

        Always scheduled, never run inline, so events keep their publish order whichever thread
        published them.
        """
        loop = self.loop
        if loop is None:
            logger.debug("live events dropped: the broker is not running")
            return
        try:
            loop.call_soon_threadsafe(self.deliver, tuple(events))
        except RuntimeError:  # the loop has been closed
            logger.debug("live events dropped: the broker's event loop is closed")

    def mark_all_stale(self) -> None:
        for subscriptions in tuple(self._subscriptions.values()):
            for subscription in tuple(subscriptions):
                subscription._mark_stale()

    def close_all(self) -> None:
        for subscriptions in tuple(self._subscriptions.values()):
            for subscription in tuple(subscriptions):
                subscription.close()
        self._subscriptions.clear()

    def subscriber_count(self, commission_id: int | None = None) -> int:
        if commission_id is not None:
            return len(self._subscriptions.get(commission_id, ()))
        return sum(len(s) for s in self._subscriptions.values())


@runtime_checkable
class Broker(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    def publish(self, events: Sequence[LiveEvent]) -> None:
        """Send events; thread-safe, never raises for delivery problems (they are logged)."""
        ...

    def subscribe(self, commission_id: int) -> Subscription:
        """A new subscription to one commission; call on the event loop."""
        ...


class InMemoryBroker:
    """Fan-out inside one process, for a single app process (SQLite, tests)."""

    def __init__(self, *, queue_size: int = DEFAULT_QUEUE_SIZE) -> None:
        self._hub = _Hub(queue_size)

    async def start(self) -> None:
        self._hub.bind()

    async def stop(self) -> None:
        """Close every subscription, which ends the streams reading them."""
        self._hub.close_all()
        self._hub.loop = None

    def publish(self, events: Sequence[LiveEvent]) -> None:
        if events:
            self._hub.deliver_threadsafe(events)

    def subscribe(self, commission_id: int) -> Subscription:
        return self._hub.subscribe(commission_id)

    def subscriber_count(self, commission_id: int | None = None) -> int:
        return self._hub.subscriber_count(commission_id)


class _NotifyConnections:
    """A few idle autocommit connections for `pg_notify`, shared by the threads that publish.

    A connection per publish would cost a connection set-up per commit; one shared connection
    would serialise every publishing thread. An idle connection may have died (database restart),
    so a failure on a reused connection is retried once on a fresh one, resuming after the last
    notification that went out, so none is sent twice.
    """

    def __init__(self, conninfo: str, channel: str, size: int, connect_timeout: int) -> None:
        self._conninfo = conninfo
        self._channel = channel
        self._size = size
        self._connect_timeout = connect_timeout
        self._idle: list[psycopg.Connection[Any]] = []
        self._lock = threading.Lock()

    def _connect(self) -> psycopg.Connection[Any]:
        return psycopg.Connection.connect(
            self._conninfo,
            autocommit=True,
            connect_timeout=self._connect_timeout,
            application_name="commission-live-publish",
        )

    def send(self, payloads: Sequence[str]) -> None:
        with self._lock:
            conn = self._idle.pop() if self._idle else None
        fresh = conn is None
        sent = 0
        while True:
            if conn is None:
                conn = self._connect()
            try:
                for payload in payloads[sent:]:
                    conn.execute("SELECT pg_notify(%s, %s)", (self._channel, payload))
                    sent += 1
            except psycopg.Error:
                conn.close()
                if fresh:
                    raise
                conn, fresh = None, True
                continue
            break
        with self._lock:
            if len(self._idle) < self._size:
                self._idle.append(conn)
                return
        conn.close()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()


class PostgresBroker:
    """Events through PostgreSQL `NOTIFY`/`LISTEN`, so every app process stays in step.

    `publish` sends one `pg_notify` per event on a short autocommit connection (after the data's
    own commit, so a listener that re-reads sees the change). `start` runs a task that holds a
    `LISTEN` connection and feeds the local subscriptions; it reconnects with backoff when the
    connection drops (database restart, `pg_terminate_backend`) and then marks every
    subscription `overflowed`, since notifications sent while it was away are gone.

    A process that only publishes (a CLI command) need not `start`.
    """

    def __init__(
        self,
        conninfo: str,
        *,
        channel: str = CHANNEL,
        queue_size: int = DEFAULT_QUEUE_SIZE,
        publish_connections: int = 4,
        connect_timeout: int = 5,
        startup_timeout: float = 5.0,
        health_check_interval: float = 30.0,
        min_backoff: float = 0.2,
        max_backoff: float = 10.0,
    ) -> None:
        if not _CHANNEL.fullmatch(channel):
            raise ValueError(f"channel must be a simple lowercase identifier, not {channel!r}")
        self.conninfo = conninfo
        self.channel = channel
        self._hub = _Hub(queue_size)
        self._notify = _NotifyConnections(conninfo, channel, publish_connections, connect_timeout)
        self._connect_timeout = connect_timeout
        self._startup_timeout = startup_timeout
        self._health_check_interval = health_check_interval
        self._min_backoff = min_backoff
        self._max_backoff = max_backoff
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._listening = asyncio.Event()
        self.listener_pid: int | None = None  # the LISTEN connection's backend, while connected

    async def start(self) -> None:
        """Start listening; wait briefly for the first `LISTEN` so early events are not missed.

        If the database cannot be reached in `startup_timeout`, the app starts anyway (pages work
        without live updates) and the listener keeps retrying in the background.
        """
        if self._task is not None and not self._task.done():
            return
        self._hub.bind()
        self._listening = asyncio.Event()
        self._stopping = False
        self._task = asyncio.create_task(self._listen_forever(), name="live-events-listener")
        if not await self.wait_until_listening(self._startup_timeout):
            logger.warning("live events: not listening yet; will keep trying in the background")

    async def stop(self) -> None:
        """Cancel the listener, close the connections and every subscription."""
        task, self._task = self._task, None
        if task is not None:
            self._stopping = True
            # A cancel can be lost: on Python 3.11, asyncio.wait_for (inside psycopg's wait
            # for notifications) swallows a cancellation that lands as its timeout fires
            # (CPython gh-86296), and the listener would listen on forever. So the listener
            # also checks `_stopping` whenever it wakes, and the cancel is repeated until the
            # task ends. wait(), not `await task`: the task's CancelledError stays in the
            # task, while a cancellation of stop() itself still propagates.
            while not task.done():
                task.cancel()
                await asyncio.wait({task}, timeout=0.5)
        self._hub.close_all()
        self._hub.loop = None
        await asyncio.to_thread(self._notify.close)

    @property
    def listening(self) -> bool:
        return self._listening.is_set()

    async def wait_until_listening(self, timeout: float | None = None) -> bool:
        try:
            await asyncio.wait_for(self._listening.wait(), timeout)
        except TimeoutError:
            return False
        return True

    def publish(self, events: Sequence[LiveEvent]) -> None:
        """Notify every process, this one included; blocks for about a round trip per event.

        Events go out in order, each in its own (autocommit) transaction: PostgreSQL folds
        identical notifications sent in one transaction into one.
        """
        if not events:
            return
        try:
            self._notify.send([event.to_json() for event in events])
        except (OSError, psycopg.Error):
            logger.exception("live events: could not notify %d event(s); dropped", len(events))

    def subscribe(self, commission_id: int) -> Subscription:
        return self._hub.subscribe(commission_id)

    def subscriber_count(self, commission_id: int | None = None) -> int:
        return self._hub.subscriber_count(commission_id)

    def _on_notify(self, notify: psycopg.Notify) -> None:
        if notify.channel != self.channel:
            return
        try:
            event = LiveEvent.from_json(notify.payload)
        except ValueError as exc:
            logger.warning("live events: ignored a malformed notification: %s", exc)
            return
        self._hub.deliver((event,))

    async def _listen_forever(self) -> None:
        backoff = self._min_backoff
        connected_before = False
        while not self._stopping:
            try:
                conn = await psycopg.AsyncConnection.connect(
                    self.conninfo,
                    autocommit=True,
                    connect_timeout=self._connect_timeout,
                    application_name="commission-live-listen",
                )
            except (OSError, psycopg.Error) as exc:
                logger.warning("live events: cannot connect to listen (%s); retrying", exc)
            else:
                try:
                    await conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self.channel)))
                    self.listener_pid = conn.info.backend_pid
                    self._listening.set()
                    if connected_before:
                        logger.info("live events: listening again")
                    connected_before = True
                    # Whatever was sent while nobody listened is lost: streams opened before now
                    # (none, unless the database was down when the app started) should reload.
                    self._hub.mark_all_stale()
                    backoff = self._min_backoff
                    while not self._stopping:
                        # The timeout wakes us for a ping, which detects a dead connection that
                        # would otherwise wait forever. Notifications that arrive during the ping
                        # are buffered by psycopg and yielded by the next `notifies()`.
                        async for notify in conn.notifies(timeout=self._health_check_interval):
                            self._on_notify(notify)
                        await asyncio.wait_for(conn.execute("SELECT 1"), self._connect_timeout)
                except (OSError, TimeoutError, psycopg.Error) as exc:
                    logger.warning("live events: lost the listening connection (%s)", exc)
                except Exception:
                    # A bug must not end live updates for the life of the process.
                    logger.exception("live events: listener failed; restarting it")
                finally:
                    self._listening.clear()
                    self.listener_pid = None
                    await conn.close()
            if self._stopping:
                return
            # Jitter, so that app processes do not all reconnect in the same instant.
            await asyncio.sleep(backoff * random.uniform(0.5, 1.0))  # noqa: S311
            backoff = min(backoff * 2, self._max_backoff)


def postgres_conninfo(database_url: str) -> str | None:
    """The libpq URL for a PostgreSQL database URL, or None if it is not one.

    Accepts `postgres://`, `postgresql://` and SQLAlchemy's `postgresql+psycopg://`.
    """
    match = _POSTGRES_URL.match(database_url)
    if match is None:
        return None
    driver = match.group("driver")
    if driver is not None and driver.lower() != "psycopg":
        raise ValueError(f"unsupported PostgreSQL driver for live events: {driver!r}")
    return "postgresql://" + database_url[match.end() :]


def make_broker(database_url: str) -> Broker:
    """`PostgresBroker` on PostgreSQL (many processes), `InMemoryBroker` otherwise (SQLite)."""
    conninfo = postgres_conninfo(database_url)
    if conninfo is not None:
        return PostgresBroker(conninfo)
    return InMemoryBroker()
