"""What the stream redraws of a proposal: its panels, its arguments, its group's list.

Installed by the wiring (`app.main.install_live_fragments`); see `app.live.registry`.
"""

from __future__ import annotations

from app.commissions.models import WorkingGroup
from app.errors import DomainError
from app.i18n import gettext as _
from app.live.broker import LiveEvent
from app.live.registry import Fragments, Message, Push
from app.proposals import rules, views
from app.proposals.acting import acting_on
from app.proposals.models import Argument, Proposal
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
    "tally": {"vote"},
    "amendment": {"amendments", "text", "vote"},
}


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
    panel = page.vote_panel
    if "stage" in parts:
        return _("The proposal is now at stage: %(stage)s.", stage=page.proposal.stage)
    if "vote" in parts and panel is not None:
        result = panel.standing.result
        if result is not None and panel.standing.show_counts:
            return _(
                "Tally: %(yes)s yes, %(no)s no, %(abstain)s abstain. %(summary)s",
                yes=result.yes,
                no=result.no,
                abstain=result.abstain,
                summary=result.summary,
            )
        # Turnout only: hidden running tallies, and open secret votes (nothing is counted).
        return _(
            "%(cast)s of %(eligible)s have voted.",
            cast=panel.standing.cast,
            eligible=panel.standing.eligible,
        )
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
    """A stage moved, a ballot was cast, an amendment changed: the panels that show it, once
    per proposal however many events came; after a stage change, the group's list too."""
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
    token = push.viewer.csrf_token
    if event.kind == "argument_hidden":
        html = str(macros.argument_body(node, acting.proposal.id, can_hide, CSRF_FIELD, token))
        return [(sse_event("argument", argument.id, "hidden"), html)]
    html = str(
        macros.argument_item(node, acting.proposal.id, can_argue, can_hide, CSRF_FIELD, token)
    )
    target = (
        sse_event("argument", argument.parent_id, "reply")
        if argument.parent_id
        else sse_event("proposal", acting.proposal.id, "argument")
    )
    return [(target, html), *panels(push, acting.proposal.id, {"balance"})]


def arguments(push: Push) -> list[Message]:
    """A new argument, appended where it belongs (with the balance), or one hidden, redrawn."""
    return [message for event in push.events for message in _argument(push, event)]


FRAGMENTS: Fragments = {
    "argument": arguments,
    "argument_hidden": arguments,
    **dict.fromkeys(PARTS_BY_KIND, changed_proposals),
}
