"""A commission's charter: its norms grouped by working group, with sponsors and tallies."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.commissions.models import Commission, Delegation, Participant, Sector, WorkingGroup
from app.csv_cells import safe_cell as _cell
from app.norms.models import Norm
from app.proposals.diff import Segment, word_diff
from app.proposals.models import Amendment, ProposalAuthor, Revision, Sponsorship


@dataclass
class CharterGroup:
    group: WorkingGroup
    norms: list[Norm] = field(default_factory=list)


@dataclass
class Charter:
    commission: Commission
    groups: list[CharterGroup]
    # Sponsoring delegations per norm (authors and accepted sponsors), never names: a charter is
    # read outside the room, and under the Chatham House Rule words are not tied to people.
    sponsors: dict[int, list[str]]

    @property
    def count(self) -> int:
        return sum(len(g.norms) for g in self.groups)


def load_charter(session: Session, commission: Commission) -> Charter:
    """The charter in four queries, whatever its length."""
    groups = list(
        session.scalars(
            select(WorkingGroup)
            .where(WorkingGroup.commission_id == commission.id)
            .order_by(WorkingGroup.position)
        )
    )
    norms = session.scalars(
        select(Norm).where(Norm.commission_id == commission.id).order_by(Norm.number)
    ).all()
    by_group = {g.id: CharterGroup(g) for g in groups}
    for norm in norms:
        by_group[norm.working_group_id].norms.append(norm)
    return Charter(
        commission, [by_group[g.id] for g in groups], sponsoring_delegations(session, norms)
    )


def sponsoring_delegations(session: Session, norms: Sequence[Norm]) -> dict[int, list[str]]:
    """Per norm, the delegations of its authors and accepted sponsors, in one query."""
    proposal_ids = [n.proposal_id for n in norms]
    backers = session.execute(
        select(ProposalAuthor.proposal_id, Delegation.name)
        .join(Participant, Participant.id == ProposalAuthor.participant_id)
        .join(Delegation, Delegation.id == Participant.delegation_id)
        .where(ProposalAuthor.proposal_id.in_(proposal_ids))
        .union(
            select(Sponsorship.proposal_id, Delegation.name)
            .join(Participant, Participant.id == Sponsorship.participant_id)
            .join(Delegation, Delegation.id == Participant.delegation_id)
            .where(Sponsorship.proposal_id.in_(proposal_ids), Sponsorship.status == "accepted")
        )
    ).all()
    by_proposal: dict[int, set[str]] = {}
    for proposal_id, name in backers:
        by_proposal.setdefault(proposal_id, set()).add(name)
    return {n.id: sorted(by_proposal.get(n.proposal_id, set())) for n in norms}


def _tally_words(tally: dict[str, Any]) -> str:
    return "; ".join(
        f"{v.get('name', code)} {v.get('yes', 0)}–{v.get('no', 0)}–{v.get('abstain', 0)}"
        for code, v in tally.items()
    )


def charter_markdown(charter: Charter) -> str:
    lines = [f"# {charter.commission.title}", ""]
    for group in charter.groups:
        if not group.norms:
            continue
        lines += [f"## {group.group.name}", ""]
        for norm in group.norms:
            lines += [
                f"### {norm.code}. {norm.title}",
                "",
                norm.text,
                "",
                f"*Adopted {norm.adopted_at:%Y-%m-%d}. Sponsors: "
                f"{', '.join(charter.sponsors[norm.id]) or '—'}. "
                f"Vote (yes–no–abstain): {_tally_words(norm.tally) or '—'}.*",
                "",
            ]
    return "\n".join(lines)


def charter_json(charter: Charter) -> str:
    return json.dumps(
        {
            "commission": charter.commission.title,
            "norms": [
                {
                    "code": n.code,
                    "working_group": g.group.code,
                    "title": n.title,
                    "text": n.text,
                    "sponsors": charter.sponsors[n.id],
                    "tally": n.tally,
                    "adopted_at": n.adopted_at.isoformat(),
                }
                for g in charter.groups
                for n in g.norms
            ],
        },
        ensure_ascii=False,
        indent=2,
    )


def charter_csv(charter: Charter) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["code", "working_group", "title", "text", "sponsors", "tally", "adopted_at"])
    for group in charter.groups:
        for n in group.norms:
            writer.writerow(
                [
                    n.code,
                    group.group.code,
                    _cell(n.title),
                    _cell(n.text),
                    _cell("; ".join(charter.sponsors[n.id])),
                    _tally_words(n.tally),
                    n.adopted_at.isoformat(),
                ]
            )
    return out.getvalue()


@dataclass
class NormPage:
    norm: Norm
    commission: Commission
    group: WorkingGroup
    sponsors: list[str]
    revisions: list[Revision]  # oldest first
    diffs: list[tuple[Revision, Revision, list[Segment]]]
    amendments: list[Amendment]  # absorbed into the text: accepted or adopted
    authors: dict[int, str]  # participant id -> how the page names them


def load_norm_page(session: Session, commission: Commission, code: str) -> NormPage | None:
    norm = session.scalar(
        select(Norm).where(Norm.commission_id == commission.id, Norm.code == code.upper())
    )
    if norm is None:
        return None
    group = session.get(WorkingGroup, norm.working_group_id)
    assert group is not None
    revisions = list(
        session.scalars(
            select(Revision)
            .where(Revision.proposal_id == norm.proposal_id)
            .order_by(Revision.number)
        )
    )
    amendments = list(
        session.scalars(
            select(Amendment)
            .where(
                Amendment.proposal_id == norm.proposal_id,
                Amendment.status.in_(("accepted", "adopted")),
            )
            .order_by(Amendment.id)
        )
    )
    people = {r.author_id for r in revisions} | {a.author_id for a in amendments}
    rows = session.execute(
        select(Participant.id, Participant.user_id, Delegation.name, Participant.sector_id)
        .outerjoin(Delegation, Delegation.id == Participant.delegation_id)
        .where(Participant.id.in_([p for p in people if p]))
    ).all()
    users = {
        u.id: u.display_name
        for u in session.scalars(select(User).where(User.id.in_([r.user_id for r in rows])))
    }
    sectors = {
        x.id: x.name
        for x in session.scalars(select(Sector).where(Sector.commission_id == commission.id))
    }
    authors = {}
    for pid, user_id, delegation, sector_id in rows:
        # Under the Chatham House Rule, words are attributed to a delegation and sector only.
        seat = ", ".join(n for n in (delegation, sectors.get(sector_id or 0)) if n) or "—"
        authors[pid] = seat if commission.chatham_house else f"{users.get(user_id, '—')} ({seat})"
    return NormPage(
        norm=norm,
        commission=commission,
        group=group,
        sponsors=sponsoring_delegations(session, [norm])[norm.id],
        revisions=revisions,
        diffs=[(a, b, word_diff(a.text, b.text)) for a, b in pairwise(revisions)],
        amendments=amendments,
        authors=authors,
    )
