"""scripts/check_imports.py: the import rule between features, on fake packages and on app/."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from app.config import ROOT_DIR
from scripts import check_imports
from scripts.check_imports import Rules, cycles, graph_of, scan

# Today's route modules that import another feature's routes; issue 11 removes them. None may
# be added meanwhile.
# None left: the three there were (commissions → accounts.routes, injects and scenarios →
# instructor.routes) now import accounts.waiting and instructor.pages.
KNOWN_ROUTE_IMPORTS: set[tuple[str, str]] = set()

FAKE = Rules(
    core=("db", "web", "live.events", "accounts"),
    wiring=("main",),
    layers=(
        ("db",),
        ("web",),
        ("live.events",),
        ("accounts",),
        ("drafts",),
        ("ballots",),
        ("charter", "report"),
        ("live",),
    ),
)


def write(root: Path, files: dict[str, str]) -> Path:
    """A package app/ under root with the given modules (path -> source); returns app/."""
    for name, source in files.items():
        path = root / "app" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)
        for parent in path.relative_to(root).parents:
            if parent != Path(".") and not (root / parent / "__init__.py").exists():
                (root / parent / "__init__.py").write_text("")
    return root / "app"


def edges(package: Path, rules: Rules = FAKE) -> dict[str, set[str]]:
    graph = graph_of(package, rules)
    return {source: set(targets) for source, targets in graph.edges.items()}


def violations(package: Path, rules: Rules = FAKE) -> set[tuple[str, str]]:
    return {(i.source, i.target) for i in check_imports.route_violations(scan(package), rules)}


def test_a_route_module_importing_another_features_routes_or_api_is_found(
    tmp_path: Path,
) -> None:
    package = write(
        tmp_path,
        {
            "ballots/routes.py": "from app.drafts.routes import page\nimport app.charter.api\n",
            "ballots/api.py": "from app.ballots import routes\n",  # its own feature: fine
            "ballots/service.py": "from app.drafts import routes\n",  # not a route module
            "charter/api.py": "def f():\n    from ..drafts import api\n",  # relative, in a function
            "charter/routes.py": "from app.drafts.service import x\n",  # a service: fine
            "drafts/routes.py": "page = 1\n",
            "drafts/api.py": "",
            "drafts/service.py": "x = 1\n",
            "api.py": "from app.accounts import routes\n",  # app/api.py is a route module
            "accounts/routes.py": "",
            "main.py": "from app.ballots import routes\nfrom app.drafts import api\n",  # wiring
        },
    )
    assert violations(package) == {
        ("ballots.routes", "drafts.routes"),
        ("ballots.routes", "charter.api"),
        ("charter.api", "drafts.api"),
        ("api", "accounts.routes"),
    }


def test_imports_are_resolved_in_every_spelling(tmp_path: Path) -> None:
    package = write(
        tmp_path,
        {
            "a/service.py": (
                "import app.b.models\n"
                "from app.c import rules\n"  # a submodule named in a from-import
                "from app.d.models import Thing\n"
                "from app import web\n"
                "from . import helpers\n"  # inside its own feature: no edge
                "from ..e import models as e_models\n"
                "import os, sqlalchemy\n"  # outside the package: ignored
            ),
            "a/helpers.py": "",
            "b/models.py": "",
            "c/rules.py": "",
            "d/models.py": "Thing = 1\n",
            "e/models.py": "",
            "web.py": "",
        },
    )
    assert edges(package) == {"a": {"b", "c", "d", "e", "web"}}
    lines = {i.target: i.line for i in scan(package)}
    assert lines["e.models"] == 6


def test_a_core_submodule_is_a_unit_of_its_own(tmp_path: Path) -> None:
    package = write(
        tmp_path,
        {
            "live/events.py": "from app import db\n",
            "live/routes.py": "from app.live import events\nfrom app.ballots import service\n",
            "ballots/service.py": "from app.live.events import publish\n",
            "db.py": "",
        },
    )
    assert edges(package) == {
        "live.events": {"db"},
        "live": {"live.events", "ballots"},
        "ballots": {"live.events"},
    }


def test_cycles_and_pairs_that_import_each_other(tmp_path: Path) -> None:
    package = write(
        tmp_path,
        {
            "drafts/service.py": "from app.ballots import service\n",
            "ballots/service.py": "from app.charter import service\n",
            "charter/service.py": "from app.drafts import models\n",
            "drafts/models.py": "",
            "report/service.py": "from app.charter import service\nfrom app.live import routes\n",
            "live/routes.py": "from app.report import service\n",
            "accounts/service.py": "",
        },
    )
    graph = graph_of(package, FAKE)
    assert cycles(graph) == [["ballots", "charter", "drafts"], ["live", "report"]]
    assert check_imports.mutual_pairs(graph) == [("live", "report")]
    text = check_imports.render_graph(graph, FAKE)
    assert "  report   -> charter live" in text
    assert "Units that import each other: 1 pairs\n  live <-> report" in text
    assert "  ballots charter drafts\n  live report" in text


def test_the_layer_order_is_enforced(tmp_path: Path) -> None:
    package = write(
        tmp_path,
        {
            "ballots/service.py": "from app.drafts import models\nfrom app.accounts import x\n",
            "drafts/models.py": "from app.ballots import rules\n",  # upward
            "ballots/rules.py": "",
            "charter/service.py": "from app.report import service\n",  # its own layer
            "report/service.py": "from app.live import routes\nfrom app import main\n",
            "live/routes.py": "from app.report import service\n",
            "accounts/x.py": "from app import web\n",  # core below core: fine
            "web.py": "from app.accounts import x\n",  # core above core: upward
            "main.py": "from app.live import routes\n",
        },
    )
    graph = graph_of(package, FAKE)
    broken, unplaced = check_imports.layer_problems(graph, FAKE)
    assert unplaced == []
    assert [line.split(" (")[0] for line in broken] == [
        "charter -> report: imports a unit of its own layer",
        "drafts -> ballots: imports a unit of a higher layer",
        "report -> live: imports a unit of a higher layer",
        "report -> main: imports a wiring module",
        "web -> accounts: imports a unit of a higher layer",
    ]
    assert broken[1].endswith("(app/drafts/models.py:1)")


def test_the_plain_run_fails_on_an_import_against_the_layer_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    upward = write(
        tmp_path / "upward",
        {"drafts/views.py": "from app.ballots import tally\n", "ballots/tally.py": ""},
    )
    capsys.readouterr()
    assert check_imports.main(["--root", str(upward.parent)], FAKE) == 1
    assert "drafts -> ballots: imports a unit of a higher layer" in capsys.readouterr().out
    downward = write(
        tmp_path / "downward",
        {"ballots/tally.py": "from app.drafts import views\n", "drafts/views.py": ""},
    )
    assert check_imports.main(["--root", str(downward.parent)], FAKE) == 0


def test_the_real_app_keeps_the_layer_order() -> None:
    graph = graph_of(ROOT_DIR / "app", Rules())
    assert check_imports.layer_problems(graph, Rules()) == ([], [])


def test_a_unit_missing_from_the_layers_is_reported(tmp_path: Path) -> None:
    package = write(tmp_path, {"newthing/service.py": "", "drafts/service.py": ""})
    graph = graph_of(package, FAKE)
    assert check_imports.layer_problems(graph, FAKE)[1] == [
        "newthing is in no layer: add it to LAYERS"
    ]


def test_exit_status_of_each_mode(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clean = write(tmp_path / "clean", {"accounts/routes.py": "from app.accounts import api\n"})
    assert check_imports.main(["--root", str(clean.parent)], FAKE) == 0
    broken = write(
        tmp_path / "broken",
        {"drafts/routes.py": "from app.accounts import routes\n", "accounts/routes.py": ""},
    )
    capsys.readouterr()
    assert check_imports.main(["--root", str(broken.parent)], FAKE) == 1
    out = capsys.readouterr().out
    assert "app/drafts/routes.py:1: app.drafts.routes imports app.accounts.routes" in out
    assert check_imports.main(["--root", str(broken.parent), "--graph"], FAKE) == 0
    assert "drafts   -> *accounts" in capsys.readouterr().out
    unparsable = write(tmp_path / "bad", {"drafts/routes.py": "def (:\n"})
    assert check_imports.main(["--root", str(unparsable.parent)], FAKE) == 2
    assert "cannot parse" in capsys.readouterr().err


def run_on_app(*flags: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "scripts/check_imports.py", *flags],
        cwd=ROOT_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_no_new_route_module_imports_another_features_routes() -> None:
    result = run_on_app()
    found = {
        (i.source, i.target)
        for i in check_imports.route_violations(scan(ROOT_DIR / "app"), Rules())
    }
    assert found <= KNOWN_ROUTE_IMPORTS
    assert result.returncode == (1 if found else 0), result.stdout + result.stderr
    assert found == set()
    assert f"another feature's routes or API: {len(found)}" in result.stdout


def test_the_graph_of_the_real_app_names_every_feature() -> None:
    result = run_on_app("--graph")
    assert result.returncode == 0, result.stderr
    listed = {line.split()[0] for line in result.stdout.splitlines() if " -> " in line}
    features = {p.name for p in (ROOT_DIR / "app").iterdir() if (p / "__init__.py").exists()}
    assert features <= listed
    assert "Cycles (units that reach each other through imports):" in result.stdout


def test_every_unit_of_the_real_app_has_a_layer() -> None:
    package = ROOT_DIR / "app"
    rules = Rules()
    graph = graph_of(package, rules)
    assert check_imports.layer_problems(graph, rules)[1] == []
