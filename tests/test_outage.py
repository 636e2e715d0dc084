"""The database away: 503 with Retry-After (never a bare 500), a lost connection's first
statement tried again, and the app back by itself when the database is.

The served tests reach PostgreSQL through a TCP relay of their own (PausableRelay): cutting
it is, for the app, the database going away (every connection lost, new ones refused), and it
disturbs nobody else's database on the shared server, which is never stopped.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session

from app.config import normalize_database_url
from app.db import AppSession, get_engine, unavailable
from app.main import create_app
from tests.conftest import PASSWORD, TEST_DATABASE_URL, empty_postgres_database, is_postgres
from tests.servers import (
    HOST,
    PausableRelay,
    api_token,
    app_environment,
    free_port,
    page_sign_in,
    run_cli,
    served_app,
    sqlite_url,
    submit_form,
    terminate_backends,
)

postgres_only = pytest.mark.skipif(not is_postgres(), reason="connections to PostgreSQL")
sqlite_only = pytest.mark.skipif(is_postgres(), reason="SQLite's write lock")

FRIENDLY = "The database is not answering just now"


# --- which errors mean "the database is away" ---------------------------------------------


def test_a_locked_or_unopenable_sqlite_file_is_the_database_away(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'locked.db'}"
    holder = sqlite3.connect(tmp_path / "locked.db", isolation_level=None)
    holder.execute("CREATE TABLE t (x INTEGER)")
    holder.execute("BEGIN IMMEDIATE")
    engine = create_engine(url, connect_args={"timeout": 0.05})
    try:
        with pytest.raises(OperationalError) as locked, engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO t VALUES (1)")
        assert unavailable(locked.value)
        missing = create_engine(f"sqlite:///{tmp_path / 'no-such-dir' / 'x.db'}")
        with pytest.raises(OperationalError) as unopenable, missing.connect():
            pass
        assert unavailable(unopenable.value)
        # A request that is wrong is not the database being away.
        with pytest.raises(OperationalError) as wrong, engine.connect() as conn:
            conn.exec_driver_sql("SELECT nothing FROM nowhere")
        assert not unavailable(wrong.value)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        engine.dispose()


def test_a_broken_rule_is_a_fault_not_an_outage(engine: Engine) -> None:
    with pytest.raises(IntegrityError) as broken, engine.connect() as conn:
        conn.execute(text("INSERT INTO users (id) VALUES (NULL)"))
    assert not unavailable(broken.value)
    assert not unavailable(ValueError("not a database error"))


@postgres_only
def test_a_postgres_nobody_listens_on_is_the_database_away() -> None:
    url = make_url(normalize_database_url(TEST_DATABASE_URL)).set(host=HOST, port=free_port())
    engine = get_engine(url.render_as_string(hide_password=False))
    try:
        with pytest.raises(OperationalError) as refused, AppSession(bind=engine) as session:
            session.execute(text("SELECT 1"))
        assert refused.value.connection_invalidated
        assert unavailable(refused.value)
    finally:
        engine.dispose()


def test_the_app_answers_the_database_away_with_503_and_a_fault_with_500() -> None:
    """Errors raised where a route runs: the database away is 503 with Retry-After, as a page
    or as the API's JSON error; any other database error stays a 500."""
    application = create_app()
    locked = OperationalError("BEGIN IMMEDIATE", {}, sqlite3.OperationalError("database is locked"))
    broken = IntegrityError("INSERT", {}, sqlite3.IntegrityError("UNIQUE constraint failed"))

    def raising(error: Exception) -> Any:
        def route() -> None:
            raise error

        return route

    for prefix in ("/test-outage", "/api/v1/test-outage"):
        application.add_api_route(f"{prefix}/away", raising(locked))
        application.add_api_route(f"{prefix}/fault", raising(broken))
    with TestClient(application, raise_server_exceptions=False) as client:
        page = client.get("/test-outage/away")
        assert page.status_code == 503 and page.headers["retry-after"] == "5"
        assert FRIENDLY in page.text and "<h1>Back in a moment</h1>" in page.text
        api = client.get("/api/v1/test-outage/away")
        assert api.status_code == 503 and api.headers["retry-after"] == "5"
        assert api.json()["detail"].startswith(FRIENDLY)
        for path in ("/test-outage/fault", "/api/v1/test-outage/fault"):
            fault = client.get(path)
            assert fault.status_code == 500, path
            assert "retry-after" not in fault.headers
            assert "Something went wrong on our side" in fault.text


