"""The suite's own habits: every test asserts something, and no assertion is one that cannot fail.

Read from the source (ast), so the browser tests are checked too without a browser.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

TESTS_DIR = Path(__file__).resolve().parent

# Calls that assert, besides `assert` statements and `with pytest.raises(...)`: Playwright's
# `expect(...)`, and the suite's own helpers whose body asserts.
ASSERTING_CALLS = frozenset({"expect", "assert_well_formed"})


def collected_tests(tree: ast.Module) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith(
            "test_"
        ):
            yield node


def called_name(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def asserts(function: ast.AST) -> bool:
    for node in ast.walk(function):
        if isinstance(node, ast.Assert):
            return True
        if isinstance(node, ast.With | ast.AsyncWith) and any(
            isinstance(item.context_expr, ast.Call)
            and called_name(item.context_expr) in ("raises", "warns")
            for item in node.items
        ):
            return True
        if isinstance(node, ast.Call) and called_name(node) in ASSERTING_CALLS:
            return True
    return False


def cannot_fail(statement: ast.Assert) -> bool:
    """`assert True`, `assert "text"`, `assert x == x`: true whatever the code under test does."""
    test = statement.test
    if isinstance(test, ast.Constant):
        return bool(test.value)
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        same = ast.dump(test.left) == ast.dump(test.comparators[0])
        return same and isinstance(test.ops[0], ast.Eq | ast.Is | ast.LtE | ast.GtE | ast.In)
    return False


def problems_in(source: str, name: str) -> tuple[int, list[str]]:
    """How many test functions the source has, and what is wrong with them."""
    tree = ast.parse(source)
    found, problems = 0, []
    for function in collected_tests(tree):
        found += 1
        where = f"{name}:{function.lineno} {function.name}"
        if not asserts(function):
            problems.append(f"{where} asserts nothing")
        for node in ast.walk(function):
            if isinstance(node, ast.Assert) and cannot_fail(node):
                problems.append(
                    f"{where} line {node.lineno}: `{ast.unparse(node.test)}` cannot fail"
                )
    return found, problems


def test_every_test_asserts_something_that_can_fail() -> None:
    found = 0
    problems: list[str] = []
    for path in sorted(TESTS_DIR.rglob("test_*.py")):
        if "vendor" in path.parts:
            continue
        count, wrong = problems_in(path.read_text(), str(path.relative_to(TESTS_DIR)))
        found, problems = found + count, problems + wrong
    assert found > 300, "the scan found the suite's tests"
    assert problems == [], "\n".join(problems)


def test_the_scan_tells_weak_tests_from_good_ones() -> None:
    source = """
def test_nothing(client):
    client.get("/")

def test_always_true(x):
    assert True
    assert x == x

def test_fine(x):
    assert x == 2

def test_raises():
    with pytest.raises(ValueError):
        int("x")

def test_in_a_browser(page):
    expect(page).to_have_title("Commission")

def helper_without_assert():
    pass
"""
    count, problems = problems_in(source, "t.py")
    assert count == 5
    assert problems == [
        "t.py:2 test_nothing asserts nothing",
        "t.py:5 test_always_true line 6: `True` cannot fail",
        "t.py:5 test_always_true line 7: `x == x` cannot fail",
    ]
