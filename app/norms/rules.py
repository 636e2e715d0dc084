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
