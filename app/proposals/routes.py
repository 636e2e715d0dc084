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


def _parallel_values(parallel: proposals.Wording) -> dict[str, str]:
    """What was typed into a form's parallel text, to show it again."""
    return {
        "parallel_title": parallel.title,
        "parallel_text": parallel.text,
        "parallel_rationale": parallel.rationale,
    }


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
    language: Annotated[str, Form()] = "en",
    parallel_title: Annotated[str, Form()] = "",
    parallel_text: Annotated[str, Form()] = "",
    parallel_rationale: Annotated[str, Form()] = "",
) -> Response:
    page = views.group_page(session, commission_id, pillar, user)
    parallel = proposals.Wording(parallel_title, parallel_text, parallel_rationale)
    try:
        proposal = proposals.create_proposal(
            session,
            page.participant,
            page.seat,
            page.group,
            title=title,
            text=text,
            rationale=rationale,
            language=language,
            parallel=parallel,
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
                "values": {"title": title, "text": text, "rationale": rationale}
                | {"language": language}
                | _parallel_values(parallel),
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
    texts = proposals.current_texts(session, proposal_id)
    own = texts.own
    values = {"title": own.title, "text": own.text, "rationale": own.rationale}
    parallel = texts.current.get(rules.other_language(texts.own_language))
    if parallel is not None:
        values |= _parallel_values(
            proposals.Wording(parallel.title, parallel.text, parallel.rationale)
        )
    return render(request, "proposals/edit.html", _edit_context(acting, texts, values))


def _edit_context(
    acting: Acting, texts: proposals.Texts, values: dict[str, str], **extra: Any
) -> dict[str, Any]:
    """The edit page: the text in the proposal's own language, and the parallel text's fields
    (open when it has one, to add one otherwise)."""
    return {
        "p": acting.proposal,
        "values": values,
        "own_language": texts.own_language,
        "parallel_language": rules.other_language(texts.own_language),
        "has_parallel": len(texts.current) > 1,
        **extra,
    }


@router.post("/proposals/{proposal_id}/edit")
def edit_proposal(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    proposal_id: Id,
    title: Annotated[str, Form()] = "",
    text: Annotated[str, Form()] = "",
    rationale: Annotated[str, Form()] = "",
    parallel_title: Annotated[str, Form()] = "",
    parallel_text: Annotated[str, Form()] = "",
    parallel_rationale: Annotated[str, Form()] = "",
) -> Response:
    parallel = proposals.Wording(parallel_title, parallel_text, parallel_rationale)
    values = {"title": title, "text": text, "rationale": rationale} | _parallel_values(parallel)
    try:
        acting = acting_on(session, proposal_id, user, for_update=True)
        proposals.edit_proposal(
            session, acting, title=title, text=text, rationale=rationale, parallel=parallel
        )
    except (Invalid, NotAllowed) as error:
        refusal = refused(session, error)
        acting = acting_on(session, proposal_id, user)
        texts = proposals.current_texts(session, proposal_id)
        return render(
            request,
            "proposals/edit.html",
            _edit_context(acting, texts, values, errors=refusal.errors("form")),
            status_code=refusal.status_code,
        )
    return RedirectResponse(f"/proposals/{proposal_id}", status_code=303)


@router.post("/proposals/{proposal_id}/texts/confirm")
def confirm_texts(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    proposal_id: Id,
    return_to: Annotated[str, Form()] = "",
) -> Response:
    return act(
        request,
        session,
        user,
        proposal_id,
        lambda a: proposals.confirm_texts(session, a),
        return_to=return_to,
    )


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
    language: Annotated[str, Form()] = "",
) -> Response:
    return act(
        request,
        session,
        user,
        proposal_id,
        lambda a: amendments.propose_amendment(
            session, a, text=text, rationale=rationale, language=language or None
        ),
        field_names={"text": "amendment_text", "language": "amendment_text"},
        values={"amendment_text": text, "amendment_rationale": rationale}
        | {"amendment_language": language},
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
    from_: Annotated[Id | None, Query(alias="from")] = None,
    to: Id | None = None,
    language: str = "",
) -> Response:
    """Two revisions of the text in one language (by default the proposal's own), compared
    word by word, and character by character where the text is Chinese."""
    acting = acting_on(session, proposal_id, user)
    everything = session.scalars(select(Revision).where(Revision.proposal_id == proposal_id)).all()
    texts = proposals.texts_of(everything)
    language = language if language in texts.current else texts.own_language
    revisions = {r.number: r for r in everything if r.language == language}
    numbers = sorted(revisions)
    start = from_ if from_ is not None else numbers[0]
    target = to if to is not None else numbers[-1]
    if start not in revisions or target not in revisions:
        raise Invalid(_("Choose two revisions of this proposal."))
    before, after = revisions[start], revisions[target]
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
            "numbers": numbers,
            "language": language,
            "languages": list(texts.current),
        },
    )


@router.get("/secret-ballots", name="secret_ballots")
def secret_ballots(request: Request) -> Response:
    return render(request, "proposals/secret_ballots.html")
