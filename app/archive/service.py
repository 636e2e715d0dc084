"""Whole-commission archives: everything in a commission to one JSON document and back.

An archive moves a finished (or running) commission to another installation, or keeps it
when the server goes. Functions take a session and never commit: the caller does. The file's
shape is app.archive.schemas.Archive; docs/archive.md describes it for people.
"""

from __future__ import annotations

import json
import secrets
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Select, or_, select
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session, load_only

from app.accounts import service as accounts
from app.accounts.models import User
from app.activity.models import Activity
from app.archive.schemas import (
    ACTIVITY_DATA_REFERENCES,
    FORMAT,
    REFERENCES,
    TABLES,
    VERSION,
    ActivityRow,
    AmendmentRow,
    Archive,
    ArgumentRow,
    AuthorRow,
    BallotReceiptRow,
    CaucusMessageRow,
    CommissionRow,
    DelegationRow,
    InjectRow,
    KeyedRow,
    MembershipRow,
    NormRow,
    ParticipantRow,
    ProposalRow,
    RevisionRow,
    RoleBriefRow,
    RollCallBallotRow,
    Row,
    SecretBallotCountRow,
    SectorRow,
    SponsorshipRow,
    UserRow,
    VoteRow,
    WorkingGroupRow,
    is_row_id,
)
from app.caucus.models import CaucusMessage
from app.commissions import service as commissions
from app.commissions.models import (
    Commission,
    Delegation,
    Participant,
    RoleBrief,
    Sector,
    WorkingGroup,
    WorkingGroupMembership,
)
from app.db import Base, utcnow
from app.errors import Invalid, NotFound
from app.i18n import gettext as _
from app.i18n import lazy, ngettext
from app.injects.models import Inject
from app.norms.models import Norm
from app.proposals import rules as proposal_rules
from app.proposals.acting import seat_from
from app.proposals.models import (
    Amendment,
    Argument,
    Proposal,
    ProposalAuthor,
    Revision,
    Sponsorship,
)
from app.proposals.rules import ProposalFacts, Seat
from app.scenarios import service as scenarios
from app.scenarios.models import Scenario
from app.scenarios.schemas import ScenarioFile, describe_validation_error
from app.voting.models import BallotReceipt, RollCallBallot, SecretBallotCount, Vote

# Told after each step, with the step's name and how many rows it read or wrote: each of
# STEPS once, on export and on import.
Progress = Callable[[str, int], None]
STEPS = ("commission", *TABLES)

# The model each table of the file is written to.
MODELS: dict[str, type[Base]] = {
    "delegations": Delegation,
    "sectors": Sector,
    "working_groups": WorkingGroup,
    "role_briefs": RoleBrief,
    "participants": Participant,
    "working_group_memberships": WorkingGroupMembership,
    "proposals": Proposal,
    "proposal_authors": ProposalAuthor,
    "sponsorships": Sponsorship,
    "amendments": Amendment,
    "revisions": Revision,
    "arguments": Argument,
    "caucus_messages": CaucusMessage,
    "votes": Vote,
    "ballot_receipts": BallotReceipt,
    "roll_call_ballots": RollCallBallot,
    "secret_ballot_counts": SecretBallotCount,
    "norms": Norm,
    "injects": Inject,
    "activities": Activity,
}

# How many problems an error message lists before it says "and N more".
MAX_PROBLEMS_SHOWN = 12


def _silent(_step: str, _rows: int) -> None:
    return None


# --- export -------------------------------------------------------------------------------


