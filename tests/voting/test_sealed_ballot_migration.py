"""Migration 0007 (sealed secret ballots) up and down with votes open: nothing is lost."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

from app.cli import alembic_config
from app.config import normalize_database_url
from app.demo import ensure_demo
from tests.conftest import empty_postgres_database, is_postgres
from tests.voting.helpers import ballot, close, open_secret_vote


@pytest.fixture
def scratch(tmp_path: Path) -> Iterator[tuple[Config, Engine]]:
    url = (
        empty_postgres_database("ballots_migration")
        if is_postgres()
        else f"sqlite:///{tmp_path / 'migration.db'}"
    )
    config = alembic_config()
    config.attributes["configure_logging"] = False
    config.set_main_option("sqlalchemy.url", normalize_database_url(url))
    command.upgrade(config, "head")
    engine = create_engine(normalize_database_url(url))
    yield config, engine
    engine.dispose()


def counts(engine: Engine, vote_id: int) -> dict[str, int]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT choice, sum(count) FROM secret_ballot_counts"
                " WHERE vote_id = :v GROUP BY choice"
            ),
            {"v": vote_id},
        ).all()
    return {str(c): int(n) for c, n in rows}


def test_a_downgrade_refuses_to_drop_sealed_ballots_and_keeps_open_votes_working(
    scratch: tuple[Config, Engine],
) -> None:
    config, engine = scratch
    with Session(bind=engine) as session, session.begin():
        ensure_demo(session)
        cast_in = open_secret_vote(session, "Shared red-team results")
        ballot(session, *cast_in, "us-lab", "yes")
        empty = open_secret_vote(session, "Joint incident notification")

    with pytest.raises(RuntimeError, match="close those votes"):
        command.downgrade(config, "0007")
    command.upgrade(config, "head")  # the later migrations went down before 0008 refused
    with Session(bind=engine) as session, session.begin():
        close(session, *cast_in)
    assert counts(engine, cast_in[1]) == {"yes": 1, "no": 0, "abstain": 0}

    command.downgrade(config, "0007")
    # Nothing of the closed vote is lost on the way down (SQLite must not copy `votes`).
    assert counts(engine, cast_in[1]) == {"yes": 1, "no": 0, "abstain": 0}
    # The code before 0008 finds the counters it increments on the vote still open.
    assert counts(engine, empty[1]) == {"yes": 0, "no": 0, "abstain": 0}
    command.upgrade(config, "head")
    with Session(bind=engine) as session, session.begin():
        ballot(session, *empty, "prc-mfa", "no")
        ballot(session, *empty, "us-state", "no")
        close(session, *empty)
    assert counts(engine, empty[1]) == {"yes": 0, "no": 2, "abstain": 0}
    assert counts(engine, cast_in[1]) == {"yes": 1, "no": 0, "abstain": 0}
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM sealed_ballots")) == 0
        receipts = text("SELECT count(*) FROM ballot_receipts WHERE vote_id IN (:a, :b)")
        assert conn.scalar(receipts, {"a": cast_in[1], "b": empty[1]}) == 3
