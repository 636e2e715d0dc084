"""A commission: one run of a scenario for one class, with its delegations, groups and roster."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from markupsafe import Markup
from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.commissions.rules import (
    BALLOT_TYPES,
    BALLOT_UNITS,
    DELEGATION_STATUSES,
    PARTICIPANT_ROLES,
    SPONSORSHIP_RULES,
    STATUSES,
    VISIBILITIES,
    VOTING_RULES,
)
from app.db import Base, one_of, rendered_html, utcnow

# The rules in force for a working group's proposals, by column name: a scenario's groups hold
# the defaults a commission starts with, a commission's groups the rules its votes copy.
GROUP_RULE_FIELDS = (
    "voting_rule",
    "quorum",
    "ballot_unit",
    "ballot_type",
    "sponsorship",
    "hide_running_tally",
    "chairs_move_stages",
    "texts_must_agree",
)


class GroupRuleColumns:
    """The columns of GROUP_RULE_FIELDS, shared by commissions' and scenarios' working groups
    (each table gets its own copy, with the CHECK constraints of `rule_checks`)."""

    voting_rule: Mapped[str] = mapped_column(String(20), default="double_majority")
    quorum: Mapped[float] = mapped_column(default=0.5)
    ballot_unit: Mapped[str] = mapped_column(String(12), default="delegate")
    ballot_type: Mapped[str] = mapped_column(String(12), default="roll_call")
    sponsorship: Mapped[str] = mapped_column(String(30), default="every_member_delegation")
    hide_running_tally: Mapped[bool] = mapped_column(default=False)
    chairs_move_stages: Mapped[bool] = mapped_column(default=True)
    # A proposal whose English and Chinese texts are out of step cannot go to the vote until
    # an author confirms that they agree (docs/parallel-texts.md).
    texts_must_agree: Mapped[bool] = mapped_column(default=True, server_default=true())

    @staticmethod
    def rule_checks() -> tuple[CheckConstraint, ...]:
        """The rule columns' CHECK constraints, new for each table that has them."""
        return (
            one_of("voting_rule", VOTING_RULES),
            one_of("ballot_unit", BALLOT_UNITS),
            one_of("ballot_type", BALLOT_TYPES),
            one_of("sponsorship", SPONSORSHIP_RULES),
            CheckConstraint("quorum >= 0 AND quorum <= 1", name="quorum_share"),
        )

    def rule_values(self) -> dict[str, Any]:
        """The group's rules by field name (to copy them to another group, or to a file)."""
        return {name: getattr(self, name) for name in GROUP_RULE_FIELDS}


