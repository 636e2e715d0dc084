"""What the stream sends of a caucus: a new message, to its delegation and the instructors only.

Installed by the wiring (`app.main.install_live_fragments`); see `app.live.registry`.
"""

from __future__ import annotations

from collections.abc import Hashable

from app.caucus import rules
from app.caucus.models import CaucusMessage
from app.live.registry import Batch, Fragment, Fragments, Message, Push, StreamViewer
from app.proposals import views
from app.web import sse_event


def new_messages(push: Push) -> list[Message]:
    messages: list[Message] = []
    for event in push.events:
        if event.delegation_id is None or not rules.can_read(push.viewer, event.delegation_id):
            continue
        message = push.session.get(CaucusMessage, event.subject_id or 0)
        if message is None or message.working_group_id is None:
            continue  # gone, or of no group's room: no page takes it
        people = views.people_by_id(push.session, event.commission_id)
        html = push.template("caucus/_message.html", m=message, people=people)
        name = sse_event("caucus", message.delegation_id, message.working_group_id)
        messages.append((name, html))
    return messages


def readers(batch: Batch, viewer: StreamViewer) -> Hashable | None:
    """A delegation's members read its room, and every instructor reads every room."""
    if not any(
        event.delegation_id is not None and rules.can_read(viewer, event.delegation_id)
        for event in batch.events
    ):
        return None
    return "instructor" if viewer.is_instructor else ("delegation", viewer.delegation_id)


FRAGMENTS: Fragments = {"caucus": Fragment(new_messages, readers)}
