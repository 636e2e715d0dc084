"""The database layer: SQLite settings, write transactions, and invariants the schema enforces."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db import writing
from app.norms.models import Norm
from app.proposals.models import Argument, Proposal, Revision
from app.voting.models import (
    BallotReceipt,
    RollCallBallot,
    SealedBallot,
    SecretBallotCount,
    Vote,
)
from tests.conftest import Cast, is_postgres

sqlite_only = pytest.mark.skipif(is_postgres(), reason="SQLite connection settings")


@sqlite_only
def test_sqlite_runs_in_wal_with_foreign_keys_busy_timeout_and_secure_delete(
    engine: Engine,
) -> None:
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar_one() >= 1000
        # Deleted content (a closed vote's sealed ballots) is zeroed, not left in the file.
        assert conn.exec_driver_sql("PRAGMA secure_delete").scalar_one() == 1


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


def open_vote(db: Session, cast: Cast, item: Proposal, **rules: object) -> Vote:
    values: dict[str, object] = {
        "voting_rule": "double_majority",
        "quorum": 0.5,
        "ballot_unit": "delegate",
        "ballot_type": "roll_call",
    }
    values.update(rules)
    vote = Vote(proposal_id=item.id, round=item.round, **values)
    db.add(vote)
    db.flush()
    return vote


def test_one_vote_per_proposal_round(db: Session, cast: Cast) -> None:
    item = proposal(db, cast)
    open_vote(db, cast, item)
    with pytest.raises(IntegrityError), db.begin_nested():
        open_vote(db, cast, item)


def test_one_receipt_per_voter_per_vote(db: Session, cast: Cast) -> None:
    vote = open_vote(db, cast, proposal(db, cast))
    pei = cast.participants["pei"]
    receipt = {"vote_id": vote.id, "participant_id": pei.id, "delegation_id": pei.delegation_id}
    db.add(BallotReceipt(**receipt))
    db.flush()
    with pytest.raises(IntegrityError), db.begin_nested():
        db.add(BallotReceipt(**receipt))
        db.flush()


def test_one_vote_per_delegation_when_the_head_votes_for_it(db: Session, cast: Cast) -> None:
    vote = open_vote(db, cast, proposal(db, cast), ballot_unit="delegation")
    us = cast.delegations["US"].id
    for name in ("ursula", "ulysses"):
        participant = cast.participants[name]
        row = BallotReceipt(
            vote_id=vote.id, participant_id=participant.id, delegation_id=us, delegation_seat=us
        )
        if name == "ursula":
            db.add(row)
            db.flush()
        else:
            with pytest.raises(IntegrityError), db.begin_nested():
                db.add(row)
                db.flush()


def test_one_roll_call_ballot_per_voter_and_choices_are_closed(db: Session, cast: Cast) -> None:
    vote = open_vote(db, cast, proposal(db, cast))
    pei = cast.participants["pei"]
    ballot = {"vote_id": vote.id, "participant_id": pei.id, "delegation_id": pei.delegation_id}
    db.add(RollCallBallot(**ballot, choice="yes"))
    db.flush()
    with pytest.raises(IntegrityError), db.begin_nested():
        db.add(RollCallBallot(**ballot, choice="no"))
        db.flush()
    with pytest.raises(IntegrityError), db.begin_nested():
        other = cast.participants["ursula"]
        db.add(
            RollCallBallot(
                vote_id=vote.id,
                participant_id=other.id,
                delegation_id=other.delegation_id,
                choice="maybe",
            )
        )
        db.flush()


def test_secret_ballots_exist_only_as_counts_and_sealed_ballots(db: Session, cast: Cast) -> None:
    """No table that holds a secret choice has a column that could name or time a voter, and a
    sealed ballot has one length whatever it holds."""
    columns = {c.name for c in SecretBallotCount.__table__.columns}
    assert columns == {"vote_id", "delegation_id", "choice", "count"}
    assert {c.name for c in SealedBallot.__table__.columns} == {
        "id",
        "vote_id",
        "delegation_id",
        "sealed",
    }
    vote = open_vote(db, cast, proposal(db, cast), ballot_type="secret")
    with pytest.raises(IntegrityError), db.begin_nested():
        db.add(
            SecretBallotCount(
                vote_id=vote.id, delegation_id=cast.delegations["US"].id, choice="yes", count=-1
            )
        )
        db.flush()
    with pytest.raises(IntegrityError), db.begin_nested():
        db.add(
            SealedBallot(
                vote_id=vote.id, delegation_id=cast.delegations["US"].id, sealed=b"yes" * 10
            )
        )
        db.flush()


def test_a_closed_vote_has_an_outcome(db: Session, cast: Cast) -> None:
    vote = open_vote(db, cast, proposal(db, cast))
    with pytest.raises(IntegrityError), db.begin_nested():
        vote.closed_at = vote.opened_at
        db.flush()
    db.refresh(vote)


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
