"""The PostgreSQL broker: events out with `pg_notify`, back in with `LISTEN`, for many processes."""

from __future__ import annotations

import asyncio
import logging
import random
import re
import threading
from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg import sql

from app.live.broker.hub import DEFAULT_QUEUE_SIZE, LiveEvent, Subscription, _Hub

logger = logging.getLogger(__name__)

CHANNEL = "commission_events"

_CHANNEL = re.compile(r"[a-z_][a-z0-9_]{0,62}")


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