class Commission(Base):
    __tablename__ = "commissions"
    __table_args__ = (
        one_of("status", STATUSES),
        one_of("charter_visibility", VISIBILITIES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int | None] = mapped_column(
        ForeignKey("scenarios.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    public_briefing: Mapped[str] = mapped_column(Text, default="")
    public_briefing_html: Mapped[Markup] = rendered_html("public_briefing")
    join_code: Mapped[str] = mapped_column(String(16), unique=True)
    status: Mapped[str] = mapped_column(String(12), default="setup")
    charter_visibility: Mapped[str] = mapped_column(String(10), default="private")
    # The Chatham House Rule: words are tied to a delegation and sector, never a person, even
    # inside the room (instructors excepted); see commissions.rules.names_people.
    chatham_house: Mapped[bool] = mapped_column(default=False)
    # Chosen when the charter is published: outside the room people are named only if this is
    # on (and the Chatham House Rule is off); otherwise by delegation and sector.
    credit_students_by_name: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The after-action report is for the commission's instructors unless they share it.
    report_shared_with_class: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The language its pages open in for a reader who chose none (app.i18n.LOCALES); None: each
    # reader's browser decides. Set on the console; a reader's own choice always wins.
    default_locale: Mapped[str | None] = mapped_column(String(16))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    opened_at: Mapped[datetime | None]
    concluded_at: Mapped[datetime | None]

    delegations: Mapped[list[Delegation]] = relationship(
        back_populates="commission", lazy="raise", order_by="Delegation.position"
    )
    sectors: Mapped[list[Sector]] = relationship(
        back_populates="commission", lazy="raise", order_by="Sector.position"
    )
    working_groups: Mapped[list[WorkingGroup]] = relationship(
        back_populates="commission", lazy="raise", order_by="WorkingGroup.position"
    )
    participants: Mapped[list[Participant]] = relationship(
        back_populates="commission", lazy="raise"
    )


class Delegation(Base):
    __tablename__ = "delegations"
    __table_args__ = (
        UniqueConstraint("commission_id", "code"),
        one_of("status", DELEGATION_STATUSES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    commission_id: Mapped[int] = mapped_column(ForeignKey("commissions.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(10), default="member")
    brief: Mapped[str] = mapped_column(Text, default="")
    brief_html: Mapped[Markup] = rendered_html("brief")
    position: Mapped[int] = mapped_column(default=0)
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)

    commission: Mapped[Commission] = relationship(back_populates="delegations", lazy="raise")


class Sector(Base):
    __tablename__ = "sectors"
    __table_args__ = (UniqueConstraint("commission_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    commission_id: Mapped[int] = mapped_column(ForeignKey("commissions.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)

    commission: Mapped[Commission] = relationship(back_populates="sectors", lazy="raise")


class WorkingGroup(GroupRuleColumns, Base):
    """One pillar of a commission, with the rules in force for its proposals."""

    __tablename__ = "working_groups"
    __table_args__ = (
        UniqueConstraint("commission_id", "code"),
        UniqueConstraint("commission_id", "pillar"),
        *GroupRuleColumns.rule_checks(),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    commission_id: Mapped[int] = mapped_column(ForeignKey("commissions.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(8))
    pillar: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(120))
    mandate: Mapped[str] = mapped_column(Text, default="")
    mandate_html: Mapped[Markup] = rendered_html("mandate")
    position: Mapped[int] = mapped_column(default=0)

    commission: Mapped[Commission] = relationship(back_populates="working_groups", lazy="raise")
    memberships: Mapped[list[WorkingGroupMembership]] = relationship(
        back_populates="working_group", lazy="raise"
    )


class RoleBrief(Base):
    """A private brief in this commission: copied from the scenario or written on the spot."""

    __tablename__ = "role_briefs"
    __table_args__ = (UniqueConstraint("commission_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    commission_id: Mapped[int] = mapped_column(ForeignKey("commissions.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(200))
    delegation_id: Mapped[int | None] = mapped_column(
        ForeignKey("delegations.id", ondelete="SET NULL")
    )
    sector_id: Mapped[int | None] = mapped_column(ForeignKey("sectors.id", ondelete="SET NULL"))
    summary: Mapped[str] = mapped_column(Text, default="")
    goals: Mapped[str] = mapped_column(Text, default="")
    red_lines: Mapped[str] = mapped_column(Text, default="")
    summary_html: Mapped[Markup] = rendered_html("summary")
    goals_html: Mapped[Markup] = rendered_html("goals")
    red_lines_html: Mapped[Markup] = rendered_html("red_lines")
    position: Mapped[int] = mapped_column(default=0)


class Participant(Base):
    """A user in a commission, with a role and, for delegates, a seat."""

    __tablename__ = "participants"
    __table_args__ = (
        UniqueConstraint("commission_id", "user_id"),
        one_of("role", PARTICIPANT_ROLES),
        CheckConstraint(
            "NOT is_head_of_delegation OR delegation_id IS NOT NULL", name="head_has_delegation"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    commission_id: Mapped[int] = mapped_column(ForeignKey("commissions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(12), default="delegate")
    delegation_id: Mapped[int | None] = mapped_column(
        ForeignKey("delegations.id", ondelete="SET NULL"), index=True
    )
    sector_id: Mapped[int | None] = mapped_column(ForeignKey("sectors.id", ondelete="SET NULL"))
    role_brief_id: Mapped[int | None] = mapped_column(
        ForeignKey("role_briefs.id", ondelete="SET NULL")
    )
    is_head_of_delegation: Mapped[bool] = mapped_column(default=False)
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)

    commission: Mapped[Commission] = relationship(back_populates="participants", lazy="raise")
    user: Mapped[User] = relationship(lazy="raise")
    delegation: Mapped[Delegation | None] = relationship(lazy="raise")
    sector: Mapped[Sector | None] = relationship(lazy="raise")
    role_brief: Mapped[RoleBrief | None] = relationship(lazy="raise")
    memberships: Mapped[list[WorkingGroupMembership]] = relationship(
        back_populates="participant", lazy="raise"
    )


class WorkingGroupMembership(Base):
    __tablename__ = "working_group_memberships"

    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), primary_key=True
    )
    working_group_id: Mapped[int] = mapped_column(
        ForeignKey("working_groups.id", ondelete="CASCADE"), primary_key=True
    )
    is_co_chair: Mapped[bool] = mapped_column(default=False)

    participant: Mapped[Participant] = relationship(back_populates="memberships", lazy="raise")
    working_group: Mapped[WorkingGroup] = relationship(back_populates="memberships", lazy="raise")
