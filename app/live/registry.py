"""What the stream sends for an event: the fragments each feature registers for its kind.

A feature that draws part of a live page lists, in its `fragments.py`, a plain table
`FRAGMENTS = {kind: render}`; the wiring installs every table where the app starts
(`app.main.install_live_fragments`), never as a side effect of an import. The stream then knows
only this registry: `render_for` hands each renderer the batch's events of its kinds and
collects the (event name, HTML) pairs they return.

A renderer draws for one viewer and must send only what that viewer may see; it reads the
database through the push's session, and draws a page's block with `Push.block`, which uses the
context `app.web.render` draws the whole page with, so the block comes out the same both ways.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from app.accounts.models import User
from app.live.broker import LiveEvent
from app.web import render_block, template_context, templates

logger = logging.getLogger(__name__)

# (SSE event name, HTML): one element of the page (the one whose sse-swap names it) takes it.
Message = tuple[str, str]


@dataclass(frozen=True)
class StreamViewer:
    user_id: int
    participant_id: int
    role: str
    delegation_id: int | None
    csrf_token: str


@dataclass(frozen=True)
class Push:
    """One viewer's batch as one renderer sees it: the events of the kinds it registered for."""

    session: Session
    user: User
    viewer: StreamViewer
    events: tuple[LiveEvent, ...]

    @property
    def commission_id(self) -> int:
        return self.events[0].commission_id

    def context(self, values: Mapping[str, Any]) -> dict[str, Any]:
        return template_context(self.viewer.csrf_token, self.user, values)

    def block(self, template: str, block: str, **values: Any) -> str:
        """A named block of a page, drawn as the page draws it for this viewer."""
        return render_block(template, block, self.context(values))

    def template(self, name: str, **values: Any) -> str:
        """A whole small template (a partial the page includes), for this viewer."""
        return templates.env.get_template(name).render(self.context(values))

    def macros(self, name: str) -> Any:
        """The macros of a template, for fragments a page draws with a macro."""
        return templates.env.get_template(name).module


Render = Callable[[Push], list[Message]]
# A feature's table: the event kinds it draws for, each with its renderer. One renderer may
# serve several kinds; it is called once per batch with all of them.
Fragments = Mapping[str, Render]

_renderers: tuple[tuple[Render, frozenset[str]], ...] = ()


def install(tables: Sequence[Fragments]) -> None:
    """Draw pushes with these tables' renderers, replacing whatever was installed before.

    Renderers run in the order the tables first name them, each once per batch.
    """
    global _renderers
    kinds: dict[Render, set[str]] = {}
    for table in tables:
        for kind, render in table.items():
            kinds.setdefault(render, set()).add(kind)
    _renderers = tuple((render, frozenset(names)) for render, names in kinds.items())


def uninstall() -> None:
    """Forget every renderer: the stream then sends nothing but its own keep-alives."""
    global _renderers
    _renderers = ()


def installed_kinds() -> frozenset[str]:
    return frozenset(kind for _render, kinds in _renderers for kind in kinds)


def render_for(session: Session, viewer: StreamViewer, batch: Sequence[LiveEvent]) -> list[Message]:
    """Everything this viewer should receive for a batch of events: (event name, HTML)."""
    if not _renderers:
        logger.debug("live fragments not rendered (none installed): %s", batch)
        return []
    user = session.get(User, viewer.user_id)
    if user is None:
        return []
    messages: list[Message] = []
    for render, kinds in _renderers:
        events = tuple(event for event in batch if event.kind in kinds)
        if events:
            messages += render(Push(session, user, viewer, events))
    return messages
