"""Migration 0007 (sealed secret ballots) up and down with votes open: nothing is lost."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.cli import alembic_config
from app.commissions import service as commissions
from app.commissions.models import Commission, WorkingGroup
from app.config import normalize_database_url
from app.demo import DEMO_COMMISSION_TITLE, ensure_demo
from app.proposals import service as proposals
from app.voting import service as voting
from tests.conftest import empty_postgres_database, is_postgres


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


def open_secret_vote(session: Session, title: str) -> tuple[int, int]:
    """A demo proposal in the frontier-technology group, put to a secret vote."""
    users = {u.username: u for u in session.scalars(select(User))}
    commission = session.scalar(select(Commission).where(Commission.title == DEMO_COMMISSION_TITLE))
    assert commission is not None
    group = session.scalar(
        select(WorkingGroup).where(
            WorkingGroup.commission_id == commission.id, WorkingGroup.code == "FT"
        )
    )
    assert group is not None
    group.ballot_type = "secret"

    def acting(proposal_id: int, username: str) -> proposals.Acting:
        return proposals.acting_on(session, proposal_id, users[username])

    writer = commissions.participant_for(
        session, commission.id, users["us-lab"], with_delegation=True
    )
    backer = commissions.participant_for(session, commission.id, users["prc-chips"])
    assert writer is not None
    assert backer is not None
    proposal = proposals.create_proposal(
        session, writer, proposals.seat_of(session, writer, group), group, title=title, text="Text."
    )
    proposals.invite_sponsor(session, acting(proposal.id, "us-lab"), backer.id)
    proposals.respond_to_sponsorship(session, acting(proposal.id, "prc-chips"), accept=True)
    proposals.move_stage(session, acting(proposal.id, "us-lab"), "table")
    proposals.move_stage(session, acting(proposal.id, "instructor"), "open_debate")
    vote = voting.open_vote(session, acting(proposal.id, "instructor"))
    return proposal.id, vote.id


def ballot(session: Session, proposal_id: int, vote_id: int, username: str, choice: str) -> None:
    user = session.scalar(select(User).where(User.username == username))
    assert user is not None
    voting.cast_ballot(session, proposals.acting_on(session, proposal_id, user), vote_id, choice)


def close(session: Session, proposal_id: int, vote_id: int) -> None:
    user = session.scalar(select(User).where(User.username == "instructor"))
    assert user is not None
    voting.close_vote(session, proposals.acting_on(session, proposal_id, user), vote_id)


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
        command.downgrade(config, "0006")
    with Session(bind=engine) as session, session.begin():
        close(session, *cast_in)
    assert counts(engine, cast_in[1]) == {"yes": 1, "no": 0, "abstain": 0}

    command.downgrade(config, "0006")
    # Nothing of the closed vote is lost on the way down (SQLite must not copy `votes`).
    assert counts(engine, cast_in[1]) == {"yes": 1, "no": 0, "abstain": 0}
    # The code before 0007 finds the counters it increments on the vote still open.
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
