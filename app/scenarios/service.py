"""Scenarios to and from their file, and the built-in "Cooling Off"."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.accounts.models import User
from app.commissions import service as commissions
from app.commissions.models import GROUP_RULE_FIELDS, Commission
from app.errors import Invalid
from app.i18n import gettext as _
from app.injects import service as injects
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


class ScenarioFileError(Invalid, ValueError):
    """A scenario file (or a part's form) that cannot be used; `problems` names each bad field."""

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


# Each part of a scenario: its table's model, its entry in the file, and the file's name for
# each field that the table names otherwise (a reference holds a code, not an id).
PARTS: dict[str, tuple[type[Any], type[BaseModel], dict[str, str]]] = {
    "working_groups": (ScenarioWorkingGroup, WorkingGroupSpec, {}),
    "delegations": (ScenarioDelegation, DelegationSpec, {}),
    "sectors": (ScenarioSector, SectorSpec, {}),
    "role_briefs": (
        ScenarioRoleBrief,
        RoleBriefSpec,
        {"delegation": "delegation_code", "sector": "sector_code"},
    ),
    "injects": (
        ScenarioInject,
        InjectSpec,
        {"working_group": "working_group_code", "delegation": "delegation_code"},
    ),
}


def _parts_from(spec: ScenarioFile) -> dict[str, list[Any]]:
    """The scenario's groups, delegations, sectors, briefs and injects, built from its file."""
    parts: dict[str, list[Any]] = {}
    for name, (model, _entry, renamed) in PARTS.items():
        parts[name] = []
        for position, entry in enumerate(getattr(spec, name)):
            values = entry.model_dump()
            values.update(values.pop("rules", {}))  # a group's rules are columns of its own
            columns = {renamed.get(field, field): value for field, value in values.items()}
            parts[name].append(model(**columns, position=position))
    return parts


def _entry_of(row: Any, part: str) -> Any:
    """One row of a scenario part as its entry in the file."""
    _model, entry, renamed = PARTS[part]
    values = {
        field: getattr(row, renamed.get(field, field))
        for field in entry.model_fields
        if field != "rules"
    }
    if part == "working_groups":
        values["rules"] = WorkingGroupRules(**row.rule_values())
    return entry(**values)


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


def open_commission(
    session: Session, scenario: Scenario, title: str, instructor: User
) -> Commission:
    """A new commission on its own copy of the scenario (commissions.service.open_commission),
    the scenario's injects its drafts. Needs the scenario loaded with all its parts."""
    commission = commissions.open_commission(session, scenario, title, instructor)
    injects.copy_from_scenario(session, commission.id, scenario.injects)
    return commission


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
        **{part: [_entry_of(row, part) for row in getattr(scenario, part)] for part in PARTS},
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


def _rules_from(form: dict[str, str]) -> dict[str, Any]:
    """A group's rules as its form posts them: the quorum in percent, a checkbox sends "true"."""
    rules: dict[str, Any] = {name: form.get(name, "") for name in GROUP_RULE_FIELDS}
    rules["quorum"] = _share(form.get("quorum_percent", ""))
    for flag in ("hide_running_tally", "chairs_move_stages", "texts_must_agree"):
        rules[flag] = form.get(flag) == "true"
    return rules


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
                rules=_rules_from(form),
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