def _table_queries(commission: Commission) -> dict[str, tuple[Select[Any], type[Row]]]:
    """One query per table, each selecting exactly this commission's rows in key order."""
    cid = commission.id
    seated = select(Participant.user_id).where(Participant.commission_id == cid)
    groups = select(WorkingGroup.id).where(WorkingGroup.commission_id == cid)
    delegations = select(Delegation.id).where(Delegation.commission_id == cid)
    proposals = select(Proposal.id).where(Proposal.commission_id == cid)
    votes = select(Vote.id).where(Vote.proposal_id.in_(proposals))
    # An open secret vote's ballots are sealed to this server's key and not counted yet: the
    # file holds the vote but neither its receipts nor counters (see export_commission).
    counted = select(Vote.id).where(
        Vote.proposal_id.in_(proposals),
        or_(Vote.ballot_type != "secret", Vote.closed_at.is_not(None)),
    )
    return {
        # Only the columns the file keeps: a password hash is never even read.
        "users": (
            select(User)
            .options(load_only(User.username, User.display_name, User.email, User.is_instructor))
            .where(or_(User.id.in_(seated), User.id == commission.created_by_id))
            .order_by(User.id),
            UserRow,
        ),
        "delegations": (
            select(Delegation).where(Delegation.commission_id == cid).order_by(Delegation.id),
            DelegationRow,
        ),
        "sectors": (
            select(Sector).where(Sector.commission_id == cid).order_by(Sector.id),
            SectorRow,
        ),
        "working_groups": (
            select(WorkingGroup).where(WorkingGroup.commission_id == cid).order_by(WorkingGroup.id),
            WorkingGroupRow,
        ),
        "role_briefs": (
            select(RoleBrief).where(RoleBrief.commission_id == cid).order_by(RoleBrief.id),
            RoleBriefRow,
        ),
        "participants": (
            select(Participant).where(Participant.commission_id == cid).order_by(Participant.id),
            ParticipantRow,
        ),
        "working_group_memberships": (
            select(WorkingGroupMembership)
            .where(WorkingGroupMembership.working_group_id.in_(groups))
            .order_by(
                WorkingGroupMembership.participant_id, WorkingGroupMembership.working_group_id
            ),
            MembershipRow,
        ),
        "proposals": (
            select(Proposal).where(Proposal.commission_id == cid).order_by(Proposal.id),
            ProposalRow,
        ),
        "proposal_authors": (
            select(ProposalAuthor)
            .where(ProposalAuthor.proposal_id.in_(proposals))
            .order_by(ProposalAuthor.proposal_id, ProposalAuthor.participant_id),
            AuthorRow,
        ),
        "sponsorships": (
            select(Sponsorship)
            .where(Sponsorship.proposal_id.in_(proposals))
            .order_by(Sponsorship.proposal_id, Sponsorship.participant_id),
            SponsorshipRow,
        ),
        "amendments": (
            select(Amendment).where(Amendment.proposal_id.in_(proposals)).order_by(Amendment.id),
            AmendmentRow,
        ),
        "revisions": (
            select(Revision).where(Revision.proposal_id.in_(proposals)).order_by(Revision.id),
            RevisionRow,
        ),
        "arguments": (
            select(Argument).where(Argument.proposal_id.in_(proposals)).order_by(Argument.id),
            ArgumentRow,
        ),
        "caucus_messages": (
            select(CaucusMessage)
            .where(CaucusMessage.delegation_id.in_(delegations))
            .order_by(CaucusMessage.id),
            CaucusMessageRow,
        ),
        "votes": (
            select(Vote).where(Vote.proposal_id.in_(proposals)).order_by(Vote.id),
            VoteRow,
        ),
        "ballot_receipts": (
            select(BallotReceipt)
            .where(BallotReceipt.vote_id.in_(counted))
            .order_by(BallotReceipt.id),
            BallotReceiptRow,
        ),
        "roll_call_ballots": (
            select(RollCallBallot)
            .where(RollCallBallot.vote_id.in_(votes))
            .order_by(RollCallBallot.id),
            RollCallBallotRow,
        ),
        "secret_ballot_counts": (
            select(SecretBallotCount)
            .where(SecretBallotCount.vote_id.in_(counted))
            .order_by(
                SecretBallotCount.vote_id, SecretBallotCount.delegation_id, SecretBallotCount.choice
            ),
            SecretBallotCountRow,
        ),
        "norms": (
            select(Norm).where(Norm.commission_id == cid).order_by(Norm.id),
            NormRow,
        ),
        "injects": (
            select(Inject).where(Inject.commission_id == cid).order_by(Inject.id),
            InjectRow,
        ),
        "activities": (
            select(Activity).where(Activity.commission_id == cid).order_by(Activity.id),
            ActivityRow,
        ),
    }


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
    report = progress or _silent
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
    for name, (query, row) in reversed(_table_queries(commission).items()):
        tables[name] = [row.model_validate(item) for item in session.scalars(query)]
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


