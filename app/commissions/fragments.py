"""What the stream redraws of a commission's overview: a delegate's own seat, when the
instructor changes it, for that delegate only.

Installed by the wiring (`app.main.install_live_fragments`); see `app.live.registry`.
"""

from __future__ import annotations

from collections.abc import Hashable

from app.commissions import service
from app.i18n import gettext as _
from app.live.registry import Batch, Fragment, Fragments, Message, Push, StreamViewer
from app.web import sse_event


def own_seat(push: Push) -> list[Message]:
    me = push.viewer.participant_id
    if not any(event.subject_id == me for event in push.events):
        return []
    overview = service.load_overview(push.session, push.commission_id, push.user)
    if overview is None or overview.me is None:
        return []
    html = push.block("commissions/overview.html", "seat_panel", overview=overview)
    return [
        (sse_event("seat", me), html),
        (sse_event("seat", me, "announce"), _("Your seat has changed.")),
    ]


def seated(batch: Batch, viewer: StreamViewer) -> Hashable | None:
    """The person seated, alone."""
    me = viewer.participant_id
    return me if any(event.subject_id == me for event in batch.events) else None


FRAGMENTS: Fragments = {"seat": Fragment(own_seat, seated)}
