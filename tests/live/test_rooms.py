"""The rooms that feed a process's streams: one subscription and one drawing per batch, however
many streams; bursts coalesced; slow readers and lost events answered with a reload."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Sequence
from typing import Any, TypeVar

from app.live.broker import InMemoryBroker, LiveEvent
from app.live.registry import Delivery, StreamViewer
from app.live.rooms import Rooms, encode

COMMISSION = 7
T = TypeVar("T")


def viewer(n: int, role: str = "delegate") -> StreamViewer:
    return StreamViewer(user_id=n, participant_id=n, role=role, delegation_id=1)


class Drawer:
    """Draws one message per batch, the same for all: the events' kinds, joined."""

    def __init__(self) -> None:
        self.batches: list[list[LiveEvent]] = []
        self.viewer_counts: list[int] = []

    def __call__(self, viewers: Sequence[StreamViewer], batch: list[LiveEvent]) -> list[Delivery]:
        self.batches.append(batch)
        self.viewer_counts.append(len(viewers))
        kinds = ",".join(e.kind for e in batch)
        return [Delivery(tuple(viewers), (("news", kinds),))]


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(asyncio.wait_for(coroutine, 10))


def test_a_burst_is_drawn_once_for_every_stream() -> None:
    async def scenario() -> tuple[Drawer, list[list[bytes]]]:
        broker = InMemoryBroker()
        await broker.start()
        drawer = Drawer()
        rooms = Rooms(broker, drawer, coalesce_seconds=0.2, gather_seconds=0.05)
        streams = [rooms.join(COMMISSION, viewer(n)) for n in range(1, 51)]
        assert broker.subscriber_count(COMMISSION) == 1  # the room's, not one per stream
        broker.publish([LiveEvent(COMMISSION, "tally", subject_id=n) for n in range(1, 6)])
        received = [await s.next(timeout=2) for s in streams]
        for s in streams:
            s.close()
        await asyncio.sleep(0)
        assert rooms.room(COMMISSION) is None  # the last stream closed it
        assert broker.subscriber_count(COMMISSION) == 0
        await broker.stop()
        return drawer, received

    drawer, received = run(scenario())
    assert len(drawer.batches) == 1 and drawer.viewer_counts == [50]
    chunk = encode([("news", "tally,tally,tally,tally,tally")])
    assert all(r == [chunk] for r in received)
    assert all(r[0] is received[0][0] for r in received)  # the very same bytes, encoded once


def test_a_storm_is_drawn_at_most_once_per_coalescing_window() -> None:
    async def scenario() -> tuple[Drawer, int, float]:
        broker = InMemoryBroker()
        await broker.start()
        drawer = Drawer()
        rooms = Rooms(broker, drawer, coalesce_seconds=0.2, gather_seconds=0.01)
        stream = rooms.join(COMMISSION, viewer(1))
        loop = asyncio.get_running_loop()
        start, sent = loop.time(), 0
        while loop.time() - start < 0.9:  # a ballot every 10 ms or so for 0.9 s
            sent += 1
            broker.publish([LiveEvent(COMMISSION, "tally", subject_id=sent)])
            await asyncio.sleep(0.01)
        while sum(len(b) for b in drawer.batches) < sent:
            await asyncio.sleep(0.05)
        elapsed = loop.time() - start
        stream.close()
        await broker.stop()
        return drawer, sent, elapsed

    drawer, sent, elapsed = run(scenario())
    # Every event reached a drawing, and the drawings were at least 0.2 s apart: however
    # slow the machine, never more than one per window (plus the first), never one per event.
    assert sorted(e.subject_id or 0 for b in drawer.batches for e in b) == list(range(1, sent + 1))
    assert len(drawer.batches) <= 1 + elapsed / 0.2, (len(drawer.batches), elapsed)
    assert len(drawer.batches) < sent


def test_a_stream_that_stops_reading_is_told_to_reload() -> None:
    async def scenario() -> tuple[bool, bool]:
        broker = InMemoryBroker()
        await broker.start()
        rooms = Rooms(broker, Drawer(), coalesce_seconds=0.0, gather_seconds=0.0, queue_size=3)
        slow = rooms.join(COMMISSION, viewer(1))
        quick = rooms.join(COMMISSION, viewer(2))
        for n in range(1, 6):
            broker.publish([LiveEvent(COMMISSION, "tally", subject_id=n)])
            await asyncio.sleep(0.05)
            await quick.next(timeout=1)
        stale = slow.stale
        await broker.stop()
        return stale, quick.stale

    slow_stale, quick_stale = run(scenario())
    assert slow_stale and not quick_stale


def test_lost_events_make_every_stream_reload_and_the_room_listens_afresh() -> None:
    async def scenario() -> tuple[bool, list[bytes]]:
        broker = InMemoryBroker(queue_size=2)
        await broker.start()
        drawer = Drawer()
        rooms = Rooms(broker, drawer, coalesce_seconds=0.0, gather_seconds=0.0)
        stream = rooms.join(COMMISSION, viewer(1))
        room = rooms.room(COMMISSION)
        assert room is not None
        # Three events before the room's task runs overflow its subscription of two.
        broker._hub.deliver([LiveEvent(COMMISSION, "tally", subject_id=n) for n in (1, 2, 3)])
        await asyncio.sleep(0.05)
        stale = stream.stale
        fresh = rooms.join(COMMISSION, viewer(2))
        broker.publish([LiveEvent(COMMISSION, "stage")])
        after = await fresh.next(timeout=1)
        await broker.stop()
        return stale, after

    stale, after = run(scenario())
    assert stale
    assert after == [encode([("news", "stage")])]


def test_stopping_the_broker_ends_every_stream() -> None:
    async def scenario() -> bool:
        broker = InMemoryBroker()
        await broker.start()
        rooms = Rooms(broker, Drawer())
        stream = rooms.join(COMMISSION, viewer(1))
        waiting = asyncio.create_task(stream.next(timeout=5))
        await asyncio.sleep(0.01)
        await broker.stop()
        await asyncio.wait_for(waiting, 1)
        return stream.closed

    assert run(scenario())
