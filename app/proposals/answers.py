"""What the API answers about a proposal and its vote, built from what its page shows
(app.proposals.views), so the page and the API never tell two stories. The proposals API and
the voting API both answer with these.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.accounts.models import User
from app.proposals import schemas as s
from app.proposals import views


def vote_out(panel: views.VotePanel | None) -> s.VoteOut | None:
    if panel is None:
        return None
    st, vote = panel.standing, panel.standing.vote
    # Hidden running tallies, and every open secret vote (counted only when it closes).
    shown = st.result if st.show_counts else None
    return s.VoteOut(
        id=vote.id,
        amendment_id=vote.amendment_id,
        round=vote.round,
        voting_rule=vote.voting_rule,
        ballot_type=vote.ballot_type,
        ballot_unit=vote.ballot_unit,
        quorum=vote.quorum,
        opened_at=vote.opened_at,
        deadline=vote.deadline,
        closed_at=vote.closed_at,
        eligible=st.eligible,
        cast=st.cast,
        counts_hidden=shown is None,
        by_delegation=[
            s.DelegationTallyOut(
                delegation=c.code,
                name=c.name,
                eligible=c.eligible,
                yes=c.yes if shown else None,
                no=c.no if shown else None,
                abstain=c.abstain if shown else None,
            )
            for c in st.counts
            if c.is_member
        ],
        adopted=shown.adopted if shown else None,
        final=vote.closed_at is not None,
        summary=shown.summary if shown else None,
        explanation=shown.explanation if shown else None,
        you_voted=panel.has_voted,
        your_choice=panel.my_choice,
    )


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
        vote=vote_out(page.vote_panel),
        norm_code=page.norm.code if page.norm else None,
    )


def proposal_detail(session: Session, user: User, proposal_id: int) -> s.ProposalOut:
    return proposal_out(views.proposal_page(session, proposal_id, user))
