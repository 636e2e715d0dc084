"""Votes with a deadline refuse late ballots and close by themselves."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from app.db import utcnow
from app.errors import Conflict
from app.norms.models import Norm
from app.voting import service as voting
from tests.conftest import Cast
from tests.proposals.helpers import acting, open_vote_of, to_stage


def test_an_overdue_vote_closes_and_decides(db: Session, cast: Cast) -> None:
    proposal = to_stage(db, cast, "voting")
    vote = open_vote_of(db, proposal)
    for user in (cast.us_delegate, cast.us_colleague, cast.prc_delegate):
        voting.cast_ballot(db, acting(db, proposal, user), vote.id, "yes")
    assert voting.close_overdue_votes(db) == 0
    vote.deadline = utcnow() - timedelta(seconds=1)
    db.flush()
    with pytest.raises(Conflict, match="deadline"):
        voting.cast_ballot(db, acting(db, proposal, cast.instructor), vote.id, "yes")
    assert voting.close_overdue_votes(db) == 1
    db.refresh(proposal)
    assert proposal.stage == "adopted"
    assert vote.closed_at is not None
    assert db.query(Norm).filter_by(proposal_id=proposal.id).one().code == "FT-1"
    assert voting.close_overdue_votes(db) == 0
