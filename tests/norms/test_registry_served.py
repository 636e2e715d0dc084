"""The registry under `commission serve`: norms adopted while it runs, and norms that came with
an imported archive, are found in /norms. In-process tests import every module; the served app
imports only what it needs, which once left the search index without its listeners."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import fresh_database
from tests.seminar import Seminar
from tests.servers import ServedApp, app_environment, run_cli, served_app


@pytest.fixture(scope="module")
def demo_app() -> Iterator[ServedApp]:
    env = app_environment(fresh_database("registry_served"))
    run_cli(["demo", "--no-serve"], env)
    with served_app(env) as app:
        yield app


def found_codes(base_url: str, query: str) -> list[str]:
    """What a visitor (no cookie, no token) finds in the registry."""
    page = httpx.get(base_url + "/norms", params={"q": query}, timeout=30)
    assert page.status_code == 200
    return re.findall(r'href="/norms/\d+/([A-Z]{2}-\d+)"', page.text)


def test_a_norm_adopted_while_the_app_runs_is_found_in_the_registry(demo_app: ServedApp) -> None:
    seminar = Seminar(demo_app)
    commission_id = seminar.commission_id()
    assert found_codes(demo_app.base_url, "quarantine ledger") == []
    closed = seminar.adopt(
        commission_id,
        title="Quarantine ledger for orbital compute",
        text="Each side keeps a ledger of orbital compute clusters and shares it yearly.",
    )
    seminar.conclude(commission_id, "public")
    codes = found_codes(demo_app.base_url, "quarantine ledger")
    assert codes == [closed["norm_code"]]
    # The body is indexed too, not only the title.
    assert closed["norm_code"] in found_codes(demo_app.base_url, "orbital clusters yearly")


def test_an_imported_archive_is_found_in_the_registry(demo_app: ServedApp, tmp_path: Path) -> None:
    past = Seminar(demo_app).past_seminar_id()
    archive = tmp_path / "past.json"
    run_cli(["export", str(past), "-o", str(archive)], demo_app.env)

    env = app_environment(fresh_database("registry_import"))
    run_cli(["db", "upgrade"], env)
    imported = run_cli(["import", str(archive)], env)
    assert imported.stdout.strip().isdigit()
    with served_app(env) as fresh:
        codes = found_codes(fresh.base_url, "serious AI incidents")
        assert codes == ["FT-1"]
        assert "CY-1" in found_codes(fresh.base_url, "critical infrastructure hospitals")
