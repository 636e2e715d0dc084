"""Reading an archive's file and checking it whole, before an import writes anything."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from app.archive.rows import KeyedRow
from app.archive.schemas import (
    ACTIVITY_DATA_REFERENCES,
    FORMAT,
    REFERENCES,
    TABLES,
    VERSION,
    Archive,
    is_row_id,
)
from app.errors import Invalid
from app.i18n import gettext as _
from app.i18n import lazy, ngettext
from app.scenarios.schemas import describe_validation_error

# How many problems an error message lists before it says "and N more".
MAX_PROBLEMS_SHOWN = 12


def refusal(problems: Sequence[str]) -> Invalid:
    """The refusal of an import, listing its problems (the first MAX_PROBLEMS_SHOWN of them)."""
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
        raise refusal(describe_validation_error(error)) from error
    if problems := _reference_problems(parsed):
        raise refusal(problems)
    return parsed
