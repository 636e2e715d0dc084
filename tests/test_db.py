"""The database layer: SQLite settings, write transactions, and invariants the schema enforces."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db import writing
from app.norms.models import Norm
from app.proposals.models import Argument, Proposal, Revision
from app.voting.models import Ballot, BallotReceipt
from tests.conftest import Cast, is_postgres

sqlite_only = pytest.mark.skipif(is_postgres(), reason="SQLite connection settings")


@sqlite_only
def test_sqlite_runs_in_wal_with_foreign_keys_and_busy_timeout(engine: Engine) -> None:
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000


@sqlite_only
def test_write_transactions_take_the_write_lock_at_begin(engine: Engine) -> None:
    """A second writer is refused at BEGIN, not after it has read (which would be SQLITE_BUSY)."""
    with writing(engine).connect() as first:
        first.begin()
        first.execute(text("SELECT 1"))
        with engine.connect() as raw:
            raw.exec_driver_sql("PRAGMA busy_timeout=50")
            with pytest.raises(Exception, match="locked"):
                raw.exec_driver_sql("BEGIN IMMEDIATE")
        first.rollback()


def proposal(db: Session, cast: Cast, **values: object) -> Proposal:
    item = Proposal(
        commission_id=cast.commission.id,
        working_group_id=cast.groups["CY"].id,
        title="No attacks on grids",
        created_by_id=cast.participants["ursula"].id,
        **values,
    )
    db.add(item)
    db.flush()
    return item


def test_stage_must_be_known(db: Session, cast: Cast) -> None:
    with pytest.raises(IntegrityError), db.begin_nested():
        proposal(db, cast, stage="pending")


def test_voting_stage_needs_an_opened_vote(db: Session, cast: Cast) -> None:
    with pytest.raises(IntegrityError), db.begin_nested():
        proposal(db, cast, stage="voting")


def test_one_ballot_receipt_per_voter_per_round(db: Session, cast: Cast) -> None:
    item = proposal(db, cast)
    voter = cast.participants["pei"].id
    db.add(BallotReceipt(proposal_id=item.id, round=1, participant_id=voter))
    db.flush()
    with pytest.raises(IntegrityError), db.begin_nested():
        db.add(BallotReceipt(proposal_id=item.id, round=1, participant_id=voter))
        db.flush()
    db.add(BallotReceipt(proposal_id=item.id, round=2, participant_id=voter))
    db.flush()


def test_one_roll_call_ballot_per_voter_per_round_and_choices_are_closed(
    db: Session, cast: Cast
) -> None:
    item = proposal(db, cast)
    voter = cast.participants["pei"].id
    db.add(Ballot(proposal_id=item.id, round=1, choice="yes", voter_id=voter))
    db.flush()
    with pytest.raises(IntegrityError), db.begin_nested():
        db.add(Ballot(proposal_id=item.id, round=1, choice="no", voter_id=voter))
        db.flush()
    with pytest.raises(IntegrityError), db.begin_nested():
        db.add(Ballot(proposal_id=item.id, round=1, choice="maybe"))
        db.flush()


def test_secret_ballots_carry_no_voter_and_random_keys(db: Session, cast: Cast) -> None:
    item = proposal(db, cast)
    ballots = [Ballot(proposal_id=item.id, round=1, choice="yes") for _ in range(3)]
    db.add_all(ballots)
    db.flush()
    assert all(b.voter_id is None for b in ballots)
    assert len({b.id for b in ballots}) == 3
    assert "voter" not in {c.name for c in BallotReceipt.__table__.columns} - {"participant_id"}
    assert not {"cast_at", "created_at", "participant_id"} & {
        c.name for c in Ballot.__table__.columns
    }


def test_norm_codes_are_unique_per_commission(db: Session, cast: Cast) -> None:
    first, second = proposal(db, cast), proposal(db, cast)
    revisions = []
    for item in (first, second):
        revision = Revision(proposal_id=item.id, number=1, title=item.title, text="Text.")
        db.add(revision)
        revisions.append(revision)
    db.flush()
    group = cast.groups["CY"].id
    db.add(
        Norm(
            commission_id=cast.commission.id,
            working_group_id=group,
            proposal_id=first.id,
            revision_id=revisions[0].id,
            number=1,
            code="CY-1",
            title="A",
            text="A",
        )
    )
    db.flush()
    with pytest.raises(IntegrityError), db.begin_nested():
        db.add(
            Norm(
                commission_id=cast.commission.id,
                working_group_id=group,
                proposal_id=second.id,
                revision_id=revisions[1].id,
                number=2,
                code="CY-1",
                title="B",
                text="B",
            )
        )
        db.flush()


def test_revision_numbers_are_unique_per_proposal(db: Session, cast: Cast) -> None:
    item = proposal(db, cast)
    db.add(Revision(proposal_id=item.id, number=1, title="t", text="x"))
    db.flush()
    with pytest.raises(IntegrityError), db.begin_nested():
        db.add(Revision(proposal_id=item.id, number=1, title="t", text="y"))
        db.flush()


def test_hidden_argument_needs_a_reason(db: Session, cast: Cast) -> None:
    from app.db import utcnow

    item = proposal(db, cast)
    with pytest.raises(IntegrityError), db.begin_nested():
        db.add(Argument(proposal_id=item.id, stance="support", body="Yes.", hidden_at=utcnow()))
        db.flush()


def test_foreign_keys_are_enforced(db: Session) -> None:
    with pytest.raises(IntegrityError), db.begin_nested():
        db.add(Revision(proposal_id=987654, number=1, title="t", text="x"))
        db.flush()
