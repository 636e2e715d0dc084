"""Who may see what in a commission: pure decisions over plain data."""

from __future__ import annotations

from dataclasses import dataclass

STATUSES = ("setup", "in_session", "concluded")
VISIBILITIES = ("private", "class", "public")
PARTICIPANT_ROLES = ("instructor", "delegate", "observer")
DELEGATION_STATUSES = ("member", "observer")


@dataclass(frozen=True)
class Viewer:
    """What the overview needs to know about the person looking at it."""

    participant_id: int | None
    role: str | None
    delegation_id: int | None

    @property
    def is_member(self) -> bool:
        return self.participant_id is not None

    @property
    def is_instructor(self) -> bool:
        return self.role == "instructor"


NOBODY = Viewer(participant_id=None, role=None, delegation_id=None)


def can_view_commission(viewer: Viewer) -> bool:
    """The overview, briefing and roster are for members of the commission only."""
    return viewer.is_member


def can_view_roster(viewer: Viewer) -> bool:
    return viewer.is_member


def can_read_delegation_brief(viewer: Viewer, delegation_id: int) -> bool:
    """A delegation's instructions are for its own delegates and for instructors."""
    return viewer.is_instructor or (
        viewer.delegation_id is not None and viewer.delegation_id == delegation_id
    )


def can_read_private_brief(viewer: Viewer, brief_holder_participant_id: int) -> bool:
    """A private role brief is for the person who holds it and for instructors."""
    return viewer.is_instructor or viewer.participant_id == brief_holder_participant_id
