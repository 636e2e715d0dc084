"""Which candidates await a participant: pure decisions, no database."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from app.commissions.rules import Seat
from app.notices import rules
from app.notices.rules import Candidate
from app.proposals.rules import ProposalFacts

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
ME = 7

DELEGATE = Seat(
    participant_id=ME,
    role="delegate",
    delegation_id=1,
    delegation_is_member=True,
    in_group=True,
    is_co_chair=False,
    is_head=False,
)


def facts(
    stage: str, *, author: bool = False, sponsor: bool = False, over: bool = False
) -> ProposalFacts:
    return ProposalFacts(
        stage=stage,
        author_ids=frozenset({ME}) if author else frozenset(),
        sponsor_ids=frozenset({ME}) if sponsor else frozenset(),
        chairs_move_stages=True,
        session_over=over,
    )


def invitation(stage: str = "draft", **kw: bool) -> Candidate:
    return Candidate(kind="sponsor", seat=DELEGATE, proposal=facts(stage, sponsor=True, **kw))


def authorship(stage: str = "draft", *, drafter: bool = False, **kw: bool) -> Candidate:
    return Candidate(
        kind="coauthor", seat=DELEGATE, proposal=facts(stage, author=True, **kw), is_drafter=drafter
    )


def amendment(stage: str = "debate", *, by_me: bool = False, **kw: bool) -> Candidate:
    return Candidate(
        kind="amendment",
        seat=DELEGATE,
        proposal=facts(stage, author=True, **kw),
        amendment_by_them=by_me,
    )


def ballot(seat: Seat = DELEGATE, **kw: object) -> Candidate:
    return replace(Candidate(kind="ballot", seat=seat, proposal=facts("voting")), **kw)  # type: ignore[arg-type]


# --- invitations to sponsor ----------------------------------------------------------------


@pytest.mark.parametrize("stage", ["draft", "rejected"])
def test_an_invitation_awaits_while_the_proposal_can_still_be_sponsored(stage: str) -> None:
    assert rules.awaits(invitation(stage), NOW)


@pytest.mark.parametrize("stage", ["tabled", "debate", "voting", "adopted", "withdrawn"])
def test_an_invitation_no_longer_awaits_once_the_proposal_moved_on(stage: str) -> None:
    assert not rules.awaits(invitation(stage), NOW)


def test_nothing_awaits_once_the_commission_concluded() -> None:
    assert not rules.awaits(invitation(over=True), NOW)
    assert not rules.awaits(authorship(over=True), NOW)
    assert not rules.awaits(amendment(over=True), NOW)
    assert not rules.awaits(replace(ballot(), proposal=facts("voting", over=True)), NOW)


def test_a_draft_never_shows_to_someone_neither_author_nor_asked() -> None:
    stranger_draft = Candidate(kind="sponsor", seat=DELEGATE, proposal=facts("draft"))
    assert not rules.awaits(stranger_draft, NOW)
    assert not rules.awaits(replace(stranger_draft, kind="coauthor"), NOW)
    assert not rules.awaits(replace(ballot(), proposal=facts("draft")), NOW)


# --- co-authors ----------------------------------------------------------------------------


def test_a_draft_someone_else_made_you_co_author_of_awaits_you_until_tabled() -> None:
    assert rules.awaits(authorship("draft"), NOW)
    assert not rules.awaits(authorship("tabled"), NOW)
    assert not rules.awaits(authorship("withdrawn"), NOW)


def test_your_own_draft_is_no_notice() -> None:
    assert not rules.awaits(authorship("draft", drafter=True), NOW)


# --- amendments ----------------------------------------------------------------------------


def test_an_amendment_awaits_the_authors_during_debate() -> None:
    assert rules.awaits(amendment("debate"), NOW)
    assert not rules.awaits(amendment("voting"), NOW)
    assert not rules.awaits(amendment("adopted"), NOW)


def test_an_amendment_an_author_wrote_does_not_await_them() -> None:
    assert not rules.awaits(amendment(by_me=True), NOW)


def test_an_amendment_does_not_await_someone_who_is_not_an_author() -> None:
    not_mine = replace(amendment(), proposal=facts("debate"))
    assert not rules.awaits(not_mine, NOW)


# --- ballots -------------------------------------------------------------------------------


def test_an_open_vote_awaits_a_member_of_the_group_until_they_vote() -> None:
    assert rules.awaits(ballot(), NOW)
    assert not rules.awaits(ballot(voted=True), NOW)


def test_a_vote_does_not_await_those_who_may_not_cast_it() -> None:
    outside = replace(DELEGATE, in_group=False)
    observer = replace(DELEGATE, delegation_is_member=False)
    instructor = replace(DELEGATE, role="instructor", delegation_id=None)
    unseated = replace(DELEGATE, delegation_id=None)
    for seat in (outside, observer, instructor, unseated):
        assert not rules.awaits(ballot(seat), NOW), seat


def test_under_ballot_unit_delegation_the_vote_awaits_the_head_until_the_delegation_voted() -> None:
    head = replace(DELEGATE, is_head=True, in_group=False)
    assert rules.awaits(ballot(head, ballot_unit="delegation"), NOW)
    assert not rules.awaits(ballot(head, ballot_unit="delegation", delegation_voted=True), NOW)
    assert not rules.awaits(ballot(DELEGATE, ballot_unit="delegation"), NOW)


def test_a_vote_past_its_deadline_no_longer_awaits() -> None:
    assert rules.awaits(ballot(deadline=NOW + timedelta(minutes=1)), NOW)
    assert rules.awaits(ballot(deadline=NOW), NOW)
    assert not rules.awaits(ballot(deadline=NOW - timedelta(seconds=1)), NOW)


def test_an_unknown_kind_awaits_nothing() -> None:
    assert not rules.awaits(replace(invitation(), kind="gossip"), NOW)


# --- where a notice leads, and in what order -----------------------------------------------


def test_each_notice_leads_to_the_part_of_the_page_that_acts_on_it() -> None:
    assert rules.target("ballot", 3, 9) == "/proposals/3#proposal-3-vote"
    assert rules.target("amendment", 3, 12) == "/proposals/3#amendment-12"
    assert rules.target("sponsor", 3, None) == "/proposals/3#people-heading"
    assert rules.target("coauthor", 3, None) == "/proposals/3"


def test_deadlines_come_first_soonest_first_then_the_newest() -> None:
    old, new = NOW - timedelta(hours=1), NOW
    soon, later = NOW + timedelta(minutes=5), NOW + timedelta(minutes=30)
    items = [("old", None, old), ("later", later, old), ("new", None, new), ("soon", soon, new)]
    ordered = sorted(items, key=lambda i: rules.urgency(i[1], i[2]))
    assert [name for name, *_ in ordered] == ["soon", "later", "new", "old"]
