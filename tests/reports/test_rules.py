"""The report's pure decisions: who reads it, how "voted alike" is counted, chart geometry."""

from __future__ import annotations

import random
from itertools import combinations, pairwise
from typing import Literal

import pytest

from app.commissions.rules import NOBODY, Viewer
from app.reports import charts, rules
from app.reports.rules import BallotGroup
from app.reports.timeline import MAX_BUCKETS, bucket_slots

INSTRUCTOR = Viewer(participant_id=1, role="instructor", delegation_id=None)
DELEGATE = Viewer(participant_id=2, role="delegate", delegation_id=10)
UNSEATED = Viewer(participant_id=3, role="delegate", delegation_id=None)
US, PRC, EU = 10, 20, 30
ACADEMIA, INDUSTRY = 1, 2


@pytest.mark.parametrize(
    ("viewer", "private", "shared"),
    [
        (INSTRUCTOR, True, True),
        (DELEGATE, False, True),
        (UNSEATED, False, True),
        (NOBODY, False, False),
    ],
)
def test_who_reads_the_report(viewer: Viewer, private: bool, shared: bool) -> None:
    assert rules.can_read_report(viewer, shared_with_class=False) is private
    assert rules.can_read_report(viewer, shared_with_class=True) is shared


def test_only_instructors_share_it_and_export_participation() -> None:
    assert rules.can_share_report(INSTRUCTOR) and rules.can_export_participation(INSTRUCTOR)
    for viewer in (DELEGATE, UNSEATED, NOBODY):
        assert not rules.can_share_report(viewer)
        assert not rules.can_export_participation(viewer)


def shares(agreements: list[rules.Agreement]) -> dict[tuple[int, int], tuple[int, int]]:
    return {(a.first, a.second): (a.alike, a.pairs) for a in agreements}


def test_delegations_are_compared_pair_of_voters_by_pair() -> None:
    ballots = [
        BallotGroup(1, US, ACADEMIA, "yes", 2),
        BallotGroup(1, PRC, ACADEMIA, "yes", 1),
        BallotGroup(1, PRC, INDUSTRY, "no", 1),
    ]
    assert shares(rules.delegation_agreement(ballots)) == {
        (US, US): (1, 1),  # the two US voters agree
        (US, PRC): (2, 4),  # each US voter agrees with one of the two PRC voters
        (PRC, PRC): (0, 1),
    }


def test_votes_are_pooled_pair_by_pair() -> None:
    ballots = [
        BallotGroup(1, US, None, "yes", 1),
        BallotGroup(1, PRC, None, "yes", 1),
        BallotGroup(2, US, None, "no", 1),
        BallotGroup(2, PRC, None, "abstain", 3),
    ]
    result = {(a.first, a.second): a for a in rules.delegation_agreement(ballots)}
    assert (result[(US, PRC)].alike, result[(US, PRC)].pairs) == (1, 4)
    assert result[(US, PRC)].share == 0.25
    assert (result[(PRC, PRC)].alike, result[(PRC, PRC)].pairs) == (3, 3)
    assert (US, US) not in result  # never two US voters in one vote: no pairs, no figure


def test_sectors_across_the_delegation_line_ignore_pairs_within_a_delegation() -> None:
    ballots = [
        BallotGroup(1, US, ACADEMIA, "yes", 1),
        BallotGroup(1, US, INDUSTRY, "yes", 1),
        BallotGroup(1, PRC, ACADEMIA, "no", 1),
        BallotGroup(1, PRC, INDUSTRY, "yes", 1),
    ]
    assert shares(rules.sector_agreement(ballots, across_delegations=False)) == {
        (ACADEMIA, ACADEMIA): (0, 1),
        (ACADEMIA, INDUSTRY): (2, 4),
        (INDUSTRY, INDUSTRY): (1, 1),
    }
    assert shares(rules.sector_agreement(ballots, across_delegations=True)) == {
        (ACADEMIA, ACADEMIA): (0, 1),  # US academic yes, PRC academic no
        (ACADEMIA, INDUSTRY): (1, 2),  # US academic with PRC industry alike; not the reverse
        (INDUSTRY, INDUSTRY): (1, 1),
    }


