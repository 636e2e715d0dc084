"""The JSON API under /api/v1: bearer tokens, JSON errors, OpenAPI at /docs."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel

from app.accounts.auth import ApiUser
from app.commissions import rules
from app.commissions import service as commissions
from app.db import SessionDep
from app.i18n import gettext as _
from app.ids import Id

router = APIRouter(prefix="/api/v1", tags=["api"])


class UserOut(BaseModel):
    id: int
    username: str
    display_name: str
    is_instructor: bool


class CommissionSummaryOut(BaseModel):
    id: int
    title: str
    status: str
    role: str
    delegation: str | None


class DelegationOut(BaseModel):
    code: str
    name: str
    status: str


class WorkingGroupOut(BaseModel):
    code: str
    pillar: str
    name: str
    mandate: str
    voting_rule: str
    quorum: float
    ballot_unit: str
    ballot_type: str


class ParticipantOut(BaseModel):
    id: int
    display_name: str
    role: str
    delegation: str | None
    sector: str | None
    head_of_delegation: bool


class CommissionOut(BaseModel):
    id: int
    title: str
    status: str
    charter_visibility: str
    public_briefing: str
    created_at: datetime
    delegations: list[DelegationOut]
    working_groups: list[WorkingGroupOut]
    participants: list[ParticipantOut]


@router.get("/me")
def me(user: ApiUser) -> UserOut:
    return UserOut.model_validate(user, from_attributes=True)


@router.get("/commissions")
def list_commissions(session: SessionDep, user: ApiUser) -> list[CommissionSummaryOut]:
    return [
        CommissionSummaryOut(
            id=e.commission.id,
            title=e.commission.title,
            status=e.commission.status,
            role=e.participant.role,
            delegation=e.participant.delegation.code if e.participant.delegation else None,
        )
        for e in commissions.commissions_of(session, user)
    ]


@router.get("/commissions/{commission_id}")
def get_commission(session: SessionDep, user: ApiUser, commission_id: Id) -> CommissionOut:
    data = commissions.load_overview(session, commission_id, user)
    if data is None:
        raise HTTPException(404, _("There is no commission here."))
    if not rules.can_view_commission(data.viewer):
        raise HTTPException(403, _("Only members of this commission can see it."))
    c = data.commission
    return CommissionOut(
        id=c.id,
        title=c.title,
        status=c.status,
        charter_visibility=c.charter_visibility,
        public_briefing=c.public_briefing,
        created_at=c.created_at,
        delegations=[
            DelegationOut(code=d.code, name=d.name, status=d.status) for d in data.delegations
        ],
        working_groups=[
            WorkingGroupOut.model_validate(g, from_attributes=True) for g in data.working_groups
        ],
        participants=[
            ParticipantOut(
                id=p.id,
                display_name=p.user.display_name,
                role=p.role,
                delegation=p.delegation.code if p.delegation else None,
                sector=p.sector.code if p.sector else None,
                head_of_delegation=p.is_head_of_delegation,
            )
            for p in data.participants
        ],
    )
