"""The scrub after a secret vote closes waits for older readers, and is done when it can be."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from app.cli import alembic_config
from app.config import normalize_database_url
from app.db import get_engine, writing
from app.demo import ensure_demo
from app.voting import scrub
from app.voting.models import Vote
from tests.conftest import empty_postgres_database, is_postgres
from tests.voting.helpers import ballot, close, open_secret_vote


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """A migrated database of its own, with the app's connection settings (secure_delete)."""
    from alembic import command

    url = normalize_database_url(
        empty_postgres_database("ballots_scrub")
        if is_postgres()
        else f"sqlite:///{tmp_path / 'scrub.db'}"
    )
    config = alembic_config()
    config.attributes["configure_logging"] = False
    config.set_main_option("sqlalchemy.url", url)
    command.upgrade(config, "head")
    engine = get_engine(url)
    yield engine
    engine.dispose()


def pending(engine: Engine) -> list[int]:
    with Session(bind=engine) as session:
        return scrub.pending(session)


def test_a_reader_older_than_the_close_puts_the_scrub_off_until_it_ends(engine: Engine) -> None:
    with Session(bind=writing(engine)) as session, session.begin():
        ensure_demo(session)
        proposal_id, vote_id = open_secret_vote(session, "Shared red-team results")
        ballot(session, proposal_id, vote_id, "us-lab", "yes")
    with engine.connect() as reader:
        if is_postgres():
            reader.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
        # A snapshot taken before the close, still open when it commits.
        assert reader.scalar(text("SELECT count(*) FROM sealed_ballots")) == 1
        with Session(bind=writing(engine)) as session, session.begin():
            close(session, proposal_id, vote_id)
        # The close committed and tried its scrub at once: the reader was in the way.
        assert pending(engine) == [vote_id]
        assert scrub.scrub(engine, attempts=1) is False
        assert reader.scalar(text("SELECT count(*) FROM sealed_ballots")) == 1
        reader.rollback()
    # What the deadline sweeper does on its next round.
    assert scrub.scrub(engine) is True
    assert pending(engine) == []
    with Session(bind=engine) as session:
        vote = session.get(Vote, vote_id)
        assert vote is not None
        assert (vote.closed_at is not None, vote.scrub_pending) == (True, False)
        assert session.scalar(text("SELECT count(*) FROM sealed_ballots")) == 0
