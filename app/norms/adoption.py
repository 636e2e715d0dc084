"""Adopting a proposal as a norm: numbering per working group and the norm's row.

Voting calls this when a vote on a proposal adopts it; norms own `Norm` and its numbering.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.commissions.models import WorkingGroup
from app.norms.models import Norm
from app.norms.rules import norm_code
from app.proposals.acting import record_change
from app.proposals.models import Proposal
from app.proposals.service import current_texts


def next_norm_number(session: Session, group: WorkingGroup) -> int:
    # The group row is locked first, so two adoptions in one group cannot take the same number.
    session.get(WorkingGroup, group.id, with_for_update=True)
    highest = session.scalar(select(func.max(Norm.number)).where(Norm.working_group_id == group.id))
    return int(highest or 0) + 1


def adopt_as_norm(
    session: Session,
    proposal: Proposal,
    group: WorkingGroup,
    *,
    vote_id: int,
    tally: dict[str, Any],
    actor_id: int | None,
) -> Norm:
    """The proposal's latest revision becomes the group's next norm, with the vote's tally by
    delegation (`tally`, as the closed vote's result records it). With parallel texts, the
    norm keeps the other language's current text beside its own."""
    number = next_norm_number(session, group)
    texts = current_texts(session, proposal.id)
    revision = texts.own
    parallel = next((r for r in texts.current.values() if r is not revision), None)
    norm = Norm(
        commission_id=proposal.commission_id,
        working_group_id=group.id,
        proposal_id=proposal.id,
        revision_id=revision.id,
        vote_id=vote_id,
        number=number,
        code=norm_code(group.code, number),
        title=revision.title,
        text=revision.text,
        language=revision.language,
        tally=tally,
    )
    if parallel is not None:
        norm.parallel_language = parallel.language
        norm.parallel_title = parallel.title
        norm.parallel_text = parallel.text
    session.add(norm)
    session.flush()
    record_change(session, proposal, "norm.adopted", actor_id=actor_id, norm=norm.code)
    return norm
