"""The one registry of activity kinds: the words a page shows for each, and the turning points."""

from __future__ import annotations

from app.activity import kinds


def test_a_kind_reads_as_its_words_and_an_unknown_kind_as_its_code() -> None:
    assert kinds.label("ballot.cast") == "A ballot was cast"
    assert kinds.label("partner.added") == "Partner delegation added"
    assert kinds.label("no.such_kind") == "no.such_kind"


def test_the_timeline_lists_turning_points_not_every_ballot() -> None:
    assert "vote.closed" in kinds.TURNING_POINTS
    assert "commission.started" in kinds.TURNING_POINTS
    assert "ballot.cast" not in kinds.TURNING_POINTS
    assert "argument.posted" not in kinds.TURNING_POINTS
