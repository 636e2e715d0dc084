"""Writing norms into the registry's search index, on either database.

The index is kept apart from `norms`, whose rows are wide (title, text, tally): a search for a
common word scans thousands of matches to rank and filter them, and reading a narrow row per
match is what keeps that fast (about four times faster than the wide rows at 100,000 norms).

- `norm_index` (the model NormIndexEntry): the facts a search filters and sorts on.
- PostgreSQL: `norm_index.search_vector`, a weighted tsvector with a GIN index.
- SQLite: `norm_fts`, an FTS5 table whose rowid is the norm's id.

Both hold the same prepared text (app.norms.search_text), and migration 0003 creates them.
Norms are written once, at adoption or import; the ORM events that `install()` registers keep
the index in step with every insert, update and delete of a norm, so no caller has to remember
it. They are installed explicitly where the app and the CLI start (`create_app`, the CLI's
callback), never as a side effect of importing a module: an import that the served app happens
not to make once left `/norms` empty under `commission serve`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, event, text
from sqlalchemy.orm import Mapper

from app.norms.models import Norm
from app.norms.search_text import index_fields

INSERT_POSTGRES = text(
    "INSERT INTO norm_index (norm_id, commission_id, working_group_id, proposal_id, number,"
    " adopted_at, search_vector) VALUES (:norm_id, :commission_id, :working_group_id,"
    " :proposal_id, :number, :adopted_at,"
    " setweight(to_tsvector('english'::regconfig, :title), 'A')"
    " || setweight(to_tsvector('english'::regconfig, :body), 'B'))"
)
INSERT_SQLITE = text(
    "INSERT INTO norm_index (norm_id, commission_id, working_group_id, proposal_id, number,"
    " adopted_at) VALUES (:norm_id, :commission_id, :working_group_id, :proposal_id, :number,"
    " :adopted_at)"
)
INSERT_SQLITE_TEXT = text(
    "INSERT INTO norm_fts (rowid, search_title, search_body) VALUES (:norm_id, :title, :body)"
)
DELETE = text("DELETE FROM norm_index WHERE norm_id = :norm_id")
DELETE_SQLITE_TEXT = text("DELETE FROM norm_fts WHERE rowid = :norm_id")


@dataclass(frozen=True)
class IndexedNorm:
    """What the index needs of a norm (an ORM object, a row in a migration or a benchmark)."""

    id: int
    commission_id: int
    working_group_id: int
    proposal_id: int
    number: int
    code: str
    title: str
    text: str
    adopted_at: datetime
    # The parallel text in the other language, if any: a search finds the norm by either.
    parallel_title: str = ""
    parallel_text: str = ""

    @classmethod
    def of(cls, norm: Norm) -> IndexedNorm:
        return cls(
            norm.id,
            norm.commission_id,
            norm.working_group_id,
            norm.proposal_id,
            norm.number,
            norm.code,
            norm.title,
            norm.text,
            norm.adopted_at,
            norm.parallel_title or "",
            norm.parallel_text or "",
        )


def write(connection: Connection, norms: Iterable[IndexedNorm]) -> None:
    """Index these norms (replacing what was indexed under their ids), in two statements."""
    rows: list[dict[str, Any]] = []
    for n in norms:
        title, body = index_fields(n.code, n.title, n.text, n.parallel_title, n.parallel_text)
        rows.append(
            {
                "norm_id": n.id,
                "commission_id": n.commission_id,
                "working_group_id": n.working_group_id,
                "proposal_id": n.proposal_id,
                "number": n.number,
                "adopted_at": n.adopted_at,
                "title": title,
                "body": body,
            }
        )
    if not rows:
        return
    remove(connection, [r["norm_id"] for r in rows])
    if connection.dialect.name == "postgresql":
        connection.execute(INSERT_POSTGRES, rows)
    else:
        connection.execute(INSERT_SQLITE, rows)
        connection.execute(INSERT_SQLITE_TEXT, rows)


def remove(connection: Connection, norm_ids: list[int]) -> None:
    params = [{"norm_id": i} for i in norm_ids]
    connection.execute(DELETE, params)
    if connection.dialect.name != "postgresql":
        connection.execute(DELETE_SQLITE_TEXT, params)


def _index_norm(_mapper: Mapper[Norm], connection: Connection, norm: Norm) -> None:
    write(connection, [IndexedNorm.of(norm)])


def _unindex_norm(_mapper: Mapper[Norm], connection: Connection, norm: Norm) -> None:
    remove(connection, [norm.id])


_LISTENERS = (
    ("after_insert", _index_norm),
    ("after_update", _index_norm),
    ("after_delete", _unindex_norm),
)


def install() -> None:
    """Keep the index in step with every norm written through the ORM (idempotent)."""
    for name, listener in _LISTENERS:
        if not event.contains(Norm, name, listener):
            event.listen(Norm, name, listener)


def installed() -> bool:
    return all(event.contains(Norm, name, listener) for name, listener in _LISTENERS)


def uninstall() -> None:
    for name, listener in _LISTENERS:
        if event.contains(Norm, name, listener):
            event.remove(Norm, name, listener)
