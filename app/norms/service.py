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

from app.commissions import rules as commission_rules
from app.commissions import service as commissions
from app.commissions.models import Commission, Delegation, Participant, WorkingGroup
from app.commissions.rules import OUTSIDE, Viewer
from app.csv_cells import safe_cell as _cell
from app.i18n import name_sort_key
from app.norms.models import Norm
from app.proposals.models import Amendment, ProposalAuthor, Revision, Sponsorship
from app.proposals.rules import in_page_order, language_name
from app.textdiff import Segment, word_diff


@dataclass
class CharterGroup:
    group: WorkingGroup
    norms: list[Norm] = field(default_factory=list)


@dataclass
class Charter:
    """A commission's charter as it is published. It reads the same to everyone, in the page and
    in every export: printed or downloaded it leaves the room, so it names people only if the
    instructor credited students by name (commissions.rules)."""

    commission: Commission
    groups: list[CharterGroup]
    # Sponsoring delegations per norm (authors and accepted sponsors): a delegation's support.
    sponsors: dict[int, list[str]]
    # Per norm, its drafters as the outside world may know them.
    authors: dict[int, list[str]]
    named: bool  # whether those are names, or delegations and sectors

    @property
    def count(self) -> int:
        return sum(len(g.norms) for g in self.groups)


def load_charter(session: Session, commission: Commission) -> Charter:
    """The charter in six queries, whatever its length."""
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
        commission,
        [by_group[g.id] for g in groups],
        sponsoring_delegations(session, norms),
        drafters(session, commission, norms, OUTSIDE),
        commissions.names_people_to(commission, OUTSIDE),
    )


def drafters(
    session: Session, commission: Commission, norms: Sequence[Norm], reader: Viewer
) -> dict[int, list[str]]:
    """Per norm, the authors of its proposal (the drafter first) as this reader may know them,
    in two queries."""
    rows = session.execute(
        select(ProposalAuthor.proposal_id, ProposalAuthor.participant_id)
        .where(ProposalAuthor.proposal_id.in_([n.proposal_id for n in norms]))
        .order_by(ProposalAuthor.added_at, ProposalAuthor.participant_id)
    ).all()
    people = commissions.persons(session, [pid for _proposal, pid in rows])
    named = commissions.names_people_to(commission, reader)
    by_proposal: dict[int, list[str]] = {}
    for proposal_id, pid in rows:
        label = commission_rules.person_label(people[pid], named=named)
        shown = by_proposal.setdefault(proposal_id, [])
        if label not in shown:  # two drafters of one seat read as that seat once
            shown.append(label)
    return {n.id: by_proposal.get(n.proposal_id, []) for n in norms}


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
    return {n.id: sorted(by_proposal.get(n.proposal_id, set()), key=name_sort_key) for n in norms}


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
            lines += [f"### {norm.code}. {norm.title}", "", norm.text, ""]
            if norm.parallel_language is not None:
                # Both texts are equally authentic: the parallel one follows under its title.
                lines += [
                    f"#### {norm.code}. {norm.parallel_title} "
                    f"({language_name(norm.parallel_language)})",
                    "",
                    norm.parallel_text,
                    "",
                ]
            lines += [
                f"*Adopted {norm.adopted_at:%Y-%m-%d}. "
                f"Drafted by: {'; '.join(charter.authors[norm.id]) or '—'}. Sponsors: "
                f"{', '.join(charter.sponsors[norm.id]) or '—'}. "
                f"Vote (yes–no–abstain): {_tally_words(norm.tally) or '—'}.*",
                "",
            ]
    return "\n".join(lines)


def charter_json(charter: Charter) -> str:
    return json.dumps(
        {
            "commission": charter.commission.title,
            "people_named": charter.named,
            "norms": [
                {
                    "code": n.code,
                    "working_group": g.group.code,
                    "title": n.title,
                    "text": n.text,
                    "language": n.language,
                    # Every authentic text, the norm's own first: {language, title, text}.
                    "texts": [
                        {"language": t.language, "title": t.title, "text": t.text}
                        for t in sorted(n.texts, key=lambda t: t.language != n.language)
                    ],
                    "authors": charter.authors[n.id],
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
    writer.writerow(
        [
            *("code", "working_group", "title", "text", "authors", "sponsors", "tally"),
            *("adopted_at", "language", "parallel_language", "parallel_title", "parallel_text"),
        ]
    )
    for group in charter.groups:
        for n in group.norms:
            writer.writerow(
                [
                    n.code,
                    group.group.code,
                    _cell(n.title),
                    _cell(n.text),
                    _cell("; ".join(charter.authors[n.id])),
                    _cell("; ".join(charter.sponsors[n.id])),
                    _tally_words(n.tally),
                    n.adopted_at.isoformat(),
                    n.language,
                    n.parallel_language or "",
                    _cell(n.parallel_title),
                    _cell(n.parallel_text),
                ]
            )
    return out.getvalue()


@dataclass
class NormPage:
    norm: Norm
    commission: Commission
    group: WorkingGroup
    drafters: list[str]
    sponsors: list[str]
    revisions: list[Revision]  # oldest first
    # Each revision against the one before it in its language, language by language.
    diffs: list[tuple[Revision, Revision, list[Segment]]]
    amendments: list[Amendment]  # absorbed into the text: accepted or adopted
    authors: dict[int, str]  # participant id -> how the page names them to its reader
    named: bool  # whether those are names, or delegations and sectors


def load_norm_page(
    session: Session, commission: Commission, code: str, reader: Viewer
) -> NormPage | None:
    """A norm and its history; who wrote what is named as `reader` may know them."""
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
    people = commissions.persons(
        session, {r.author_id for r in revisions} | {a.author_id for a in amendments}
    )
    named = commissions.names_people_to(commission, reader)
    authors = {
        pid: commission_rules.person_label(person, named=named) for pid, person in people.items()
    }
    return NormPage(
        norm=norm,
        commission=commission,
        group=group,
        drafters=drafters(session, commission, [norm], reader)[norm.id],
        sponsors=sponsoring_delegations(session, [norm])[norm.id],
        revisions=revisions,
        diffs=[
            (a, b, word_diff(a.text, b.text))
            for language in in_page_order({r.language for r in revisions})
            for a, b in pairwise(r for r in revisions if r.language == language)
        ],
        amendments=amendments,
        authors=authors,
        named=named,
    )
