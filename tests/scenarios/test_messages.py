"""Every problem with a scenario file or a scenario form reaches the reader translated."""

from __future__ import annotations

import pytest
import yaml
from sqlalchemy.orm import Session

from app.scenarios import service
from app.scenarios.service import ScenarioExists, ScenarioFileError, parse_scenario_file
from tests.conftest import Cast
from tests.scenarios.test_scenario_file import builtin_text
from tests.translations import assert_translated, wrapped_translations  # noqa: F401

_DELETE = object()


def spoiled(*changes: tuple[str, object]) -> str:
    data = yaml.safe_load(builtin_text())
    for path, value in changes:
        *parents, last = path.split(".")
        target = data
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        key = int(last) if last.isdigit() else last
        if value is _DELETE:
            del target[key]
        else:
            target[key] = value
    return yaml.safe_dump(data, allow_unicode=True)


BAD_FILES = {
    "not YAML": "title: [unclosed",
    "not a mapping": "- just\n- a list\n",
    "missing": spoiled(("title", _DELETE)),
    "unknown field": spoiled(("colour", "red")),
    "empty": spoiled(("title", "")),
    "too long": spoiled(("title", "x" * 201)),
    "not text": spoiled(("summary", 5)),
    "bad code": spoiled(("delegations.0.code", "9 lives")),
    "bad slug": spoiled(("slug", "Cooling Off")),
    "not a choice": spoiled(("working_groups.1.rules.voting_rule", "plurality")),
    "too big": spoiled(("working_groups.0.rules.quorum", 1.5)),
    "not a number": spoiled(("working_groups.0.rules.quorum", "half")),
    "not a yes or no": spoiled(("working_groups.0.rules.hide_running_tally", "perhaps")),
    "not a whole number": spoiled(("injects.0.idle_minutes", "soon")),
    "not a list": spoiled(("delegations", "US and PRC")),
    "too few": spoiled(("delegations", [{"code": "US", "name": "United States"}])),
    "not a mapping of fields": spoiled(("working_groups", ["FT"])),
    "duplicate code": spoiled(("sectors.1.code", "government")),
    "duplicate pillar": spoiled(("working_groups.1.pillar", "frontier-technology")),
    "unknown delegation": spoiled(("role_briefs.0.delegation", "EU")),
    "unknown sector": spoiled(("role_briefs.0.sector", "clergy")),
    "unknown group": spoiled(("injects.0.working_group", "XX")),
    "no member": spoiled(
        ("delegations.0.status", "observer"), ("delegations.1.status", "observer")
    ),
    "idle without minutes": spoiled(
        ("injects.0.trigger", "on_idle"), ("injects.0.idle_minutes", None)
    ),
}


@pytest.mark.parametrize("text", BAD_FILES.values(), ids=BAD_FILES.keys())
@pytest.mark.usefixtures("wrapped_translations")
def test_every_problem_with_a_file_is_translated(text: str) -> None:
    with pytest.raises(ScenarioFileError) as refused:
        parse_scenario_file(text)
    assert refused.value.problems
    for problem in refused.value.problems:
        assert_translated(problem)


@pytest.mark.usefixtures("wrapped_translations")
def test_forms_and_a_taken_slug_are_refused_in_translation(db: Session, cast: Cast) -> None:
    scenario = service.find_scenario_by_slug(db, "cooling-off")
    assert scenario is not None
    with pytest.raises(ScenarioExists) as taken:
        service.create_scenario(db, service.scenario_to_file(scenario))
    assert_translated(str(taken.value))
    brief = scenario.role_briefs[0]
    for title in ("  ", "x" * 201):
        with pytest.raises(ScenarioFileError) as refused:
            service.update_role_brief(brief, title=title, summary="", goals="", red_lines="")
        assert_translated(refused.value.problems[0])
    inject = scenario.injects[0]
    for form in (
        {"title": "Blackout", "working_group": "XX", "trigger": "manual"},
        {"title": "Blackout", "delegation": "EU", "trigger": "manual"},
        {"title": "", "trigger": "manual"},
        {"title": "Blackout", "trigger": "on_idle"},
    ):
        problems = service.update_part(scenario, "injects", inject.id, form)
        assert problems, form
        for problem in problems:
            assert_translated(problem)
    db.rollback()


def test_the_problems_read_well_in_english() -> None:
    with pytest.raises(ScenarioFileError) as refused:
        parse_scenario_file(BAD_FILES["too few"])
    assert refused.value.problems == ["delegations: list at least 2 entries."]
    with pytest.raises(ScenarioFileError) as refused:
        parse_scenario_file(BAD_FILES["bad code"])
    assert refused.value.problems == [
        "delegations.0.code: “9 lives” is not a code: start with a letter, then letters, "
        "digits, - or _."
    ]
    with pytest.raises(ScenarioFileError) as refused:
        parse_scenario_file(BAD_FILES["not a choice"])
    assert refused.value.problems == [
        "working_groups.1.rules.voting_rule: “plurality” is not one of 'double_majority', "
        "'simple_majority', 'two_thirds', 'consensus' or 'unanimity'."
    ]
