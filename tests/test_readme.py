"""The README's two commands are the ones CI and new users run."""

from __future__ import annotations

from app.config import ROOT_DIR


def test_quick_start_is_two_commands_and_ci_runs_the_second() -> None:
    readme = (ROOT_DIR / "README.md").read_text()
    quick_start = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = [b.split("\n", 1)[1].strip() for b in quick_start.split("```sh")[1:]]
    commands = [b.split("```")[0].strip() for b in blocks]
    assert commands == [
        "python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/commission demo",
        "./scripts/test.sh",
    ]
    assert "./scripts/test.sh" in (ROOT_DIR / ".ci" / "run").read_text()
