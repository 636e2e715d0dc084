"""`commission export` and `commission import`: from the test database into a fresh one."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.accounts.models import User
from app.archive import service as archive
from app.cli import cli
from app.db import session_scope
from app.scenarios.models import Scenario
from tests.archive.helpers import rich_commission, without_ids
from tests.conftest import Cast

runner = CliRunner()


def test_export_then_import_into_another_installation(
    db: Session, cast: Cast, tmp_path: Path, cli_database: Path
) -> None:
    rich_commission(db, cast)
    original = archive.export_commission(db, cast.commission.id)
    file = tmp_path / "seminar-a.json"
    file.write_text(archive.archive_json(original), encoding="utf-8")
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0

    imported = runner.invoke(cli, ["import", str(file)])
    assert imported.exit_code == 0, imported.output
    new_id = int(imported.stdout.strip())
    assert f"as commission {new_id}" in imported.stderr
    back = tmp_path / "back.json"
    exported = runner.invoke(cli, ["export", str(new_id), "--output", str(back)])
    assert exported.exit_code == 0, exported.output

    again = json.loads(back.read_text(encoding="utf-8"))
    assert without_ids(again) == without_ids(original)
    assert again["commission"]["join_code"] == original["commission"]["join_code"]
    with session_scope(write=False) as session:
        scenario = session.scalar(select(Scenario))
        creator = session.scalar(select(User).where(User.username == "ines"))
        assert scenario is not None and creator is not None
        # No built-in here: the scenario is stored anew, owned by the commission's creator.
        assert scenario.owner_id == creator.id and not scenario.is_builtin

    to_stdout = runner.invoke(cli, ["export", str(new_id)])
    assert to_stdout.exit_code == 0
    assert json.loads(to_stdout.stdout)["commission"]["title"] == "Seminar A"

    # Imported accounts cannot sign in until someone here gives them a password.
    from app.accounts import service as accounts

    with session_scope(write=False) as session:
        assert accounts.authenticate(session, "ursula", "a new long password") is None
    assert runner.invoke(cli, ["set-password", "ursula", "--password", "short"]).exit_code == 2
    changed = runner.invoke(cli, ["set-password", "ursula", "--password", "a new long password"])
    assert changed.exit_code == 0, changed.output
    with session_scope(write=False) as session:
        assert accounts.authenticate(session, "ursula", "a new long password") is not None
    assert runner.invoke(cli, ["set-password", "nobody", "--password", "x" * 12]).exit_code == 2


def test_refusals_are_told_plainly(tmp_path: Path, cli_database: Path) -> None:
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    missing = runner.invoke(cli, ["export", "404"])
    assert missing.exit_code == 1
    assert "There is no commission with the id 404." in missing.stderr
    file = tmp_path / "broken.json"
    file.write_text('{"format": "commission-archive", "version": 1}', encoding="utf-8")
    broken = runner.invoke(cli, ["import", str(file)])
    assert broken.exit_code == 1
    assert "scenario: this is required" in broken.stderr
    file.write_text("not json", encoding="utf-8")
    assert "not valid JSON" in runner.invoke(cli, ["import", str(file)]).stderr
