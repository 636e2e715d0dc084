"""The scenario file: one YAML (or JSON) document, validated field by field.

Every problem is told in the reader's language, naming the field by its path in the file
("working_groups.1.rules.quorum: ..."); describe_validation_error words pydantic's errors,
which an archive (app.archive) shares.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from app.accounts.rules import USERNAME_PATTERN
from app.commissions.rules import BallotType, BallotUnit, SponsorshipRule, VotingRule
from app.i18n import gettext as _
from app.i18n import ngettext

CODE_PATTERN = r"^[A-Za-z][A-Za-z0-9_-]*$"
SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
Code = Annotated[str, StringConstraints(strip_whitespace=True, pattern=CODE_PATTERN)]
Slug = Annotated[str, StringConstraints(strip_whitespace=True, pattern=SLUG_PATTERN, max_length=80)]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# A working group's rules (app.commissions.models.GROUP_RULE_FIELDS), with its columns' defaults.
class WorkingGroupRules(_Strict):
    voting_rule: VotingRule = "double_majority"
    quorum: float = Field(default=0.5, ge=0, le=1)
    ballot_unit: BallotUnit = "delegate"
    ballot_type: BallotType = "roll_call"
    sponsorship: SponsorshipRule = "every_member_delegation"
    hide_running_tally: bool = False
    chairs_move_stages: bool = True
    texts_must_agree: bool = True


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
            raise ValueError(
                _("an on_idle trigger needs idle_minutes: the minutes of quiet that set it off.")
            )
        if self.trigger != "on_idle" and self.idle_minutes is not None:
            raise ValueError(_("idle_minutes only applies to an on_idle trigger."))
        return self


def _duplicates(codes: list[str]) -> list[str]:
    return sorted(code for code, count in Counter(codes).items() if count > 1)


def _quoted(codes: list[str]) -> str:
    return ", ".join(f"“{code}”" for code in codes)


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
            ("delegations", [d.code for d in self.delegations]),
            ("sectors", [s.code for s in self.sectors]),
            ("role_briefs", [r.code for r in self.role_briefs]),
            ("injects", [i.code for i in self.injects]),
        ):
            if dupes := _duplicates(codes):
                raise ValueError(
                    _(
                        "%(field)s: the code %(codes)s is used more than once.",
                        field=field,
                        codes=_quoted(dupes),
                    )
                )
        if dupes := _duplicates([g.pillar for g in self.working_groups]):
            raise ValueError(
                _(
                    "working_groups: the pillar %(pillars)s is used more than once.",
                    pillars=_quoted(dupes),
                )
            )
        groups = {g.code for g in self.working_groups}
        delegations = {d.code for d in self.delegations}
        sectors = {s.code for s in self.sectors}
        for i, brief in enumerate(self.role_briefs):
            if brief.delegation is not None and brief.delegation not in delegations:
                raise ValueError(
                    unknown_delegation(f"role_briefs.{i}.delegation", brief.delegation)
                )
            if brief.sector is not None and brief.sector not in sectors:
                where = f"role_briefs.{i}.sector"
                raise ValueError(
                    _(
                        "%(field)s: there is no sector “%(code)s” in this scenario.",
                        field=where,
                        code=brief.sector,
                    )
                )
        for i, inject in enumerate(self.injects):
            if inject.working_group is not None and inject.working_group not in groups:
                raise ValueError(
                    unknown_working_group(f"injects.{i}.working_group", inject.working_group)
                )
            if inject.delegation is not None and inject.delegation not in delegations:
                raise ValueError(unknown_delegation(f"injects.{i}.delegation", inject.delegation))
        if not any(d.status == "member" for d in self.delegations):
            raise ValueError(_("delegations: at least one delegation must be a member."))
        return self


def unknown_delegation(field: str, code: str) -> str:
    return _(
        "%(field)s: there is no delegation “%(code)s” in this scenario.", field=field, code=code
    )


def unknown_working_group(field: str, code: str) -> str:
    return _(
        "%(field)s: there is no working group “%(code)s” in this scenario.", field=field, code=code
    )


def describe_validation_error(error: ValidationError) -> list[str]:
    """One line per problem in the reader's language, naming the field by its path in the file.

    A validator of ours words its own problem (translated when raised); pydantic's kinds of
    error are worded here; an unforeseen kind is told in a sentence of ours with pydantic's
    English detail in it.
    """
    lines = []
    for item in error.errors():
        field = ".".join(str(part) for part in item["loc"])
        ctx = item.get("ctx") or {}
        wording = _PYDANTIC_WORDING.get(item["type"])
        if item["type"] == "value_error":
            problem = str(ctx.get("error") or item["msg"])
        elif wording is not None:
            problem = wording(ctx, item.get("input"))
        else:
            problem = _("this cannot be used here (%(detail)s).", detail=item["msg"])
        lines.append(
            _("%(field)s: %(problem)s", field=field, problem=problem) if field else problem
        )
    return lines


def _pattern_problem(ctx: dict[str, Any], value: object) -> str:
    if ctx.get("pattern") == CODE_PATTERN:
        return _(
            "“%(value)s” is not a code: start with a letter, then letters, digits, - or _.",
            value=value,
        )
    if ctx.get("pattern") == USERNAME_PATTERN.pattern:
        return _(
            "“%(value)s” is not a sign-in name: use 3 to 40 lowercase letters, digits, dots, "
            "hyphens or underscores.",
            value=value,
        )
    if ctx.get("pattern") == SLUG_PATTERN:
        return _("“%(value)s” is not a slug: use lower-case letters, digits and -.", value=value)
    return _("“%(value)s” is not written the way this field needs.", value=value)


def _length_problem(ctx: dict[str, Any], _value: object) -> str:
    if ctx.get("min_length") == 1:
        return _("this cannot be empty.")
    return _("use at least %(min)s characters.", min=ctx.get("min_length"))


# Pydantic's kinds of error (the "type" of each), worded for the reader.
_PYDANTIC_WORDING: dict[str, Callable[[dict[str, Any], object], str]] = {
    "missing": lambda ctx, value: _("this is required."),
    "extra_forbidden": lambda ctx, value: _("this is not a field of the file."),
    "string_too_short": _length_problem,
    "string_too_long": lambda ctx, value: _(
        "use at most %(max)s characters.", max=ctx.get("max_length")
    ),
    "string_pattern_mismatch": _pattern_problem,
    "string_type": lambda ctx, value: _("use text."),
    "literal_error": lambda ctx, value: _(
        "“%(value)s” is not one of %(choices)s.", value=value, choices=ctx.get("expected")
    ),
    "greater_than_equal": lambda ctx, value: _("use at least %(limit)s.", limit=ctx.get("ge")),
    "less_than_equal": lambda ctx, value: _("use at most %(limit)s.", limit=ctx.get("le")),
    "greater_than": lambda ctx, value: _("use more than %(limit)s.", limit=ctx.get("gt")),
    "less_than": lambda ctx, value: _("use less than %(limit)s.", limit=ctx.get("lt")),
    "int_parsing": lambda ctx, value: _("use a whole number."),
    "int_type": lambda ctx, value: _("use a whole number."),
    "int_from_float": lambda ctx, value: _("use a whole number."),
    "float_parsing": lambda ctx, value: _("use a number."),
    "float_type": lambda ctx, value: _("use a number."),
    "bool_parsing": lambda ctx, value: _("use true or false."),
    "bool_type": lambda ctx, value: _("use true or false."),
    "list_type": lambda ctx, value: _("use a list."),
    "dict_type": lambda ctx, value: _("use a mapping of fields."),
    "model_type": lambda ctx, value: _("use a mapping of fields."),
    "model_attributes_type": lambda ctx, value: _("use a mapping of fields."),
    "too_short": lambda ctx, value: ngettext(
        "list at least %(num)d entry.", "list at least %(num)d entries.", ctx.get("min_length", 0)
    ),
    "too_long": lambda ctx, value: ngettext(
        "list at most %(num)d entry.", "list at most %(num)d entries.", ctx.get("max_length", 0)
    ),
    "datetime_type": lambda ctx, value: _("use a date and time, e.g. 2026-03-01T14:00:00+00:00."),
    "datetime_parsing": lambda ctx, value: _(
        "use a date and time, e.g. 2026-03-01T14:00:00+00:00."
    ),
    "datetime_from_date_parsing": lambda ctx, value: _(
        "use a date and time, e.g. 2026-03-01T14:00:00+00:00."
    ),
    "timezone_aware": lambda ctx, value: _(
        "give the time zone too, e.g. 2026-03-01T14:00:00+00:00."
    ),
}
