"""Vocabulary of crisis injects."""

from __future__ import annotations

TRIGGERS = ("manual", "on_vote_opened", "on_vote_failed", "on_idle")
INJECT_STATUSES = ("draft", "scheduled", "armed", "published")


def can_see(
    *, is_instructor: bool, viewer_delegation_id: int | None, target_id: int | None
) -> bool:
    """An inject for one delegation (its own news feed) reaches only it and the instructors."""
    return is_instructor or target_id is None or target_id == viewer_delegation_id


def fires_on(
    trigger: str, armed_trigger: str, armed_group_id: int | None, event_group_id: int | None
) -> bool:
    """Whether an armed inject answers this session event (no group: any working group)."""
    return armed_trigger == trigger and (armed_group_id is None or armed_group_id == event_group_id)
