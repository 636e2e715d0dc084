"""Who may read and change a scenario, decided without a database or HTTP."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from app.scenarios.rules import can_edit, can_read


@dataclass(frozen=True)
class Scenario:
    is_builtin: bool
    owner_id: int | None


@dataclass(frozen=True)
class User:
    id: int
    is_instructor: bool


BUILTIN = Scenario(is_builtin=True, owner_id=None)
MINE = Scenario(is_builtin=False, owner_id=1)
THEIRS = Scenario(is_builtin=False, owner_id=2)
ORPHANED = Scenario(is_builtin=False, owner_id=None)  # its owner's account is gone

ME = User(id=1, is_instructor=True)
STUDENT = User(id=1, is_instructor=False)  # owns a clone, yet is no longer an instructor


@pytest.mark.parametrize(
    ("scenario", "user", "reads", "edits"),
    [
        (BUILTIN, ME, True, False),
        (MINE, ME, True, True),
        (THEIRS, ME, False, False),
        (ORPHANED, ME, False, False),
        (BUILTIN, STUDENT, False, False),
        (MINE, STUDENT, False, True),
    ],
)
def test_who_reads_and_who_edits(scenario: Scenario, user: User, reads: bool, edits: bool) -> None:
    assert can_read(scenario, user) is reads
    assert can_edit(scenario, user) is edits
