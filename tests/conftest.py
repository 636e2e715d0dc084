"""Test set-up: one migrated database per run, each test inside a transaction rolled back after it.

The database is SQLite (a temporary file) unless TEST_DATABASE_URL names another, e.g.
postgresql://postgres@127.0.0.1:5432/commission_test (created if missing).
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

_TMP = Path(tempfile.mkdtemp(prefix="commission-tests-"))
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{_TMP / 'test.db'}"
# Settings are read from the environment: point the app at the test database before import.
os.environ["DATABASE_URL"] = TEST_DATABASE_URL
os.environ["ENVIRONMENT"] = "test"
os.environ.setdefault("SECRET_KEY", "test-secret-key-" + "x" * 32)

from fastapi.testclient import TestClient  # noqa: E402
from pwdlib import PasswordHash  # noqa: E402
from pwdlib.hashers.argon2 import Argon2Hasher  # noqa: E402

from app.accounts import service as accounts  # noqa: E402
from app.accounts.models import User  # noqa: E402
from app.commissions import service as commissions  # noqa: E402
from app.commissions.models import (  # noqa: E402
    Commission,
    Delegation,
    Participant,
    RoleBrief,
    Sector,
    WorkingGroup,
    WorkingGroupMembership,
)
from app.config import get_settings, normalize_database_url  # noqa: E402
from app.db import get_engine, get_session  # noqa: E402
from app.main import create_app, install_features  # noqa: E402
from app.models import install_model_events  # noqa: E402
from app.scenarios import service as scenarios  # noqa: E402

PASSWORD = "correct horse battery"

# What create_app() and the CLI install; tests that write through services, or render the
# stream's pushes, without an app need them too.
install_model_events()
install_features()


def is_postgres() -> bool:
    return TEST_DATABASE_URL.startswith(("postgresql", "postgres"))


def ensure_postgres_database(url: str) -> None:
    """Create the named PostgreSQL database if it does not exist (trust auth in development)."""
    target = make_url(normalize_database_url(url))
    name = target.database
    assert name and re.fullmatch(r"[a-z0-9_]+", name), "test database names are simple"
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def empty_postgres_database(suffix: str) -> str:
    """A PostgreSQL database beside the suite's own (named after it plus `suffix`), emptied.

    For tests that start app processes or run migrations on a database of their own.
    """
    base = make_url(normalize_database_url(TEST_DATABASE_URL))
    url = base.set(database=f"{base.database}_{suffix}").render_as_string(hide_password=False)
    ensure_postgres_database(url)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


def fresh_database(name: str) -> str:
    """An empty database for a served app or a CLI run: beside the suite's own on PostgreSQL,
    a new SQLite file otherwise."""
    if is_postgres():
        return empty_postgres_database(name)
    return f"sqlite:///{Path(tempfile.mkdtemp(prefix=f'commission-{name}-')) / 'served.db'}"


def reset_database(engine: Engine) -> None:
    """Drop everything, then build the schema with the migrations (the way production does)."""
    from alembic import command

    from app.cli import alembic_config

    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    if engine.dialect.name == "sqlite":
        path = Path(engine.url.database or "")
        engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    config = alembic_config()
    config.attributes["configure_logging"] = False
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    command.upgrade(config, "head")


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing() -> Iterator[None]:
    """Real argon2, with small costs so that hundreds of test accounts stay quick."""
    original = accounts.password_hasher
    accounts.password_hasher = PasswordHash(
        (Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),)
    )
    yield
    accounts.password_hasher = original


@pytest.fixture(scope="session")
def engine() -> Iterator[Engine]:
    get_settings.cache_clear()
    get_engine.cache_clear()
    if is_postgres():
        ensure_postgres_database(TEST_DATABASE_URL)
    engine = get_engine(get_settings().database_url)
    reset_database(engine)
    # The built-in scenario, once for the run (it is read-only): each test's `cast` would
    # otherwise write its hundred rows again inside the test's transaction.
    with Session(bind=engine) as session, session.begin():
        scenarios.ensure_builtin_scenarios(session)
    yield engine
    engine.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as conn:
        outer = conn.begin()
        yield conn
        outer.rollback()


@pytest.fixture
def db(connection: Connection) -> Iterator[Session]:
    """A session inside the test's transaction; its commits become savepoints."""
    session = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    yield session
    session.close()


@pytest.fixture
def app(connection: Connection) -> Any:
    application = create_app()

    def session_in_test_transaction() -> Iterator[Session]:
        with Session(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        ) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    application.dependency_overrides[get_session] = session_in_test_transaction
    return application


