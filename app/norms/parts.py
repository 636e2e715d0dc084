"""Norms' part of the proposal page: the norm an adopted proposal became. Installed by the
wiring (`app.main.install_page_parts`); see `app.page_parts`.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.norms.models import Norm
from app.page_parts import Parts


def norm_of(session: Session, proposal_id: int) -> Norm | None:
    return session.scalar(select(Norm).where(Norm.proposal_id == proposal_id))


PARTS: Parts = {"proposal.norm": norm_of}
