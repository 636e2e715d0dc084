"""Publish live events when the session commits, never before, and never if it rolls back.

A route calls `announce(session, event)` next to the change it makes. Nothing is sent then: a
stream that re-read the database before the commit would render the old state and miss the
change, and a rollback would leave the streams showing what never happened. The event waits on
`session.info` until the session's own transaction ends:

* the session commits -> the events are published (identical events once, in first-announce
  order) and forgotten;
* the session rolls back, or is closed without committing -> they are forgotten.

What "the session commits" means, checked against SQLAlchemy 2.1 (see tests/live):

* `after_commit` fires for the session's *root* transaction whatever it is on the wire. With
  `Session(bind=connection, join_transaction_mode="create_savepoint")` (the test suite's
  sessions) `session.commit()` only releases a SAVEPOINT inside the test's outer transaction, yet
  `after_commit` fires exactly as for a real COMMIT, so events are published there too. Tests see
  the events of a committed route even though the test's outer transaction is rolled back later.
* `after_commit` *also* fires when a `session.begin_nested()` savepoint is released. That is not
  the end of the unit of work (the outer transaction may still roll back), so it is ignored: at
  that moment `session.in_nested_transaction()` is still true, at the root commit it is false.
* `after_rollback` fires for a rolled-back savepoint as well and does not say which transaction
  ended, so it cannot tell an outer rollback from a nested one; `after_soft_rollback` names the
  transaction and is used instead.

Nested savepoints: each event remembers the innermost `begin_nested()` transaction open when it
was announced (None: the outer level). Rolling back a savepoint discards the events announced
inside it, including inside savepoints nested in it and already released; events announced at
the outer level or in a sibling savepoint survive and are published by the outer commit. A
released savepoint's events wait for the outer commit.

`announce` does nothing until `install` has run: without the listeners nothing would ever clear
the queue (CLI scripts and tests that do not care about live events never install).
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session, SessionTransaction

from app.live.broker import Broker, LiveEvent

logger = logging.getLogger(__name__)

_PENDING = "live_events_pending"

# (innermost nested transaction when announced or None for the outer level, event)
_Pending = list[tuple[SessionTransaction | None, LiveEvent]]

_broker: Broker | None = None
_lock = threading.Lock()


def announce(session: Session, event: LiveEvent) -> None:
    """Queue `event` to be published when `session` commits; nothing is sent yet."""
    if not _installed():
        logger.debug("live event not announced (no broker installed): %s", event)
        return
    pending: _Pending = session.info.setdefault(_PENDING, [])
    pending.append((session.get_nested_transaction(), event))


def pending_events(session: Session) -> list[LiveEvent]:
    """The events `session` would publish if it committed now (for tests and debugging)."""
    return [event for _, event in session.info.get(_PENDING, ())]


def current_broker() -> Broker | None:
    return _broker


def install(broker: Broker) -> None:
    """Publish committed events through `broker` (replacing any broker installed before).

    The SQLAlchemy listeners are registered on the `Session` class once, however often this is
    called, so they cover every session: the app's, scripts', and the test suite's.
    """
    global _broker
    with _lock:
        _broker = broker
        for name, listener in _LISTENERS:
            if not sa_event.contains(Session, name, listener):
                sa_event.listen(Session, name, listener)


def uninstall() -> None:
    """Remove the listeners and forget the broker; `announce` becomes a no-op again."""
    global _broker
    with _lock:
        _broker = None
        for name, listener in _LISTENERS:
            if sa_event.contains(Session, name, listener):
                sa_event.remove(Session, name, listener)


def _installed() -> bool:
    return _broker is not None


def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a begin_nested() savepoint was released; the outer transaction is still open
    pending: _Pending | None = session.info.pop(_PENDING, None)
    broker = _broker
    if not pending or broker is None:
        return
    events = list(dict.fromkeys(event for _, event in pending))
    try:
        broker.publish(events)
    except Exception:
        # The data is committed; failing the request now would tell the user it was not.
        logger.exception("live events: publishing %d event(s) failed", len(events))


def _within(owner: SessionTransaction | None, boundary: SessionTransaction) -> bool:
    transaction = owner
    while transaction is not None:
        if transaction is boundary:
            return True
        transaction = transaction.parent
    return False


def _after_soft_rollback(session: Session, previous_transaction: SessionTransaction) -> None:
    pending: _Pending | None = session.info.get(_PENDING)
    if not pending:
        return
    # What the database rolled back: the nearest savepoint or root at or above the transaction
    # that ended (a failed flush ends an internal subtransaction and rolls back its savepoint).
    boundary = previous_transaction
    while not boundary.nested and boundary.parent is not None:
        boundary = boundary.parent
    if boundary.parent is None:
        session.info.pop(_PENDING, None)
        return
    pending[:] = [(owner, event) for owner, event in pending if not _within(owner, boundary)]


def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    # The root transaction ended: committed events went out in `_after_commit`; anything still
    # queued was rolled back, or the session was closed without committing.
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


_LISTENERS = (
    ("after_commit", _after_commit),
    ("after_soft_rollback", _after_soft_rollback),
    ("after_transaction_end", _after_transaction_end),
)
