"""The parts of a page that features above the page's own supply (issue 11's inversion).

The proposal page belongs to proposals, yet it shows a vote (voting's) and the norm a proposal
became (norms'), and its stage and amendment forms open votes. Proposals sit below voting and
norms, so they never import them: a feature lists, in its `parts.py`, a plain table
`PARTS = {name: function}`, and the wiring installs every table where the app starts
(`app.main.install_page_parts`), never as a side effect of an import. The page then asks this
registry by name. The names, their arguments and what they return:

    "proposal.vote_panel"       (session, acting) -> the vote panel, or None
    "proposal.vote_out"         (panel) -> the vote as the API answers it, or None
    "proposal.tally_sentence"   (standing) -> the vote in one sentence (the status region)
    "proposal.voters"           (session, proposal id) -> ids of who cast a ballot on it
    "proposal.amendment_votes"  (session, amendment ids) -> {amendment id: its vote}
    "proposal.norm"             (session, proposal id) -> the norm it became, or None
    "proposal.open_vote"        (session, acting, deadline) -> the stage form's `open_vote`
    "proposal.amendment_vote"   (session, acting, amendment id) -> put an amendment to a vote
    "commission.console"        (request, session, commission, status, **extra) -> the
                                instructor's console (instructor's), which injects' forms redraw
    "commission.news"           (session, commission id, is_instructor=, delegation_id=) -> the
                                published injects the overview's viewer may read (injects')
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from app.errors import NotFound
from app.i18n import gettext as _

Part = Callable[..., Any]
# A feature's table: the part names it supplies, each with its function.
Parts = Mapping[str, Part]

_parts: dict[str, Part] = {}


def install(tables: Sequence[Parts]) -> None:
    """Supply these tables' parts, replacing whatever was installed before."""
    parts: dict[str, Part] = {}
    for table in tables:
        for name, part in table.items():
            if name in parts:
                raise ValueError(f"two features supply the page part {name!r}")
            parts[name] = part
    _parts.clear()
    _parts.update(parts)


def installed() -> frozenset[str]:
    return frozenset(_parts)


def build(name: str, *args: Any, default: Any = None) -> Any:
    """What the part `name` draws from these arguments; `default` when nobody supplies it."""
    part = _parts.get(name)
    return default if part is None else part(*args)


def required(name: str) -> Part:
    """The part `name`, which a page cannot do without: a missing one is a wiring mistake."""
    part = _parts.get(name)
    if part is None:
        raise LookupError(f"No feature supplies the page part {name!r}: see app.main.PAGE_PARTS.")
    return part


def act(name: str, *args: Any) -> Any:
    """Run the action `name`; an action nobody supplies is unknown (404), as a wrong URL."""
    part = _parts.get(name)
    if part is None:
        raise NotFound(_("Unknown action."))
    return part(*args)
