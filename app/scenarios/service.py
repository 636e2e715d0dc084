"""Scenarios to and from their file, and the built-in "Cooling Off"."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.accounts.models import User
from app.i18n import gettext as _
from app.scenarios.models import (
    Scenario,
    ScenarioDelegation,
    ScenarioInject,
    ScenarioRoleBrief,
    ScenarioSector,
    ScenarioWorkingGroup,
)
from app.scenarios.schemas import (
    DelegationSpec,
    InjectSpec,
    RoleBriefSpec,
    ScenarioFile,
    SectorSpec,
    WorkingGroupRules,
    WorkingGroupSpec,
    describe_validation_error,
    unknown_delegation,
    unknown_working_group,
)

BUILTIN_SCENARIOS = ("cooling_off.yaml",)


class ScenarioFileError(ValueError):
    """A scenario file that cannot be read; `problems` names each bad field."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class ScenarioExists(ValueError):
    pass


def parse_scenario_file(text: str) -> ScenarioFile:
    """Read YAML (JSON is YAML too) and validate it, naming the bad field on failure."""
    try:
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = (
            _(
                "The file is not valid YAML or JSON (line %(line)s, column %(column)s).",
                line=mark.line + 1,
                column=mark.column + 1,
            )
            if mark
            else _("The file is not valid YAML or JSON.")
        )
        raise ScenarioFileError([problem]) from error
    if not isinstance(data, dict):
        raise ScenarioFileError([_("The file must hold one scenario: a mapping with a title.")])
    try:
        return ScenarioFile.model_validate(data)
    except ValidationError as error:
        raise ScenarioFileError(describe_validation_error(error)) from error


def builtin_scenario_file(name: str = "cooling_off.yaml") -> ScenarioFile:
    """A built-in scenario's file, parsed and validated once per process (it ships with the
    app and never changes while it runs); each caller gets its own copy."""
    return _parsed_builtin(name).model_copy(deep=True)


@lru_cache
def _parsed_builtin(name: str) -> ScenarioFile:
    text = resources.files("app.scenarios").joinpath("builtin", name).read_text(encoding="utf-8")
    return parse_scenario_file(text)


def _parts_from(spec: ScenarioFile) -> dict[str, list[Any]]:
    """The scenario's groups, delegations, sectors, briefs and injects, built from its file."""
    return {
        "working_groups": [
            ScenarioWorkingGroup(
                code=g.code,
                pillar=g.pillar,
                name=g.name,
                mandate=g.mandate,
                position=i,
                **g.rules.model_dump(),
            )
            for i, g in enumerate(spec.working_groups)
        ],
        "delegations": [
            ScenarioDelegation(code=d.code, name=d.name, status=d.status, brief=d.brief, position=i)
            for i, d in enumerate(spec.delegations)
        ],
        "sectors": [
            ScenarioSector(code=s.code, name=s.name, description=s.description, position=i)
            for i, s in enumerate(spec.sectors)
        ],
        "role_briefs": [
            ScenarioRoleBrief(
                code=r.code,
                title=r.title,
                delegation_code=r.delegation,
                sector_code=r.sector,
                summary=r.summary,
                goals=r.goals,
                red_lines=r.red_lines,
                position=i,
            )
            for i, r in enumerate(spec.role_briefs)
        ],
        "injects": [
            ScenarioInject(
                code=j.code,
                title=j.title,
                body=j.body,
                working_group_code=j.working_group,
                delegation_code=j.delegation,
                trigger=j.trigger,
                idle_minutes=j.idle_minutes,
                position=i,
            )
            for i, j in enumerate(spec.injects)
        ],
    }


def create_scenario(
    session: Session,
    spec: ScenarioFile,
    *,
    owner: User | None = None,
    is_builtin: bool = False,
    slug: str | None = None,
) -> Scenario:
    slug = slug or spec.slug
    if session.scalar(select(Scenario.id).where(Scenario.slug == slug)) is not None:
        raise ScenarioExists(_("A scenario with the slug “%(slug)s” already exists.", slug=slug))
    scenario = Scenario(
        slug=slug,
        title=spec.title,
        summary=spec.summary,
        public_briefing=spec.public_briefing,
        is_builtin=is_builtin,
        owner_id=owner.id if owner else None,
    )
    for name, parts in _parts_from(spec).items():
        setattr(scenario, name, parts)
    session.add(scenario)
    session.flush()
    return scenario


