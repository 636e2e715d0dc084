"""The `commission` command against its own throwaway SQLite database."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from sqlalchemy import func, select
from typer.testing import CliRunner

from app.accounts.models import User
from app.cli import cli
from app.commissions.models import Commission, Participant
from app.db import session_scope
from app.norms.models import Norm
from app.scenarios.models import Scenario
from tests.locale_catalog import chinese

runner = CliRunner()


def test_demo_prepares_everything_and_is_idempotent(cli_database: Path) -> None:
    first = runner.invoke(cli, ["demo", "--no-serve"])
    assert first.exit_code == 0, first.output
    assert "join code:" in first.output
    assert "instructor" in first.output and "demo-password" in first.output
    second = runner.invoke(cli, ["demo", "--no-serve"])
    assert second.exit_code == 0, second.output
    with session_scope(write=False) as session:
        # The seminar in session, and a concluded one whose charter the registry shows.
        assert session.scalar(select(func.count()).select_from(Commission)) == 2
        assert session.scalar(select(func.count()).select_from(Norm)) == 3
        assert session.scalar(select(func.count()).select_from(Scenario)) == 1
        seated = session.scalar(
            select(func.count())
            .select_from(Participant)
            .where(Participant.role_brief_id.is_not(None))
        )
        assert seated == 10


def test_the_demo_speaks_the_terminal_s_language(cli_database: Path) -> None:
    chinese_words = chinese("Every demo account's password is: %(password)s")
    chinese_role = chinese("instructor")
    said = runner.invoke(cli, ["demo", "--no-serve"], env={"LANGUAGE": "", "LC_ALL": "zh_CN.UTF-8"})
    assert said.exit_code == 0, said.output
    assert chinese_words % {"password": "demo-password"} in said.output
    assert re.search(rf"^  instructor +Dr\. Morgan Hale +{chinese_role}$", said.output, re.M)
    assert "Every demo account" not in said.output


def test_create_instructor_then_promote(cli_database: Path) -> None:
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    made = runner.invoke(
        cli, ["create-instructor", "prof.x", "--name", "Prof X", "--password", "long enough pw"]
    )
    assert made.exit_code == 0, made.output
    with session_scope(write=False) as session:
        user = session.scalar(select(User).where(User.username == "prof.x"))
        assert user is not None and user.is_instructor and user.display_name == "Prof X"
    bad = runner.invoke(cli, ["create-instructor", "X", "--password", "short"])
    assert bad.exit_code == 2


def test_scenario_export_and_import_round_trip(cli_database: Path, tmp_path: Path) -> None:
    assert runner.invoke(cli, ["demo", "--no-serve"]).exit_code == 0
    out = tmp_path / "cooling.yaml"
    exported = runner.invoke(cli, ["scenario", "export", "cooling-off", "-o", str(out)])
    assert exported.exit_code == 0, exported.output
    assert yaml.safe_load(out.read_text())["title"] == "Cooling Off"
    clash = runner.invoke(cli, ["scenario", "import", str(out)])
    assert clash.exit_code == 1
    assert "already exists" in clash.output
    imported = runner.invoke(cli, ["scenario", "import", str(out), "--slug", "cooling-off-b"])
    assert imported.exit_code == 0, imported.output
    json_out = runner.invoke(cli, ["scenario", "export", "cooling-off-b", "--json"])
    assert json_out.exit_code == 0 and '"title": "Cooling Off"' in json_out.output


def test_import_names_the_bad_field(cli_database: Path, tmp_path: Path) -> None:
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "slug: x\ntitle: X\n"
        "working_groups: [{code: FT, pillar: ft, name: FT, rules: {quorum: 2}}]\n"
        "delegations: [{code: A, name: A}, {code: B, name: B}]\n"
    )
    result = runner.invoke(cli, ["scenario", "import", str(bad)])
    assert result.exit_code == 1
    assert "working_groups.0.rules.quorum" in result.output
