"""The scenario file: one YAML (or JSON) document, validated field by field."""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

Code = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z][A-Za-z0-9_-]*$")]
Slug = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80)
]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WorkingGroupRules(_Strict):
    voting_rule: Literal[
        "double_majority", "simple_majority", "two_thirds", "consensus", "unanimity"
    ] = "double_majority"
    quorum: float = Field(default=0.5, ge=0, le=1)
    ballot_unit: Literal["delegate", "delegation"] = "delegate"
    ballot_type: Literal["roll_call", "secret"] = "roll_call"
    sponsorship: Literal["every_member_delegation", "any_other_delegation", "none"] = (
        "every_member_delegation"
    )
    hide_running_tally: bool = False
    chairs_move_stages: bool = True


class WorkingGroupSpec(_Strict):
    code: Annotated[Code, StringConstraints(max_length=8)]
    pillar: Slug
    name: Name
    mandate: str = ""
    rules: WorkingGroupRules = Field(default_factory=WorkingGroupRules)


class DelegationSpec(_Strict):
    code: Annotated[Code, StringConstraints(max_length=12)]
    name: Name
    status: Literal["member", "observer"] = "member"
    brief: str = ""


class SectorSpec(_Strict):
    code: Annotated[Code, StringConstraints(max_length=30)]
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
    description: str = ""


class RoleBriefSpec(_Strict):
    code: Annotated[Code, StringConstraints(max_length=80)]
    title: Title
    delegation: str | None = None
    sector: str | None = None
    summary: str = ""
    goals: str = ""
    red_lines: str = ""


class InjectSpec(_Strict):
    code: Annotated[Code, StringConstraints(max_length=80)]
    title: Title
    body: str = ""
    working_group: str | None = None
    delegation: str | None = None
    trigger: Literal["manual", "on_vote_opened", "on_vote_failed", "on_idle"] = "manual"
    idle_minutes: int | None = Field(default=None, ge=1, le=600)

    @model_validator(mode="after")
    def _idle_minutes_only_when_idle(self) -> InjectSpec:
        if self.trigger == "on_idle" and self.idle_minutes is None:
            raise ValueError("idle_minutes is required when trigger is on_idle")
        if self.trigger != "on_idle" and self.idle_minutes is not None:
            raise ValueError("idle_minutes only applies when trigger is on_idle")
        return self


def _duplicates(codes: list[str]) -> list[str]:
    return sorted(code for code, count in Counter(codes).items() if count > 1)


class ScenarioFile(_Strict):
    format: Literal["commission-scenario/1"] = "commission-scenario/1"
    slug: Slug
    title: Title
    summary: str = ""
    public_briefing: str = ""
    working_groups: list[WorkingGroupSpec] = Field(min_length=1, max_length=12)
    delegations: list[DelegationSpec] = Field(min_length=2, max_length=30)
    sectors: list[SectorSpec] = Field(default_factory=list, max_length=30)
    role_briefs: list[RoleBriefSpec] = Field(default_factory=list, max_length=500)
    injects: list[InjectSpec] = Field(default_factory=list, max_length=200)

    @model_validator(mode="after")
    def _references_resolve(self) -> ScenarioFile:
        for field, codes in (
            ("working_groups", [g.code for g in self.working_groups]),
            ("working_groups (pillar)", [g.pillar for g in self.working_groups]),
            ("delegations", [d.code for d in self.delegations]),
            ("sectors", [s.code for s in self.sectors]),
            ("role_briefs", [r.code for r in self.role_briefs]),
            ("injects", [i.code for i in self.injects]),
        ):
            if dupes := _duplicates(codes):
                raise ValueError(f"{field}: duplicate code {', '.join(dupes)}")
        groups = {g.code for g in self.working_groups}
        delegations = {d.code for d in self.delegations}
        sectors = {s.code for s in self.sectors}
        for i, brief in enumerate(self.role_briefs):
            if brief.delegation is not None and brief.delegation not in delegations:
                raise ValueError(
                    f"role_briefs.{i}.delegation: unknown delegation '{brief.delegation}'"
                )
            if brief.sector is not None and brief.sector not in sectors:
                raise ValueError(f"role_briefs.{i}.sector: unknown sector '{brief.sector}'")
        for i, inject in enumerate(self.injects):
            if inject.working_group is not None and inject.working_group not in groups:
                raise ValueError(
                    f"injects.{i}.working_group: unknown working group '{inject.working_group}'"
                )
            if inject.delegation is not None and inject.delegation not in delegations:
                raise ValueError(
                    f"injects.{i}.delegation: unknown delegation '{inject.delegation}'"
                )
        if not any(d.status == "member" for d in self.delegations):
            raise ValueError("delegations: at least one delegation must be a member")
        return self


def describe_validation_error(error: ValidationError) -> list[str]:
    """One readable line per problem, each naming the field by its path in the file."""
    lines = []
    for item in error.errors():
        path = ".".join(str(part) for part in item["loc"])
        message = item["msg"].removeprefix("Value error, ")
        lines.append(f"{path}: {message}" if path and not message.startswith(path) else message)
    return lines
