"""Pages and forms for working groups, proposals, debate and amendments (ballots: app.voting).

Routes stay thin: services decide and raise domain errors; a failed form re-renders the
page with the message next to the field and what was typed kept.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from app import page_parts
from app.accounts.auth import CurrentUser
from app.db import SessionDep, utcnow
from app.errors import DomainError, Invalid, NotAllowed, NotFound
from app.forms import form_id, refused, required_form_id
from app.i18n import gettext as _
from app.ids import Id
from app.proposals import amendments, rules, views
from app.proposals import service as proposals
from app.proposals.acting import Acting, acting_on
from app.proposals.models import Revision
from app.proposals.pages import act, show_proposal
from app.textdiff import change_counts, word_diff
from app.web import render

router = APIRouter()

MAX_DEADLINE_MINUTES = 24 * 60


def _deadline(minutes: str) -> Any:
    if not minutes.strip():
        return None
    try:
        value = int(minutes)
    except ValueError as error:
        raise Invalid(_("Give the deadline in whole minutes."), field="deadline") from error
    if not 1 <= value <= MAX_DEADLINE_MINUTES:
        raise Invalid(_("Choose a deadline between 1 minute and 24 hours."), field="deadline")
    return utcnow() + timedelta(minutes=value)


# --- working group -------------------------------------------------------------------------


@router.get("/commissions/{commission_id}/groups/{pillar}", name="working_group")
def working_group(
    request: Request, session: SessionDep, user: CurrentUser, commission_id: Id, pillar: str
) -> Response:
    page = views.group_page(session, commission_id, pillar, user)
    return render(request, "proposals/group.html", {"page": page, "g": page.group})


@router.post("/commissions/{commission_id}/groups/{pillar}/proposals")
def create_proposal(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    commission_id: Id,
    pillar: str,
    title: Annotated[str, Form()] = "",
    text: Annotated[str, Form()] = "",
    rationale: Annotated[str, Form()] = "",
) -> Response:
    page = views.group_page(session, commission_id, pillar, user)
    try:
        proposal = proposals.create_proposal(
            session,
            page.participant,
            page.seat,
            page.group,
            title=title,
            text=text,
            rationale=rationale,
        )
    except DomainError as error:
        refusal = refused(session, error)
        page = views.group_page(session, commission_id, pillar, user)
        return render(
            request,
            "proposals/group.html",
            {
                "page": page,
                "g": page.group,
                "values": {"title": title, "text": text, "rationale": rationale},
                "errors": refusal.errors("form"),
            },
            status_code=refusal.status_code,
        )
    return RedirectResponse(f"/proposals/{proposal.id}", status_code=303)


# --- the proposal --------------------------------------------------------------------------


@router.get("/proposals/{proposal_id}", name="proposal")
def proposal_page(
    request: Request, session: SessionDep, user: CurrentUser, proposal_id: Id
) -> Response:
    return show_proposal(request, session, user, proposal_id)


@router.get("/proposals/{proposal_id}/edit", name="edit_proposal")
def edit_page(
    request: Request, session: SessionDep, user: CurrentUser, proposal_id: Id
) -> Response:
    acting = acting_on(session, proposal_id, user)
    if not rules.can_edit(acting.seat, acting.facts):
        raise NotAllowed(_("Only the authors can edit, and only a draft or a rejected proposal."))
    revision = proposals.latest_revision(session, proposal_id)
    values = {"title": revision.title, "text": revision.text, "rationale": revision.rationale}
    return render(request, "proposals/edit.html", {"p": acting.proposal, "values": values})


@router.post("/proposals/{proposal_id}/edit")
def edit_proposal(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    proposal_id: Id,
    title: Annotated[str, Form()] = "",
    text: Annotated[str, Form()] = "",
    rationale: Annotated[str, Form()] = "",
) -> Response:
    values = {"title": title, "text": text, "rationale": rationale}
    try:
        acting = acting_on(session, proposal_id, user, for_update=True)
        proposals.edit_proposal(session, acting, title=title, text=text, rationale=rationale)
    except (Invalid, NotAllowed) as error:
        refusal = refused(session, error)
        acting = acting_on(session, proposal_id, user)
        return render(
            request,
            "proposals/edit.html",
            {"p": acting.proposal, "values": values, "errors": refusal.errors("form")},
            status_code=refusal.status_code,
        )
    return RedirectResponse(f"/proposals/{proposal_id}", status_code=303)


@router.post("/proposals/{proposal_id}/coauthors")
def add_coauthor(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    proposal_id: Id,
    participant_id: Annotated[str, Form()] = "",
) -> Response:
    return act(
        request,
        session,
        user,
        proposal_id,
        lambda a: proposals.add_coauthor(
            session, a, required_form_id(participant_id, field="participant_id")
        ),
        field_names={"participant_id": "participant_id"},
    )


@router.post("/proposals/{proposal_id}/sponsors")
def invite_sponsor(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    proposal_id: Id,
    participant_id: Annotated[str, Form()] = "",
) -> Response:
    return act(
        request,
        session,
        user,
        proposal_id,
        lambda a: proposals.invite_sponsor(
            session, a, required_form_id(participant_id, field="participant_id")
        ),
        field_names={"participant_id": "participant_id"},
    )


@router.post("/proposals/{proposal_id}/sponsorship")
def answer_sponsorship(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    proposal_id: Id,
    answer: Annotated[str, Form()] = "",
) -> Response:
    return act(
        request,
        session,
        user,
        proposal_id,
        lambda a: proposals.respond_to_sponsorship(session, a, accept=answer == "accept"),
    )


@router.post("/proposals/{proposal_id}/stage")
def move_stage(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    proposal_id: Id,
    action: Annotated[str, Form()] = "",
    deadline_minutes: Annotated[str, Form()] = "",
    return_to: Annotated[str, Form()] = "",
) -> Response:
    def step(acting: Acting) -> None:
        if action == "open_vote":
            page_parts.act("proposal.open_vote", session, acting, _deadline(deadline_minutes))
        else:
            proposals.move_stage(session, acting, action)

    return act(request, session, user, proposal_id, step, return_to=return_to)


@router.post("/proposals/{proposal_id}/arguments")
def post_argument(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    proposal_id: Id,
    stance: Annotated[str, Form()] = "",
    body: Annotated[str, Form()] = "",
    parent_id: Annotated[str, Form()] = "",
) -> Response:
    return act(
        request,
        session,
        user,
        proposal_id,
        lambda a: proposals.post_argument(
            session,
            a,
            stance=stance,
            body=body,
            parent_id=form_id(parent_id, field="parent_id"),
        ),
        field_names={"body": "body", "stance": "body", "parent_id": "body"},
        values={"stance": stance, "body": body},
    )


@router.post("/proposals/{proposal_id}/arguments/{argument_id}/hide")
def hide_argument(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    proposal_id: Id,
    argument_id: Id,
    reason: Annotated[str, Form()] = "",
    return_to: Annotated[str, Form()] = "",
) -> Response:
    return act(
        request,
        session,
        user,
        proposal_id,
        lambda a: proposals.hide_argument(session, a, argument_id, reason),
        return_to=return_to,
    )


@router.post("/proposals/{proposal_id}/amendments")
def propose_amendment(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    proposal_id: Id,
    text: Annotated[str, Form()] = "",
    rationale: Annotated[str, Form()] = "",
) -> Response:
    return act(
        request,
        session,
        user,
        proposal_id,
        lambda a: amendments.propose_amendment(session, a, text=text, rationale=rationale),
        field_names={"text": "amendment_text"},
        values={"amendment_text": text, "amendment_rationale": rationale},
    )


@router.post("/proposals/{proposal_id}/amendments/{amendment_id}/{decision}")
def decide_amendment(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    proposal_id: Id,
    amendment_id: Id,
    decision: str,
) -> Response:
    decisions: dict[str, Callable[[Acting], object]] = {
        "accept": lambda a: amendments.accept_amendment(session, a, amendment_id),
        "vote": lambda a: page_parts.act("proposal.amendment_vote", session, a, amendment_id),
        "withdraw": lambda a: amendments.withdraw_amendment(session, a, amendment_id),
    }
    if decision not in decisions:
        raise NotFound(_("Unknown action."))
    return act(request, session, user, proposal_id, decisions[decision])


@router.get("/proposals/{proposal_id}/diff", name="proposal_diff")
def diff_page(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    proposal_id: Id,
    from_: Annotated[Id, Query(alias="from")] = 1,
    to: Id | None = None,
) -> Response:
    acting = acting_on(session, proposal_id, user)
    revisions = {
        r.number: r
        for r in session.scalars(select(Revision).where(Revision.proposal_id == proposal_id))
    }
    target = to if to is not None else max(revisions)
    if from_ not in revisions or target not in revisions:
        raise Invalid(_("Choose two revisions of this proposal."))
    before, after = revisions[from_], revisions[target]
    segments = word_diff(before.text, after.text)
    inserted, deleted = change_counts(segments)
    return render(
        request,
        "proposals/diff.html",
        {
            "p": acting.proposal,
            "before": before,
            "after": after,
            "segments": segments,
            "title_changed": before.title != after.title,
            "inserted": inserted,
            "deleted": deleted,
            "numbers": sorted(revisions),
        },
    )


@router.get("/secret-ballots", name="secret_ballots")
def secret_ballots(request: Request) -> Response:
    return render(request, "proposals/secret_ballots.html")
