from __future__ import annotations

import pytest

from app.accounts.rules import (
    normalize_username,
    password_problem,
    username_problem,
)


@pytest.mark.parametrize("name", ["abc", "us-state", "li.wei", "a_b_c", "x" * 40])
def test_good_usernames(name: str) -> None:
    assert username_problem(name) is None


@pytest.mark.parametrize("name", ["", "ab", "-abc", "has space", "UPPER", "x" * 41, "名字"])
def test_bad_usernames(name: str) -> None:
    assert username_problem(name) is not None


def test_usernames_are_case_and_space_insensitive() -> None:
    assert normalize_username("  Li.Wei ") == "li.wei"


def test_password_length_bounds() -> None:
    assert password_problem("short") is not None
    assert password_problem("long enough") is None
    assert password_problem("x" * 257) is not None
