"""What the API answers about a proposal and its vote, built from what its page shows
(app.proposals.views), so the page and the API never tell two stories. The proposals API and
the voting API both answer with these; the vote in it is voting's (app.voting.panel.vote_out).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from app import page_parts
from app.accounts.models import User
from app.proposals import schemas as s
from app.proposals import views


def proposal_out(page: views.ProposalPage) -> s.ProposalOut:
    p = page.proposal
    return s.ProposalOut(
        id=p.id,
        title=p.title,
        stage=p.stage,
        round=p.round,
        working_group=page.group.code,
        text=page.revision.text,
        rationale=page.revision.rationale,
        revision=page.revision.number,
        language=page.revision.language,
        texts=[
            s.TextOut(
                language=r.language,
                title=r.title,
                text=r.text,
                rationale=r.rationale,
                revision=r.number,
            )
            for r in page.texts
        ],
        texts_step=_texts_step_out(page),
        authors=[
            person
            for a in p.authors
            if (person := s.person_out(page.people.get(a.participant_id))) is not None
        ],
        sponsors=[
            s.SponsorOut(**person.model_dump(), status=sp.status)
            for sp in p.sponsorships
            if (person := s.person_out(page.people.get(sp.participant_id))) is not None
        ],
        tabling_needs=page.shortfall,
        vote=page_parts.build("proposal.vote_out", page.vote_panel),
        norm_code=page.norm.code if page.norm else None,
    )


def _texts_step_out(page: views.ProposalPage) -> s.TextsStepOut:
    confirmation = page.confirmation
    return s.TextsStepOut(
        out_of_step=page.texts_step.out_of_step,
        blocks_vote=page.vote_blocked_by_texts,
        confirmed_revisions=dict(confirmation.revisions) if confirmation else None,
        confirmed_by=s.person_out(page.people.get(confirmation.participant_id or 0))
        if confirmation
        else None,
        confirmed_at=confirmation.confirmed_at if confirmation else None,
    )


def proposal_detail(session: Session, user: User, proposal_id: int) -> s.ProposalOut:
    return proposal_out(views.proposal_page(session, proposal_id, user))
