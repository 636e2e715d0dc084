"""The tally rules, case by case and as properties: pure functions, so no database fixture."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.commissions.rules import BALLOT_UNITS, VOTING_RULES
from app.voting.rules import (
    DEFAULT_QUORUM,
    DelegationCount,
    TallyResult,
    VoteRule,
    decide,
    quorum_met,
)

MAJORITY_NOTE = "Abstentions are not counted as present and voting."


def us(yes: int = 0, no: int = 0, abstain: int = 0, eligible: int = 10) -> DelegationCount:
    return DelegationCount("US", "United States", True, eligible, yes, no, abstain)


def cn(yes: int = 0, no: int = 0, abstain: int = 0, eligible: int = 10) -> DelegationCount:
    return DelegationCount("CN", "China", True, eligible, yes, no, abstain)


def eu_observer(yes: int = 0, no: int = 0, abstain: int = 0, eligible: int = 5) -> DelegationCount:
    return DelegationCount("EU", "European Union", False, eligible, yes, no, abstain)


def tally(
    voting_rule: str,
    *counts: DelegationCount,
    quorum: float = 0.0,
    ballot_unit: str = "delegate",
    final: bool = True,
) -> TallyResult:
    """Quorum 0 unless a case says otherwise, so that it tests the voting rule alone."""
    return decide(VoteRule(voting_rule, quorum, ballot_unit), counts, final=final)


# --- Double majority -------------------------------------------------------------------------


def test_double_majority_fails_on_a_tie_in_one_delegation() -> None:
    """The issue's example: US 4 yes / 1 no, China 3 yes / 3 no."""
    result = tally("double_majority", us(4, 1), cn(3, 3), quorum=DEFAULT_QUORUM)
    assert not result.adopted
    assert result.lines == (
        "United States: 4 yes, 1 no, 0 abstain: majority.",
        "China: 3 yes, 3 no, 0 abstain: tie, fails.",
        "Double majority: not met.",
        "Quorum: 11 of 20 eligible cast a ballot; 10 needed, met.",
        MAJORITY_NOTE,
    )
    assert result.explanation == " ".join(result.lines)
    assert result.summary == "Rejected."
    assert (result.eligible, result.cast, result.yes, result.no, result.abstain) == (
        20,
        11,
        7,
        4,
        0,
    )


def test_double_majority_adopts_with_a_majority_in_every_delegation() -> None:
    result = tally("double_majority", us(4, 1, 2), cn(3, 2))
    assert result.adopted
    assert result.lines[:3] == (
        "United States: 4 yes, 1 no, 2 abstain: majority.",
        "China: 3 yes, 2 no, 0 abstain: majority.",
        "Double majority: met.",
    )


def test_double_majority_fails_when_one_delegation_votes_against() -> None:
    result = tally("double_majority", us(9), cn(1, 3))
    assert not result.adopted
    assert "China: 1 yes, 3 no, 0 abstain: no majority." in result.lines


def test_double_majority_fails_when_a_delegation_only_abstains() -> None:
    result = tally("double_majority", us(5), cn(0, 0, 4))
    assert not result.adopted
    assert "China: 0 yes, 0 no, 4 abstain: no one present and voting, fails." in result.lines


def test_double_majority_abstentions_are_not_present_and_voting() -> None:
    """2 yes to 1 no is a majority however many abstain."""
    result = tally("double_majority", us(2, 1, 7), cn(1, 0, 9))
    assert result.adopted
    assert result.lines[-1] == MAJORITY_NOTE


def test_double_majority_needs_a_member_delegation() -> None:
    assert not tally("double_majority", eu_observer(5)).adopted


# --- Simple majority -------------------------------------------------------------------------


