"""The attacks on secret ballots of issue 10, against `commission serve`: each links nobody.

Ten demo delegates cast secret ballots through the pages (tests/voting/ballot_attacks.py has
the attacks and the room). Measured on the code before ballots were sealed, the same attacks
linked: the instructor watching 10 of 10, SQLite's WAL frames 10 of 10, PostgreSQL's `xmin`
6 of 10, `pageinspect` 10 of 10, the dump's row order 1 of 10 (the last voter).
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.voting import sealing
from tests.conftest import fresh_database, is_postgres
from tests.voting.ballot_attacks import (
    CHOICES,
    VOTERS,
    Linked,
    Room,
    copy_database_files,
    counts_in_dump_order,
    dump_order_pairing,
    pageinspect_pairing,
    raw_pages,
    room,
    sealed_xmin_pairing,
    sqlite_file,
    tuple_versions,
    wait_for_scrub,
    wal_replay,
    watch_the_room,
    xmin_pairing,
)

# The same ten voters in the same order, each choosing something else.
OTHER = {"yes": "no", "no": "abstain", "abstain": "yes"}
OTHER_VOTERS = tuple((u, OTHER[c]) for u, c in VOTERS)


@pytest.fixture(scope="module")
def database_url() -> str:
    return fresh_database("ballots_attacks").replace("postgresql+psycopg://", "postgresql://")


@pytest.fixture(scope="module")
def the_room(database_url: str) -> Iterator[Room]:
    with room(database_url) as r:
        yield r


def secret_key(r: Room) -> str:
    return r.served.env["SECRET_KEY"]


def sealed_ballots(r: Room, vote_id: int) -> list[dict[str, Any]]:
    with r.engine.connect() as conn:
        return [
            row._asdict()
            for row in conn.execute(
                text(
                    "SELECT delegation_id, sealed"
                    + ("" if r.is_sqlite else ", xmin::text AS xmin")
                    + " FROM sealed_ballots WHERE vote_id = :v"
                ),
                {"v": vote_id},
            )
        ]


def opened(r: Room, vote_id: int, ballot: dict[str, Any]) -> str:
    """What an operator holding the server's SECRET_KEY reads in a sealed ballot."""
    return sealing.unseal(
        secret_key(r), vote_id, int(ballot["delegation_id"]), bytes(ballot["sealed"])
    )


def receipt_xids(r: Room, vote_id: int) -> dict[str, int]:
    with r.engine.connect() as conn:
        return {
            str(x): int(p)
            for x, p in conn.execute(
                text("SELECT xmin::text, participant_id FROM ballot_receipts WHERE vote_id = :v"),
                {"v": vote_id},
            )
        }


def close_and_scrub(r: Room, proposal_id: int, vote_id: int) -> None:
    r.close(proposal_id, vote_id)
    assert wait_for_scrub(r.engine), "the closed vote was never scrubbed"


def final_counts(r: Room, vote_id: int) -> Counter[str]:
    with r.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT choice, count FROM secret_ballot_counts WHERE vote_id = :v"),
            {"v": vote_id},
        ).all()
    totals: Counter[str] = Counter()
    for choice, count in rows:
        totals[str(choice)] += int(count)
    return totals


def test_an_instructor_watching_every_ballot_links_no_voter(the_room: Room) -> None:
    """After each ballot the instructor reads the dashboard, the vote page, the API and the
    live stream: who voted shows, what they chose never does, not even as a difference."""
    first, first_vote = the_room.open_secret_vote()
    watched = watch_the_room(the_room, first, first_vote, VOTERS)
    close_and_scrub(the_room, first, first_vote)
    second, second_vote = the_room.open_secret_vote()
    again = watch_the_room(the_room, second, second_vote, OTHER_VOTERS)
    close_and_scrub(the_room, second, second_vote)

    assert watched.result == Linked(0, 10, 0, seen=10)
    assert again.result == Linked(0, 10, 0, seen=10)
    # Ballot by ballot, everything shown was the same whatever the choices: turnout only.
    assert watched.views == again.views
    assert "10 of 10 eligible have voted." in watched.views[-1]
    # Once closed, the tally is there for everyone (so the watching above could have seen one).
    page = the_room.instructor.get(f"/proposals/{first}")
    assert "tally-row__name" in page
    assert final_counts(the_room, first_vote) == Counter(c for _u, c in VOTERS)
    assert final_counts(the_room, second_vote) == Counter(c for _u, c in OTHER_VOTERS)


@pytest.mark.skipif(is_postgres(), reason="SQLite's WAL file")
def test_a_copy_of_the_sqlite_files_during_the_vote_links_no_voter(
    the_room: Room, database_url: str
) -> None:
    # Another vote stays open with ballots on the same pages while this one closes.
    other_id, other_vote = the_room.open_secret_vote()
    the_room.vote_all(other_id, other_vote, VOTERS[:3])
    proposal_id, vote_id = the_room.open_secret_vote()
    the_room.vote_all(proposal_id, vote_id, VOTERS)
    truth = the_room.truth()
    with tempfile.TemporaryDirectory(prefix="wal-copy-") as scratch:
        db, wal = copy_database_files(database_url, Path(scratch))
        assert wal.stat().st_size > 0, "the ballots should still be in the WAL"
        replayed = wal_replay(db, wal, vote_id, truth)
        # The operator who also holds SECRET_KEY opens each commit's new sealed ballot.
        with_key = wal_replay(db, wal, vote_id, truth, lambda row: opened(the_room, vote_id, row))
    assert replayed == Linked(0, 10, 0, seen=10)
    assert with_key == Linked(10, 10, 0, seen=10)

    sealed = sealed_ballots(the_room, vote_id)
    assert len(sealed) == 10
    assert {len(bytes(b["sealed"])) for b in sealed} == {sealing.SEALED_BYTES}
    assert len({bytes(b["sealed"]) for b in sealed}) == 10

    close_and_scrub(the_room, proposal_id, vote_id)
    path = sqlite_file(database_url)
    files = {"db": path.read_bytes()}
    if Path(f"{path}-wal").exists():
        files["wal"] = Path(f"{path}-wal").read_bytes()
    for ballot in sealed:
        whole = bytes(ballot["sealed"])
        for name, content in files.items():
            assert whole not in content, f"a sealed ballot is still in the {name} file"
            assert whole[sealing.NONCE_BYTES :] not in content, f"a ciphertext in the {name} file"
    assert final_counts(the_room, vote_id) == Counter(c for _u, c in VOTERS)
    assert len(sealed_ballots(the_room, other_vote)) == 3
    close_and_scrub(the_room, other_id, other_vote)


