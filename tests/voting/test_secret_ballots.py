"""Secret ballots are sealed when cast and counted only when the vote closes, on every path
that closes a vote: by hand, at the deadline, at the commission's conclusion."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.commissions import service as commissions
from app.config import get_settings
from app.db import utcnow
from app.instructor.conclusion import service as conclusion
from app.live.broker import LiveEvent
from app.live.registry import StreamViewer, render_for
from app.proposals.models import Proposal
from app.voting import sealing, tally
from app.voting import service as voting
from app.voting.models import SealedBallot, SecretBallotCount, Vote
from tests.conftest import Cast, sign_in
from tests.proposals.helpers import acting, open_vote_of, to_stage


def secret_vote(db: Session, cast: Cast, **rules: Any) -> tuple[Proposal, Vote]:
    proposal = to_stage(db, cast, "voting", ballot_type="secret", **rules)
    return proposal, open_vote_of(db, proposal)


def three_ballots(db: Session, cast: Cast, proposal: Proposal, vote: Vote) -> None:
    for user, choice in (
        (cast.us_delegate, "yes"),
        (cast.us_colleague, "no"),
        (cast.prc_delegate, "yes"),
    ):
        voting.cast_ballot(db, acting(db, proposal, user), vote.id, choice)


def counters(db: Session, vote: Vote) -> list[tuple[str, str, int]]:
    """The vote's counters in the order they are stored (rowid on SQLite, ctid on PostgreSQL)."""
    order = "rowid" if db.get_bind().dialect.name == "sqlite" else "ctid"
    return [
        (str(code), str(choice), int(count))
        for code, choice, count in db.execute(
            text(
                "SELECT d.code, s.choice, s.count FROM secret_ballot_counts s"
                " JOIN delegations d ON d.id = s.delegation_id"
                f" WHERE s.vote_id = :v ORDER BY s.{order}"
            ),
            {"v": vote.id},
        )
    ]


def sealed_in(db: Session, vote: Vote) -> list[SealedBallot]:
    return list(db.scalars(select(SealedBallot).where(SealedBallot.vote_id == vote.id)))


def test_a_secret_ballot_is_sealed_and_nothing_is_counted_until_the_vote_closes(
    db: Session, cast: Cast
) -> None:
    proposal, vote = secret_vote(db, cast)
    three_ballots(db, cast, proposal, vote)
    sealed = sealed_in(db, vote)
    assert len(sealed) == 3
    assert {len(s.sealed) for s in sealed} == {sealing.SEALED_BYTES}
    assert counters(db, vote) == []
    open_now = tally.standing(db, vote, cast.commission.id, cast.groups["FT"].id)
    assert (open_now.result, open_now.show_counts) == (None, False)
    assert (open_now.cast, open_now.eligible, open_now.everyone_voted) == (3, 3, True)
    assert {(c.code, c.yes, c.no, c.abstain) for c in open_now.counts if c.is_member} == {
        ("US", 0, 0, 0),
        ("PRC", 0, 0, 0),
    }

    final = voting.close_vote(db, acting(db, proposal, cast.instructor), vote.id)
    assert final.result is not None
    assert (final.result.yes, final.result.no, final.result.adopted) == (2, 1, False)
    # Every counter written at once, in one order: delegation id (US before PRC), then choice.
    us, prc = sorted([cast.delegations["US"], cast.delegations["PRC"]], key=lambda d: d.id)
    expected = {"US": {"yes": 1, "no": 1}, "PRC": {"yes": 1}}
    assert counters(db, vote) == [
        (d.code, c, expected[d.code].get(c, 0)) for d in (us, prc) for c in ("yes", "no", "abstain")
    ]
    assert sealed_in(db, vote) == []
    assert vote.scrub_pending is True
    assert vote.result is not None
    assert vote.result["by_delegation"]["US"] == {
        "name": cast.delegations["US"].name,
        "yes": 1,
        "no": 1,
        "abstain": 0,
        "eligible": 2,
    }


def test_even_with_running_tallies_shown_an_open_secret_vote_shows_only_turnout(
    client: TestClient, db: Session, cast: Cast
) -> None:
    proposal, vote = secret_vote(db, cast, hide_running_tally=False)
    three_ballots(db, cast, proposal, vote)
    sign_in(client, "ines")
    page = client.get(f"/proposals/{proposal.id}").text
    assert "3 of 3 eligible have voted." in page
    assert "the ballots stay sealed until the vote closes" in page
    assert "tally-row" not in page
    assert "Would pass" not in page
    assert "Would fail" not in page
    # The live stream, as the instructor: the vote panel and the announcement, turnout only.
    me = cast.commission.id
    viewer = StreamViewer(
        user_id=cast.instructor.id,
        participant_id=db.scalar(
            text("SELECT id FROM participants WHERE user_id = :u AND commission_id = :c"),
            {"u": cast.instructor.id, "c": me},
        ),
        role="instructor",
        delegation_id=None,
    )
    event = LiveEvent(commission_id=me, kind="tally", proposal_id=proposal.id, subject_id=vote.id)
    messages = dict(render_for(db, viewer, [event]))
    assert messages[f"proposal-{proposal.id}-announce"] == "3 of 3 have voted."
    assert "3 of 3 eligible have voted." in messages[f"proposal-{proposal.id}-tally"]
    assert all("tally-row" not in html and "Tally:" not in html for html in messages.values())
    voting.close_vote(db, acting(db, proposal, cast.instructor), vote.id)
    assert "tally-row__name" in client.get(f"/proposals/{proposal.id}").text


