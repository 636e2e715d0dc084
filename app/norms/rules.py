"""Who may read a commission's charter. Pure decisions, no I/O."""

from __future__ import annotations

from app.commissions.rules import Viewer


def can_read_charter(viewer: Viewer, visibility: str) -> bool:
    """private: the commission's instructors; class: everyone in it; public: everyone."""
    if visibility == "public":
        return True
    if visibility == "class":
        return viewer.is_member
    return viewer.is_instructor


def norm_code(group_code: str, number: int) -> str:
    """A norm's code: its working group's code and its number in that group (FT-1, CY-2)."""
    return f"{group_code}-{number}"
