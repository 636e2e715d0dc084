"""Scrubbing closed secret votes out of the database's files, once their close has committed.

Deleting a vote's sealed ballots at close takes them out of the tables, not out of the files:

- SQLite: every connection runs with `secure_delete` (app.db), so deleted cells and freed
  pages are zeroed in the new page images. The old images, holding the sealed ballots, stay in
  the WAL until a checkpoint copies the new ones into the database file; `wal_checkpoint
  (TRUNCATE)` then empties the WAL file, so no stale frame survives past its end either.
- PostgreSQL: deleted rows stay on their pages as dead tuples, and a plain VACUUM leaves their
  bytes in the page's free space; `VACUUM FULL` writes the table anew with its live rows only.
  It runs outside any transaction, and only once no transaction that might still see the
  deleted rows is running (one whose snapshot is older than the close): VACUUM would have to
  keep them for it.

Neither can happen while readers are in the way, so a scrub is tried a few times at once and
the deadline sweeper (app.main) retries every vote still marked `scrub_pending`. PostgreSQL's
own WAL (and any archive of it) keeps what was written during the vote: a scrub cannot reach it.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Sequence

from sqlalchemy import Connection, Engine, event, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app.voting.models import Vote

logger = logging.getLogger(__name__)

ATTEMPTS = 5
PAUSE_S = 0.05
# How long one attempt may wait for readers (SQLite) or for a table lock (PostgreSQL); writers
# queue behind it meanwhile, so it is short, and the sweeper tries again later.
WAIT_MS = 200
SCRUBBED_TABLES = ("sealed_ballots", "secret_ballot_counts")
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL: lock_timeout ran out


def pending(session: Session) -> list[int]:
    """Closed secret votes whose sealed ballots may still be in the database's files."""
    return list(session.scalars(select(Vote.id).where(Vote.scrub_pending)))


def after_commit(session: Session) -> None:
    """Scrub once this session's transaction has committed (closing a secret vote asks).

    A session joined to an outer transaction (the tests' rollback fixture) has committed
    nothing when it "commits": the scrub is left for the sweeper then.
    """
    connection = session.connection()

    def run(committed: Session) -> None:
        committed.info.pop("scrub_after_commit", None)
        if connection.in_transaction():
            return
        try:
            scrub(connection.engine)
        except Exception:  # the close has committed; the sweeper will try the scrub again
            logger.exception("scrubbing closed secret votes failed")

    if not session.info.get("scrub_after_commit"):
        session.info["scrub_after_commit"] = True
        event.listen(session, "after_commit", run, once=True)


def scrub(engine: Engine, attempts: int = ATTEMPTS) -> bool:
    """Scrub every closed vote waiting for it; True when none is left waiting."""
    engine = engine.execution_options(sqlite_immediate=False)
    with Session(bind=engine) as session:
        votes = pending(session)
        session.rollback()
    if not votes:
        return True
    scrub_once = _scrub_sqlite if engine.dialect.name == "sqlite" else _scrub_postgresql
    for attempt in range(attempts):
        if scrub_once(engine, votes):
            break
        time.sleep(PAUSE_S * (attempt + 1))
    else:
        logger.info("scrub of closed secret votes %s put off: readers in the way", votes)
        return False
    with Session(bind=engine.execution_options(sqlite_immediate=True)) as session:
        session.execute(update(Vote).where(Vote.id.in_(votes)).values(scrub_pending=False))
        session.commit()
    return True


def _scrub_sqlite(engine: Engine, _votes: Sequence[int]) -> bool:
    """A TRUNCATE checkpoint: every page into the database file, then the WAL emptied."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        timeout = cursor.execute("PRAGMA busy_timeout").fetchone()[0]
        cursor.execute(f"PRAGMA busy_timeout={WAIT_MS}")
        try:
            busy, _log, _done = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        except sqlite3.OperationalError:  # locked: another checkpoint or writer in the way
            busy = 1
        finally:
            cursor.execute(f"PRAGMA busy_timeout={int(timeout)}")
            cursor.close()
        return int(busy) == 0
    finally:
        raw.close()


# A transaction whose snapshot is as old as a close (its xmin at or before the close's
# transaction id, which is the vote row's xmin) may still see the deleted sealed ballots.
_OLDER_SNAPSHOTS = text(
    """
    WITH closed AS (
        SELECT min(age(xmin)) AS youngest FROM votes WHERE id = ANY(:votes)
    )
    SELECT EXISTS (
        SELECT 1 FROM pg_stat_activity a, closed
        WHERE a.datname = current_database() AND a.pid <> pg_backend_pid()
          AND a.backend_xmin IS NOT NULL AND age(a.backend_xmin) >= closed.youngest
    ) OR EXISTS (
        SELECT 1 FROM pg_replication_slots s, closed
        WHERE s.xmin IS NOT NULL AND age(s.xmin) >= closed.youngest
    ) OR EXISTS (
        SELECT 1 FROM pg_prepared_xacts p, closed
        WHERE p.database = current_database() AND age(p.transaction) >= closed.youngest
    )
    """
)


def _scrub_postgresql(engine: Engine, votes: Sequence[int]) -> bool:
    """VACUUM FULL of the sealed ballots and the counters, when nothing can still see them."""
    with engine.connect() as base:
        conn: Connection = base.execution_options(isolation_level="AUTOCOMMIT")
        if conn.scalar(_OLDER_SNAPSHOTS, {"votes": list(votes)}):
            return False
        conn.exec_driver_sql(f"SET lock_timeout = {WAIT_MS}")
        try:
            for table in SCRUBBED_TABLES:
                conn.exec_driver_sql(f"VACUUM FULL {table}")
        except DBAPIError as error:
            if getattr(error.orig, "sqlstate", None) != LOCK_NOT_AVAILABLE:
                raise
            return False
        finally:
            conn.exec_driver_sql("RESET lock_timeout")
    return True
