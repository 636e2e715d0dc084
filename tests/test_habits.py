"""The everyday commands: the Makefile runs what CI runs, pre-commit runs the ruff that pip
installs, and every benchmark the Makefile starts is given only flags the script knows."""

from __future__ import annotations

import re
import shlex
import subprocess
import tomllib
from pathlib import Path

import yaml

from app.config import ROOT_DIR

PYPROJECT = tomllib.loads((ROOT_DIR / "pyproject.toml").read_text())


def make_n(*args: str) -> list[str]:
    """The commands `make` would run, one per line (continued lines joined)."""
    result = subprocess.run(
        ["make", "--no-print-directory", "-n", *args],
        cwd=ROOT_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.replace("\\\n", " ").splitlines()


def test_make_test_is_the_readme_command_and_lint_checks_the_tests_too() -> None:
    assert "./scripts/test.sh" in make_n("test")
    lint = make_n("lint")
    for command in (".venv/bin/ruff check .", ".venv/bin/ruff format --check ."):
        assert command in lint
    assert ".venv/bin/mypy app tests" in lint
    assert ".venv/bin/mypy app tests\n" in (ROOT_DIR / "scripts" / "test.sh").read_text()
    assert PYPROJECT["tool"]["mypy"]["files"] == ["app", "tests"]


def test_pre_commit_runs_the_ruff_version_of_the_dev_extras() -> None:
    dev = PYPROJECT["project"]["optional-dependencies"]["dev"]
    pinned = [d for d in dev if re.match(r"ruff\b", d)]
    assert len(pinned) == 1 and re.fullmatch(r"ruff==[\d.]+", pinned[0]), pinned
    assert any(d.startswith("pre-commit") for d in dev)
    config = yaml.safe_load((ROOT_DIR / ".pre-commit-config.yaml").read_text())
    hooks = [hook for repo in config["repos"] for hook in repo["hooks"]]
    entries = {hook["entry"].split(" --")[0] for hook in hooks}
    assert entries == {"ruff check", "ruff format"}
    assert {tuple(hook["additional_dependencies"]) for hook in hooks} == {(pinned[0],)}


def bench_flags(command: str) -> tuple[Path, list[str]]:
    words = shlex.split(command)
    if "-m" in words:
        script = ROOT_DIR / (words[words.index("-m") + 1].replace(".", "/") + ".py")
    else:
        script = ROOT_DIR / next(w for w in words if w.startswith("bench/"))
    return script, [w for w in words if w.startswith("--")]


def test_every_benchmark_is_run_with_flags_it_has() -> None:
    commands = [
        c for c in make_n("bench", "BENCH_DB=postgres") if "bench" in c and "-m pip" not in c
    ]
    scripts = {bench_flags(c)[0].name for c in commands}
    assert scripts == {p.name for p in (ROOT_DIR / "bench").glob("*.py")} - {"__init__.py"}
    for command in commands:
        script, flags = bench_flags(command)
        source = script.read_text()
        assert flags and all(f'"{flag}"' in source for flag in flags), command


def test_every_registered_pytest_marker_is_used() -> None:
    markers = PYPROJECT["tool"]["pytest"]["ini_options"].get("markers", [])
    tests = "\n".join(p.read_text() for p in (ROOT_DIR / "tests").rglob("*.py"))
    unused = [m for m in markers if f"pytest.mark.{m.split(':')[0]}" not in tests]
    assert unused == []