def load_scenario(session: Session, scenario_id: int) -> Scenario | None:
    return session.scalar(
        select(Scenario)
        .where(Scenario.id == scenario_id)
        .options(
            selectinload(Scenario.working_groups),
            selectinload(Scenario.delegations),
            selectinload(Scenario.sectors),
            selectinload(Scenario.role_briefs),
            selectinload(Scenario.injects),
        )
    )


def find_scenario_by_slug(session: Session, slug: str) -> Scenario | None:
    scenario_id = session.scalar(select(Scenario.id).where(Scenario.slug == slug))
    return load_scenario(session, scenario_id) if scenario_id is not None else None


def scenario_to_file(scenario: Scenario) -> ScenarioFile:
    """The scenario as its file; needs the scenario loaded with load_scenario()."""
    return ScenarioFile(
        slug=scenario.slug,
        title=scenario.title,
        summary=scenario.summary,
        public_briefing=scenario.public_briefing,
        working_groups=[
            WorkingGroupSpec(
                code=g.code,
                pillar=g.pillar,
                name=g.name,
                mandate=g.mandate,
                rules=WorkingGroupRules(
                    voting_rule=g.voting_rule,
                    quorum=g.quorum,
                    ballot_unit=g.ballot_unit,
                    ballot_type=g.ballot_type,
                    sponsorship=g.sponsorship,
                    hide_running_tally=g.hide_running_tally,
                    chairs_move_stages=g.chairs_move_stages,
                ),
            )
            for g in scenario.working_groups
        ],
        delegations=[
            DelegationSpec(code=d.code, name=d.name, status=d.status, brief=d.brief)
            for d in scenario.delegations
        ],
        sectors=[
            SectorSpec(code=s.code, name=s.name, description=s.description)
            for s in scenario.sectors
        ],
        role_briefs=[
            RoleBriefSpec(
                code=r.code,
                title=r.title,
                delegation=r.delegation_code,
                sector=r.sector_code,
                summary=r.summary,
                goals=r.goals,
                red_lines=r.red_lines,
            )
            for r in scenario.role_briefs
        ],
        injects=[
            InjectSpec(
                code=j.code,
                title=j.title,
                body=j.body,
                working_group=j.working_group_code,
                delegation=j.delegation_code,
                trigger=j.trigger,
                idle_minutes=j.idle_minutes,
            )
            for j in scenario.injects
        ],
    )


def dump_scenario_file(spec: ScenarioFile, fmt: str = "yaml") -> str:
    data = spec.model_dump(mode="json")
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


def ensure_builtin_scenarios(session: Session) -> list[Scenario]:
    """Load each built-in scenario that is not in the database yet; returns those loaded."""
    loaded = []
    for name in BUILTIN_SCENARIOS:
        slug = _parsed_builtin(name).slug
        if session.scalar(select(Scenario.id).where(Scenario.slug == slug)) is None:
            loaded.append(create_scenario(session, builtin_scenario_file(name), is_builtin=True))
    return loaded


def can_edit(scenario: Scenario, user: User) -> bool:
    """Built-in scenarios are read-only; an instructor edits the clones they own."""
    return not scenario.is_builtin and scenario.owner_id == user.id


def can_read(scenario: Scenario, user: User) -> bool:
    return user.is_instructor and (scenario.is_builtin or scenario.owner_id == user.id)


def _free_slug(session: Session, base: str) -> str:
    base = base[:70]
    candidate, n = base, 1
    while session.scalar(select(Scenario.id).where(Scenario.slug == candidate)) is not None:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def clone_scenario(session: Session, scenario: Scenario, owner: User) -> Scenario:
    """A private copy to sharpen for one class; needs the scenario loaded with its parts."""
    spec = scenario_to_file(scenario)
    copy = create_scenario(
        session,
        spec.model_copy(update={"title": _("%(title)s (copy)", title=spec.title)[:200]}),
        owner=owner,
        slug=_free_slug(session, f"{spec.slug}-copy"),
    )
    copy.cloned_from_id = scenario.id
    return copy


def import_for(session: Session, spec: ScenarioFile, owner: User) -> Scenario:
    """An uploaded file becomes the owner's scenario; a taken slug gets a number."""
    return create_scenario(session, spec, owner=owner, slug=_free_slug(session, spec.slug))