def test_voters_without_a_sector_are_left_out_of_sector_figures() -> None:
    ballots = [BallotGroup(1, US, None, "yes", 4), BallotGroup(1, PRC, ACADEMIA, "yes", 1)]
    assert rules.sector_agreement(ballots, across_delegations=False) == []
    assert shares(rules.delegation_agreement(ballots)) == {
        (US, US): (6, 6),
        (US, PRC): (4, 4),
    }


def naive(
    voters: list[tuple[int, int, int, str]], key: Literal[1, 2], across: bool
) -> dict[tuple[int, int], tuple[int, int]]:
    """Every pair of voters listed one by one: (vote, delegation, sector, choice)."""
    out: dict[tuple[int, int], tuple[int, int]] = {}
    for x, y in combinations(voters, 2):
        if x[0] != y[0] or (across and x[1] == y[1]):
            continue
        a, b = sorted((x[key], y[key]))
        alike, pairs = out.get((a, b), (0, 0))
        out[(a, b)] = (alike + (x[3] == y[3]), pairs + 1)
    return out


def test_counting_matches_listing_every_pair_of_voters() -> None:
    chance = random.Random(5)
    voters = [
        (
            chance.randint(1, 4),
            chance.choice((US, PRC, EU)),
            chance.randint(1, 3),
            chance.choice(("yes", "no", "abstain")),
        )
        for _ in range(120)
    ]
    grouped: dict[tuple[int, int, int, str], int] = {}
    for voter in voters:
        grouped[voter] = grouped.get(voter, 0) + 1
    ballots = [BallotGroup(*k, n) for k, n in grouped.items()]
    assert shares(rules.delegation_agreement(ballots)) == naive(voters, 1, across=False)
    assert shares(rules.sector_agreement(ballots, across_delegations=False)) == naive(
        voters, 2, across=False
    )
    assert shares(rules.sector_agreement(ballots, across_delegations=True)) == naive(
        voters, 2, across=True
    )


def test_horizontal_bars_scale_to_the_largest_value_or_a_fixed_maximum() -> None:
    items = [
        charts.Item("Ada", 4, "4"),
        charts.Item("A very long name that will not fit at all", 2, "2"),
    ]
    chart = charts.horizontal_bars(items)
    assert chart.bars[0].width == charts.PLOT_WIDTH
    assert chart.bars[1].width == charts.PLOT_WIDTH / 2
    assert (
        chart.bars[1].short_label.endswith("…")
        and len(chart.bars[1].short_label) == charts.LABEL_MAX
    )
    assert chart.bars[1].y > chart.bars[0].y
    shares_chart = charts.horizontal_bars([charts.Item("a – b", 0.5, "50%")], maximum=1.0)
    assert shares_chart.bars[0].width == charts.PLOT_WIDTH / 2
    assert charts.horizontal_bars([]).bars == []


def test_columns_label_only_as_many_times_as_fit() -> None:
    chart = charts.columns([charts.Item(f"{n:02d}:00", n, str(n)) for n in range(48)])
    labelled = [b.x for b in chart.bars if b.show_label]
    assert 1 < len(labelled) < 48
    assert min(b - a for a, b in pairwise(labelled)) >= charts.AXIS_LABEL_SPACING - 1
    assert chart.bars[0].height == 0 and chart.bars[-1].height == charts.COLUMN_PLOT_HEIGHT


def test_long_sessions_get_wider_buckets() -> None:
    assert bucket_slots(100, 100) == 1
    assert bucket_slots(100, 100 + MAX_BUCKETS - 1) == 1
    assert bucket_slots(100, 100 + MAX_BUCKETS) == 2
    assert (2000 // bucket_slots(0, 2000)) <= MAX_BUCKETS
