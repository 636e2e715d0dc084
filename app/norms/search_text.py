"""Text for the registry's full-text index, and queries against it. Pure, no I/O.

Both databases index the same prepared text, so a query finds the same norms on SQLite
(FTS5) and on PostgreSQL (tsvector): accents are folded here ("régime" is found by
"regime"), and Chinese, Japanese and Korean characters are written one per token, because
neither tokenizer splits a run of CJK text into words. A CJK query is then searched as a
phrase of adjacent characters, which finds "网络安全" inside any longer sentence.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from app.textdiff import CJK as _CJK

_CJK_CHAR = re.compile(f"([{_CJK}])")
_WORD = re.compile(rf"[{_CJK}]+|[^\W_]+", re.UNICODE)
_QUOTED = re.compile(r'"([^"]*)"')
_ENDS_IN_WORD = re.compile(r"[^\W_]$")

# Words too common to narrow a search: PostgreSQL's English list (tsearch_data/english.stop),
# which to_tsquery drops anyway; dropping them here too makes SQLite answer the same. A query
# of nothing but such words searches for nothing and lists every norm.
_STOPWORDS = """
    i me my myself we our ours ourselves you your yours yourself yourselves he him his
    himself she her hers herself it its itself they them their theirs themselves what which
    who whom this that these those am is are was were be been being have has had having do
    does did doing a an the and but if or because as until while of at by for with about
    against between into through during before after above below to from up down in out on
    off over under again further then once here there when where why how all any both each
    few more most other some such no nor not only own same so than too very s t can will
    just don should now
"""
STOPWORDS = frozenset(_STOPWORDS.split())


def fold(text: str) -> str:
    """Lower case, accents removed, CJK characters set apart by spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _CJK_CHAR.sub(r" \1 ", plain)


def index_fields(
    code: str, title: str, text: str, parallel_title: str = "", parallel_text: str = ""
) -> tuple[str, str]:
    """(title field, body field) as stored beside a norm for the index: a norm with parallel
    texts is found by the words of either language."""
    titles = f"{code} {title} {parallel_title}" if parallel_title else f"{code} {title}"
    body = f"{text}\n\n{parallel_text}" if parallel_text else text
    return fold(titles), fold(body)


@dataclass(frozen=True)
class Term:
    """One thing the norm must contain: a word, or a phrase of adjacent tokens."""

    tokens: tuple[str, ...]
    prefix: bool = False  # the last word of a typed query may be unfinished


def parse_query(query: str) -> list[Term]:
    """A visitor's words as terms that every matching norm must contain.

    Quoted text is a phrase; a run of CJK characters is a phrase of its characters; the last
    unquoted word matches as a prefix so that search-as-you-type finds "infrastructure" at
    "infra". Punctuation and operators are ignored: nothing typed reaches the database as syntax.
    """
    query = unicodedata.normalize("NFC", query)
    terms: list[Term] = []
    for phrase in _QUOTED.findall(query):
        tokens = tuple(_tokens(phrase))
        if tokens:
            terms.append(Term(tokens))
    loose = _QUOTED.sub(" ", query)
    words = [tuple(_tokens(w)) for w in _WORD.findall(loose)]
    words = [w for w in words if w]
    typed_last = words[-1] if words and _ENDS_IN_WORD.search(query) else None
    words = [w for w in words if not (len(w) == 1 and w[0] in STOPWORDS)]
    for i, tokens in enumerate(words):
        unfinished = i == len(words) - 1 and tokens == typed_last and len(tokens) == 1
        terms.append(Term(tokens, prefix=unfinished))
    # The same term twice narrows nothing.
    return list(dict.fromkeys(terms))


def _tokens(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def fts5_match(terms: list[Term]) -> str:
    """An FTS5 MATCH expression: every term as a quoted string (so never as syntax), ANDed."""
    parts = []
    for term in terms:
        body = " ".join(term.tokens).replace('"', "")
        parts.append(f'"{body}"*' if term.prefix else f'"{body}"')
    return " AND ".join(parts)


def tsquery(terms: list[Term]) -> str:
    """A PostgreSQL to_tsquery expression built only from word characters, so never as syntax."""
    parts = []
    for term in terms:
        tokens = [t for t in term.tokens if t.isalnum()]
        if not tokens:
            continue
        words = " <-> ".join(tokens)
        parts.append(f"{words}:*" if term.prefix else f"({words})" if len(tokens) > 1 else words)
    return " & ".join(parts)
