"""The registry: every norm whose charter the viewer may read, searched, filtered and paged.

Full-text search runs in the database over the index that app.norms.search_index keeps: FTS5
on SQLite, a tsvector with a GIN index on PostgreSQL. Both index the same prepared text
(app.norms.search_text), so the same words find the same norms on either.

How a search is answered (bench/search.py measures it over 100,000 norms; the plan below
replaced one that ranked every match, 50-75 ms at the median there on PostgreSQL):

- One statement gives the ids of up to COUNT_LIMIT + 1 hits in the page's order; their number
  is the count ("more than 1,000" past the limit, which is also the last page one can reach),
  and the page is a slice of them. A second reads the page's twenty norms whole, a third their
  sponsors, and a fourth the filters' options (not when the visitor is typing).
- The statement is built once per shape of search (`_Shape`): the words, filters and viewer's
  commissions are its parameters.
- The viewer's commissions and the filters are conditions on the narrow index row itself, not
  joins, and the words are parsed once per statement (an InitPlan), so the plan does not rest
  on the planner's guess of how many norms the words match: it multiplies the words' shares
  as if they were unrelated, and a topic's words are not ("critical" and "infrastructure").
- SQLite: FTS5 ranks every match by bm25 as it matches, fast enough at this size.
- PostgreSQL: ranking every match reads every match's tsvector (a common word matches ~10 %
  of the registry), and GIN gives matches in no useful order. So a search by relevance ranks
  the COUNT_LIMIT + 1 *newest* matches, every match when there are fewer: a title match still
  comes first among them, and ties go to the newest as before; an older norm that would have
  ranked first among more than a thousand matches is found with one more word or a filter.
  Those candidates are found by walking ix_norm_index_adopted from the newest entry, which
  for a common word stops after a few thousand entries (~6 ms); the walk is bounded to the
  RECENT_WINDOW newest entries, and when fewer matches lie there (a rare word) they are all
  read through the GIN index instead, the rare word's few matches. A filter by commission or
  by sponsoring delegation goes straight to that second way. "Newest" and "oldest" use the
  same candidates; "by code" sorts every match.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnCollection,
    ColumnElement,
    CompoundSelect,
    Integer,
    Select,
    String,
    and_,
    any_,
    bindparam,
    exists,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql import column, table

from app.accounts.models import User
from app.commissions import service as commissions
from app.commissions.models import Commission, Delegation, Participant, WorkingGroup
from app.i18n import name_sort_key
from app.norms import rules
from app.norms.models import Norm
from app.norms.search_text import Term, fts5_match, parse_query, tsquery
from app.norms.service import sponsoring_delegations
from app.proposals.models import ProposalAuthor, Sponsorship

PAGE_SIZE = 20
# Counting stops here: past a thousand hits the visitor needs more words, not an exact number,
# and counting every match of a common word is most of a search's cost.
COUNT_LIMIT = 1000
# PostgreSQL looks for the COUNT_LIMIT + 1 newest matches among this many newest entries
# before it reads every match through the GIN index (see above). Twenty times the candidates:
# the walk finds them when at least 5 % of the newest entries match (a common word matches
# ~10 %), at ~0.3 µs an entry walked; a rarer word then has few enough matches to read them
# all (~1 µs each). At 100,000 norms the worst case of the two together is least for a window
# of ~17,000 (walking W entries, then reading 1,001 × 100,000 / W matches).
RECENT_WINDOW = 20_000
# The index's table (app.norms.models.NormIndexEntry, plus the tsvector that only PostgreSQL
# has), and SQLite's FTS5 table of it, whose rowid is the norm's id.
INDEX = table(
    "norm_index",
    *(column(name) for name in ("norm_id", "commission_id", "working_group_id", "proposal_id")),
    *(column(name) for name in ("number", "adopted_at", "search_vector")),
)
NORM_FTS = table("norm_fts", column("rowid"), column("rank"))
# The columns of an index entry: the table's, or a subquery's over it.
EntryColumns = ColumnCollection[str, Any]
SORTS = ("relevance", "newest", "oldest", "code")


@dataclass(frozen=True)
class RegistryQuery:
    """What the visitor asked for; every field arrives from a plain GET form."""

    q: str = ""
    group: str = ""  # a pillar's code, e.g. "FT", across commissions
    commission: int | None = None
    delegation: str = ""  # a sponsoring delegation's code, e.g. "PRC"
    sort: str = "relevance"
    page: int = 1

    @property
    def effective_sort(self) -> str:
        """Relevance means nothing without words; then the newest norms come first."""
        if self.sort not in SORTS or (self.sort == "relevance" and not self.terms):
            return "newest"
        return self.sort

    @property
    def terms(self) -> list[Term]:
        return parse_query(self.q)

    def params(self, **changes: Any) -> dict[str, Any]:
        """This query's parameters for a link, e.g. to the next page; empty ones left out."""
        values = {
            "q": self.q,
            "group": self.group,
            "commission": self.commission,
            "delegation": self.delegation,
            "sort": self.sort if self.sort != "relevance" else "",
            "page": self.page if self.page != 1 else "",
        } | changes
        return {k: v for k, v in values.items() if v not in ("", None)}