def test_simple_majority_counts_across_delegations() -> None:
    result = tally("simple_majority", us(6), cn(0, 5))
    assert result.adopted
    assert result.lines == (
        "United States: 6 yes, 0 no, 0 abstain.",
        "China: 0 yes, 5 no, 0 abstain.",
        "Simple majority: 6 yes to 5 no, met.",
        "Quorum: 11 of 20 eligible cast a ballot; 0 needed, met.",
        MAJORITY_NOTE,
    )


def test_simple_majority_tie_fails() -> None:
    result = tally("simple_majority", us(5), cn(0, 5))
    assert not result.adopted
    assert "Simple majority: 5 yes to 5 no, tie, fails." in result.lines


def test_simple_majority_fails_with_more_no() -> None:
    result = tally("simple_majority", us(2, 1), cn(0, 4))
    assert not result.adopted
    assert "Simple majority: 2 yes to 5 no, not met." in result.lines


def test_simple_majority_abstentions_are_not_present_and_voting() -> None:
    assert tally("simple_majority", us(2, 1, 7), cn(0, 0, 10)).adopted


# --- Two-thirds ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("yes", "no", "adopted"),
    [(2, 1, True), (1, 1, False), (0, 0, False), (1, 0, True), (3, 2, False), (4, 2, True)],
)
def test_two_thirds_boundary(yes: int, no: int, adopted: bool) -> None:
    assert tally("two_thirds", us(yes, no)).adopted is adopted


def test_two_thirds_wording() -> None:
    assert "Two-thirds majority: 7 of 10 present and voting said yes, met." in (
        tally("two_thirds", us(4, 1), cn(3, 2)).lines
    )
    assert "Two-thirds majority: 3 of 5 present and voting said yes, not met." in (
        tally("two_thirds", us(3), cn(0, 2)).lines
    )
    assert "Two-thirds majority: no one present and voting, not met." in (
        tally("two_thirds", us(0, 0, 3)).lines
    )


def test_two_thirds_abstentions_are_not_present_and_voting() -> None:
    result = tally("two_thirds", us(2, 1, 7))
    assert result.adopted
    assert result.lines[-1] == MAJORITY_NOTE


# --- Consensus -------------------------------------------------------------------------------


def test_consensus_blocked_by_one_no() -> None:
    result = tally("consensus", us(10), cn(8, 1, 1))
    assert not result.adopted
    assert result.lines[:3] == (
        "United States: 10 yes, 0 no, 0 abstain: no objection.",
        "China: 8 yes, 1 no, 1 abstain: blocks consensus.",
        "Consensus: blocked by 1 no vote.",
    )


def test_consensus_block_counts_no_votes_in_plural() -> None:
    assert "Consensus: blocked by 2 no votes." in tally("consensus", us(5, 1), cn(5, 1)).lines


def test_consensus_is_not_blocked_by_abstentions() -> None:
    result = tally("consensus", us(1, 0, 5), cn(0, 0, 3))
    assert result.adopted
    assert "Consensus: no objection and 1 yes vote, met." in result.lines
    assert result.lines[-1] == "Abstentions do not block consensus."


def test_consensus_needs_a_yes() -> None:
    result = tally("consensus", us(0, 0, 5), cn(0, 0, 3))
    assert not result.adopted
    assert "Consensus: no objection but no yes vote, not met." in result.lines


# --- Unanimity -------------------------------------------------------------------------------


def test_unanimity_when_every_eligible_voter_says_yes() -> None:
    result = tally("unanimity", us(3, eligible=3), cn(2, eligible=2))
    assert result.adopted
    assert result.lines == (
        "United States: 3 of 3 eligible voted yes.",
        "China: 2 of 2 eligible voted yes.",
        "Unanimity: 5 of 5 eligible voted yes, met.",
        "Quorum: 5 of 5 eligible cast a ballot; 0 needed, met.",
        "Abstentions and absences break unanimity.",
    )


