"""The pure rules of norms: how a norm is coded."""

from __future__ import annotations

from app.norms.rules import norm_code


def test_a_norm_is_coded_by_its_group_and_number() -> None:
    assert norm_code("FT", 1) == "FT-1"
    assert norm_code("CY", 12) == "CY-12"