def test_ballots_sealed_under_another_key_are_refused_not_miscounted(
    db: Session, cast: Cast
) -> None:
    proposal, vote = secret_vote(db, cast)
    three_ballots(db, cast, proposal, vote)
    # One ballot cast where the server ran with another SECRET_KEY.
    db.add(
        SealedBallot(
            vote_id=vote.id,
            delegation_id=cast.delegations["PRC"].id,
            sealed=sealing.seal(
                "another-server-" + "x" * 32, vote.id, cast.delegations["PRC"].id, "no"
            ),
        )
    )
    db.flush()
    with pytest.raises(voting.UnreadableBallots, match="SECRET_KEY"):
        voting.close_vote(db, acting(db, proposal, cast.instructor), vote.id)
    db.refresh(vote)
    assert vote.closed_at is None
    assert len(sealed_in(db, vote)) == 4
    assert counters(db, vote) == []


def test_the_deadline_sweep_counts_sealed_ballots_and_skips_a_vote_it_cannot_open(
    db: Session, cast: Cast
) -> None:
    good, good_vote = secret_vote(db, cast)
    three_ballots(db, cast, good, good_vote)
    bad = to_stage(db, cast, "voting", group="CY", ballot_type="secret")
    bad_vote = open_vote_of(db, bad)
    us = cast.delegations["US"].id
    db.add(SealedBallot(vote_id=bad_vote.id, delegation_id=us, sealed=b"\0" * 29))
    for vote in (good_vote, bad_vote):
        vote.deadline = utcnow() - timedelta(seconds=1)
    db.flush()
    assert voting.close_overdue_votes(db) == 1
    db.refresh(good_vote)
    db.refresh(bad_vote)
    assert good_vote.closed_at is not None
    assert sum(c for _d, _c, c in counters(db, good_vote)) == 3
    assert bad_vote.closed_at is None
    assert len(sealed_in(db, bad_vote)) == 1


def test_concluding_the_commission_counts_its_open_secret_votes(db: Session, cast: Cast) -> None:
    proposal, vote = secret_vote(db, cast)
    three_ballots(db, cast, proposal, vote)
    me = commissions.managed_commission(db, cast.commission.id, cast.instructor)[1]
    conclusion.conclude(db, cast.commission, me, visibility="class")
    db.refresh(vote)
    assert vote.closed_at is not None
    assert sealed_in(db, vote) == []
    assert sorted(c for _d, _c, c in counters(db, vote)) == [0, 0, 0, 1, 1, 1]


def test_a_vote_opened_before_ballots_were_sealed_keeps_its_first_ballots(
    db: Session, cast: Cast
) -> None:
    """Counters a vote had when the app was upgraded (migration 0007) are added at close."""
    proposal, vote = secret_vote(db, cast)
    db.add(
        SecretBallotCount(
            vote_id=vote.id, delegation_id=cast.delegations["US"].id, choice="yes", count=1
        )
    )
    db.flush()
    voting.cast_ballot(db, acting(db, proposal, cast.us_colleague), vote.id, "yes")
    voting.cast_ballot(db, acting(db, proposal, cast.prc_delegate), vote.id, "yes")
    final = voting.close_vote(db, acting(db, proposal, cast.instructor), vote.id)
    assert final.result is not None
    assert (final.result.yes, final.result.adopted) == (3, True)
    assert [c for d, ch, c in counters(db, vote) if (d, ch) == ("US", "yes")] == [2]


def test_sealed_ballots_need_the_servers_key_not_the_database(db: Session, cast: Cast) -> None:
    """Nothing in the database opens a sealed ballot; the server's SECRET_KEY does."""
    proposal, vote = secret_vote(db, cast)
    three_ballots(db, cast, proposal, vote)
    opened = sorted(
        sealing.unseal(get_settings().secret_key, vote.id, s.delegation_id, s.sealed)
        for s in sealed_in(db, vote)
    )
    assert opened == ["no", "yes", "yes"]
    for s in sealed_in(db, vote):
        assert b"yes" not in s.sealed
        with pytest.raises(sealing.UnsealableBallot):
            sealing.unseal(
                "a-database-dump-is-no-key-" + "d" * 16, vote.id, s.delegation_id, s.sealed
            )
