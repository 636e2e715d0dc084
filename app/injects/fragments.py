"""What the stream sends of an inject: its banner, on every live page of those it reaches.

Installed by the wiring (`app.main.install_live_fragments`); see `app.live.registry`.
"""

from __future__ import annotations

from collections.abc import Hashable

from app.injects import rules
from app.injects.models import Inject
from app.live.registry import Batch, Fragment, Fragments, Message, Push, StreamViewer
from app.web import sse_event


def banners(push: Push) -> list[Message]:
    viewer = push.viewer
    messages: list[Message] = []
    for event in push.events:
        inject = push.session.get(Inject, event.subject_id or 0)
        if inject is None or inject.status != "published":
            continue
        if not rules.can_see(
            is_instructor=viewer.role == "instructor",
            viewer_delegation_id=viewer.delegation_id,
            target_id=inject.target_delegation_id,
        ):
            continue
        html = push.template("_shared/_inject_banner.html", inject=inject)
        messages.append((sse_event("inject"), html))
    return messages


def reached(batch: Batch, viewer: StreamViewer) -> Hashable | None:
    """Who an inject may reach: instructors, or the members of one delegation."""
    return "instructor" if viewer.is_instructor else ("delegation", viewer.delegation_id)


FRAGMENTS: Fragments = {"inject": Fragment(banners, reached)}