@pytest.mark.parametrize(
    "china",
    [cn(1, 0, 1, eligible=2), cn(1, 0, 0, eligible=2), cn(1, 1, 0, eligible=2)],
    ids=["one abstention", "one absence", "one no"],
)
def test_unanimity_broken_by_a_single_voter(china: DelegationCount) -> None:
    result = tally("unanimity", us(3, eligible=3), china)
    assert not result.adopted
    assert "Unanimity: 4 of 5 eligible voted yes, not met." in result.lines
    assert "China: 1 of 2 eligible voted yes." in result.lines


def test_unanimity_needs_someone_eligible() -> None:
    assert not tally("unanimity", us(eligible=0), quorum=0.0).adopted


# --- Quorum ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quorum", "eligible", "cast", "met"),
    [
        (0.5, 20, 10, True),  # exactly met
        (0.5, 20, 9, False),  # just missed
        (0.5, 7, 4, True),  # half of 7 is 3.5: 4 needed
        (0.5, 7, 3, False),
        (0.7, 10, 7, True),  # 0.7 * 10 is 7.000000000000001 in floating point
        (0.7, 10, 6, False),
        (0.1, 10, 1, True),
        (0.6, 5, 3, True),
        (1.0, 4, 4, True),
        (1.0, 4, 3, False),
        (0.0, 4, 0, True),
        (2 / 3, 3, 2, True),
        (1 / 3, 3, 1, True),
    ],
)
def test_quorum_boundaries(quorum: float, eligible: int, cast: int, met: bool) -> None:
    rule = VoteRule("simple_majority", quorum)
    counts = [us(0, 0, cast, eligible=eligible)]  # abstentions count as cast
    assert quorum_met(rule, counts) is met
    assert decide(rule, counts, final=True).quorum_met is met


def test_quorum_line_wording() -> None:
    met = tally("simple_majority", us(6, 2, 2, eligible=20), quorum=0.5)
    assert "Quorum: 10 of 20 eligible cast a ballot; 10 needed, met." in met.lines
    missed = tally("simple_majority", us(6, 2, 1, eligible=20), quorum=0.5)
    assert "Quorum: 9 of 20 eligible cast a ballot; 10 needed, not met." in missed.lines


def test_missing_quorum_is_never_adopted() -> None:
    result = tally("simple_majority", us(3), cn(1), quorum=0.5)
    assert result.yes > result.no
    assert not result.quorum_met
    assert not result.adopted


def test_nobody_eligible_misses_any_quorum_above_zero() -> None:
    result = tally("simple_majority", us(eligible=0), quorum=0.5)
    assert not result.quorum_met
    assert "Quorum: no one is eligible to vote, not met." in result.lines
    assert quorum_met(VoteRule("simple_majority", 0.0), [us(eligible=0)])


# --- Observers -------------------------------------------------------------------------------


def test_observer_yes_votes_do_not_count() -> None:
    result = tally("simple_majority", us(1, 2), eu_observer(5), quorum=0.5)
    assert not result.adopted
    assert (result.eligible, result.cast, result.yes, result.no) == (10, 3, 1, 2)
    assert "European Union" not in result.explanation


def test_observer_without_majority_does_not_block_double_majority() -> None:
    assert tally("double_majority", us(3), cn(2), eu_observer(0, 4)).adopted


def test_observers_do_not_count_toward_quorum() -> None:
    rule = VoteRule("simple_majority", 0.5)
    assert not quorum_met(rule, [us(4), eu_observer(5)])


# --- Ballot unit "delegation" ----------------------------------------------------------------


def test_delegation_unit_words_each_delegations_vote() -> None:
    india = DelegationCount("IN", "India", True, 1, abstain=1)
    brazil = DelegationCount("BR", "Brazil", True, 1)
    result = tally(
        "simple_majority",
        us(1, eligible=1),
        cn(0, 1, eligible=1),
        india,
        brazil,
        ballot_unit="delegation",
    )
    assert result.lines[:4] == (
        "United States votes yes.",
        "China votes no.",
        "India abstains.",
        "Brazil has not voted.",
    )