def replace_from_file(session: Session, scenario: Scenario, spec: ScenarioFile) -> Scenario:
    """Rewrite every part from a validated file (commissions keep their own copies)."""
    scenario.title, scenario.summary = spec.title, spec.summary
    scenario.public_briefing = spec.public_briefing
    parts = _parts_from(spec)
    for name in parts:
        setattr(scenario, name, [])
    session.flush()  # the old parts go first, so their codes are free for the new ones
    for name, items in parts.items():
        setattr(scenario, name, items)
    session.flush()
    return scenario


def update_role_brief(
    brief: ScenarioRoleBrief, *, title: str, summary: str, goals: str, red_lines: str
) -> None:
    title = " ".join(title.split())
    if not title:
        raise ScenarioFileError([_("Give the brief a title.")])
    if len(title) > 200:
        raise ScenarioFileError([_("Use at most 200 characters for the title.")])
    brief.title, brief.summary, brief.goals, brief.red_lines = (
        title,
        summary.strip(),
        goals.strip(),
        red_lines.strip(),
    )


def _share(percent: str) -> float:
    """A form's percentage as a share; anything unreadable becomes -1, which the schema refuses."""
    try:
        return float(percent) / 100
    except ValueError:
        return -1.0


EDITABLE_PARTS = ("working_groups", "delegations", "sectors", "injects")


def update_part(scenario: Scenario, part: str, item_id: int, form: dict[str, str]) -> list[str]:
    """Edit one working group, delegation, sector or inject from its form; problems, or [].

    Each form is checked by the same schema as the scenario file, so a page edit can never
    produce a scenario that would not export and import again. Codes change only in the file.
    """
    if part not in EDITABLE_PARTS:
        raise KeyError(part)
    items = getattr(scenario, part)
    item = next((i for i in items if i.id == item_id), None)
    if item is None:
        raise KeyError(item_id)
    try:
        if part == "working_groups":
            spec: Any = WorkingGroupSpec(
                code=item.code,
                pillar=item.pillar,
                name=form.get("name", ""),
                mandate=form.get("mandate", ""),
                # A plain mapping, so a bad rule is named by its path in the file ("rules.quorum").
                rules={
                    "voting_rule": form.get("voting_rule", ""),
                    "quorum": _share(form.get("quorum_percent", "")),
                    "ballot_unit": form.get("ballot_unit", ""),
                    "ballot_type": form.get("ballot_type", ""),
                    "sponsorship": form.get("sponsorship", ""),
                    "hide_running_tally": form.get("hide_running_tally") == "true",
                    "chairs_move_stages": form.get("chairs_move_stages") == "true",
                },
            )
            item.name, item.mandate = spec.name, spec.mandate
            for name, value in spec.rules.model_dump().items():
                setattr(item, name, value)
        elif part == "delegations":
            spec = DelegationSpec(
                code=item.code,
                name=form.get("name", ""),
                status=form.get("status", ""),
                brief=form.get("brief", ""),
            )
            item.name, item.status, item.brief = spec.name, spec.status, spec.brief
        elif part == "sectors":
            spec = SectorSpec(
                code=item.code, name=form.get("name", ""), description=form.get("description", "")
            )
            item.name, item.description = spec.name, spec.description
        else:
            idle = form.get("idle_minutes", "").strip()
            spec = InjectSpec(
                code=item.code,
                title=form.get("title", ""),
                body=form.get("body", ""),
                working_group=form.get("working_group") or None,
                delegation=form.get("delegation") or None,
                trigger=form.get("trigger", ""),
                idle_minutes=int(idle) if idle.isdigit() else None,
            )
            groups = {g.code for g in scenario.working_groups}
            delegations = {d.code for d in scenario.delegations}
            if spec.working_group is not None and spec.working_group not in groups:
                return [unknown_working_group("working_group", spec.working_group)]
            if spec.delegation is not None and spec.delegation not in delegations:
                return [unknown_delegation("delegation", spec.delegation)]
            item.title, item.body, item.trigger = spec.title, spec.body, spec.trigger
            item.working_group_code, item.delegation_code = spec.working_group, spec.delegation
            item.idle_minutes = spec.idle_minutes
    except ValidationError as error:
        return describe_validation_error(error)
    return []
