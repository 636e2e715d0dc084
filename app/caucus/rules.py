"""Who may read and speak in a delegation's caucus room. Pure decisions, no I/O.

A room belongs to one delegation: its members read it and speak in it; instructors read every
room and speak in none. The pages, the API and the live stream all ask these two functions.
"""

from __future__ import annotations

from typing import Protocol


class Member(Protocol):
    """Someone in a commission as the rules see them: a proposal's seat, a stream's viewer."""

    @property
    def role(self) -> str: ...  # instructor | delegate | observer

    @property
    def delegation_id(self) -> int | None: ...


def can_read(member: Member, delegation_id: int) -> bool:
    return member.role == "instructor" or member.delegation_id == delegation_id


def can_post(member: Member, delegation_id: int) -> bool:
    return member.delegation_id == delegation_id and member.role != "instructor"
