"""The docker-compose start command, run here against the local PostgreSQL (Docker cannot run)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.config import ROOT_DIR, normalize_database_url
from tests.conftest import empty_postgres_database, is_postgres
from tests.servers import app_environment, served_app

BIN = Path(sys.executable).parent
PRODUCTION_SECRET = "a-private-production-secret-of-enough-length"


def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT_DIR / "docker-compose.yml").read_text())  # type: ignore[no-any-return]


def test_compose_runs_migrations_then_the_app_with_a_volume() -> None:
    spec = compose()
    services = spec["services"]
    app = services["app"]
    command = " ".join(app["command"])
    assert "commission db upgrade && exec commission serve --host 0.0.0.0" in command
    assert app["environment"]["ENVIRONMENT"] == "production"
    assert app["environment"]["DATABASE_URL"].startswith("postgresql://")
    assert app["depends_on"]["db"]["condition"] == "service_healthy"
    assert "commission-data" in spec["volumes"]
    assert services["db"]["volumes"][0].startswith("commission-data:")
    dockerfile = (ROOT_DIR / "Dockerfile").read_text()
    assert "commission db upgrade && exec commission serve" in dockerfile


def test_production_refuses_the_demo_secret() -> None:
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env["ENVIRONMENT"] = "production"
    result = subprocess.run(
        [str(BIN / "commission"), "db", "upgrade"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def get(url: str, headers: dict[str, str] | None = None) -> int:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - our own server
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def api_probe(base: str) -> int:
    """A request that must read the database: an unknown API token is looked up, then refused."""
    return get(base + "/api/v1/me", {"Authorization": "Bearer cmt_unknown"})


@pytest.fixture
def compose_database() -> str:
    return empty_postgres_database("compose")


@pytest.mark.skipif(not is_postgres(), reason="the compose recipe runs on PostgreSQL")
def test_compose_start_command_serves_and_survives_a_database_restart(
    compose_database: str,
) -> None:
    app = compose()["services"]["app"]
    # Compose writes a literal $ as $$; served_app fills {port} with str.format.
    command = app["command"][-1].replace("$$", "$").replace("{", "{{").replace("}", "}}")
    command = command.replace("--port 8000", "--port {port}")
    command = command.replace("--host 0.0.0.0", "--host 127.0.0.1")
    env = app_environment(
        compose_database,
        ENVIRONMENT="production",
        SECRET_KEY=PRODUCTION_SECRET,
        COOKIE_SECURE="true",
    )
    with served_app(env, command=["sh", "-c", command]) as served:
        base = served.base_url
        with urllib.request.urlopen(base + "/sign-in", timeout=5) as response:  # noqa: S310
            cookie = response.headers.get("set-cookie", "")
        assert "Secure" in cookie
        assert api_probe(base) == 401
        # WEB_WORKERS, 2 unless set: two app processes on the one database.
        assert served.started_processes(2) == 2
        # Kill every server-side connection of the app, as a database restart would.
        name = make_url(normalize_database_url(compose_database)).database
        admin = create_engine(
            normalize_database_url(compose_database), isolation_level="AUTOCOMMIT"
        )
        with admin.connect() as conn:
            killed = conn.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            ).scalar_one()
        admin.dispose()
        assert killed >= 1
        # The pool notices the dead connections and replaces them: no error reaches the user.
        assert api_probe(base) == 401
        assert api_probe(base) == 401
        # `docker stop` sends SIGTERM to the container's first process, the one the command
        # started. With `exec` that is the server itself, so it stops, and nothing is left behind.
        os.kill(served.process.pid, signal.SIGTERM)
        served.process.wait(timeout=20)
        # uvicorn itself had the signal: it shut down cleanly (then re-raised it to exit).
        assert "Application shutdown complete." in served.log()
        with pytest.raises(urllib.error.URLError, match="refused"):
            urllib.request.urlopen(base + "/sign-in", timeout=2)  # noqa: S310