# --- a first statement on a connection lost after the pre-ping ----------------------------


@pytest.fixture
def pg_engine() -> Iterator[Engine]:
    """The app's own engine (pre-ping, the connect hook) on a database of this test's."""
    url = empty_postgres_database("outage_retry")
    engine = get_engine(normalize_database_url(url))
    yield engine
    engine.dispose()


class ConnectionKiller:
    """Once armed, terminates the server process of the next connection to leave the pool,
    right after the pre-ping found it alive: the first statement then finds it dead."""

    def __init__(self, engine: Engine) -> None:
        self.admin = create_engine(
            engine.url.set(database="postgres"), isolation_level="AUTOCOMMIT"
        )
        self.armed = False
        self.killed: list[int] = []
        event.listen(engine, "checkout", self._kill)

    def _kill(self, dbapi_connection: object, _record: object, _proxy: object) -> None:
        if not self.armed:
            return
        self.armed = False
        pid = dbapi_connection.info.backend_pid  # type: ignore[attr-defined]
        with self.admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid})
        self.killed.append(pid)


@postgres_only
def test_a_first_statement_on_a_lost_connection_runs_again_on_a_new_one(
    pg_engine: Engine,
) -> None:
    with AppSession(bind=pg_engine) as session:
        pooled = session.scalar(text("SELECT pg_backend_pid()"))
    killer = ConnectionKiller(pg_engine)
    # A plain session is not retried: the same attack makes it fail, so the test can fail.
    killer.armed = True
    with pytest.raises(DBAPIError) as lost, Session(bind=pg_engine) as session:
        session.scalar(text("SELECT 1"))
    assert lost.value.connection_invalidated
    assert killer.killed == [pooled]  # the pooled connection, which passed its pre-ping
    killer.armed = True
    with AppSession(bind=pg_engine) as session:
        pid = session.scalar(text("SELECT pg_backend_pid()"))
        session.execute(text("CREATE TABLE written (x integer)"))
        session.execute(text("INSERT INTO written VALUES (1)"))
        session.commit()
    assert len(killer.killed) == 2 and pid not in killer.killed
    with AppSession(bind=pg_engine) as session:
        assert session.scalar(text("SELECT count(*) FROM written")) == 1
    killer.admin.dispose()


@postgres_only
def test_a_statement_after_the_first_is_not_run_again(pg_engine: Engine) -> None:
    """Once a transaction has run a statement, a lost connection loses the transaction: no
    statement is repeated in a new one, where the earlier ones would be missing."""
    admin = create_engine(pg_engine.url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with AppSession(bind=pg_engine) as session:
        session.execute(text("CREATE TABLE written (x integer)"))
        session.commit()
    with pytest.raises(DBAPIError) as lost, AppSession(bind=pg_engine) as session:
        session.execute(text("INSERT INTO written VALUES (1)"))
        pid = session.scalar(text("SELECT pg_backend_pid()"))
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid})
        session.execute(text("INSERT INTO written VALUES (2)"))
    assert lost.value.connection_invalidated and unavailable(lost.value)
    with AppSession(bind=pg_engine) as session:
        assert session.scalar(text("SELECT count(*) FROM written")) == 0
    admin.dispose()


# --- the real thing: `commission serve` with its database away ----------------------------


@pytest.fixture
def outage_database() -> str:
    return empty_postgres_database("outage_served")


