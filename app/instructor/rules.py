"""Instructor decisions: who may run a commission, and when rules may change. Pure, no I/O."""

from __future__ import annotations

from app.commissions.rules import Viewer


def can_open_commissions(is_instructor_account: bool) -> bool:
    return is_instructor_account


def can_manage(viewer: Viewer) -> bool:
    """Only the commission's own instructors run it; a delegate gets a refusal."""
    return viewer.is_instructor


def rule_change_refusal(open_votes_in_group: int) -> str | None:
    """Changing a working group's rules while one of its votes is open would change a count."""
    if open_votes_in_group:
        return "A vote is open in this working group. Close it before changing the rules."
    return None


PARTNER_CODE_PATTERN = r"^[A-Z][A-Z0-9]{1,11}$"
