"""A working group's rules are named once (GROUP_RULE_FIELDS) and typed once (commissions.rules):
the models, the scenario file and the archive agree with them, without a database."""

from __future__ import annotations

from typing import get_args

from app.archive.rows import WorkingGroupRow
from app.commissions.models import GROUP_RULE_FIELDS, GroupRuleColumns, WorkingGroup
from app.commissions.rules import (
    BALLOT_TYPES,
    BALLOT_UNITS,
    SPONSORSHIP_RULES,
    VOTING_RULES,
    BallotType,
    BallotUnit,
    SponsorshipRule,
    VotingRule,
)
from app.scenarios.models import ScenarioWorkingGroup
from app.scenarios.schemas import WorkingGroupRules


def test_the_literal_types_hold_the_vocabularies_of_the_columns() -> None:
    assert get_args(VotingRule) == VOTING_RULES
    assert get_args(BallotUnit) == BALLOT_UNITS
    assert get_args(BallotType) == BALLOT_TYPES
    assert get_args(SponsorshipRule) == SPONSORSHIP_RULES


def test_every_place_that_holds_a_groups_rules_holds_the_same_fields() -> None:
    assert tuple(WorkingGroupRules.model_fields) == GROUP_RULE_FIELDS
    assert tuple(WorkingGroupRow.model_fields)[-len(GROUP_RULE_FIELDS) :] == GROUP_RULE_FIELDS
    for model in (WorkingGroup, ScenarioWorkingGroup):
        assert issubclass(model, GroupRuleColumns)
        columns = model.__table__.c
        assert tuple(columns.keys())[-len(GROUP_RULE_FIELDS) :] == GROUP_RULE_FIELDS


def test_a_scenarios_defaults_are_the_columns_defaults() -> None:
    defaults = WorkingGroupRules()
    for name in GROUP_RULE_FIELDS:
        column = WorkingGroup.__table__.c[name]
        assert column.default is not None
        assert getattr(defaults, name) == column.default.arg
    assert ScenarioWorkingGroup(**defaults.model_dump()).rule_values() == defaults.model_dump()
