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

The package: `hub` holds the event, the subscriptions and their fan-out (what both brokers
deliver through), `postgres` the LISTEN/NOTIFY broker; here are the shape and the choice.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from app.live.broker.hub import DEFAULT_QUEUE_SIZE, LiveEvent, Subscription, _Hub
from app.live.broker.postgres import CHANNEL, PostgresBroker

_POSTGRES_URL = re.compile(r"postgres(?:ql)?(?:\+(?P<driver>[a-z0-9_]+))?://", re.IGNORECASE)


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


__all__ = [
    "CHANNEL",
    "DEFAULT_QUEUE_SIZE",
    "Broker",
    "InMemoryBroker",
    "LiveEvent",
    "PostgresBroker",
    "Subscription",
    "make_broker",
    "postgres_conninfo",
]