# --- reading and checking a file ----------------------------------------------------------


def _refusal(problems: Sequence[str]) -> Invalid:
    shown = list(problems[:MAX_PROBLEMS_SHOWN])
    if len(problems) > len(shown):
        hidden = len(problems) - len(shown)
        shown.append(ngettext("and %(num)d more problem", "and %(num)d more problems", hidden))
    # One sentence: the problems' own full stops give way to semicolons.
    listed = "; ".join(problem.rstrip(".") for problem in shown)
    return Invalid(_("The archive cannot be imported: %(problems)s.", problems=listed))


def parse_archive(text: str) -> dict[str, Any]:
    """The archive in a file's text, refused unless it is one JSON object."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise Invalid(
            _(
                "The file is not valid JSON (line %(line)s, column %(column)s).",
                line=error.lineno,
                column=error.colno,
            )
        ) from error
    if not isinstance(data, dict):
        raise Invalid(_("The file must hold one commission archive: a JSON object."))
    return data


def rows_in(archive: dict[str, Any]) -> int:
    """How many rows an import of this archive writes (the commission counts one)."""
    return 1 + sum(len(value) for value in archive.values() if isinstance(value, list))


def _reference_problems(archive: Archive) -> list[str]:
    """Every id that is not unique in its table, and every reference to a row not in the file."""
    problems = []
    ids: dict[str, set[int]] = {}
    for table in TABLES:
        keys = [row.id for row in getattr(archive, table) if isinstance(row, KeyedRow)]
        ids[table] = set(keys)
        if len(ids[table]) != len(keys):
            problems.append(_("%(table)s: the same id is used twice", table=table))
    usernames = [user.username for user in archive.users]
    if len(set(usernames)) != len(usernames):
        problems.append(_("users: the same username is used twice"))
    for table, fields in REFERENCES.items():
        rows = [archive.commission] if table == "commission" else getattr(archive, table)
        for i, row in enumerate(rows):
            where = table if table == "commission" else f"{table}.{i}"
            for field, target in fields.items():
                value = getattr(row, field)
                if value is not None and value not in ids[target]:
                    problems.append(_missing_row(f"{where}.{field}", target, value))
    earlier: set[int] = set()
    for i, argument in enumerate(archive.arguments):
        if argument.parent_id in ids["arguments"] and argument.parent_id not in earlier:
            where = f"arguments.{i}.parent_id"
            problems.append(
                _("%(field)s: a reply must follow the argument it answers", field=where)
            )
        earlier.add(argument.id)
    ballot_types = {vote.id: vote.ballot_type for vote in archive.votes}
    for table, wanted, refusal in (
        (
            "roll_call_ballots",
            "roll_call",
            lazy("%(field)s: vote %(vote)s is secret: it has no roll-call ballots"),
        ),
        (
            "secret_ballot_counts",
            "secret",
            lazy("%(field)s: vote %(vote)s is by roll call: it has no secret counts"),
        ),
    ):
        for i, ballot in enumerate(getattr(archive, table)):
            if ballot_types.get(ballot.vote_id, wanted) != wanted:
                where = f"{table}.{i}.vote_id"
                problems.append(_(refusal, field=where, vote=ballot.vote_id))
    problems += _open_secret_vote_problems(archive)
    for i, entry in enumerate(archive.activities):
        for key, target in ACTIVITY_DATA_REFERENCES.items():
            value = entry.data.get(key)
            if is_row_id(value) and value not in ids[target]:
                problems.append(_missing_row(f"activities.{i}.data.{key}", target, value))
    return problems


def _open_secret_vote_problems(archive: Archive) -> list[str]:
    """An open secret vote holds as many counted ballots as receipts: none, as exported now,
    or the counters of an archive written before ballots were sealed. A receipt without its
    ballot would be a voter whose ballot can never be counted here."""
    problems = []
    receipts = Counter(r.vote_id for r in archive.ballot_receipts)
    counted = Counter[int]()
    for row in archive.secret_ballot_counts:
        counted[row.vote_id] += row.count
    for i, vote in enumerate(archive.votes):
        open_secret = vote.ballot_type == "secret" and vote.closed_at is None
        if open_secret and receipts[vote.id] != counted[vote.id]:
            problems.append(
                _(
                    "votes.%(index)s: the open secret vote %(vote)s has %(receipts)s"
                    " receipts but %(ballots)s counted ballots; its sealed ballots cannot"
                    " be carried to another server",
                    index=i,
                    vote=vote.id,
                    receipts=receipts[vote.id],
                    ballots=counted[vote.id],
                )
            )
    return problems


def _missing_row(field: str, table: str, row_id: object) -> str:
    return _(
        "%(field)s: there is no %(table)s row with id %(id)s", field=field, table=table, id=row_id
    )


def validate_archive(archive: dict[str, Any]) -> Archive:
    """The archive checked whole before anything is written: its format and version, every
    field, and every reference between its rows."""
    if archive.get("format") != FORMAT:
        raise Invalid(
            _("This is not a commission archive: “format” must be “%(format)s”.", format=FORMAT)
        )
    if archive.get("version") != VERSION:
        raise Invalid(
            _(
                "This archive has version %(version)s; this installation reads version %(ours)s.",
                version=repr(archive.get("version")),
                ours=VERSION,
            )
        )
    try:
        parsed = Archive.model_validate(archive)
    except ValidationError as error:
        raise _refusal(describe_validation_error(error)) from error
    if problems := _reference_problems(parsed):
        raise _refusal(problems)
    return parsed


# --- import -------------------------------------------------------------------------------


def _import_users(session: Session, rows: list[UserRow]) -> dict[int, User]:
    """Accounts by their id in the file: an existing account of the same name is used as it is
    (its password untouched); any other is created without a usable password.

    A new account's password hash is that of a random secret thrown away at once, so nobody
    can sign in with it until the account gets a new password. It is a real hash, so signing
    in fails like any wrong password does. One hash serves all accounts of an import: argon2
    is slow on purpose, and the secret behind it is known to nobody anyway.
    """
    existing = {
        user.username: user
        for user in session.scalars(
            select(User).where(User.username.in_([row.username for row in rows]))
        )
    }
    missing = [row for row in rows if row.username not in existing]
    if missing:
        unusable = accounts.generated_password_hasher.hash(secrets.token_urlsafe(32))
        created = [
            User(
                username=row.username,
                display_name=row.display_name,
                email=row.email,
                is_instructor=row.is_instructor,
                password_hash=unusable,
            )
            for row in missing
        ]
        session.add_all(created)
        session.flush()
        existing.update((user.username, user) for user in created)
    return {row.id: existing[row.username] for row in rows}


def _scenario_for(session: Session, spec: ScenarioFile, owner: User | None) -> Scenario:
    """A built-in scenario this installation has in the very same form is shared, as every
    commission opened from it shares it; anything else becomes a new scenario of the owner's
    (under a free slug), as an uploaded scenario file does."""
    same = scenarios.find_scenario_by_slug(session, spec.slug)
    if same is not None and same.is_builtin and scenarios.scenario_to_file(same) == spec:
        return same
    if owner is None:
        raise Invalid(
            _(
                "The archive names nobody who opened the commission: say which account owns "
                "its scenario."
            )
        )
    return scenarios.import_for(session, spec, owner)


def _free_join_code(session: Session, wanted: str) -> str:
    """The archived join code if no commission here uses it, else a new one."""
    code = wanted
    while session.scalar(select(Commission.id).where(Commission.join_code == code)) is not None:
        code = commissions.new_join_code()
    return code


def _insert(
    session: Session,
    table: str,
    rows: Sequence[Row],
    ids: dict[str, dict[int, int]],
    commission_id: int,
) -> list[Any]:
    """Write one table's rows in one flush, their references rewritten to this installation's
    ids, and note the new id of each."""
    model = MODELS[table]
    links = REFERENCES.get(table, {})
    owned = {"commission_id": commission_id} if "commission_id" in model.__table__.c else {}
    objects: list[Any] = []
    for row in rows:
        values = row.model_dump(exclude={"id"})
        for field, target in links.items():
            if values[field] is not None:
                values[field] = ids[target][values[field]]
        objects.append(model(**values, **owned))
    session.add_all(objects)
    session.flush()
    ids[table] = {
        row.id: obj.id for row, obj in zip(rows, objects, strict=True) if isinstance(row, KeyedRow)
    }
    return objects


def _insert_arguments(
    session: Session, rows: list[ArgumentRow], ids: dict[str, dict[int, int]], commission_id: int
) -> None:
    """Arguments keep their order; a reply is linked to its parent once both have new ids."""
    unlinked = [row.model_copy(update={"parent_id": None}) for row in rows]
    written = _insert(session, "arguments", unlinked, ids, commission_id)
    for row, argument in zip(rows, written, strict=True):
        if row.parent_id is not None:
            argument.parent_id = ids["arguments"][row.parent_id]
    session.flush()


def _with_new_data_ids(rows: list[ActivityRow], ids: dict[str, dict[int, int]]) -> list[Row]:
    """Activity entries with the row ids inside their data rewritten too."""
    return [
        row.model_copy(
            update={
                "data": {
                    key: ids[ACTIVITY_DATA_REFERENCES[key]][value]
                    if key in ACTIVITY_DATA_REFERENCES and is_row_id(value)
                    else value
                    for key, value in row.data.items()
                }
            }
        )
        for row in rows
    ]


def _write(session: Session, archive: Archive, owner: User | None, report: Progress) -> Commission:
    users = _import_users(session, archive.users)
    ids: dict[str, dict[int, int]] = {"users": {old: user.id for old, user in users.items()}}
    row = archive.commission
    creator = users.get(row.created_by_id) if row.created_by_id is not None else None
    scenario = (
        _scenario_for(session, archive.scenario, owner or creator)
        if archive.scenario is not None
        else None
    )
    commission = Commission(
        **row.model_dump(exclude={"id", "join_code", "created_by_id"}),
        join_code=_free_join_code(session, row.join_code),
        created_by_id=creator.id if creator else None,
        scenario_id=scenario.id if scenario else None,
    )
    session.add(commission)
    session.flush()
    report("commission", 1)
    report("users", len(archive.users))
    for table in TABLES[1:]:
        rows: list[Any] = getattr(archive, table)
        if table == "arguments":
            _insert_arguments(session, archive.arguments, ids, commission.id)
        elif table == "activities":
            _insert(session, table, _with_new_data_ids(rows, ids), ids, commission.id)
        else:
            _insert(session, table, rows, ids, commission.id)
        report(table, len(rows))
    return commission


def import_commission(
    session: Session,
    archive: dict[str, Any],
    *,
    created_by: User | None = None,
    progress: Progress | None = None,
) -> Commission:
    """Store an archive as a new commission with new ids; returns it.

    The roster comes as it was: accounts are matched by username or created (see
    _import_users), and the importer does not join. `created_by`, the importer, owns the
    commission's scenario when it is stored anew (the commission's own creator when no
    importer is named). The join code is kept unless taken here.

    The archive is checked whole first; should the database still refuse a row, everything
    this import wrote is undone (a savepoint) and the refusal names the cause. Either way
    nothing is half-imported.
    """
    parsed = validate_archive(archive)
    try:
        with session.begin_nested():
            return _write(session, parsed, created_by, progress or _silent)
    except (IntegrityError, DataError) as error:
        raise _refusal([_("the database refused it (%(reason)s)", reason=error.orig)]) from error
