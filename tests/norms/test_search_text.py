"""Preparing text and queries for the registry's index, without a database."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from app.norms.search_text import Term, fold, fts5_match, index_fields, parse_query, tsquery


def test_fold_lowers_strips_accents_and_spaces_cjk() -> None:
    assert fold("Régime ÉTATS") == "regime etats"
    assert fold("网络安全") == " 网  络  安  全 "
    assert index_fields("FT-1", "Ünity", "Text") == ("ft-1 unity", "text")


def test_queries_become_terms() -> None:
    assert parse_query("critical infra") == [Term(("critical",)), Term(("infra",), prefix=True)]
    assert parse_query("critical infra ") == [Term(("critical",)), Term(("infra",))]
    assert parse_query('"joint incident" of reporting') == [
        Term(("joint", "incident")),
        Term(("reporting",), prefix=True),
    ]
    assert parse_query("网络安全") == [Term(("网", "络", "安", "全"))]
    assert parse_query("the and of") == []
    assert parse_query("hotline hotline") == [Term(("hotline",)), Term(("hotline",), prefix=True)]
    assert parse_query("x x ") == [Term(("x",))]


def test_expressions_for_both_databases() -> None:
    terms = parse_query('"joint incident" 网络 infra')
    assert fts5_match(terms) == '"joint incident" AND "网 络" AND "infra"*'
    assert tsquery(terms) == "(joint <-> incident) & (网 <-> 络) & infra:*"


@given(st.text(max_size=60))
def test_nothing_typed_becomes_syntax(typed: str) -> None:
    """Whatever is typed, each FTS5 term is one quoted string and tsquery holds only words."""
    terms = parse_query(typed)
    for term in terms:
        assert all(t.isalnum() for t in term.tokens)
    match = fts5_match(terms)
    assert match.count('"') == 2 * len(terms)
    allowed = set(" &()<->:*")
    assert all(c.isalnum() or c in allowed for c in tsquery(terms))