@dataclass
class Hit:
    norm: Norm
    commission_title: str
    group_name: str
    sponsors: list[str] = field(default_factory=list)


@dataclass
class Choices:
    """What the filters offer: only what the viewer may read."""

    groups: list[tuple[str, str]]  # (code, name)
    commissions: list[tuple[int, str]]  # (id, title)
    delegations: list[tuple[str, str]]  # (code, name)


@dataclass
class RegistryPage:
    query: RegistryQuery
    hits: list[Hit]
    total: int
    page: int  # the query's page, brought within range
    choices: Choices | None  # None when only the results are drawn (search as you type)

    @property
    def pages(self) -> int:
        return page_count(self.total)

    @property
    def more_than_counted(self) -> bool:
        return self.total > COUNT_LIMIT


def page_count(total: int) -> int:
    """Pages for this many hits; past the counting limit, the pages up to it."""
    return max(1, -(-min(total, COUNT_LIMIT) // PAGE_SIZE))


def readable_commission_ids(session: Session, user: User | None) -> list[int]:
    """Commissions whose charter this user may read beyond the public ones (one query)."""
    if user is None:
        return []
    rows = session.execute(
        select(Participant, Commission.charter_visibility)
        .join(Commission, Commission.id == Participant.commission_id)
        .where(Participant.user_id == user.id, Commission.charter_visibility != "public")
    ).all()
    return [
        participant.commission_id
        for participant, visibility in rows
        if rules.can_read_charter(commissions.viewer_of(participant), visibility)
    ]


def readable_clause(commission_ids: list[int]) -> ColumnElement[bool]:
    """Commissions whose charter is public, or among those this viewer may read besides."""
    public = Commission.charter_visibility == "public"
    return or_(public, Commission.id.in_(commission_ids)) if commission_ids else public


@dataclass(frozen=True)
class _Shape:
    """What the SQL of a search depends on. The values themselves (the words, a filter's code,
    the viewer's commissions, the limits) are its parameters, so that each shape is built and
    compiled once (`_statement`) rather than for every request."""

    dialect: str
    sort: str
    words: bool
    group: bool
    commission: bool
    delegation: bool
    more_commissions: bool  # the viewer may read commissions besides the public ones


def _readable(more_commissions: bool) -> ColumnElement[bool]:
    """readable_clause with the viewer's other commissions as the parameter :readable_ids."""
    public = Commission.charter_visibility == "public"
    if not more_commissions:
        return public
    return or_(public, Commission.id.in_(bindparam("readable_ids", expanding=True)))


def _sponsored_by(proposal_id: ColumnElement[Any]) -> ColumnElement[bool]:
    """The norm's authors or accepted sponsors include a delegate of :delegation."""
    seated = and_(
        Participant.delegation_id == Delegation.id, Delegation.code == bindparam("delegation")
    )
    by_author = (
        select(ProposalAuthor.proposal_id)
        .join(Participant, Participant.id == ProposalAuthor.participant_id)
        .join(Delegation, seated)
        .where(ProposalAuthor.proposal_id == proposal_id)
    )
    by_sponsor = (
        select(Sponsorship.proposal_id)
        .join(Participant, Participant.id == Sponsorship.participant_id)
        .join(Delegation, seated)
        .where(Sponsorship.proposal_id == proposal_id, Sponsorship.status == "accepted")
    )
    return or_(exists(by_author), exists(by_sponsor))


def _among(column: ColumnElement[Any], ids: Select[Any], in_order: bool) -> ColumnElement[bool]:
    """`column IN (ids)`; `in_order` as `= ANY (ARRAY(ids))` (PostgreSQL): the ids are read
    once and each entry is tested against them whatever the planner guesses, so that a walk of
    the index in order of adoption is neither joined away from that order nor sorted again."""
    if in_order:
        return column == any_(func.array(ids.scalar_subquery()))
    return column.in_(ids)


def _narrowed(entry: EntryColumns, shape: _Shape, in_order: bool) -> list[ColumnElement[bool]]:
    """What the viewer may read and the filters, as conditions on an index entry alone."""
    readable = select(Commission.id).where(_readable(shape.more_commissions))
    conditions = [_among(entry.commission_id, readable, in_order)]
    if shape.group:
        groups = select(WorkingGroup.id).where(WorkingGroup.code == bindparam("group"))
        conditions.append(_among(entry.working_group_id, groups, in_order))
    if shape.commission:
        conditions.append(entry.commission_id == bindparam("commission"))
    if shape.delegation:
        conditions.append(_sponsored_by(entry.proposal_id))
    return conditions


def _tsquery() -> ColumnElement[Any]:
    """:words as a tsquery, parsed once per statement: `to_tsquery` of a bound parameter is
    otherwise parsed again for every row it is tested on (in a prepared statement's plan,
    which psycopg uses after five runs), ~3 µs each, which was most of a common word's cost."""
    parsed = func.to_tsquery(
        literal_column("'english'::regconfig"), bindparam("words", type_=String)
    )
    return select(parsed).scalar_subquery()


def _in_adoption_order(entry: EntryColumns, oldest_first: bool) -> list[ColumnElement[Any]]:
    columns = (entry.adopted_at, entry.norm_id)
    return [c.asc() if oldest_first else c.desc() for c in columns]


def _postgres_ranked(shape: _Shape) -> Select[Any]:
    """PostgreSQL: the :candidates newest (or oldest) matches, in the order asked for.

    The candidates are first looked for among the :window newest entries, in order of
    adoption through ix_norm_index_adopted: a common word finds them there after a few
    thousand entries. Only when that window holds fewer are all matches taken from the GIN
    index (a rare word: few matches to read). Both ways give the same rows; the window only
    bounds the work of the first. The relevance rank is computed on the candidates alone.
    """
    oldest_first = shape.sort == "oldest"
    ts_query = _tsquery() if shape.words else None
    by_relevance = shape.sort == "relevance" and ts_query is not None
    limit = bindparam("candidates", type_=Integer)

    def matches(entry: EntryColumns, in_order: bool, *more: ColumnElement[bool]) -> Select[Any]:
        conditions = _narrowed(entry, shape, in_order)
        if ts_query is not None:
            conditions.append(entry.search_vector.op("@@")(ts_query))
        columns = [entry.norm_id, entry.adopted_at]
        if by_relevance:
            columns.append(entry.search_vector)
        return (
            select(*columns)
            .where(*conditions, *more)
            .order_by(*_in_adoption_order(entry, oldest_first))
            .limit(limit)
        )

    if shape.commission or shape.delegation:
        # One class's norms are few, read through its index; a delegation's sponsorship is
        # two lookups per entry, too dear to test on every entry of a walk.
        candidates = matches(INDEX.c, False).subquery("candidates")
    else:
        window = (
            select(INDEX)
            .order_by(*_in_adoption_order(INDEX.c, oldest_first))
            .limit(bindparam("window", type_=Integer))
            .subquery("window")
        )
        in_window = matches(window.c, True).cte("in_window")
        found = select(func.count()).select_from(in_window).scalar_subquery()
        everywhere = matches(INDEX.c, False, found < limit).subquery("everywhere")
        candidates = union_all(
            select(in_window).where(found == limit), select(everywhere)
        ).subquery("candidates")
    order = _in_adoption_order(candidates.c, oldest_first)
    if by_relevance:
        # ts_rank rather than ts_rank_cd: the same order for short texts, a third cheaper.
        order.insert(0, func.ts_rank(candidates.c.search_vector, ts_query).desc())
    return select(candidates.c.norm_id).order_by(*order)


@lru_cache(maxsize=256)
def _statement(shape: _Shape) -> Select[Any]:
    """Up to :candidates norm ids in the order of the page: their number is the count."""
    if shape.dialect == "postgresql" and shape.sort != "code":
        return _postgres_ranked(shape)
    entry = INDEX.c
    statement = select(entry.norm_id).where(*_narrowed(entry, shape, in_order=False))
    orders: dict[str, list[Any]] = {
        "newest": _in_adoption_order(entry, oldest_first=False),
        "oldest": _in_adoption_order(entry, oldest_first=True),
        "code": [WorkingGroup.code, entry.number, entry.commission_id],
    }
    if shape.sort == "code":
        statement = statement.join(WorkingGroup, WorkingGroup.id == entry.working_group_id)
    if shape.words and shape.dialect == "postgresql":
        statement = statement.where(entry.search_vector.op("@@")(_tsquery()))
    elif shape.words:
        fts: ColumnElement[Any] = literal_column("norm_fts")
        statement = statement.join(NORM_FTS, NORM_FTS.c.rowid == entry.norm_id).where(
            fts.op("MATCH")(bindparam("words", type_=String))
        )
        # FTS5's rank is bm25 with the title weighted ten times the text (set in migration
        # 0003). Ordering by rank alone lets FTS5 sort as it matches; a tie-breaker would sort
        # the joined rows again, which doubles the time of a common word.
        orders["relevance"] = [NORM_FTS.c.rank]
    return statement.order_by(*orders[shape.sort]).limit(bindparam("candidates", type_=Integer))


def _ranked_ids(
    session: Session, dialect: str, query: RegistryQuery, readable_ids: list[int]
) -> list[int]:
    """The ids of up to COUNT_LIMIT + 1 hits in the order of the page, in one query."""
    terms = query.terms
    words = (tsquery if dialect == "postgresql" else fts5_match)(terms) if terms else ""
    if terms and not words:
        return []  # nothing searchable was typed (punctuation alone, say): nothing matches
    shape = _Shape(
        dialect,
        query.effective_sort,
        words=bool(words),
        group=bool(query.group),
        commission=query.commission is not None,
        delegation=bool(query.delegation),
        more_commissions=bool(readable_ids),
    )
    values = {
        "words": words,
        "group": query.group,
        "commission": query.commission,
        "delegation": query.delegation,
        "readable_ids": readable_ids,
        "candidates": COUNT_LIMIT + 1,
        "window": RECENT_WINDOW,
    }
    return list(session.scalars(_statement(shape), values))


def search(
    session: Session, user: User | None, query: RegistryQuery, *, with_choices: bool = True
) -> RegistryPage:
    """One page of hits in a bounded number of queries, whatever the number of norms.

    One statement finds the ids of up to COUNT_LIMIT + 1 hits in the page's order (their number
    is the count shown); the page's twenty norms are then read whole, with their commission and
    working group, in one more.
    """
    dialect = session.get_bind().dialect.name
    readable_ids = readable_commission_ids(session, user)
    ranked = _ranked_ids(session, dialect, query, readable_ids)
    total = len(ranked)
    page = min(max(query.page, 1), page_count(total))
    ids = ranked[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    rows = session.execute(
        select(Norm, Commission.title, WorkingGroup.name)
        .join(Commission, Commission.id == Norm.commission_id)
        .join(WorkingGroup, WorkingGroup.id == Norm.working_group_id)
        .where(Norm.id.in_(ids))
    ).all()
    found = {norm.id: (norm, title, group) for norm, title, group in rows}
    in_order = [found[i] for i in ids if i in found]
    sponsors = sponsoring_delegations(session, [norm for norm, _, _ in in_order])
    return RegistryPage(
        query=query,
        hits=[Hit(norm, title, group, sponsors[norm.id]) for norm, title, group in in_order],
        total=total,
        page=page,
        choices=choices(session, readable_ids) if with_choices else None,
    )


def choices(session: Session, readable_ids: list[int]) -> Choices:
    """The filters' options, from the commissions the viewer may read that adopted norms (the
    public ones and `readable_ids`), in one query: each pillar's and each delegation's code once
    across them (every class copied its scenario's), with a name."""
    statement = _choices_statement(more_commissions=bool(readable_ids))
    rows = session.execute(statement, {"readable_ids": readable_ids}).all()
    return Choices(
        groups=sorted((code, name) for kind, _, code, name in rows if kind == "group"),
        commissions=sorted(
            ((i, name) for kind, i, _, name in rows if kind == "commission"),
            key=lambda r: name_sort_key(r[1]),
        ),
        delegations=sorted((code, name) for kind, _, code, name in rows if kind == "delegation"),
    )


@lru_cache(maxsize=2)
def _choices_statement(more_commissions: bool) -> CompoundSelect[Any]:
    with_norms = exists(select(INDEX.c.norm_id).where(INDEX.c.commission_id == Commission.id))
    shown = select(Commission.id).where(_readable(more_commissions), with_norms).cte("shown")
    listed = [
        select(literal("commission"), Commission.id, null().cast(String), Commission.title).where(
            Commission.id.in_(select(shown.c.id))
        )
    ]
    for kind, model in (("group", WorkingGroup), ("delegation", Delegation)):
        listed.append(
            select(literal(kind), null().cast(Integer), model.code, func.min(model.name))
            .where(model.commission_id.in_(select(shown.c.id)))
            .group_by(model.code)
        )
    return union_all(*listed)
