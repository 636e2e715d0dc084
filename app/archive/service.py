"""Whole-commission archives: everything in a commission to one JSON document and back.

An archive moves a finished (or running) commission to another installation, or keeps it
when the server goes. Functions take a session and never commit: the caller does. The file's
shape is app.archive.schemas.Archive; docs/archive.md describes it for people.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from app.accounts import service as accounts
from app.accounts.models import User
from app.archive.export import archive_json, export_commission
from app.archive.rows import ActivityRow, ArgumentRow, KeyedRow, Row, UserRow
from app.archive.schemas import (
    ACTIVITY_DATA_REFERENCES,
    REFERENCES,
    STEPS,
    TABLES,
    Archive,
    Progress,
    is_row_id,
    silent,
)
from app.archive.tables import MODELS
from app.archive.validation import (
    MAX_PROBLEMS_SHOWN,
    parse_archive,
    refusal,
    rows_in,
    validate_archive,
)
from app.commissions import service as commissions
from app.commissions.models import (
    Commission,
)
from app.errors import Invalid
from app.i18n import gettext as _
from app.scenarios import service as scenarios
from app.scenarios.models import Scenario
from app.scenarios.schemas import ScenarioFile

# Export (app.archive.export) and the checks of a file (app.archive.validation) are modules of
# their own; the archive's callers find all of it here.
__all__ = [
    "MAX_PROBLEMS_SHOWN",
    "STEPS",
    "archive_json",
    "export_commission",
    "import_commission",
    "parse_archive",
    "rows_in",
    "validate_archive",
]


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
            return _write(session, parsed, created_by, progress or silent)
    except (IntegrityError, DataError) as error:
        raise refusal([_("the database refused it (%(reason)s)", reason=error.orig)]) from error
