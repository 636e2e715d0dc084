"""Scenario pages: read, clone, edit (briefing, role briefs, the whole file), export, import."""

from __future__ import annotations

import re
from typing import Any

import yaml
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.scenarios.models import Scenario, ScenarioRoleBrief
from tests.conftest import Cast, csrf_from, make_user, sign_in


def builtin_id(db: Session) -> int:
    scenario_id = db.scalar(select(Scenario.id).where(Scenario.slug == "cooling-off"))
    assert scenario_id is not None
    return scenario_id


def clone(client: TestClient, db: Session) -> int:
    page = client.get(f"/scenarios/{builtin_id(db)}")
    response = client.post(
        f"/scenarios/{builtin_id(db)}/clone", data={"csrf_token": csrf_from(page.text)}
    )
    assert response.status_code == 303
    return int(response.headers["location"].rsplit("/", 1)[1])


def test_built_in_scenario_is_read_only_and_clones_into_an_editable_copy(
    client: TestClient, db: Session, cast: Cast
) -> None:
    sign_in(client, "ines")
    page = client.get(f"/scenarios/{builtin_id(db)}")
    assert page.status_code == 200
    assert "Save brief" not in page.text
    token = csrf_from(page.text)
    refused = client.post(
        f"/scenarios/{builtin_id(db)}/basics", data={"csrf_token": token, "title": "Mine"}
    )
    assert refused.status_code == 403
    copy_id = clone(client, db)
    copy = db.get(Scenario, copy_id)
    assert copy is not None
    assert copy.owner_id == cast.instructor.id
    assert copy.cloned_from_id == builtin_id(db)
    assert "Save brief" in client.get(f"/scenarios/{copy_id}").text


def test_sharpening_a_role_brief(client: TestClient, db: Session, cast: Cast) -> None:
    sign_in(client, "ines")
    copy_id = clone(client, db)
    brief = db.scalar(select(ScenarioRoleBrief).where(ScenarioRoleBrief.scenario_id == copy_id))
    assert brief is not None
    url = f"/scenarios/{copy_id}/briefs/{brief.id}"
    token = csrf_from(client.get(f"/scenarios/{copy_id}").text)
    bad = client.post(url, data={"csrf_token": token, "title": " ", "goals": "- Keep this goal"})
    assert bad.status_code == 422
    assert "Keep this goal" in bad.text
    good = client.post(
        url,
        data={
            "csrf_token": token,
            "title": "Sharper title",
            "goals": "- New goal",
            "red_lines": "- Never X",
        },
    )
    assert good.status_code == 303
    db.refresh(brief)
    assert (brief.title, brief.goals, brief.red_lines) == (
        "Sharper title",
        "- New goal",
        "- Never X",
    )


def test_the_whole_file_is_validated_before_anything_is_saved(
    client: TestClient, db: Session, cast: Cast
) -> None:
    sign_in(client, "ines")
    copy_id = clone(client, db)
    page = client.get(f"/scenarios/{copy_id}").text
    token = csrf_from(page)
    exported = client.get(f"/scenarios/{copy_id}/export")
    assert exported.headers["content-disposition"].startswith("attachment")
    data = yaml.safe_load(exported.text)
    data["working_groups"][1]["rules"]["voting_rule"] = "plurality"
    bad = client.post(
        f"/scenarios/{copy_id}/file", data={"csrf_token": token, "text": yaml.safe_dump(data)}
    )
    assert bad.status_code == 422
    assert "working_groups.1.rules.voting_rule" in bad.text
    assert "plurality" in bad.text  # the typed text is kept in the editor
    data["working_groups"][1]["rules"]["voting_rule"] = "two_thirds"
    data["delegations"].append({"code": "EU", "name": "European Union", "status": "observer"})
    good = client.post(
        f"/scenarios/{copy_id}/file", data={"csrf_token": token, "text": yaml.safe_dump(data)}
    )
    assert good.status_code == 303
    again = yaml.safe_load(client.get(f"/scenarios/{copy_id}/export").text)
    assert again["working_groups"][1]["rules"]["voting_rule"] == "two_thirds"
    assert [d["code"] for d in again["delegations"]] == ["US", "PRC", "EU"]


def test_import_from_the_page(client: TestClient, db: Session, cast: Cast) -> None:
    sign_in(client, "ines")
    text = client.get(f"/scenarios/{builtin_id(db)}/export").text
    token = csrf_from(client.get("/instructor").text)
    imported = client.post(
        "/instructor/scenarios",
        data={"csrf_token": token},
        files={"file": ("s.yaml", text.encode(), "text/yaml")},
    )
    assert imported.status_code == 303
    new_id = int(imported.headers["location"].rsplit("/", 1)[1])
    assert re.match(r"cooling-off-\d+", db.get(Scenario, new_id).slug)  # type: ignore[union-attr]
    broken = client.post(
        "/instructor/scenarios",
        data={"csrf_token": token},
        files={"file": ("s.yaml", b"title: [", "text/yaml")},
    )
    assert broken.status_code == 400
    assert "not valid YAML" in broken.text


