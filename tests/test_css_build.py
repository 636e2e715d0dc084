"""scripts/build_css.py: the served stylesheet is the concatenation of static/css/src/, fresh,
with every source's rules in the order of the file names."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scripts import build_css


def rules(css: str) -> list[str]:
    """The rules of a stylesheet in order, comments dropped and whitespace collapsed; a rule
    inside an at-rule is prefixed with it (`@media print / .badge{…}`)."""
    text = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    text = re.sub(r"\s*([{};:,>])\s*", r"\1", re.sub(r"\s+", " ", text)).strip()
    found: list[str] = []
    open_blocks: list[str] = []
    body = ""
    for char in text:
        if char == "{":
            open_blocks.append(body.strip())
            body = ""
        elif char == "}":
            if body.strip():
                found.append(" / ".join(open_blocks) + "{" + body.strip().rstrip(";") + "}")
            body = ""
            open_blocks.pop()
        else:
            body += char
    assert not open_blocks, "unbalanced braces"
    return found


def test_the_served_file_is_built_from_the_sources() -> None:
    assert build_css.BUILT.read_text(encoding="utf-8") == build_css.build_from(), (
        "static/css/commission.css is stale: run python scripts/build_css.py"
    )
    assert build_css.main(["--check"]) == 0


def test_the_sources_go_in_by_name_and_keep_their_rules_in_order() -> None:
    paths = build_css.sources()
    names = [path.name for path in paths]
    assert names[0] == "00-base.css"
    assert names == sorted(names)
    expected = [rule for path in paths for rule in rules(path.read_text(encoding="utf-8"))]
    assert rules(build_css.BUILT.read_text(encoding="utf-8")) == expected
    assert len(expected) > 400


def test_every_source_opens_with_a_comment_and_the_first_lists_them_all() -> None:
    paths = build_css.sources()
    for path in paths:
        assert path.read_text(encoding="utf-8").startswith("/*"), path.name
    contents = paths[0].read_text(encoding="utf-8").split("*/", 1)[0]
    for path in paths:
        assert f" {path.stem} " in contents, f"{path.name} is missing from 00-base.css's contents"


def test_build_is_a_plain_concatenation(tmp_path: Path) -> None:
    (tmp_path / "10-b.css").write_text("/* B */\n\n.b {\n  color: red;\n}\n")
    (tmp_path / "00-a.css").write_text("/* A */\n.a { margin: 0 }\n@media print { .a { x: y } }\n")
    built = build_css.build_from(tmp_path)
    assert built.startswith(build_css.HEADER)
    assert built.index("src/00-a.css") < built.index("src/10-b.css")
    assert rules(built) == [".a{margin:0}", "@media print / .a{x:y}", ".b{color:red}"]
    assert build_css.build_from(tmp_path) == built


def test_check_fails_on_a_stale_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "00-a.css").write_text("/* A */\n.a { margin: 0 }\n")
    built = tmp_path / "out.css"
    monkeypatch.setattr(build_css, "SOURCES", src)
    monkeypatch.setattr(build_css, "BUILT", built)
    monkeypatch.setattr(build_css, "ROOT", tmp_path)
    assert build_css.main(["--check"]) == 1
    assert build_css.main([]) == 0
    assert build_css.main(["--check"]) == 0
    built.write_text(built.read_text() + "\n.extra { color: red }\n")
    assert build_css.main(["--check"]) == 1