@pytest.mark.skipif(not is_postgres(), reason="PostgreSQL's transaction ids")
def test_xmin_pairs_no_receipt_with_a_count(the_room: Room) -> None:
    proposal_id, vote_id = the_room.open_secret_vote()
    the_room.vote_all(proposal_id, vote_id, VOTERS)
    truth = the_room.truth()
    during = xmin_pairing(the_room.engine, vote_id, truth)
    # Each sealed ballot shares its transaction with its receipt: SECRET_KEY links them.
    receipts = receipt_xids(the_room, vote_id)
    by_key = sealed_xmin_pairing(
        the_room.engine, vote_id, truth, lambda row: opened(the_room, vote_id, row)
    )
    close_and_scrub(the_room, proposal_id, vote_id)
    after = xmin_pairing(the_room.engine, vote_id, truth)
    with the_room.engine.connect() as conn:
        count_xids = set(
            conn.scalars(
                text("SELECT xmin::text FROM secret_ballot_counts WHERE vote_id = :v"),
                {"v": vote_id},
            )
        )
    assert (during, after) == (Linked(0, 10), Linked(0, 10))
    assert len(count_xids) == 1  # all written by the close
    assert not count_xids & set(receipts)
    assert by_key == Linked(10, 10)


@pytest.mark.skipif(not is_postgres(), reason="PostgreSQL's pages")
def test_pageinspect_after_close_and_scrub_finds_no_ballot(the_room: Room) -> None:
    try:
        with the_room.engine.connect() as conn:
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS pageinspect"))
            conn.commit()
    except DBAPIError as error:
        pytest.skip(f"the pageinspect extension is not available here: {error.orig}")
    # Another vote stays open with ballots on the same pages: a page left with live rows is
    # compacted by VACUUM, not emptied, and a plain VACUUM would leave the bytes behind.
    other_id, other_vote = the_room.open_secret_vote()
    the_room.vote_all(other_id, other_vote, VOTERS[:3])
    proposal_id, vote_id = the_room.open_secret_vote()
    the_room.vote_all(proposal_id, vote_id, VOTERS)
    truth = the_room.truth()
    sealed = [bytes(b["sealed"]) for b in sealed_ballots(the_room, vote_id)]
    receipts = receipt_xids(the_room, vote_id)
    during = pageinspect_pairing(the_room.engine, vote_id, truth)
    close_and_scrub(the_room, proposal_id, vote_id)
    after = pageinspect_pairing(the_room.engine, vote_id, truth)

    assert len(sealed) == 10
    assert (during, after) == (Linked(0, 10), Linked(0, 10))
    ballots = tuple_versions(the_room.engine, "sealed_ballots")
    assert [row for _x, row, _d in ballots if row["vote_id"] == vote_id] == []
    counts = [
        (xmin, row)
        for xmin, row, _d in tuple_versions(the_room.engine, "secret_ballot_counts")
        if row["vote_id"] == vote_id
    ]
    with the_room.engine.connect() as conn:
        delegations = conn.scalar(text("SELECT count(*) FROM delegations WHERE commission_id = 1"))
    assert len(counts) == delegations * len(CHOICES)  # the counters once each: no older version
    assert not {xmin for xmin, _row in counts} & set(receipts)
    # Not in a tuple, and not in the pages' free space either (what a file copy holds).
    pages = raw_pages(the_room.engine, "sealed_ballots") + raw_pages(
        the_room.engine, "secret_ballot_counts"
    )
    assert not [b for b in sealed if b in pages or b[sealing.NONCE_BYTES :] in pages]
    assert len([row for _x, row, _d in ballots if row["vote_id"] == other_vote]) == 3
    close_and_scrub(the_room, other_id, other_vote)


def test_the_dump_order_of_counts_does_not_follow_the_voting_order(
    the_room: Room, database_url: str
) -> None:
    """Two votes, the same voters in opposite orders with other choices: their counters are
    dumped in the same order, by delegation and choice, as the close wrote them."""
    orders = []
    for voters in (VOTERS, tuple(reversed(OTHER_VOTERS))):
        proposal_id, vote_id = the_room.open_secret_vote()
        the_room.vote_all(proposal_id, vote_id, voters)
        close_and_scrub(the_room, proposal_id, vote_id)
        assert dump_order_pairing(database_url, vote_id, the_room.truth(voters)) == Linked(0, 10)
        orders.append(counts_in_dump_order(database_url, vote_id))
    with the_room.engine.connect() as conn:
        delegations = sorted(
            conn.scalars(text("SELECT id FROM delegations WHERE commission_id = 1"))
        )
    assert orders[0] == orders[1] == [(d, c) for d in delegations for c in CHOICES]