def read_everything(client: httpx.Client, token: str) -> list[tuple[str, int]]:
    """Pages and API calls that each read the database, with their status."""
    api = {"Authorization": f"Bearer {token}"}
    return [
        ("/instructor", client.get("/instructor").status_code),
        ("/account", client.get("/account").status_code),
        ("/norms", client.get("/norms").status_code),
        ("/api/v1/me", client.get("/api/v1/me", headers=api).status_code),
        ("/api/v1/commissions", client.get("/api/v1/commissions", headers=api).status_code),
    ]


@postgres_only
def test_served_app_answers_an_outage_with_503_and_comes_back_by_itself(
    outage_database: str,
) -> None:
    direct = app_environment(outage_database)
    run_cli(["db", "upgrade"], direct)
    run_cli(["create-instructor", "ines", "--name", "Ines", "--password", PASSWORD], direct)
    relay = PausableRelay(outage_database)
    try:
        with served_app(app_environment(relay.url)) as served, served.client() as client:
            page_sign_in(client, "ines", PASSWORD)
            token = api_token(client)
            everything_fine = [(path, 200) for path, _status in read_everything(client, token)]
            assert read_everything(client, token) == everything_fine

            # Every connection of the app killed between requests: the next ones all succeed.
            for _round in range(3):
                assert terminate_backends(outage_database) >= 1
                assert read_everything(client, token) == everything_fine
                created = submit_form(client, "/account", "/account/tokens", {"name": "again"})
                assert created.status_code in (200, 303), created.text

            # The database away: pages, forms and the API say so, with Retry-After.
            relay.cut()
            for path in ("/instructor", "/norms", "/account"):
                page = client.get(path)
                assert page.status_code == 503, (path, page.text)
                assert page.headers["retry-after"] == "5"
                assert page.headers["content-type"].startswith("text/html")
                assert FRIENDLY in page.text and "Back in a moment" in page.text
            refused = client.post("/account/tokens", data={"name": "x", "csrf_token": "x"})
            assert refused.status_code == 503 and FRIENDLY in refused.text
            api = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
            assert api.status_code == 503
            assert api.headers["retry-after"] == "5"
            assert set(api.json()) == {"detail"} and api.json()["detail"].startswith(FRIENDLY)
            assert httpx.get(served.base_url + "/sign-in").status_code == 200  # no database

            # The database back: the app is too, with nobody restarting it.
            relay.restore()
            assert read_everything(client, token) == everything_fine
            log = served.log()
            assert " 500 " not in log and "Exception in ASGI application" not in log
    finally:
        relay.cut()


@sqlite_only
def test_served_app_answers_a_locked_sqlite_file_with_503(tmp_path: Path) -> None:
    """Another process holding SQLite's write lock past the busy timeout: writes are told to
    come back (503, Retry-After), reads go on (WAL), and writes work once the lock is gone."""
    url = sqlite_url(tmp_path)
    env = app_environment(url, SQLITE_BUSY_TIMEOUT_MS="200")
    run_cli(["db", "upgrade"], env)
    run_cli(["create-instructor", "ines", "--name", "Ines", "--password", PASSWORD], env)
    with served_app(env) as served, served.client() as client:
        page_sign_in(client, "ines", PASSWORD)
        holder = sqlite3.connect(str(tmp_path / "served.db"), isolation_level=None)
        try:
            holder.execute("BEGIN IMMEDIATE")
            blocked = submit_form(client, "/account", "/account/tokens", {"name": "blocked"})
            assert blocked.status_code == 503, blocked.text
            assert blocked.headers["retry-after"] == "5"
            assert FRIENDLY in blocked.text
            assert client.get("/instructor").status_code == 200  # readers are not blocked
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        created = submit_form(client, "/account", "/account/tokens", {"name": "unblocked"})
        assert created.status_code in (200, 303)
        assert "unblocked" in client.get("/account").text
        log = served.log()
        assert " 500 " not in log and "Exception in ASGI application" not in log
