"""What the stream sends for an event: the fragments each feature registers for its kind, drawn
once per audience.

A feature that draws part of a live page lists, in its `fragments.py`, a plain table
`FRAGMENTS = {kind: renderer}`; the wiring installs every table where the app starts
(`app.main.install_live_fragments`), never as a side effect of an import. The stream then knows
only this registry.

A renderer is a `Fragment`: `draw` makes the (event name, HTML) pairs for one viewer, and
`audience` says which viewers would get exactly the same pairs. For a batch of events the
registry asks each viewer's audience (a hashable key; None: this viewer gets nothing), draws
once per distinct key, for one viewer of it, and hands the same pairs to every viewer with that
key (`deliveries`). So a room of 500 watching a ballot costs one or two renders, not 500. A
plain function in a table is a `Fragment` whose audience is each viewer alone: correct for
anything, shared with nobody.

What makes an audience is the renderer's own business, and it must be everything its drawing
reads of the viewer: a key that forgets something would hand one person's fragment to another.
`render_for` (one viewer) and `deliveries` with `shared=False` draw for every viewer alone; the
tests compare the two for every audience of a seated room (tests/live/test_audiences.py).

Each viewer's pushes are drawn in the language their page was drawn in (`StreamViewer.locale`);
viewers of different languages are never one audience.

Nothing drawn for a push is personal to a browser session: forms carry an empty CSRF token,
which the page fills in from its own as the fragment is swapped in (static/js/live.js), and
HTMX's requests carry it in a header anyway. A renderer reads the database through the push's
session, and draws a page's block with `Push.block`, which uses the context `app.web.render`
draws the whole page with, so the block comes out the same both ways.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from app.accounts.models import User
from app.i18n import DEFAULT_LOCALE, get_locale, locale_scope
from app.live.broker import LiveEvent
from app.web import render_block, template_context, templates

logger = logging.getLogger(__name__)

# (SSE event name, HTML): one element of the page (the one whose sse-swap names it) takes it.
Message = tuple[str, str]

# What a pushed form carries for its CSRF token: nothing; the page fills in its own.
PUSHED_CSRF_TOKEN = ""

T = TypeVar("T")


@dataclass(frozen=True)
class StreamViewer:
    """Who an open stream belongs to: enough to say what they may see, nothing per session."""

    user_id: int
    participant_id: int
    role: str
    delegation_id: int | None
    # The language the stream's page was drawn in: its pushes are drawn in it too.
    locale: str = DEFAULT_LOCALE

    @property
    def is_instructor(self) -> bool:
        return self.role == "instructor"


@dataclass
class Batch:
    """A batch of events and the viewers it goes to, as one renderer's audiences see it.

    `memo` keeps what several audiences, and the batch's other renderers, read once, e.g. the
    seats of a working group: `batch.once(key, load)` (keys start with the feature's name).
    What is kept is kept per language, since a load may word things (a tally's sentences): a
    room of readers of both languages reads it twice, never more.
    """

    session: Session
    events: tuple[LiveEvent, ...]
    memo: dict[Hashable, Any] = field(default_factory=dict)

    @property
    def commission_id(self) -> int:
        return self.events[0].commission_id

    def once(self, key: Hashable, load: Callable[[], T]) -> T:
        key = (get_locale(), key)
        if key not in self.memo:
            self.memo[key] = load()
        value: T = self.memo[key]
        return value


@dataclass(frozen=True)
class Push:
    """One audience's batch as one renderer draws it: for `viewer`, one of the audience."""

    session: Session
    user: User
    viewer: StreamViewer
    events: tuple[LiveEvent, ...]
    batch: Batch

    @property
    def commission_id(self) -> int:
        return self.events[0].commission_id

    def context(self, values: Mapping[str, Any]) -> dict[str, Any]:
        return template_context(PUSHED_CSRF_TOKEN, self.user, values)

    def block(self, template: str, block: str, **values: Any) -> str:
        """A named block of a page, drawn as the page draws it for this audience."""
        return render_block(template, block, self.context(values))

    def template(self, name: str, **values: Any) -> str:
        """A whole small template (a partial the page includes), for this audience."""
        return templates.env.get_template(name).render(self.context(values))

    def macros(self, name: str) -> Any:
        """The macros of a template, for fragments a page draws with a macro."""
        return templates.env.get_template(name).module


Draw = Callable[[Push], list[Message]]
# Which viewers receive the same messages: a hashable key, or None for "nothing for them".
AudienceOf = Callable[[Batch, StreamViewer], Hashable | None]


def each_viewer_alone(batch: Batch, viewer: StreamViewer) -> Hashable:
    return viewer


@dataclass(frozen=True)
class Fragment:
    draw: Draw
    audience: AudienceOf = each_viewer_alone


Renderer = Draw | Fragment
# A feature's table: the event kinds it draws for, each with its renderer. One renderer may
# serve several kinds; it is called once per batch (and audience) with all of them.
Fragments = Mapping[str, Renderer]


@dataclass(frozen=True)
class Delivery:
    """The same messages for each of these viewers."""

    viewers: tuple[StreamViewer, ...]
    messages: tuple[Message, ...]


_renderers: tuple[tuple[Fragment, frozenset[str]], ...] = ()


def _fragment(renderer: Renderer) -> Fragment:
    return renderer if isinstance(renderer, Fragment) else Fragment(renderer)


def install(tables: Sequence[Fragments]) -> None:
    """Draw pushes with these tables' renderers, replacing whatever was installed before.

    Renderers run in the order the tables first name them, each once per batch and audience.
    """
    global _renderers
    kinds: dict[Fragment, set[str]] = {}
    for table in tables:
        for kind, renderer in table.items():
            kinds.setdefault(_fragment(renderer), set()).add(kind)
    _renderers = tuple((fragment, frozenset(names)) for fragment, names in kinds.items())


def uninstall() -> None:
    """Forget every renderer: the stream then sends nothing but its own keep-alives."""
    global _renderers
    _renderers = ()


def installed_kinds() -> frozenset[str]:
    return frozenset(kind for _fragment, kinds in _renderers for kind in kinds)


def deliveries(
    session: Session,
    viewers: Sequence[StreamViewer],
    batch: Sequence[LiveEvent],
    *,
    shared: bool = True,
) -> list[Delivery]:
    """What every viewer receives for a batch: each renderer drawn once per audience, in the
    renderers' order. `shared=False` draws for every viewer alone (what tests compare with)."""
    if not _renderers:
        logger.debug("live fragments not rendered (none installed): %s", batch)
        return []
    if not batch or not viewers:
        return []
    users: dict[int, User | None] = {}
    memo: dict[Hashable, Any] = {}  # shared by the batch's renderers (Batch.once)
    result: list[Delivery] = []
    for fragment, kinds in _renderers:
        events = tuple(event for event in batch if event.kind in kinds)
        if not events:
            continue
        context = Batch(session, events, memo)
        audiences: dict[Hashable, list[StreamViewer]] = {}
        for viewer in viewers:
            with locale_scope(viewer.locale):
                key = fragment.audience(context, viewer) if shared else viewer
            if key is not None:
                # Whatever a renderer's audience says, readers of two languages never share.
                audiences.setdefault((viewer.locale, key), []).append(viewer)
        for members in audiences.values():
            first = members[0]
            if first.user_id not in users:
                users[first.user_id] = session.get(User, first.user_id)
            user = users[first.user_id]
            if user is None:
                continue
            with locale_scope(first.locale):
                messages = fragment.draw(Push(session, user, first, events, context))
            if messages:
                result.append(Delivery(tuple(members), tuple(messages)))
    return result


def render_for(session: Session, viewer: StreamViewer, batch: Sequence[LiveEvent]) -> list[Message]:
    """Everything one viewer should receive for a batch of events: (event name, HTML)."""
    return [
        message
        for delivery in deliveries(session, [viewer], batch, shared=False)
        for message in delivery.messages
    ]
