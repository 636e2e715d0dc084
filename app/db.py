"""The engine, one session per request, and the single commit point.

SQLite runs in WAL mode with foreign keys on, a busy timeout and `secure_delete` (deleted
content is zeroed in the file, which app.voting.scrub relies on to erase sealed ballots).
Requests that may write begin their transaction with `BEGIN IMMEDIATE`: a deferred
transaction that reads and then writes fails with SQLITE_BUSY under concurrency however long
the timeout, because SQLite cannot upgrade its read lock while another writer waits.

When the database is away (restarting, unreachable, or on SQLite locked past the busy
timeout) `unavailable()` says so, and the app answers 503 instead of 500 (app.main). A
transaction's first statement that finds its connection dead is run once more on a new
connection (AppSession): nothing was written yet, so nothing can be doubled.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache, partial
from typing import Annotated, Any

from fastapi import Depends, Request
from markupsafe import Markup
from sqlalchemy import DateTime, Engine, MetaData, Text, TypeDecorator, create_engine, event
from sqlalchemy.engine import Connection, ExceptionContext
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import (
    DeclarativeBase,
    MappedColumn,
    Mapper,
    ORMExecuteState,
    Session,
    SessionTransaction,
    mapped_column,
    sessionmaker,
)

from app.config import get_settings
from app.markdown import plain_text, render_markdown

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

logger = logging.getLogger(__name__)

# A new PostgreSQL connection that takes longer than this counts as the database being away:
# without a limit, a host that drops packets holds every admitted request for minutes.
CONNECT_TIMEOUT_S = 5


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on both databases (SQLite stores no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use app.db.utcnow()")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}  # noqa: RUF012 - read by SQLAlchemy


# --- user Markdown, rendered when written (app.markdown) ----------------------------------------

RENDERED_FROM = "rendered_from"
RENDERED_BY = "rendered_by"
Renderer = Callable[[str | None], str]


class SafeHTML(TypeDecorator[Markup]):
    """HTML the app has sanitized itself, stored as text and read back as Markup: a template
    shows it as it is."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        return None if value is None else str(value)

    def process_result_value(self, value: str | None, dialect: Any) -> Markup | None:
        return None if value is None else Markup(value)  # noqa: S704 - stored by render_markdown


def rendered_html(source: str) -> MappedColumn[Markup]:
    """The column of the sanitized HTML of the Markdown column `source`, kept with it.

    The ORM renders it whenever `source` is set (a new row, an edit, an archive's import; see
    _keep_rendered below), and an INSERT that gives `source` without it gets it rendered too
    (a bulk insert). Pages show it rather than rendering the text on every request.
    """
    return _rendered(source, SafeHTML, render_markdown)


def rendered_text(source: str) -> MappedColumn[str]:
    """The column of the plain text of the Markdown column `source` (a snippet's words), kept
    with it as rendered_html keeps the HTML."""
    return _rendered(source, Text, plain_text)


def _rendered(source: str, type_: Any, render: Renderer) -> MappedColumn[Any]:
    def render_inserted(context: DefaultExecutionContext) -> str:
        parameters = context.get_current_parameters()  # type: ignore[no-untyped-call]
        return str(render(parameters.get(source)))

    info = {RENDERED_FROM: source, RENDERED_BY: render}
    return mapped_column(type_, default=render_inserted, server_default="", info=info)


@event.listens_for(Base, "mapper_configured", propagate=True)
def _keep_rendered(mapper: Mapper[Any], class_: type) -> None:
    """Setting a model's Markdown sets its rendered columns in the same stroke."""
    for column in mapper.columns:
        source = column.info.get(RENDERED_FROM)
        if source is None:
            continue
        target = mapper.get_property_by_column(column).key
        render = column.info[RENDERED_BY]
        event.listen(getattr(class_, source), "set", partial(_render_into, target, render))


def _render_into(
    target_key: str, render: Renderer, target: Any, value: str | None, _old: Any, _by: Any
) -> None:
    setattr(target, target_key, render(value))


def rendered_columns() -> list[tuple[str, str, str, Renderer]]:
    """Every (table, Markdown column, rendered column, renderer) of the models: what
    app.markdown.rerender is given, one renderer at a time."""
    return [
        (table.name, column.info[RENDERED_FROM], column.name, column.info[RENDERED_BY])
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if RENDERED_FROM in column.info
    ]


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Deleted rows and freed pages are overwritten with zeros, not left in the file.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = "IMMEDIATE" if conn.get_execution_options().get("sqlite_immediate") else "DEFERRED"
        conn.exec_driver_sql(f"BEGIN {mode}")


@lru_cache
def get_engine(url: str | None = None) -> Engine:
    settings = get_settings()
    url = url or settings.database_url
    # As many pooled connections as requests admitted at once (app.gate), plus a few for
    # background work, so an admitted request never waits for a connection.
    pool = {"pool_size": settings.max_requests_in_flight, "max_overflow": 8}
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False}, **pool)
        _configure_sqlite(engine, settings.sqlite_busy_timeout_ms)
    else:
        # pre_ping lets the app survive a database restart: stale connections are replaced.
        engine = create_engine(
            url, pool_pre_ping=True, connect_args={"connect_timeout": CONNECT_TIMEOUT_S}, **pool
        )
    event.listen(engine, "handle_error", _failed_connect_is_a_disconnect)
    return engine


