"""The built-in scenario and the scenario file format."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.config import ROOT_DIR
from app.scenarios import service
from app.scenarios.models import Scenario
from app.scenarios.service import ScenarioFileError, parse_scenario_file

ESSAY = ROOT_DIR.parent / "shared" / "seed" / "cooling-off-essay.txt"


def builtin_text() -> str:
    return (ROOT_DIR / "app" / "scenarios" / "builtin" / "cooling_off.yaml").read_text()


def test_cooling_off_has_everything_the_seminar_needs() -> None:
    spec = service.builtin_scenario_file()
    assert spec.title == "Cooling Off"
    assert [g.code for g in spec.working_groups] == ["FT", "CY", "DI"]
    assert all(g.mandate.strip() for g in spec.working_groups)
    assert [d.code for d in spec.delegations] == ["US", "PRC"]
    assert all(d.brief.strip() and d.status == "member" for d in spec.delegations)
    assert {s.code for s in spec.sectors} == {
        "government",
        "military",
        "academia",
        "ngo",
        "private",
    }
    assert len(spec.role_briefs) >= 10
    assert len({b.title for b in spec.role_briefs}) == len(spec.role_briefs)
    assert all(b.goals.strip() and b.red_lines.strip() for b in spec.role_briefs)
    for delegation in ("US", "PRC"):
        sectors = {b.sector for b in spec.role_briefs if b.delegation == delegation}
        assert sectors == {"government", "military", "academia", "ngo", "private"}
    assert len(spec.injects) >= 4
    assert any(i.delegation for i in spec.injects), "an inject for one delegation only"
    assert len(spec.public_briefing.split()) > 250


@pytest.mark.skipif(not ESSAY.exists(), reason="the seed essay is outside the repository")
def test_scenario_carries_facts_not_sentences_of_the_essay() -> None:
    def words(text: str) -> list[str]:
        return re.findall(r"[a-z0-9']+", text.lower())

    essay = words(ESSAY.read_text())
    ours = " ".join(words(builtin_text()))
    copied = [
        " ".join(essay[i : i + 8])
        for i in range(len(essay) - 8)
        if " ".join(essay[i : i + 8]) in ours
    ]
    assert copied == []


def test_export_then_import_gives_the_same_scenario(db: Session) -> None:
    service.ensure_builtin_scenarios(db)
    original = service.find_scenario_by_slug(db, "cooling-off")
    assert original is not None
    exported = service.dump_scenario_file(service.scenario_to_file(original))
    spec = parse_scenario_file(exported)
    copy = service.create_scenario(db, spec, slug="cooling-off-copy")
    reloaded = service.load_scenario(db, copy.id)
    assert reloaded is not None
    again = service.scenario_to_file(reloaded)
    assert again.model_dump() == {
        **service.scenario_to_file(original).model_dump(),
        "slug": "cooling-off-copy",
    }
    assert parse_scenario_file(service.dump_scenario_file(again, "json")) == again


def test_loading_builtins_twice_changes_nothing(db: Session) -> None:
    # The suite's database holds the built-in scenario already (tests/conftest.py seeds it
    # once); take it away inside this test's transaction to see a first load.
    db.execute(delete(Scenario).where(Scenario.is_builtin.is_(True)))
    first = service.ensure_builtin_scenarios(db)
    second = service.ensure_builtin_scenarios(db)
    assert [scenario.slug for scenario in first] == ["cooling-off"]
    assert second == []
    assert db.scalar(select(func.count()).select_from(Scenario).where(Scenario.is_builtin)) == 1


def mutate(path: list[str | int], value: object) -> str:
    data = yaml.safe_load(builtin_text())
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return yaml.safe_dump(data)


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (
            ["working_groups", 1, "rules", "voting_rule"],
            "plurality",
            "working_groups.1.rules.voting_rule",
        ),
        (["working_groups", 0, "rules", "quorum"], 1.5, "working_groups.0.rules.quorum"),
        (
            ["role_briefs", 2, "delegation"],
            "EU",
            "role_briefs.2.delegation: there is no delegation “EU” in this scenario.",
        ),
        (["injects", 0, "trigger"], "sometimes", "injects.0.trigger"),
        (["title"], "", "title"),
        (["delegations"], [], "delegations"),
        (["colour"], "red", "colour: this is not a field of the file."),
    ],
)
def test_bad_field_is_named(path: list[str | int], value: object, expected: str) -> None:
    with pytest.raises(ScenarioFileError) as error:
        parse_scenario_file(mutate(path, value))
    assert any(problem.startswith(expected) for problem in error.value.problems), (
        error.value.problems
    )


def test_duplicate_codes_are_refused() -> None:
    data = yaml.safe_load(builtin_text())
    data["role_briefs"][1]["code"] = data["role_briefs"][0]["code"]
    with pytest.raises(ScenarioFileError, match=r"role_briefs: the code .+ is used more than once"):
        parse_scenario_file(yaml.safe_dump(data))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("title: [unclosed", "The file is not valid YAML or JSON (line 1, column 17)."),
        ("- just\n- a list\n", "The file must hold one scenario: a mapping with a title."),
        ("", "The file must hold one scenario: a mapping with a title."),
    ],
)
def test_unreadable_files_get_a_clear_message(text: str, message: str) -> None:
    with pytest.raises(ScenarioFileError) as error:
        parse_scenario_file(text)
    assert error.value.problems == [message]


def test_yaml_tags_cannot_run_code(tmp_path: Path) -> None:
    hacked = tmp_path / "hacked"
    with pytest.raises(ScenarioFileError, match="not valid YAML or JSON"):
        parse_scenario_file(f"!!python/object/apply:os.system ['touch {hacked}']")
    assert not hacked.exists(), "the file's tag ran a command"
