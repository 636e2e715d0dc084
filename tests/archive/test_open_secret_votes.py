"""An open secret vote in an archive: its sealed ballots cannot leave the server that holds
their key, and counting them into the file would be a running tally, so the file carries the
vote without receipts or counters, and its voters vote again where it is imported."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.archive import service as archive
from app.errors import Invalid
from app.proposals.models import Proposal
from app.voting import service as voting
from app.voting.models import BallotReceipt
from tests.archive.helpers import rejected_by_secret_ballot
from tests.conftest import Cast
from tests.proposals.helpers import acting, open_vote_of, to_stage


def open_secret_vote_with_ballots(db: Session, cast: Cast) -> Proposal:
    proposal = to_stage(db, cast, "voting", ballot_type="secret")
    vote = open_vote_of(db, proposal)
    for user, choice in ((cast.us_delegate, "yes"), (cast.prc_delegate, "no")):
        voting.cast_ballot(db, acting(db, proposal, user), vote.id, choice)
    return proposal


def test_an_open_secret_vote_is_exported_without_ballots_receipts_or_counts(
    db: Session, cast: Cast
) -> None:
    rejected_by_secret_ballot(db, cast)  # closed: its receipts and counts travel
    open_vote = open_vote_of(db, open_secret_vote_with_ballots(db, cast))
    exported = archive.export_commission(db, cast.commission.id)
    votes = {v["id"]: v for v in exported["votes"]}
    assert votes[open_vote.id]["closed_at"] is None
    assert [r for r in exported["ballot_receipts"] if r["vote_id"] == open_vote.id] == []
    assert [c for c in exported["secret_ballot_counts"] if c["vote_id"] == open_vote.id] == []
    closed = next(v for v in votes.values() if v["ballot_type"] == "secret" and v["closed_at"])
    assert len([r for r in exported["ballot_receipts"] if r["vote_id"] == closed["id"]]) == 3
    assert (
        sum(c["count"] for c in exported["secret_ballot_counts"] if c["vote_id"] == closed["id"])
        == 3
    )
    assert "sealed" not in json.dumps(exported)


def test_imported_the_open_secret_vote_takes_its_ballots_again(db: Session, cast: Cast) -> None:
    open_secret_vote_with_ballots(db, cast)
    imported = archive.import_commission(
        db, archive.export_commission(db, cast.commission.id), created_by=cast.instructor
    )
    proposal = db.scalar(select(Proposal).where(Proposal.commission_id == imported.id))
    assert proposal is not None
    vote = open_vote_of(db, proposal)
    assert vote.closed_at is None
    assert db.scalars(select(BallotReceipt).where(BallotReceipt.vote_id == vote.id)).all() == []
    for user, choice in ((cast.us_delegate, "no"), (cast.prc_delegate, "no")):
        voting.cast_ballot(db, acting(db, proposal, user), vote.id, choice)
    final = voting.close_vote(db, acting(db, proposal, cast.instructor), vote.id)
    assert final.result is not None
    assert (final.result.yes, final.result.no, final.result.cast) == (0, 2, 2)


def _receipts_without_ballots(data: dict[str, Any], open_vote: int) -> None:
    participant = next(p for p in data["participants"] if p["delegation_id"])
    data["ballot_receipts"].append(
        {
            "id": 10**6,
            "vote_id": open_vote,
            "participant_id": participant["id"],
            "delegation_id": participant["delegation_id"],
            "delegation_seat": None,
            "cast_at": data["exported_at"],
        }
    )


def test_receipts_of_an_open_secret_vote_without_their_ballots_are_refused(
    db: Session, cast: Cast
) -> None:
    open_vote = open_vote_of(db, open_secret_vote_with_ballots(db, cast))
    data = archive.export_commission(db, cast.commission.id)
    _receipts_without_ballots(data, open_vote.id)
    with pytest.raises(Invalid) as refused:
        archive.import_commission(db, data, created_by=cast.instructor)
    assert "the open secret vote" in refused.value.message
    assert "1 receipts but 0 counted ballots" in refused.value.message
    assert "cannot be carried to another server" in refused.value.message


def test_an_archive_written_before_ballots_were_sealed_keeps_its_open_votes_counters(
    db: Session, cast: Cast
) -> None:
    """Such a file has, for an open secret vote, its receipts and the counters they
    incremented: they import, and closing adds the new ballots to them."""
    open_vote = open_vote_of(db, open_secret_vote_with_ballots(db, cast))
    data = archive.export_commission(db, cast.commission.id)
    _receipts_without_ballots(data, open_vote.id)
    us = next(d for d in data["delegations"] if d["code"] == "US")
    data["secret_ballot_counts"] += [
        {"vote_id": open_vote.id, "delegation_id": us["id"], "choice": c, "count": int(c == "yes")}
        for c in ("yes", "no", "abstain")
    ]
    imported = archive.import_commission(db, data, created_by=cast.instructor)
    proposal = db.scalar(select(Proposal).where(Proposal.commission_id == imported.id))
    assert proposal is not None
    vote = open_vote_of(db, proposal)
    voting.cast_ballot(db, acting(db, proposal, cast.prc_delegate), vote.id, "no")
    final = voting.close_vote(db, acting(db, proposal, cast.instructor), vote.id)
    assert final.result is not None
    assert (final.result.yes, final.result.no) == (1, 1)
