"""The registry: every norm whose charter the viewer may read, searched, filtered and paged.

Full-text search runs in the database over the index that app.norms.search_index keeps: FTS5
on SQLite, a tsvector with a GIN index on PostgreSQL. Both index the same prepared text
(app.norms.search_text), so the same words find the same norms on either.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, literal_column, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import column, table

from app.accounts.models import User
from app.commissions import service as commissions
from app.commissions.models import Commission, Delegation, Participant, WorkingGroup
from app.i18n import name_sort_key
from app.norms import rules
from app.norms.models import Norm
from app.norms.models import NormIndexEntry as Entry
from app.norms.search_text import Term, fts5_match, parse_query, tsquery
from app.norms.service import sponsoring_delegations
from app.proposals.models import ProposalAuthor, Sponsorship

PAGE_SIZE = 20
# Counting stops here: past a thousand hits the visitor needs more words, not an exact number,
# and counting every match of a common word is most of a search's cost.
COUNT_LIMIT = 1000
# SQLite's FTS5 table of the index (app.norms.search_index); its rowid is the norm's id.
NORM_FTS = table("norm_fts", column("rowid"), column("rank"))
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


def _sponsored_by(code: str) -> ColumnElement[bool]:
    """The norm's authors or accepted sponsors include a delegate of this delegation."""
    seated = and_(Participant.delegation_id == Delegation.id, Delegation.code == code)
    by_author = (
        select(ProposalAuthor.proposal_id)
        .join(Participant, Participant.id == ProposalAuthor.participant_id)
        .join(Delegation, seated)
        .where(ProposalAuthor.proposal_id == Entry.proposal_id)
    )
    by_sponsor = (
        select(Sponsorship.proposal_id)
        .join(Participant, Participant.id == Sponsorship.participant_id)
        .join(Delegation, seated)
        .where(Sponsorship.proposal_id == Entry.proposal_id, Sponsorship.status == "accepted")
    )
    return or_(exists(by_author), exists(by_sponsor))


def _with_search(
    statement: Select[int], dialect: str, terms: list[Term]
) -> tuple[Select[int], list[Any]]:
    """The statement narrowed to norms matching every term, and its order by relevance."""
    if not terms:
        return statement, []
    if dialect == "postgresql":
        expression = tsquery(terms)
        if not expression:
            return statement.where(literal_column("false")), []
        vector: ColumnElement[Any] = literal_column("norm_index.search_vector")
        query = func.to_tsquery(literal_column("'english'::regconfig"), expression)
        # ts_rank rather than ts_rank_cd: the same order for short texts, a third cheaper.
        order = [func.ts_rank(vector, query).desc(), Entry.adopted_at.desc(), Entry.norm_id.desc()]
        return statement.where(vector.op("@@")(query)), order
    fts: ColumnElement[Any] = literal_column("norm_fts")
    statement = statement.join(NORM_FTS, NORM_FTS.c.rowid == Entry.norm_id).where(
        fts.op("MATCH")(fts5_match(terms))
    )
    # FTS5's rank is bm25 with the title weighted ten times the text (set in migration 0003).
    # Ordering by rank alone lets FTS5 sort as it matches; a tie-breaker would sort the
    # joined rows again, which doubles the time of a common word.
    return statement, [NORM_FTS.c.rank]


def search(
    session: Session, user: User | None, query: RegistryQuery, *, with_choices: bool = True
) -> RegistryPage:
    """One page of hits in a bounded number of queries, whatever the number of norms.

    The search runs over the narrow index (ids only); the page's twenty norms are then read
    whole, with their commission and working group, in one more query.
    """
    dialect = session.get_bind().dialect.name
    readable = readable_clause(readable_commission_ids(session, user))
    statement = (
        select(Entry.norm_id)
        .join(Commission, Commission.id == Entry.commission_id)
        .join(WorkingGroup, WorkingGroup.id == Entry.working_group_id)
        .where(readable)
    )
    if query.group:
        statement = statement.where(WorkingGroup.code == query.group)
    if query.commission is not None:
        statement = statement.where(Entry.commission_id == query.commission)
    if query.delegation:
        statement = statement.where(_sponsored_by(query.delegation))
    statement, by_relevance = _with_search(statement, dialect, query.terms)

    counted = statement.limit(COUNT_LIMIT + 1).subquery()
    total = session.scalar(select(func.count()).select_from(counted)) or 0
    orders: dict[str, list[Any]] = {
        "newest": [Entry.adopted_at.desc(), Entry.norm_id.desc()],
        "oldest": [Entry.adopted_at, Entry.norm_id],
        "code": [WorkingGroup.code, Entry.number, Entry.commission_id],
        "relevance": by_relevance,
    }
    page = min(max(query.page, 1), page_count(total))
    ids = list(
        session.scalars(
            statement.order_by(*orders[query.effective_sort])
            .limit(PAGE_SIZE)
            .offset((page - 1) * PAGE_SIZE)
        )
    )
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
        choices=choices(session, readable) if with_choices else None,
    )


def choices(session: Session, readable: ColumnElement[bool]) -> Choices:
    """The filters' options, from the commissions the viewer may read that adopted norms."""
    with_norms = (
        select(Commission.id)
        .where(readable, exists(select(Entry.norm_id).where(Entry.commission_id == Commission.id)))
        .subquery()
    )
    rows = session.execute(
        select(Commission.id, Commission.title).where(Commission.id.in_(select(with_norms)))
    ).all()
    ids = [i for i, _ in rows]
    return Choices(
        groups=_codes_and_names(session, WorkingGroup, ids),
        commissions=sorted(((i, t) for i, t in rows), key=lambda r: name_sort_key(r[1])),
        delegations=_codes_and_names(session, Delegation, ids),
    )


def _codes_and_names(
    session: Session, model: type[WorkingGroup] | type[Delegation], commission_ids: list[int]
) -> list[tuple[str, str]]:
    """Each code once across these commissions (each copied its scenario's), with a name."""
    rows = session.execute(
        select(model.code, func.min(model.name))
        .where(model.commission_id.in_(commission_ids))
        .group_by(model.code)
        .order_by(model.code)
    ).all()
    return [(code, name) for code, name in rows]