# --- the database away: a first statement tried again, and errors that mean "later" --------


def _failed_connect_is_a_disconnect(context: ExceptionContext) -> None:
    """A connection that could not be made (refused, the server starting up or shutting down,
    the database closed to connections) is the database being away, as a lost one is; the
    drivers mark only the lost ones."""
    if context.connection is None:
        context.is_disconnect = True


# SQLite's words for "not now": another process holds the write lock past the busy timeout,
# or the file cannot be opened or read at the moment.
SQLITE_AWAY = ("database is locked", "unable to open database file", "disk i/o error")


def unavailable(error: BaseException) -> bool:
    """Whether this error means the database is away for now, not that a request is wrong:
    a connection lost or never made, the pool empty for too long, SQLite locked or unopenable.
    Such a request may succeed when tried again later (503); anything else is a fault (500)."""
    if isinstance(error, PoolTimeout):
        return True
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    message = str(error.orig).lower()
    return type(error.orig).__module__ == "sqlite3" and message.startswith(SQLITE_AWAY)


_CONNECTED = "connected"


class AppSession(Session):
    """The app's sessions, for requests and for work outside them.

    A transaction's first statement that finds its connection lost (a pooled connection the
    server dropped after the pre-ping, or a restart between the two) is run once more, in a
    new transaction on a new connection. That is safe only because nothing was written yet:
    no statement ran before it in the transaction, no change waits to be flushed, and an
    uncommitted transaction on a lost connection leaves nothing behind on the server.
    """


@event.listens_for(AppSession, "after_begin")
def _note_connection(session: Session, _transaction: SessionTransaction, _conn: Any) -> None:
    session.info[_CONNECTED] = True


@event.listens_for(AppSession, "after_transaction_end")
def _note_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_CONNECTED, None)


@event.listens_for(AppSession, "do_orm_execute")
def _retry_first_statement(state: ORMExecuteState) -> Any:
    session = state.session
    if session.info.get(_CONNECTED) or session.new or session.dirty or session.deleted:
        return None  # not the first statement, or something may be written: run it as it is
    try:
        return state.invoke_statement()
    except DBAPIError as error:
        if not error.connection_invalidated:
            raise
        logger.warning("the database connection was lost before a first statement; once more")
        session.rollback()
        return state.invoke_statement()


def writing(engine: Engine | Connection) -> Any:
    """The same engine, with transactions that take SQLite's write lock up front."""
    return engine.execution_options(sqlite_immediate=True)


@lru_cache
def _session_factory(url: str) -> sessionmaker[Session]:
    return sessionmaker(bind=get_engine(url), expire_on_commit=False, autoflush=True)


@contextmanager
def _unit_of_work(bind: Any) -> Iterator[Session]:
    """An AppSession that commits when the block ends and rolls back on an error.

    Its transaction begins by itself at the first statement (not with `session.begin()`), so
    that AppSession may start it afresh should that statement find its connection lost.
    """
    with AppSession(bind=bind, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@contextmanager
def session_scope(*, write: bool = True) -> Iterator[Session]:
    """A unit of work outside a request (CLI, scripts): commit on success, roll back on error."""
    engine = get_engine(get_settings().database_url)
    with _unit_of_work(writing(engine) if write else engine) as session:
        yield session


def get_session(request: Request) -> Iterator[Session]:
    """One session per request; the request's single commit point.

    Unsafe methods get an IMMEDIATE transaction on SQLite; a read that must write after all
    says so with begin_writing. The commit happens when the route returns, before the response
    goes out, so a redirect after a POST always lands on committed data.
    """
    engine = get_engine(get_settings().database_url)
    bind = engine if request.method in SAFE_METHODS else writing(engine)
    with _unit_of_work(bind) as session:
        yield session


def begin_writing(session: Session) -> None:
    """End a transaction that has only read, and begin one that may write, taking SQLite's write
    lock at BEGIN (see `writing`): for a read that finds, now and then, that it must write (an
    API token's use, noted every few minutes), without every read taking the lock. Objects
    already loaded stay loaded (the app's sessions do not expire them on commit)."""
    session.commit()
    session.connection(execution_options={"sqlite_immediate": True})


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def one_of(column: str, values: tuple[str, ...], name: str | None = None) -> Any:
    """A CHECK constraint that keeps a text column within a closed set of values."""
    from sqlalchemy import CheckConstraint

    quoted = ", ".join("'" + value.replace("'", "''") + "'" for value in values)
    return CheckConstraint(f"{column} IN ({quoted})", name=name or f"{column}_valid")


# The registry's full-text index is written by hand in migration 0003 for each database (an
# FTS5 table and its shadow tables on SQLite, a tsvector column and its index on PostgreSQL;
# see app.norms.search_index). The models cannot describe it, so schema comparisons
# (`alembic check`) leave it out.
SEARCH_INDEX_OBJECTS = ("norm_fts", "ix_norm_index_search", "search_vector")


def in_model_schema(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Alembic's include_object hook: everything but the hand-written search index."""
    return not (name or "").startswith(SEARCH_INDEX_OBJECTS)