@pytest.mark.parametrize("voting_rule", VOTING_RULES)
def test_delegation_unit_keeps_the_arithmetic(voting_rule: str) -> None:
    counts = (us(1, eligible=1), cn(0, 1, eligible=1))
    by_delegate = tally(voting_rule, *counts, quorum=0.5)
    by_delegation = tally(voting_rule, *counts, quorum=0.5, ballot_unit="delegation")
    assert by_delegation.adopted == by_delegate.adopted
    assert by_delegation.lines[2:] == by_delegate.lines[2:]
    assert "United States votes yes." in by_delegation.lines


def test_double_majority_by_delegation() -> None:
    result = tally(
        "double_majority", us(1, eligible=1), cn(1, eligible=1), ballot_unit="delegation"
    )
    assert result.adopted
    assert result.lines == (
        "United States votes yes.",
        "China votes yes.",
        "Double majority: met.",
        "Quorum: 2 of 2 eligible cast a ballot; 0 needed, met.",
        MAJORITY_NOTE,
    )


# --- Final and provisional -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("final", "yes", "summary"),
    [
        (True, 3, "Adopted."),
        (True, 0, "Rejected."),
        (False, 3, "Would pass if the vote closed now."),
        (False, 0, "Would fail if the vote closed now."),
    ],
)
def test_summary_wording(final: bool, yes: int, summary: str) -> None:
    result = tally("simple_majority", us(yes, 1), final=final)
    assert result.final is final
    assert result.summary == summary


