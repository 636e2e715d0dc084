"""What the stream redraws of a proposal: its panels, its arguments, its group's list; each drawn
once per audience.

The panels show what a seat may do (move a stage, amend, chair), so their audience is the
viewer's seat in the proposal's group, the same for everyone seated alike; someone the page
names as theirs (an author, a sponsor, an amendment's author, a voter: "you voted", "withdraw
my amendment", the drafts on the group's list) is an audience of their own. An argument shows
only whether the viewer may reply and hide. A ballot's tally is voting's (app.voting.fragments).

Installed by the wiring (`app.main.install_live_fragments`); see `app.live.registry`.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import replace

from sqlalchemy import select, union

from app import page_parts
from app.commissions.models import Commission, WorkingGroup
from app.commissions.rules import Seat
from app.commissions.seats import group_seats
from app.errors import DomainError
from app.i18n import gettext as _
from app.live.broker import LiveEvent
from app.live.registry import (
    PUSHED_CSRF_TOKEN,
    Batch,
    Fragment,
    Fragments,
    Message,
    Push,
    StreamViewer,
)
from app.proposals import rules, views
from app.proposals.acting import acting_on, facts_of, load_proposal
from app.proposals.models import Amendment, Argument, Proposal, ProposalAuthor
from app.proposals.rules import ProposalFacts
from app.web import CSRF_FIELD, sse_event

# The panels of proposal.html each kind of event changes, in the page's order, by block.
PANELS = {
    "stage": "stage_panel",
    "vote": "vote_panel",
    "text": "text_panel",
    "amendments": "amendments_list",
    "balance": "balance_panel",
}
PARTS_BY_KIND = {
    "stage": {"stage", "vote", "text", "amendments"},
    "amendment": {"amendments", "text", "vote"},
}


def _facts(batch: Batch, proposal_id: int) -> tuple[Proposal, ProposalFacts] | None:
    """The proposal and what deciding about it needs, read once per batch."""

    def load() -> tuple[Proposal, ProposalFacts] | None:
        try:
            proposal = load_proposal(batch.session, proposal_id)
        except DomainError:
            return None
        status = batch.session.scalar(
            select(Commission.status).where(Commission.id == proposal.commission_id)
        )
        group = proposal.working_group
        return proposal, facts_of(proposal, group, session_over=status == "concluded")

    return batch.once(("proposals.facts", proposal_id), load)


def _seat(batch: Batch, proposal: Proposal, viewer: StreamViewer) -> Seat | None:
    seats = batch.once(
        ("seats", proposal.working_group_id),
        lambda: group_seats(batch.session, proposal.commission_id, proposal.working_group_id),
    )
    return seats.get(viewer.participant_id)


def _named(batch: Batch, proposal: Proposal) -> frozenset[int]:
    """Who the proposal's panels and its group's list name as theirs: an audience each."""

    def load() -> frozenset[int]:
        session = batch.session
        drafts_of_the_group = (
            select(ProposalAuthor.participant_id)
            .join(Proposal, Proposal.id == ProposalAuthor.proposal_id)
            .where(
                Proposal.working_group_id == proposal.working_group_id, Proposal.stage == "draft"
            )
        )
        amendment_authors = select(Amendment.author_id).where(
            Amendment.proposal_id == proposal.id, Amendment.author_id.is_not(None)
        )
        ids = {i for i in session.scalars(union(drafts_of_the_group, amendment_authors)) if i}
        ids |= {a.participant_id for a in proposal.authors}
        ids |= {s.participant_id for s in proposal.sponsorships}
        ids |= page_parts.build("proposal.voters", session, proposal.id, default=frozenset())
        return frozenset(ids)

    return batch.once(("proposals.named", proposal.id), load)


def _proposal_ids(events: tuple[LiveEvent, ...]) -> list[int]:
    return list(dict.fromkeys(e.proposal_id for e in events if e.proposal_id is not None))


def panels_audience(batch: Batch, viewer: StreamViewer) -> Hashable | None:
    """Per proposal the viewer may see: their seat (without who they are), or they themselves
    when the page names them."""
    key: list[Hashable] = []
    for proposal_id in _proposal_ids(batch.events):
        loaded = _facts(batch, proposal_id)
        seat = _seat(batch, loaded[0], viewer) if loaded else None
        if loaded is None or seat is None or not rules.can_view(seat, loaded[1]):
            key.append(None)
        elif viewer.participant_id in _named(batch, loaded[0]):
            key.append(seat)
        else:
            key.append(replace(seat, participant_id=0))
    return tuple(key) if any(k is not None for k in key) else None


def panels(push: Push, proposal_id: int, parts: set[str]) -> list[Message]:
    """The named panels of one proposal's page, and a sentence for its status region."""
    try:
        page = views.proposal_page(push.session, proposal_id, push.user)
    except DomainError:
        return []  # a draft, or a proposal this viewer may not see
    context = views.proposal_context(page)
    messages = [
        (
            sse_event("proposal", proposal_id, part),
            push.block("proposals/proposal.html", block, **context),
        )
        for part, block in PANELS.items()
        if part in parts
    ]
    announcement = _announcement(page, parts)
    if announcement:
        messages.append((sse_event("proposal", proposal_id, "announce"), announcement))
    return messages


