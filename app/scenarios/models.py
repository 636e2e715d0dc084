"""Scenarios: reusable templates that a commission is opened from."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from markupsafe import Markup
from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.commissions.models import GroupRuleColumns
from app.db import Base, one_of, rendered_html, utcnow
from app.injects.rules import TRIGGERS

DELEGATION_STATUSES = ("member", "observer")


def _parts(model: str) -> Any:
    """A scenario's list of one kind of part, in order: loaded only when asked for, and
    written, replaced and deleted with the scenario."""
    return relationship(
        back_populates="scenario",
        lazy="raise",
        cascade="all, delete-orphan",
        order_by=f"{model}.position",
    )


class Scenario(Base):
    __tablename__ = "scenarios"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    public_briefing: Mapped[str] = mapped_column(Text, default="")
    public_briefing_html: Mapped[Markup] = rendered_html("public_briefing")
    is_builtin: Mapped[bool] = mapped_column(default=False)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    cloned_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("scenarios.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    working_groups: Mapped[list[ScenarioWorkingGroup]] = _parts("ScenarioWorkingGroup")
    delegations: Mapped[list[ScenarioDelegation]] = _parts("ScenarioDelegation")
    sectors: Mapped[list[ScenarioSector]] = _parts("ScenarioSector")
    role_briefs: Mapped[list[ScenarioRoleBrief]] = _parts("ScenarioRoleBrief")
    injects: Mapped[list[ScenarioInject]] = _parts("ScenarioInject")


class ScenarioWorkingGroup(GroupRuleColumns, Base):
    """A pillar of the scenario, with its mandate and the default rules a commission starts with."""

    __tablename__ = "scenario_working_groups"
    __table_args__ = (UniqueConstraint("scenario_id", "code"), *GroupRuleColumns.rule_checks())

    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int] = mapped_column(ForeignKey("scenarios.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(8))
    pillar: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(120))
    mandate: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)

    scenario: Mapped[Scenario] = relationship(back_populates="working_groups", lazy="raise")


class ScenarioDelegation(Base):
    __tablename__ = "scenario_delegations"
    __table_args__ = (
        UniqueConstraint("scenario_id", "code"),
        one_of("status", DELEGATION_STATUSES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int] = mapped_column(ForeignKey("scenarios.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(10), default="member")
    brief: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)

    scenario: Mapped[Scenario] = relationship(back_populates="delegations", lazy="raise")


class ScenarioSector(Base):
    __tablename__ = "scenario_sectors"
    __table_args__ = (UniqueConstraint("scenario_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int] = mapped_column(ForeignKey("scenarios.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)

    scenario: Mapped[Scenario] = relationship(back_populates="sectors", lazy="raise")


class ScenarioRoleBrief(Base):
    """A private brief for one player: who they are, what they want, what they must refuse."""

    __tablename__ = "scenario_role_briefs"
    __table_args__ = (UniqueConstraint("scenario_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int] = mapped_column(ForeignKey("scenarios.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(200))
    delegation_code: Mapped[str | None] = mapped_column(String(12))
    sector_code: Mapped[str | None] = mapped_column(String(30))
    summary: Mapped[str] = mapped_column(Text, default="")
    goals: Mapped[str] = mapped_column(Text, default="")
    red_lines: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)

    scenario: Mapped[Scenario] = relationship(back_populates="role_briefs", lazy="raise")


class ScenarioInject(Base):
    __tablename__ = "scenario_injects"
    __table_args__ = (
        UniqueConstraint("scenario_id", "code"),
        one_of("trigger", TRIGGERS),
        CheckConstraint(
            "(trigger = 'on_idle') = (idle_minutes IS NOT NULL)", name="idle_minutes_with_on_idle"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int] = mapped_column(ForeignKey("scenarios.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    working_group_code: Mapped[str | None] = mapped_column(String(8))
    delegation_code: Mapped[str | None] = mapped_column(String(12))
    trigger: Mapped[str] = mapped_column(String(20), default="manual")
    idle_minutes: Mapped[int | None]
    position: Mapped[int] = mapped_column(default=0)

    scenario: Mapped[Scenario] = relationship(back_populates="injects", lazy="raise")