# --- Invalid input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: VoteRule("majority"), "unknown voting rule"),
        (lambda: VoteRule("simple_majority", 1.5), "quorum must be a share"),
        (lambda: VoteRule("simple_majority", -0.1), "quorum must be a share"),
        (lambda: VoteRule("simple_majority", 0.5, "person"), "unknown ballot unit"),
        (lambda: us(-1), "cannot be negative"),
        (lambda: us(3, 2, 1, eligible=5), "6 ballots cast but 5 eligible"),
    ],
    ids=["rule", "quorum above 1", "quorum below 0", "unit", "negative", "more cast than eligible"],
)
def test_impossible_input_is_refused(make: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make()


# --- Properties ------------------------------------------------------------------------------

MEMBERS = (("US", "United States"), ("CN", "China"), ("IN", "India"), ("BR", "Brazil"))
OBSERVERS = (("EU", "European Union"), ("JP", "Japan"))

rules = st.builds(
    VoteRule,
    st.sampled_from(VOTING_RULES),
    st.sampled_from([0.0, 0.25, 1 / 3, 0.5, 2 / 3, 0.7, 1.0]) | st.floats(0, 1),
    st.sampled_from(BALLOT_UNITS),
)


@st.composite
def delegation(draw: st.DrawFn, code: str, name: str, is_member: bool) -> DelegationCount:
    """Any counts within the delegation's size, often leaning yes so that adoptions are common."""
    eligible = draw(st.integers(0, 6))
    if draw(st.booleans()):
        yes = eligible - draw(st.integers(0, eligible // 2))
    else:
        yes = draw(st.integers(0, eligible))
    no = draw(st.integers(0, eligible - yes))
    abstain = draw(st.integers(0, eligible - yes - no))
    return DelegationCount(code, name, is_member, eligible, yes, no, abstain)


@st.composite
def members(draw: st.DrawFn) -> list[DelegationCount]:
    chosen = MEMBERS[: draw(st.integers(1, len(MEMBERS)))]
    return [draw(delegation(code, name, True)) for code, name in chosen]


@st.composite
def observers(draw: st.DrawFn) -> list[DelegationCount]:
    chosen = OBSERVERS[: draw(st.integers(0, len(OBSERVERS)))]
    return [draw(delegation(code, name, False)) for code, name in chosen]


@st.composite
def delegations(draw: st.DrawFn) -> list[DelegationCount]:
    """1-4 members and 0-2 observers, in any order."""
    return draw(st.permutations(draw(members()) + draw(observers())))


def only_members(counts: Sequence[DelegationCount]) -> list[DelegationCount]:
    return [d for d in counts if d.is_member]


@given(rules, delegations())
def test_one_more_yes_never_defeats_a_proposal(
    rule: VoteRule, counts: list[DelegationCount]
) -> None:
    if not decide(rule, counts, final=True).adopted:
        return
    for i, d in enumerate(counts):
        if d.is_member and d.cast < d.eligible:
            more = [*counts[:i], replace(d, yes=d.yes + 1), *counts[i + 1 :]]
            assert decide(rule, more, final=True).adopted, d.code


def balance_totals(counts: list[DelegationCount]) -> list[DelegationCount]:
    """Lower yes or no votes until member yes and no totals are equal."""
    excess = sum(d.yes - d.no for d in only_members(counts))
    balanced = []
    for d in counts:
        if d.is_member and excess > 0:
            cut = min(excess, d.yes)
            d, excess = replace(d, yes=d.yes - cut), excess - cut
        elif d.is_member and excess < 0:
            cut = min(-excess, d.no)
            d, excess = replace(d, no=d.no - cut), excess + cut
        balanced.append(d)
    return balanced


@given(rules, delegations())
def test_a_tie_in_total_never_adopts(rule: VoteRule, counts: list[DelegationCount]) -> None:
    tied = balance_totals(counts)
    result = decide(rule, tied, final=True)
    assert result.yes == result.no
    assert not result.adopted


@given(rules, delegations(), st.data())
def test_a_tie_in_any_delegation_defeats_a_double_majority(
    rule: VoteRule, counts: list[DelegationCount], data: st.DataObject
) -> None:
    rule = replace(rule, voting_rule="double_majority")
    i = data.draw(st.sampled_from([i for i, d in enumerate(counts) if d.is_member]))
    d = counts[i]
    tie = min(d.yes, d.no) or (d.eligible - d.abstain) // 2
    tied = [*counts[:i], replace(d, yes=tie, no=tie), *counts[i + 1 :]]
    assert not decide(rule, tied, final=True).adopted


@given(rules, delegations())
def test_without_quorum_nothing_is_adopted(rule: VoteRule, counts: list[DelegationCount]) -> None:
    result = decide(rule, counts, final=True)
    assert result.quorum_met == quorum_met(rule, counts)
    if not result.quorum_met:
        assert not result.adopted


@given(rules, delegations())
def test_observers_never_change_the_outcome(rule: VoteRule, counts: list[DelegationCount]) -> None:
    assert decide(rule, counts, final=True) == decide(rule, only_members(counts), final=True)


@given(rules, delegations())
def test_final_changes_only_the_summary(rule: VoteRule, counts: list[DelegationCount]) -> None:
    closed = decide(rule, counts, final=True)
    open_ = decide(rule, counts, final=False)
    assert (closed.final, open_.final) == (True, False)
    assert replace(open_, final=True, summary=closed.summary) == closed
    if closed.adopted:
        assert (closed.summary, open_.summary) == ("Adopted.", "Would pass if the vote closed now.")
    else:
        assert (closed.summary, open_.summary) == (
            "Rejected.",
            "Would fail if the vote closed now.",
        )


@given(rules, delegations(), st.booleans())
def test_explanation_names_members_and_never_observers(
    rule: VoteRule, counts: list[DelegationCount], final: bool
) -> None:
    result = decide(rule, counts, final=final)
    members_ = only_members(counts)
    assert len(result.lines) == len(members_) + 3
    for d in counts:
        assert (d.name in result.explanation) is d.is_member, d.name
    for line, d in zip(result.lines, members_, strict=False):
        assert line.startswith(d.name)
