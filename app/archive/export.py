"""Writing a commission to its archive: every table read with one query, holding what the
archive's reader may read (app.archive.service says what an archive is for)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.archive.rows import CommissionRow, KeyedRow
from app.archive.schemas import (
    ACTIVITY_DATA_REFERENCES,
    FORMAT,
    REFERENCES,
    ROWS,
    TABLES,
    VERSION,
    Archive,
    Progress,
    is_row_id,
    silent,
)
from app.archive.tables import table_queries
from app.commissions.models import (
    Commission,
    Delegation,
    Participant,
    WorkingGroupMembership,
)
from app.commissions.rules import Seat
from app.commissions.seats import seat_from
from app.db import utcnow
from app.errors import NotFound
from app.i18n import gettext as _
from app.proposals import rules as proposal_rules
from app.proposals.rules import ProposalFacts
from app.scenarios import service as scenarios


def _without_dangling_data(activities: list[Any], tables: dict[str, list[Any]]) -> None:
    """Activity data names rows without a foreign key; one that no longer exists becomes null,
    so that every export is a file its own import accepts."""
    present = {
        table: {row.id for row in tables[table]} for table in set(ACTIVITY_DATA_REFERENCES.values())
    }
    for entry in activities:
        for key, table in ACTIVITY_DATA_REFERENCES.items():
            value = entry.data.get(key)
            if is_row_id(value) and value not in present[table]:
                entry.data = {**entry.data, key: None}


def _readable_proposals(
    commission: Commission,
    tables: dict[str, list[Any]],
    seat_in: Callable[[int], Seat] | None,
) -> set[int]:
    """The proposals of the file that its reader may read, by the rule the pages use
    (app.proposals.rules.can_view); without a reader, those open to every member."""
    authors: dict[int, set[int]] = {}
    for author in tables["proposal_authors"]:
        authors.setdefault(author.proposal_id, set()).add(author.participant_id)
    sponsors: dict[int, set[int]] = {}
    for sponsorship in tables["sponsorships"]:
        sponsors.setdefault(sponsorship.proposal_id, set()).add(sponsorship.participant_id)
    chairs_move = {group.id: group.chairs_move_stages for group in tables["working_groups"]}
    readable = set()
    for proposal in tables["proposals"]:
        facts = ProposalFacts(
            stage=proposal.stage,
            author_ids=frozenset(authors.get(proposal.id, ())),
            sponsor_ids=frozenset(sponsors.get(proposal.id, ())),
            chairs_move_stages=chairs_move[proposal.working_group_id],
            session_over=commission.status == "concluded",
        )
        if (
            proposal_rules.can_view(seat_in(proposal.working_group_id), facts)
            if seat_in is not None
            else proposal_rules.open_to_members(facts)
        ):
            readable.add(proposal.id)
    return readable


def _without_proposals(tables: dict[str, list[Any]], left_out: set[int]) -> None:
    """The file without these proposals and every row that refers to one of them, or to a
    row that does (their authors, sponsors, revisions, log entries …): a reference in the
    file always resolves, and nothing of a proposal left out stays behind."""
    gone: dict[str, set[int]] = {"proposals": left_out}
    for table in TABLES:
        links = REFERENCES.get(table, {})
        kept = []
        for row in tables[table]:
            out = (table == "proposals" and row.id in left_out) or any(
                getattr(row, field) in gone.get(target, ()) for field, target in links.items()
            )
            if not out:
                kept.append(row)
            elif isinstance(row, KeyedRow):
                gone.setdefault(table, set()).add(row.id)
        tables[table] = kept


def _seats_of(session: Session, reader: Participant) -> Callable[[int], Seat]:
    """The reader as seen from each working group, as the pages see them there."""
    memberships = {
        membership.working_group_id: membership
        for membership in session.scalars(
            select(WorkingGroupMembership).where(WorkingGroupMembership.participant_id == reader.id)
        )
    }
    delegation = (
        session.get(Delegation, reader.delegation_id) if reader.delegation_id is not None else None
    )
    return lambda group_id: seat_from(reader, delegation, memberships.get(group_id))


def export_commission(
    session: Session,
    commission_id: int,
    progress: Progress | None = None,
    *,
    reader: Participant | None = None,
    include_drafts: bool = False,
) -> dict[str, Any]:
    """The commission as a JSON-ready dict, read with one query per table.

    An archive holds what its reader may read. With a `reader` (the instructor downloading
    it), a proposal is in the file only if that participant may read it on its page: nobody's
    private draft is, unless they wrote it or were asked to sponsor it. Without one (the
    operator, at the command line), the file holds every proposal members may read, and the
    private drafts too only with `include_drafts` (to move a whole installation, losing
    nothing). A proposal left out takes with it every row about it (see _without_proposals).

    Accounts go without password hashes, sessions, tokens or sign-in attempts. A closed
    secret vote goes as its receipts and per-delegation counters only. An open secret vote
    goes without receipts or counters: its ballots are sealed under this server's key, which
    another installation does not hold, and counting them into the file would be the running
    tally nobody may see. Imported, it is open with no ballots, and its voters vote again.
    """
    if reader is not None and include_drafts:
        raise ValueError("include_drafts is the operator's choice; a reader's archive has theirs")
    report = progress or silent
    commission = session.get(Commission, commission_id)
    if commission is None:
        raise NotFound(_("There is no commission with the id %(id)s.", id=commission_id))
    scenario = (
        scenarios.load_scenario(session, commission.scenario_id)
        if commission.scenario_id is not None
        else None
    )
    report("commission", 1)
    tables: dict[str, list[Any]] = {}
    # Children before parents: should the commission be running (and the database not give
    # one snapshot, as PostgreSQL at READ COMMITTED does not), a row read later may be newer
    # than the rest, but a parent is never newer than its child, so every reference resolves.
    for name, query in reversed(table_queries(commission).items()):
        tables[name] = [ROWS[name].model_validate(item) for item in session.scalars(query)]
        report(name, len(tables[name]))
    if not include_drafts:
        seat_in = _seats_of(session, reader) if reader is not None else None
        readable = _readable_proposals(commission, tables, seat_in)
        _without_proposals(tables, {p.id for p in tables["proposals"]} - readable)
    _without_dangling_data(tables["activities"], tables)
    archive = Archive(
        format=FORMAT,
        version=VERSION,
        exported_at=utcnow(),
        scenario=scenarios.scenario_to_file(scenario) if scenario is not None else None,
        commission=CommissionRow.model_validate(commission),
        **tables,
    )
    return archive.model_dump(mode="json")


def archive_json(archive: dict[str, Any]) -> str:
    return json.dumps(archive, ensure_ascii=False, indent=2) + "\n"
