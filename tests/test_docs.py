"""The architecture page and CONTRIBUTING name files that exist: a move that leaves them
behind fails here, so the map stays true to the code."""

from __future__ import annotations

import re

import pytest

from app.config import ROOT_DIR

DOCS = ("docs/architecture.md", "CONTRIBUTING.md")
TOP = ("app/", "tests/", "scripts/", "docs/", "templates/", "static/", "migrations/", "bench/")
# A path with a folder in it, as the docs write them: `app/db.py`, voting/routes.py,
# tests/live/test_page_and_push.py, live/broker/ (paths not under a top folder are in app/).
_PATH = re.compile(
    r"(?<![\w/.<-])([a-z_]+(?:/[a-z_0-9]+)*/(?:[a-z_0-9]+\.(?:py|md|html|css))?)(?![a-z])"
)
# The example feature CONTRIBUTING walks through, which does not exist on purpose.
EXAMPLE = "statements"


def named_paths(text: str) -> set[str]:
    found = set()
    for match in _PATH.finditer(text):
        path = match.group(1)
        if EXAMPLE in path.split("/"):
            continue
        found.add(path if path.startswith(TOP) else f"app/{path}")
    return found


@pytest.mark.parametrize("doc", DOCS)
def test_every_file_a_doc_names_exists(doc: str) -> None:
    names = named_paths((ROOT_DIR / doc).read_text(encoding="utf-8"))
    assert len(names) > 10, names  # the page does name files
    assert sorted(p for p in names if not (ROOT_DIR / p).exists()) == []


def test_the_architecture_page_lists_every_feature() -> None:
    text = (ROOT_DIR / "docs/architecture.md").read_text(encoding="utf-8")
    features = {p.name for p in (ROOT_DIR / "app").iterdir() if (p / "__init__.py").exists()}
    layers = text.split("## The features and their layers", 1)[1].split("\n## ", 1)[0]
    assert {f for f in features if not re.search(rf"\b{f}\b", layers)} == set()
