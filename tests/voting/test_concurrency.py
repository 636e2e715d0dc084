"""200 voters cast at once through the app (uvicorn, real HTTP): exactly 200 ballots are stored,
through the ballot form students use (with its CSRF token) and through the API.

The run is bench/vote_storm.py's, once, against the database under test: a temporary SQLite
file by default; with TEST_DATABASE_URL naming PostgreSQL, a scratch database of its own
(`<name>_storm`, dropped and recreated), never the suite's. The app runs in a subprocess with
its own DATABASE_URL (conftest points this process's at the suite's database). No timing
assertions: latency and throughput are the bench's business.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from app.config import normalize_database_url
from bench.vote_storm import run_storm
from tests.conftest import TEST_DATABASE_URL, is_postgres

VOTERS = 200
# Generous: a healthy run takes seconds; a stuck server must still fail in bounded time.
RUN_TIMEOUT_S = 150.0


def storm_database_url(tmp_path: Path) -> str:
    if is_postgres():
        url = make_url(normalize_database_url(TEST_DATABASE_URL))
        return url.set(database=f"{url.database}_storm").render_as_string(hide_password=False)
    return f"sqlite:///{tmp_path / 'storm.db'}"


@pytest.mark.parametrize("path", ["page", "api"])
def test_200_voters_at_once_store_exactly_200_ballots(tmp_path: Path, path: str) -> None:
    url = storm_database_url(tmp_path)
    assert url != normalize_database_url(TEST_DATABASE_URL)
    result = run_storm(
        "postgres" if is_postgres() else "sqlite",
        url,
        VOTERS,
        path=path,
        # The second ballot of each voter is the API's to try: a refused page ballot redraws
        # the whole page, which only slows this run (tests/voting/test_who_votes.py has it).
        retry_duplicates=path == "api",
        timeout=RUN_TIMEOUT_S,
        log=lambda _message: None,
    )
    report = result.summary()
    assert result.errors == 0, report
    assert result.stored == VOTERS, report
    assert result.receipts == VOTERS, report
    assert result.lost == 0, report
    assert result.doubled == 0, report
    assert result.api_cast == VOTERS, report
    if path != "api":
        return
    # Every voter's second ballot was answered 409 with a message that says why.
    assert result.duplicates_refused == VOTERS, report
    assert result.duplicate_details, report
    assert all("already" in detail for detail in result.duplicate_details), report