@pytest.fixture
def cli_database(tmp_path: Path) -> Iterator[Path]:
    """The app's settings pointed at a fresh SQLite file: another installation, for the CLI."""
    path = tmp_path / "cli.db"
    previous = os.environ["DATABASE_URL"]
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    get_settings.cache_clear()
    yield path
    get_engine(get_settings().database_url).dispose()
    os.environ["DATABASE_URL"] = previous
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def served_demo() -> Iterator[Any]:
    """`commission serve` on the demo data, shared by the tests that only read it or act in
    ways other tests do not depend on (each makes its own proposals). Tests that conclude the
    commission or count things start their own (tests/servers.py)."""
    from tests.servers import app_environment, run_cli, served_app

    # Sweeps every second (5 s by default): deadlines and injects come due sooner.
    env = app_environment(fresh_database("served_demo"), SWEEP_SECONDS="1")
    run_cli(["demo", "--no-serve"], env)
    with served_app(env) as served:
        yield served


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as test_client:
        yield test_client


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> None:
    token = csrf_from(client.get("/sign-in").text)
    response = client.post(
        "/sign-in", data={"username": username, "password": password, "csrf_token": token}
    )
    assert response.status_code == 303, response.text


def post_form(client: TestClient, page: str, action: str, data: dict[str, str]) -> Any:
    """Submit a form the way a browser does: fetch the page for its CSRF token, then post."""
    token = csrf_from(client.get(page).text)
    return client.post(action, data={**data, "csrf_token": token})


@dataclass
class Cast:
    """Named people with clear powers, in one commission opened from "Cooling Off"."""

    commission: Commission
    instructor: User
    us_delegate: User
    us_colleague: User
    prc_delegate: User
    unseated: User
    stranger: User
    delegations: dict[str, Delegation]
    sectors: dict[str, Sector]
    groups: dict[str, WorkingGroup]
    briefs: dict[str, RoleBrief]
    participants: dict[str, Participant]


def make_user(db: Session, username: str, *, instructor: bool = False, name: str = "") -> User:
    return accounts.create_user(
        db,
        username=username,
        display_name=name or username.replace("-", " ").title(),
        password=PASSWORD,
        is_instructor=instructor,
    )


def seat(
    db: Session,
    cast_parts: dict[str, Any],
    user: User,
    delegation: str,
    sector: str,
    brief: str | None,
    groups: tuple[str, ...] = ("FT", "CY", "DI"),
) -> Participant:
    participant = commissions.join_commission(db, cast_parts["commission"], user)
    commissions.assign_seat(
        participant,
        delegation=cast_parts["delegations"][delegation],
        sector=cast_parts["sectors"][sector],
        role_brief=cast_parts["briefs"].get(brief) if brief else None,
    )
    db.add_all(
        WorkingGroupMembership(
            participant_id=participant.id, working_group_id=cast_parts["groups"][g].id
        )
        for g in groups
    )
    db.flush()
    return participant


@pytest.fixture
def cast(db: Session) -> Cast:
    scenarios.ensure_builtin_scenarios(db)
    scenario = scenarios.find_scenario_by_slug(db, "cooling-off")
    assert scenario is not None
    instructor = make_user(db, "ines", instructor=True, name="Ines Instructor")
    commission = scenarios.open_commission(db, scenario, "Seminar A", instructor)
    commissions.start_session(commission)
    db.flush()
    parts: dict[str, Any] = {
        "commission": commission,
        "delegations": {
            d.code: d for d in db.query(Delegation).filter_by(commission_id=commission.id)
        },
        "sectors": {s.code: s for s in db.query(Sector).filter_by(commission_id=commission.id)},
        "groups": {
            g.code: g for g in db.query(WorkingGroup).filter_by(commission_id=commission.id)
        },
        "briefs": {b.code: b for b in db.query(RoleBrief).filter_by(commission_id=commission.id)},
    }
    us_delegate = make_user(db, "ursula", name="Ursula US")
    us_colleague = make_user(db, "ulysses", name="Ulysses US")
    prc_delegate = make_user(db, "pei", name="Pei PRC")
    unseated = make_user(db, "newcomer", name="Newcomer")
    stranger = make_user(db, "stan", name="Stan Stranger")
    participants = {
        "ursula": seat(db, parts, us_delegate, "US", "private", "us-frontier-lab"),
        "ulysses": seat(db, parts, us_colleague, "US", "ngo", "us-ngo-integrity"),
        "pei": seat(db, parts, prc_delegate, "PRC", "academia", "prc-university-governance"),
        "newcomer": commissions.join_commission(db, commission, unseated),
    }
    db.flush()
    return Cast(
        commission=commission,
        instructor=instructor,
        us_delegate=us_delegate,
        us_colleague=us_colleague,
        prc_delegate=prc_delegate,
        unseated=unseated,
        stranger=stranger,
        participants=participants,
        **{k: v for k, v in parts.items() if k != "commission"},
    )


class QueryCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(connection: Connection) -> Iterator[QueryCounter]:
    """The statements of the test's connection, where every request of the `app` runs.

    Not the whole engine's: the app's deadline sweeper runs beside each TestClient every few
    seconds on a connection of its own, and its statements are no page's.
    """
    counter = QueryCounter()
    event.listen(connection, "before_cursor_execute", counter)
    yield counter
    event.remove(connection, "before_cursor_execute", counter)
