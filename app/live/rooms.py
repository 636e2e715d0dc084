"""The open streams of a commission in this process, fed by one subscription and one renderer.

Every stream of a commission joins its `Room`. The room alone subscribes to the broker; when
events come it waits a moment for the rest of a burst (a room voting at once), then draws the
batch once per audience (`app.live.registry.deliveries`, in a worker thread, with one database
session) and hands the same encoded bytes to every stream of each audience. A stream only
writes out what it is handed: its cost per event is a queue append and a socket write.

Coalescing: a batch is drawn at most every `coalesce_seconds` per room; the first event after a
quiet spell waits only `gather_seconds`, so a lone argument arrives at once and a storm of
ballots is drawn four times a second with the latest tally. Events that come while a batch is
drawn wait for the next one.

A stream whose reader falls behind (more than `queue_size` batches unread) is marked stale and
told to reload; so is every stream of a room whose own subscription overflowed or whose broker
lost events (PostgreSQL reconnected): the page then redraws from the database.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Sequence

from sse_starlette import ServerSentEvent
from starlette.concurrency import run_in_threadpool

from app.live.broker import Broker, LiveEvent, Subscription
from app.live.registry import Delivery, StreamViewer

logger = logging.getLogger(__name__)

COALESCE_SECONDS = 0.25
GATHER_SECONDS = 0.02
STREAM_QUEUE_SIZE = 200

# Draws one batch for the viewers of a room (runs in a worker thread).
RenderBatch = Callable[[Sequence[StreamViewer], list[LiveEvent]], list[Delivery]]


def encode(messages: Sequence[tuple[str, str]]) -> bytes:
    """The SSE frames of some messages, as one chunk of bytes to write to every stream."""
    return b"".join(ServerSentEvent(event=name, data=html).encode() for name, html in messages)


class Stream:
    """One open SSE connection: what it has been handed and not yet written out."""

    def __init__(self, room: Room, viewer: StreamViewer, queue_size: int) -> None:
        self.viewer = viewer
        self.stale = False
        self.closed = False
        self._room = room
        self._queue_size = queue_size
        self._chunks: deque[bytes] = deque()
        self._wakeup = asyncio.Event()

    def hand(self, chunk: bytes) -> None:
        if self.closed or self.stale:
            return
        if len(self._chunks) >= self._queue_size:
            self._chunks.clear()
            self.stale = True
        else:
            self._chunks.append(chunk)
        self._wakeup.set()

    def mark_stale(self) -> None:
        self.stale = True
        self._wakeup.set()

    async def next(self, timeout: float | None = None) -> list[bytes]:
        """What to write now; [] on timeout, or at once when closed or stale (check both)."""
        if not self._chunks and not self.closed and not self.stale:
            self._wakeup.clear()
            try:
                await asyncio.wait_for(self._wakeup.wait(), timeout)
            except TimeoutError:
                return []
        chunks = list(self._chunks)
        self._chunks.clear()
        return chunks

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._chunks.clear()
            self._wakeup.set()
            self._room.leave(self)


class Room:
    """One commission's streams in this process, and the task that feeds them."""

    def __init__(self, rooms: Rooms, commission_id: int) -> None:
        self.commission_id = commission_id
        self.streams: set[Stream] = set()
        self.batches_drawn = 0
        self._rooms = rooms
        self._subscription: Subscription = rooms.broker.subscribe(commission_id)
        self._task = asyncio.get_running_loop().create_task(self._run())

    def join(self, viewer: StreamViewer) -> Stream:
        stream = Stream(self, viewer, self._rooms.queue_size)
        self.streams.add(stream)
        return stream

    def leave(self, stream: Stream) -> None:
        self.streams.discard(stream)
        if not self.streams:
            self.close()

    def close(self) -> None:
        self._rooms.forget(self)
        self._subscription.close()
        self._task.cancel()
        for stream in tuple(self.streams):
            stream.closed = True
            stream._wakeup.set()
        self.streams.clear()

    async def _run(self) -> None:
        last_drawn = 0.0
        while True:
            event = await self._subscription.get()
            if self._subscription.closed:
                self.close()  # the broker stopped: the streams end, their pages reconnect
                return
            if self._subscription.overflowed:
                self._resubscribe()
                continue
            if event is None:
                continue
            now = time.monotonic()
            pause = max(self._rooms.gather_seconds, last_drawn + self._rooms.coalesce_seconds - now)
            await asyncio.sleep(pause)
            last_drawn = time.monotonic()
            batch = list(dict.fromkeys([event, *self._subscription.drain()]))
            try:
                await self._draw(batch)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("live: drawing %d event(s) failed", len(batch))
                for stream in tuple(self.streams):
                    stream.mark_stale()

    async def _draw(self, batch: list[LiveEvent]) -> None:
        streams_of: dict[StreamViewer, list[Stream]] = {}
        for stream in self.streams:
            streams_of.setdefault(stream.viewer, []).append(stream)
        if not streams_of:
            return
        drawn = await run_in_threadpool(self._rooms.render, list(streams_of), batch)
        self.batches_drawn += 1
        for delivery in drawn:
            chunk = encode(delivery.messages)
            for viewer in delivery.viewers:
                for stream in streams_of.get(viewer, ()):
                    stream.hand(chunk)

    def _resubscribe(self) -> None:
        """Events were lost: every page redraws from the database; listen afresh."""
        for stream in tuple(self.streams):
            stream.mark_stale()
        self._subscription.close()
        self._subscription = self._rooms.broker.subscribe(self.commission_id)


class Rooms:
    """The rooms of this process, one per commission with open streams."""

    def __init__(
        self,
        broker: Broker,
        render: RenderBatch,
        *,
        coalesce_seconds: float = COALESCE_SECONDS,
        gather_seconds: float = GATHER_SECONDS,
        queue_size: int = STREAM_QUEUE_SIZE,
    ) -> None:
        self.broker = broker
        self.render = render
        self.coalesce_seconds = coalesce_seconds
        self.gather_seconds = gather_seconds
        self.queue_size = queue_size
        self._rooms: dict[int, Room] = {}

    def join(self, commission_id: int, viewer: StreamViewer) -> Stream:
        """Open a stream on the commission's room (made on first join); on the event loop."""
        room = self._rooms.get(commission_id)
        if room is None:
            room = self._rooms[commission_id] = Room(self, commission_id)
        return room.join(viewer)

    def forget(self, room: Room) -> None:
        if self._rooms.get(room.commission_id) is room:
            del self._rooms[room.commission_id]

    def room(self, commission_id: int) -> Room | None:
        return self._rooms.get(commission_id)

    def stream_count(self) -> int:
        return sum(len(room.streams) for room in self._rooms.values())

    def close_all(self) -> None:
        for room in tuple(self._rooms.values()):
            room.close()
