"""What different classes running the same scenario adopted, side by side.

Norms are lined up per working group: a norm of one class sits beside the most similar norm of
each other class (shared words over all words, at least MATCH_THRESHOLD), so the page reads
"both classes agreed on incident reporting, in these words, by these margins", and a norm no
other class came close to stands alone in its row.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.commissions.models import Commission, WorkingGroup
from app.norms.models import Norm
from app.norms.registry import readable_clause, readable_commission_ids
from app.norms.search_text import fold
from app.norms.service import sponsoring_delegations
from app.scenarios.models import Scenario
from app.textdiff import Segment, word_diff

MATCH_THRESHOLD = 0.3
MAX_COLUMNS = 4
_WORD = re.compile(r"[^\W_]+")


def words_of(norm: Norm) -> frozenset[str]:
    return frozenset(_WORD.findall(fold(f"{norm.title} {norm.text}")))


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """Jaccard: the share of all their words that two texts have in common."""
    return len(a & b) / len(a | b) if a or b else 0.0


def align(columns: Sequence[Sequence[Norm]]) -> list[list[Norm | None]]:
    """Rows of one norm (or None) per column; similar norms share a row. Pure.

    Greedy in column order: each norm not yet placed opens a row and takes, from every later
    column, its most similar unplaced norm above the threshold.
    """
    words = {id(n): words_of(n) for column in columns for n in column}
    placed: set[int] = set()
    rows: list[list[Norm | None]] = []
    for i, column in enumerate(columns):
        for norm in column:
            if id(norm) in placed:
                continue
            row: list[Norm | None] = [None] * len(columns)
            row[i] = norm
            placed.add(id(norm))
            for j in range(i + 1, len(columns)):
                candidates = [
                    (similarity(words[id(norm)], words[id(other)]), k)
                    for k, other in enumerate(columns[j])
                    if id(other) not in placed
                ]
                best = max(candidates, default=(0.0, -1))
                if best[0] >= MATCH_THRESHOLD:
                    match = columns[j][best[1]]
                    row[j] = match
                    placed.add(id(match))
            rows.append(row)
    return rows


def margin(tally: dict[str, Any]) -> tuple[int, int, int]:
    """Yes, no and abstain over every delegation."""
    return (
        sum(v.get("yes", 0) for v in tally.values()),
        sum(v.get("no", 0) for v in tally.values()),
        sum(v.get("abstain", 0) for v in tally.values()),
    )


@dataclass
class GroupComparison:
    code: str
    name: str
    rows: list[list[Norm | None]]
    # With exactly two classes: the word diff of each row where both adopted a norm.
    diffs: dict[int, list[Segment]]

    def adopted(self, column: int) -> int:
        return sum(1 for row in self.rows if row[column] is not None)


@dataclass
class Comparison:
    scenario: Scenario
    available: list[Commission]  # every readable class on this scenario
    chosen: list[Commission]
    groups: list[GroupComparison]
    sponsors: dict[int, list[str]]

    def adopted(self, commission: Commission) -> int:
        index = self.chosen.index(commission)
        return sum(g.adopted(index) for g in self.groups)


def readable_classes(session: Session, user: User | None, scenario_id: int) -> list[Commission]:
    readable = readable_clause(readable_commission_ids(session, user))
    return list(
        session.scalars(
            select(Commission)
            .where(Commission.scenario_id == scenario_id, readable)
            .order_by(Commission.created_at, Commission.id)
        )
    )


def compare(
    session: Session, user: User | None, scenario_id: int, wanted: Sequence[int]
) -> Comparison | None:
    """The classes asked for (or the first few) among those whose charters this user may read."""
    scenario = session.get(Scenario, scenario_id)
    if scenario is None:
        return None
    available = readable_classes(session, user, scenario_id)
    if not available:
        return None
    chosen = [c for c in available if c.id in wanted] if wanted else []
    chosen = (chosen or available)[:MAX_COLUMNS]
    ids = [c.id for c in chosen]
    norms = session.scalars(
        select(Norm).where(Norm.commission_id.in_(ids)).order_by(Norm.number)
    ).all()
    groups = session.scalars(
        select(WorkingGroup)
        .where(WorkingGroup.commission_id.in_(ids))
        .order_by(WorkingGroup.position, WorkingGroup.code)
    ).all()
    code_of = {g.id: g.code for g in groups}
    names: dict[str, str] = {}
    for g in groups:
        names.setdefault(g.code, g.name)
    by_group: dict[str, list[list[Norm]]] = {code: [[] for _ in ids] for code in names}
    for norm in norms:
        by_group[code_of[norm.working_group_id]][ids.index(norm.commission_id)].append(norm)
    compared = []
    for code, columns in by_group.items():
        rows = align(columns)
        diffs = {}
        for i, row in enumerate(rows):
            if len(row) == 2 and row[0] is not None and row[1] is not None:
                diffs[i] = word_diff(row[0].text, row[1].text)
        compared.append(GroupComparison(code, names[code], rows, diffs))
    return Comparison(scenario, available, chosen, compared, sponsoring_delegations(session, norms))
