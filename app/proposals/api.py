"""The proposals JSON API under /api/v1: the same services and rules as the pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlalchemy import select

from app import page_parts
from app.accounts.auth import ApiUser
from app.commissions import service as commissions
from app.commissions.models import Participant, WorkingGroup
from app.db import SessionDep, utcnow
from app.errors import NotAllowed, NotFound
from app.i18n import gettext as _
from app.ids import Id
from app.proposals import amendments, views
from app.proposals import schemas as s
from app.proposals import service as proposals
from app.proposals.acting import acting_for_update, acting_on
from app.proposals.answers import proposal_detail
from app.proposals.models import Amendment, Proposal, ProposalAuthor, Revision
from app.textdiff import word_diff

router = APIRouter(prefix="/api/v1", tags=["proposals"])


@router.get("/commissions/{commission_id}/proposals")
def list_proposals(
    session: SessionDep, user: ApiUser, commission_id: Id
) -> list[s.ProposalSummaryOut]:
    participant = commissions.participant_for(session, commission_id, user, with_delegation=True)
    if participant is None:
        raise NotAllowed(_("Only members of this commission can see it."))
    mine = select(ProposalAuthor.proposal_id).where(ProposalAuthor.participant_id == participant.id)
    rows = session.execute(
        select(Proposal, WorkingGroup.code)
        .join(WorkingGroup, WorkingGroup.id == Proposal.working_group_id)
        .where(
            Proposal.commission_id == commission_id,
            (Proposal.stage != "draft") | Proposal.id.in_(mine),
        )
        .order_by(Proposal.id)
    ).all()
    return [
        s.ProposalSummaryOut(
            id=p.id, title=p.title, stage=p.stage, round=p.round, working_group=code
        )
        for p, code in rows
    ]


@router.post("/commissions/{commission_id}/groups/{pillar}/proposals", status_code=201)
def create_proposal(
    session: SessionDep, user: ApiUser, commission_id: Id, pillar: str, body: s.ProposalIn
) -> s.ProposalOut:
    page = views.group_page(session, commission_id, pillar, user)
    proposal = proposals.create_proposal(
        session,
        page.participant,
        page.seat,
        page.group,
        title=body.title,
        text=body.text,
        rationale=body.rationale,
        language=body.language or "en",
        parallel=_parallel(body),
    )
    return proposal_detail(session, user, proposal.id)


def _parallel(body: s.ProposalIn) -> proposals.Wording | None:
    if body.parallel is None:
        return None
    return proposals.Wording(body.parallel.title, body.parallel.text, body.parallel.rationale)


@router.get("/proposals/{proposal_id}")
def get_proposal(session: SessionDep, user: ApiUser, proposal_id: Id) -> s.ProposalOut:
    return proposal_detail(session, user, proposal_id)


@router.patch("/proposals/{proposal_id}")
def edit_proposal(
    session: SessionDep, user: ApiUser, proposal_id: Id, body: s.ProposalIn
) -> s.ProposalOut:
    acting = acting_for_update(session, proposal_id, user)
    proposals.edit_proposal(
        session,
        acting,
        title=body.title,
        text=body.text,
        rationale=body.rationale,
        language=body.language,
        parallel=_parallel(body),
    )
    return proposal_detail(session, user, proposal_id)


@router.post("/proposals/{proposal_id}/texts/confirm")
def confirm_texts(session: SessionDep, user: ApiUser, proposal_id: Id) -> s.ProposalOut:
    """An author confirms that the two texts, as they stand, agree."""
    acting = acting_for_update(session, proposal_id, user)
    proposals.confirm_texts(session, acting)
    return proposal_detail(session, user, proposal_id)


@router.get("/proposals/{proposal_id}/revisions")
def list_revisions(session: SessionDep, user: ApiUser, proposal_id: Id) -> list[s.RevisionOut]:
    page = views.proposal_page(session, proposal_id, user)
    return [
        s.RevisionOut(
            number=r.number,
            language=r.language,
            title=r.title,
            text=r.text,
            rationale=r.rationale,
            author=s.person_out(page.people.get(r.author_id or 0)),
            amendment_id=r.amendment_id,
            created_at=r.created_at,
        )
        for r in page.revisions
    ]


@router.get("/proposals/{proposal_id}/diff")
def diff(
    session: SessionDep,
    user: ApiUser,
    proposal_id: Id,
    from_: Annotated[Id, Query(alias="from")],
    to: Id,
) -> list[s.DiffSegmentOut]:
    """Two revisions of the text in one language, compared word by word (character by
    character in Chinese)."""
    acting_on(session, proposal_id, user)
    found = session.scalars(
        select(Revision).where(
            Revision.proposal_id == proposal_id, Revision.number.in_([from_, to])
        )
    ).all()
    texts = {r.number: r.text for r in found}
    if from_ not in texts or to not in texts:
        raise NotFound(_("Choose two revisions of this proposal."))
    if len({r.language for r in found}) > 1:
        raise NotFound(_("Choose two revisions of the text in one language."))
    return [s.DiffSegmentOut(kind=x.kind, text=x.text) for x in word_diff(texts[from_], texts[to])]


@router.post("/proposals/{proposal_id}/coauthors")
def add_coauthor(
    session: SessionDep, user: ApiUser, proposal_id: Id, body: s.ParticipantRef
) -> s.ProposalOut:
    acting = acting_for_update(session, proposal_id, user)
    proposals.add_coauthor(session, acting, body.participant_id)
    return proposal_detail(session, user, proposal_id)


@router.post("/proposals/{proposal_id}/sponsors")
def invite_sponsor(
    session: SessionDep, user: ApiUser, proposal_id: Id, body: s.ParticipantRef
) -> s.ProposalOut:
    acting = acting_for_update(session, proposal_id, user)
    proposals.invite_sponsor(session, acting, body.participant_id)
    return proposal_detail(session, user, proposal_id)


@router.post("/proposals/{proposal_id}/sponsorship")
def answer_sponsorship(
    session: SessionDep, user: ApiUser, proposal_id: Id, body: s.SponsorshipAnswer
) -> s.ProposalOut:
    acting = acting_for_update(session, proposal_id, user)
    proposals.respond_to_sponsorship(session, acting, accept=body.accept)
    return proposal_detail(session, user, proposal_id)


@router.post("/proposals/{proposal_id}/stage")
def move_stage(
    session: SessionDep, user: ApiUser, proposal_id: Id, body: s.StageAction
) -> s.ProposalOut:
    acting = acting_for_update(session, proposal_id, user)
    if body.action == "open_vote":
        deadline = (
            utcnow() + timedelta(minutes=body.deadline_minutes) if body.deadline_minutes else None
        )
        page_parts.act("proposal.open_vote", session, acting, deadline)
    else:
        proposals.move_stage(session, acting, body.action)
    return proposal_detail(session, user, proposal_id)


@router.get("/proposals/{proposal_id}/arguments")
def list_arguments(session: SessionDep, user: ApiUser, proposal_id: Id) -> list[s.ArgumentOut]:
    page = views.proposal_page(session, proposal_id, user)
    out: list[s.ArgumentOut] = []

    def walk(nodes: list[views.ArgumentNode]) -> None:
        for node in nodes:
            a = node.argument
            out.append(
                s.ArgumentOut(
                    id=a.id,
                    parent_id=a.parent_id,
                    stance=a.stance,
                    body=None if a.hidden_at else a.body,
                    author=s.person_out(node.author),
                    created_at=a.created_at,
                    hidden=a.hidden_at is not None,
                    hidden_reason=a.hidden_reason,
                )
            )
            walk(node.replies)

    walk(page.arguments)
    return out


@router.post("/proposals/{proposal_id}/arguments", status_code=201)
def post_argument(
    session: SessionDep, user: ApiUser, proposal_id: Id, body: s.ArgumentIn
) -> s.ArgumentOut:
    acting = acting_on(session, proposal_id, user)
    a = proposals.post_argument(
        session, acting, stance=body.stance, body=body.body, parent_id=body.parent_id
    )
    author = views.people_in(session, {acting.participant.id}).get(acting.participant.id)
    return s.ArgumentOut(
        id=a.id,
        parent_id=a.parent_id,
        stance=a.stance,
        body=a.body,
        author=s.person_out(author),
        created_at=a.created_at,
        hidden=False,
        hidden_reason=None,
    )


@router.post("/proposals/{proposal_id}/arguments/{argument_id}/hide", status_code=204)
def hide_argument(
    session: SessionDep, user: ApiUser, proposal_id: Id, argument_id: Id, body: s.HideIn
) -> Response:
    acting = acting_on(session, proposal_id, user)
    proposals.hide_argument(session, acting, argument_id, body.reason)
    return Response(status_code=204)


def _amendment_out(a: Amendment, people: dict[int, Participant]) -> s.AmendmentOut:
    return s.AmendmentOut(
        id=a.id,
        status=a.status,
        language=a.language,
        text=a.text,
        rationale=a.rationale,
        base_revision=a.base_revision_number,
        author=s.person_out(people.get(a.author_id or 0)),
        created_at=a.created_at,
    )


@router.get("/proposals/{proposal_id}/amendments")
def list_amendments(session: SessionDep, user: ApiUser, proposal_id: Id) -> list[s.AmendmentOut]:
    page = views.proposal_page(session, proposal_id, user)
    return [_amendment_out(v.amendment, page.people) for v in page.amendments]


@router.post("/proposals/{proposal_id}/amendments", status_code=201)
def propose_amendment(
    session: SessionDep, user: ApiUser, proposal_id: Id, body: s.AmendmentIn
) -> s.AmendmentOut:
    acting = acting_for_update(session, proposal_id, user)
    amendment = amendments.propose_amendment(
        session, acting, text=body.text, rationale=body.rationale, language=body.language
    )
    return _amendment_out(amendment, views.people_in(session, {acting.participant.id}))


@router.post("/proposals/{proposal_id}/amendments/{amendment_id}/accept")
def accept_amendment(
    session: SessionDep, user: ApiUser, proposal_id: Id, amendment_id: Id
) -> s.ProposalOut:
    acting = acting_for_update(session, proposal_id, user)
    amendments.accept_amendment(session, acting, amendment_id)
    return proposal_detail(session, user, proposal_id)


@router.post("/proposals/{proposal_id}/amendments/{amendment_id}/vote")
def put_amendment_to_vote(
    session: SessionDep, user: ApiUser, proposal_id: Id, amendment_id: Id
) -> s.ProposalOut:
    acting = acting_for_update(session, proposal_id, user)
    page_parts.act("proposal.amendment_vote", session, acting, amendment_id)
    return proposal_detail(session, user, proposal_id)


@router.post("/proposals/{proposal_id}/amendments/{amendment_id}/withdraw", status_code=204)
def withdraw_amendment(
    session: SessionDep, user: ApiUser, proposal_id: Id, amendment_id: Id
) -> Response:
    acting = acting_for_update(session, proposal_id, user)
    amendments.withdraw_amendment(session, acting, amendment_id)
    return Response(status_code=204)
