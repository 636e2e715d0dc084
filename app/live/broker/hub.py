"""Events and their subscriptions inside one process: what both brokers deliver through.

`LiveEvent` is what travels (ids only); a `Subscription` is one stream's bounded queue of them;
`_Hub` keeps the subscriptions of each commission on one event loop and hands events to them,
from the loop's thread or, scheduled, from any other.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType

logger = logging.getLogger(__name__)

DEFAULT_QUEUE_SIZE = 1000

_KIND = re.compile(r"[a-z][a-z0-9_]{0,39}")


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
    participant_id: int | None = None  # whose own fragments changed too (say, their ballot)

    def __post_init__(self) -> None:
        # Checked at construction so a bad event fails in the code that made it, not in every
        # listening process when it arrives.
        _check_id("commission_id", self.commission_id, required=True)
        if not isinstance(self.kind, str) or not _KIND.fullmatch(self.kind):
            raise ValueError(f"kind must be a short lowercase identifier, not {self.kind!r}")
        _check_id("proposal_id", self.proposal_id, required=False)
        _check_id("subject_id", self.subject_id, required=False)
        _check_id("delegation_id", self.delegation_id, required=False)
        _check_id("participant_id", self.participant_id, required=False)

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
                "participant_id": self.participant_id,
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
            participant_id=data.get("participant_id"),
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
