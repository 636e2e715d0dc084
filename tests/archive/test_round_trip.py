"""Export a whole commission, import it as a new one, export that: nothing is lost."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts import service as accounts
from app.accounts.models import User
from app.archive import service as archive
from app.archive.schemas import TABLES
from app.archive.tables import table_queries
from app.commissions.models import Commission
from app.db import Base, rendered_columns
from app.errors import Invalid
from app.norms import registry
from app.norms.registry import RegistryQuery
from app.proposals import service as proposals
from app.scenarios.models import Scenario
from tests.archive.helpers import rich_commission, without_ids
from tests.conftest import PASSWORD, Cast, QueryCounter
from tests.proposals.helpers import acting, to_stage


@pytest.fixture
def exported(db: Session, cast: Cast) -> dict[str, Any]:
    rich_commission(db, cast)
    return archive.export_commission(db, cast.commission.id)


def test_every_table_has_rows(exported: dict[str, Any]) -> None:
    """The fixture is rich enough for the round trip to mean something."""
    assert exported["format"] == "commission-archive" and exported["version"] == 1
    assert exported["scenario"]["slug"] == "cooling-off"
    assert [table for table in TABLES if not exported[table]] == []
    stages = {p["stage"] for p in exported["proposals"]}
    assert {"adopted", "rejected"} <= stages
    assert any(a["parent_id"] for a in exported["arguments"])
    assert any(a["hidden_reason"] == "Not an argument." for a in exported["arguments"])
    assert any(r["amendment_id"] for r in exported["revisions"])
    assert {v["ballot_type"] for v in exported["votes"]} == {"roll_call", "secret"}
    assert any(v["amendment_id"] for v in exported["votes"])
    assert exported["norms"][0]["code"] == "FT-1"
    assert "norm_index" not in exported  # derived from the norms, rebuilt on import
    assert any(i["status"] == "published" for i in exported["injects"])
    assert exported["commission"]["chatham_house"] is True
    assert exported["commission"]["credit_students_by_name"] is False


def test_round_trip_loses_nothing(db: Session, cast: Cast, exported: dict[str, Any]) -> None:
    imported = archive.import_commission(db, copy.deepcopy(exported), created_by=cast.instructor)
    assert imported.id != cast.commission.id
    assert imported.join_code != cast.commission.join_code  # taken here, so a new one
    again = archive.export_commission(db, imported.id)
    assert without_ids(again) == without_ids(exported)
    # New rows, not the old ones: no id of the original proposals is reused.
    assert {p["id"] for p in again["proposals"]}.isdisjoint(p["id"] for p in exported["proposals"])
    # The same built-in scenario is shared, not copied.
    assert imported.scenario_id == cast.commission.scenario_id
    # The imported norms are in the registry's search index.
    found = registry.search(
        db, cast.instructor, RegistryQuery(q="incidents", commission=imported.id)
    )
    assert [hit.norm.code for hit in found.hits] == ["FT-1"]


def test_import_renders_the_texts_the_file_does_not_carry_as_html(
    db: Session, cast: Cast, exported: dict[str, Any]
) -> None:
    """The file keeps the Markdown only; the imported rows get their HTML as written ones do."""
    keys = {key for table in TABLES for row in exported[table] for key in row}
    assert not any(key.endswith(("_html", "_plain")) for key in keys)
    imported = archive.import_commission(db, copy.deepcopy(exported), created_by=cast.instructor)
    db.flush()
    db.expire_all()  # what the database holds, not what the session remembers
    rendered = 0
    for table, query in table_queries(imported).items():
        columns = [(s, c, render) for t, s, c, render in rendered_columns() if t == table]
        for row in db.scalars(query) if columns else ():
            for source, column, render in columns:
                assert getattr(row, column) == render(getattr(row, source)), table
                rendered += bool(getattr(row, source))
    assert rendered >= 10


def test_accounts_go_without_passwords(db: Session, cast: Cast, exported: dict[str, Any]) -> None:
    text = archive.archive_json(exported)
    assert "argon2" not in text
    assert "password" not in text
    assert cast.us_delegate.password_hash not in text
    assert {tuple(sorted(user)) for user in exported["users"]} == {
        ("display_name", "email", "id", "is_instructor", "username")
    }
    assert {u["username"] for u in exported["users"]} == {
        "ines",
        "ursula",
        "ulysses",
        "pei",
        "newcomer",
    }


def test_a_secret_ballot_leaves_only_counts(exported: dict[str, Any]) -> None:
    secret = next(v for v in exported["votes"] if v["ballot_type"] == "secret")
    assert not [b for b in exported["roll_call_ballots"] if b["vote_id"] == secret["id"]]
    counts = [c for c in exported["secret_ballot_counts"] if c["vote_id"] == secret["id"]]
    assert {tuple(sorted(c)) for c in counts} == {("choice", "count", "delegation_id", "vote_id")}
    by_choice: dict[str, int] = {}
    for c in counts:
        by_choice[c["choice"]] = by_choice.get(c["choice"], 0) + c["count"]
    assert by_choice == {"yes": 1, "no": 2, "abstain": 0}
    receipts = [r for r in exported["ballot_receipts"] if r["vote_id"] == secret["id"]]
    assert len(receipts) == 3
    assert all("choice" not in r for r in receipts)
    cast_entries = [
        a["data"]
        for a in exported["activities"]
        if a["kind"] == "ballot.cast" and a["data"]["vote"] == secret["id"]
    ]
    assert len(cast_entries) == 3
    assert all("choice" not in data for data in cast_entries)


def test_import_invents_no_secret_ballots(
    db: Session, cast: Cast, exported: dict[str, Any]
) -> None:
    imported = archive.import_commission(db, exported)
    again = archive.export_commission(db, imported.id)
    secret = next(v for v in again["votes"] if v["ballot_type"] == "secret")
    assert not [b for b in again["roll_call_ballots"] if b["vote_id"] == secret["id"]]


def test_export_reads_each_table_once(db: Session, cast: Cast, count_queries: QueryCounter) -> None:
    proposal = to_stage(db, cast, "debate")
    count_queries.statements.clear()
    archive.export_commission(db, cast.commission.id)
    few = count_queries.count
    rich_commission(db, cast)
    for i in range(30):
        proposals.post_argument(
            db, acting(db, proposal, cast.us_delegate), stance="note", body=f"Point {i}"
        )
    count_queries.statements.clear()
    archive.export_commission(db, cast.commission.id)
    assert count_queries.count == few, count_queries.statements
    assert few <= len(archive.STEPS) + 8, count_queries.statements


def test_new_accounts_cannot_sign_in_and_old_ones_are_untouched(
    db: Session, cast: Cast, exported: dict[str, Any]
) -> None:
    for user in exported["users"]:
        if user["username"] == "pei":
            user["username"] = "pei.elsewhere"
    hash_before = cast.us_delegate.password_hash
    archive.import_commission(db, exported)
    newcomer = db.scalar(select(User).where(User.username == "pei.elsewhere"))
    assert newcomer is not None and newcomer.display_name == "Pei PRC"
    assert accounts.authenticate(db, "pei.elsewhere", PASSWORD) is None
    assert accounts.authenticate(db, "pei.elsewhere", "") is None
    assert cast.us_delegate.password_hash == hash_before
    assert accounts.authenticate(db, "ursula", PASSWORD) is not None


def test_a_changed_scenario_becomes_the_importers_own(
    db: Session, cast: Cast, exported: dict[str, Any]
) -> None:
    exported["scenario"]["title"] = "Cooling Off, our way"
    imported = archive.import_commission(db, exported, created_by=cast.instructor)
    scenario = db.get(Scenario, imported.scenario_id)
    assert scenario is not None
    assert scenario.title == "Cooling Off, our way"
    assert scenario.owner_id == cast.instructor.id and not scenario.is_builtin
    assert scenario.slug != "cooling-off"


def _row_counts(db: Session) -> dict[str, int]:
    return {
        table.name: db.scalar(select(func.count()).select_from(table)) or 0
        for table in Base.metadata.sorted_tables
    }


_DELETE = object()


def _set(path: str, value: Any) -> Any:
    """A change to an archive at a dotted path such as "arguments.1.parent_id"."""

    def change(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = data
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        if value is _DELETE:
            del target[last]
        else:
            target[int(last) if last.isdigit() else last] = value

    return change


def _duplicate_participant(data: dict[str, Any]) -> None:
    """Valid on paper, refused by the database (one seat per account): found only mid-write,
    after a new account, the commission and its delegations were written."""
    data["users"][1]["username"] = "someone.new"
    data["participants"][2]["user_id"] = data["participants"][1]["user_id"]


def _invented_secret_ballot(data: dict[str, Any]) -> None:
    secret = next(v for v in data["votes"] if v["ballot_type"] == "secret")
    ballot = dict(data["roll_call_ballots"][0], vote_id=secret["id"], id=10**6)
    data["roll_call_ballots"].append(ballot)


def _unknown_parent(data: dict[str, Any]) -> None:
    reply = next(a for a in data["arguments"] if a["parent_id"])
    reply["parent_id"] = 10**6


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (_set("format", "commission-scenario/1"), "not a commission archive"),
        (_set("version", 2), "version 2"),
        (_set("votes", _DELETE), "votes: this is required"),
        (_set("commission.title", _DELETE), "commission.title: this is required"),
        (_set("proposals.0.stage", "limbo"), "proposals.0.stage: “limbo” is not one of"),
        (_set("users.0.username", "Bad Name"), "users.0.username"),
        (_set("commission.created_by_id", 10**6), "commission.created_by_id: there is no users"),
        (_set("norms.0.revision_id", 10**6), "norms.0.revision_id: there is no revisions row"),
        (_unknown_parent, "parent_id: there is no arguments row with id 1000000"),
        (_set("activities.0.data", {"vote": 10**6}), "activities.0.data.vote: there is no"),
        (_invented_secret_ballot, "is secret: it has no roll-call ballots"),
        (_duplicate_participant, "the database refused it"),
    ],
)
def test_a_malformed_archive_is_refused_and_nothing_written(
    db: Session, cast: Cast, exported: dict[str, Any], spoil: Any, message: str
) -> None:
    spoil(exported)
    before = _row_counts(db)
    with pytest.raises(Invalid) as refused:
        archive.import_commission(db, exported, created_by=cast.instructor)
    assert message in refused.value.message
    assert _row_counts(db) == before
    assert db.scalar(select(User).where(User.username == "someone.new")) is None
    assert db.scalar(select(func.count()).select_from(Commission)) == 1


def test_a_file_that_is_not_json_is_refused() -> None:
    with pytest.raises(Invalid, match="not valid JSON"):
        archive.parse_archive("{")
    with pytest.raises(Invalid, match="a JSON object"):
        archive.parse_archive(json.dumps([1, 2]))


def test_the_choice_to_credit_students_by_name_travels_with_the_archive(
    db: Session, cast: Cast
) -> None:
    cast.commission.credit_students_by_name = True
    db.flush()
    exported = archive.export_commission(db, cast.commission.id)
    assert exported["commission"]["credit_students_by_name"] is True
    imported = archive.import_commission(db, copy.deepcopy(exported))
    assert imported.credit_students_by_name is True
    # An archive written before the choice existed imports with nobody credited by name.
    del exported["commission"]["credit_students_by_name"]
    older = archive.import_commission(db, exported)
    assert older.credit_students_by_name is False
    assert exported["commission"]["chatham_house"] is False