def _announcement(page: views.ProposalPage, parts: set[str]) -> str:
    """One short sentence for screen readers, through the page's polite status region."""
    if "stage" in parts:
        return _("The proposal is now at stage: %(stage)s.", stage=page.proposal.stage)
    if "vote" in parts and page.vote_panel is not None:
        sentence: str = page_parts.build("proposal.tally_sentence", page.vote_panel.standing)
        return sentence or ""
    return ""


def _group_list(push: Push, proposal_id: int) -> list[Message]:
    session = push.session
    proposal = session.get(Proposal, proposal_id)
    group = session.get(WorkingGroup, proposal.working_group_id) if proposal else None
    if proposal is None or group is None:
        return []
    page = views.group_page(session, proposal.commission_id, group.pillar, push.user)
    html = push.block("proposals/group.html", "proposal_list", page=page, g=page.group)
    return [(sse_event("group", group.id, "proposals"), html)]


def changed_proposals(push: Push) -> list[Message]:
    """A stage moved, an amendment changed: the panels that show it, once per proposal however
    many events came; after a stage change, the group's list too."""
    parts_by_proposal: dict[int, set[str]] = {}
    for event in push.events:
        if event.proposal_id is not None:
            parts_by_proposal.setdefault(event.proposal_id, set()).update(PARTS_BY_KIND[event.kind])
    messages: list[Message] = []
    for proposal_id, parts in parts_by_proposal.items():
        proposal_messages = panels(push, proposal_id, parts)
        messages += proposal_messages
        if proposal_messages and "stage" in parts:
            messages += _group_list(push, proposal_id)
    return messages


def arguments_audience(batch: Batch, viewer: StreamViewer) -> Hashable | None:
    """Per proposal: whether the viewer may see it, reply and hide (all an argument shows)."""
    key: list[Hashable] = []
    for proposal_id in _proposal_ids(batch.events):
        loaded = _facts(batch, proposal_id)
        seat = _seat(batch, loaded[0], viewer) if loaded else None
        if loaded is None or seat is None or not rules.can_view(seat, loaded[1]):
            key.append(None)
        else:
            key.append((rules.can_argue(seat, loaded[1]), rules.can_hide_argument(seat)))
    return tuple(key) if any(k is not None for k in key) else None


def _argument(push: Push, event: LiveEvent) -> list[Message]:
    session = push.session
    argument = session.get(Argument, event.subject_id or 0)
    if argument is None or event.proposal_id is None:
        return []
    try:
        acting = acting_on(session, event.proposal_id, push.user)
    except DomainError:
        return []
    people = views.people_in(session, {argument.author_id} if argument.author_id else set())
    node = views.ArgumentNode(argument, people.get(argument.author_id or 0))
    macros = push.macros("proposals/_argument.html")
    can_argue = rules.can_argue(acting.seat, acting.facts)
    can_hide = rules.can_hide_argument(acting.seat)
    token, field = PUSHED_CSRF_TOKEN, CSRF_FIELD
    if event.kind == "argument_hidden":
        html = str(macros.argument_body(node, acting.proposal.id, can_hide, field, token))
        return [(sse_event("argument", argument.id, "hidden"), html)]
    html = str(macros.argument_item(node, acting.proposal.id, can_argue, can_hide, field, token))
    target = (
        sse_event("argument", argument.parent_id, "reply")
        if argument.parent_id
        else sse_event("proposal", acting.proposal.id, "argument")
    )
    return [(target, html), *panels(push, acting.proposal.id, {"balance"})]


def arguments(push: Push) -> list[Message]:
    """A new argument, appended where it belongs (with the balance), or one hidden, redrawn."""
    return [message for event in push.events for message in _argument(push, event)]


PANELS_FRAGMENT = Fragment(changed_proposals, panels_audience)
ARGUMENTS_FRAGMENT = Fragment(arguments, arguments_audience)
FRAGMENTS: Fragments = {
    "argument": ARGUMENTS_FRAGMENT,
    "argument_hidden": ARGUMENTS_FRAGMENT,
    **dict.fromkeys(PARTS_BY_KIND, PANELS_FRAGMENT),
}
