"""Who may read and who may change a scenario: pure decisions on plain facts, no I/O."""

from __future__ import annotations

from typing import Protocol


class OwnedScenario(Protocol):
    """What the decisions need of a scenario (a Scenario row has it)."""

    @property
    def is_builtin(self) -> bool: ...

    @property
    def owner_id(self) -> int | None: ...


class Instructor(Protocol):
    """What the decisions need of the person asking (a User row has it)."""

    @property
    def id(self) -> int: ...

    @property
    def is_instructor(self) -> bool: ...


def can_edit(scenario: OwnedScenario, user: Instructor) -> bool:
    """Built-in scenarios are read-only; an instructor edits the clones they own."""
    return not scenario.is_builtin and scenario.owner_id == user.id


def can_read(scenario: OwnedScenario, user: Instructor) -> bool:
    return user.is_instructor and (scenario.is_builtin or scenario.owner_id == user.id)