def test_other_people_cannot_read_or_change_my_scenario(
    client: TestClient, db: Session, cast: Cast
) -> None:
    sign_in(client, "ines")
    copy_id = clone(client, db)
    client.cookies.clear()
    make_user(db, "other-prof", instructor=True)
    sign_in(client, "other-prof")
    assert client.get(f"/scenarios/{copy_id}").status_code == 404
    client.cookies.clear()
    sign_in(client, "ursula")
    assert client.get(f"/scenarios/{builtin_id(db)}").status_code == 404
    token = csrf_from(client.get("/").text)
    assert (
        client.post(f"/scenarios/{builtin_id(db)}/clone", data={"csrf_token": token}).status_code
        == 404
    )


def test_every_part_has_a_form_that_validates_and_keeps_what_was_typed(
    client: TestClient, db: Session, cast: Cast
) -> None:
    from app.scenarios.models import (
        ScenarioDelegation,
        ScenarioInject,
        ScenarioSector,
        ScenarioWorkingGroup,
    )

    sign_in(client, "ines")
    copy_id = clone(client, db)
    token = csrf_from(client.get(f"/scenarios/{copy_id}").text)

    def first(model: type) -> Any:
        item = db.scalar(select(model).where(model.scenario_id == copy_id))  # type: ignore[attr-defined]
        assert item is not None
        return item

    group = first(ScenarioWorkingGroup)
    bad = client.post(
        f"/scenarios/{copy_id}/working_groups/{group.id}",
        data={
            "csrf_token": token,
            "name": "FT renamed",
            "mandate": "Typed mandate",
            "voting_rule": "consensus",
            "quorum_percent": "abc",
            "ballot_unit": "delegate",
            "ballot_type": "roll_call",
            "sponsorship": "none",
        },
    )
    assert bad.status_code == 422
    assert "rules.quorum" in bad.text
    assert "Typed mandate" in bad.text
    good = client.post(
        f"/scenarios/{copy_id}/working_groups/{group.id}",
        data={
            "csrf_token": token,
            "name": "FT renamed",
            "mandate": "New mandate",
            "voting_rule": "consensus",
            "quorum_percent": "60",
            "ballot_unit": "delegate",
            "ballot_type": "secret",
            "sponsorship": "none",
            "chairs_move_stages": "true",
        },
    )
    assert good.status_code == 303
    db.refresh(group)
    assert (group.name, group.voting_rule, group.quorum, group.ballot_type) == (
        "FT renamed",
        "consensus",
        0.6,
        "secret",
    )

    delegation = first(ScenarioDelegation)
    assert (
        client.post(
            f"/scenarios/{copy_id}/delegations/{delegation.id}",
            data={
                "csrf_token": token,
                "name": "USA",
                "status": "member",
                "brief": "New instructions",
            },
        ).status_code
        == 303
    )
    db.refresh(delegation)
    assert delegation.brief == "New instructions"

    sector = first(ScenarioSector)
    assert (
        client.post(
            f"/scenarios/{copy_id}/sectors/{sector.id}",
            data={"csrf_token": token, "name": "", "description": "x"},
        ).status_code
        == 422
    )

    inject = first(ScenarioInject)
    refused = client.post(
        f"/scenarios/{copy_id}/injects/{inject.id}",
        data={"csrf_token": token, "title": "Blackout", "trigger": "on_idle", "idle_minutes": ""},
    )
    assert refused.status_code == 422
    assert "an on_idle trigger needs idle_minutes" in refused.text
    assert (
        client.post(
            f"/scenarios/{copy_id}/injects/{inject.id}",
            data={
                "csrf_token": token,
                "title": "Blackout",
                "trigger": "on_idle",
                "idle_minutes": "7",
                "working_group": "CY",
                "delegation": "PRC",
            },
        ).status_code
        == 303
    )
    db.refresh(inject)
    assert (inject.title, inject.idle_minutes, inject.delegation_code) == ("Blackout", 7, "PRC")
    # And the scenario still exports as a valid file.
    from app.scenarios.service import parse_scenario_file

    parse_scenario_file(client.get(f"/scenarios/{copy_id}/export").text)


def test_delegates_cannot_import_scenarios(client: TestClient, db: Session, cast: Cast) -> None:
    sign_in(client, "ursula")
    token = csrf_from(client.get("/").text)
    before = db.scalar(select(func.count()).select_from(Scenario))
    response = client.post(
        "/instructor/scenarios",
        data={"csrf_token": token},
        files={"file": ("s.yaml", b"title: x", "text/yaml")},
    )
    assert response.status_code == 403
    assert db.scalar(select(func.count()).select_from(Scenario)) == before
