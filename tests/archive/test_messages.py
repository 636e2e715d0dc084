"""Every refusal of an archive reaches the reader translated, and each problem in it too."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.orm import Session

from app.archive import service as archive
from app.errors import Invalid, NotFound
from tests.archive.helpers import rich_commission
from tests.archive.test_round_trip import (
    _DELETE,
    _duplicate_participant,
    _invented_secret_ballot,
    _set,
    _unknown_parent,
)
from tests.conftest import Cast
from tests.translations import assert_translated, wrapped_translations  # noqa: F401

REFUSAL = re.compile(r"⟦The archive cannot be imported: (?P<problems>.*)\.⟧", re.S)


def _many_bad_stages(data: dict[str, Any]) -> None:
    """More problems than a refusal lists (archive.MAX_PROBLEMS_SHOWN)."""
    data["commission"]["title"] = ""
    for table, field in (("proposals", "stage"), ("arguments", "stance"), ("participants", "role")):
        for row in data[table]:
            row[field] = "limbo"
    for user in data["users"]:
        user["username"] = "Bad Name"


def _naive_time(data: dict[str, Any]) -> None:
    data["proposals"][0]["created_at"] = "2026-03-01T14:00:00"


def _twice_the_same_id(data: dict[str, Any]) -> None:
    data["arguments"].append(dict(data["arguments"][0]))


def _scenario_without_owner(data: dict[str, Any]) -> None:
    data["scenario"]["title"] = "A scenario nobody here has"
    data["commission"]["created_by_id"] = None


SPOILS: dict[str, Callable[[dict[str, Any]], None]] = {
    "format": _set("format", "commission-scenario/1"),
    "version": _set("version", 2),
    "missing table": _set("votes", _DELETE),
    "not a choice": _set("proposals.0.stage", "limbo"),
    "bad username": _set("users.0.username", "Bad Name"),
    "naive time": _naive_time,
    "scenario field": _set("scenario.working_groups.0.rules.quorum", 2),
    "same id twice": _twice_the_same_id,
    "missing row": _set("norms.0.revision_id", 10**6),
    "reply first": _unknown_parent,
    "activity reference": _set("activities.0.data", {"vote": 10**6}),
    "secret ballot by name": _invented_secret_ballot,
    "database refuses": _duplicate_participant,
    "many problems": _many_bad_stages,
    "no owner": _scenario_without_owner,
}


@pytest.fixture
def exported(db: Session, cast: Cast) -> dict[str, Any]:
    rich_commission(db, cast)
    return archive.export_commission(db, cast.commission.id)


def assert_refusal_translated(message: str) -> None:
    assert_translated(message)
    listed = REFUSAL.fullmatch(message)
    if listed:  # each problem in the list, too
        for problem in listed["problems"].split("; "):
            assert_translated(problem if problem.endswith("⟧") else problem + "⟧")


@pytest.mark.parametrize("spoil", SPOILS.values(), ids=SPOILS.keys())
@pytest.mark.usefixtures("wrapped_translations")
def test_every_refusal_is_translated(
    db: Session, exported: dict[str, Any], spoil: Callable[[dict[str, Any]], None]
) -> None:
    spoiled = copy.deepcopy(exported)
    spoil(spoiled)
    with pytest.raises(Invalid) as refused:
        archive.import_commission(db, spoiled, created_by=None)
    assert_refusal_translated(refused.value.message)


@pytest.mark.usefixtures("wrapped_translations")
def test_unreadable_files_and_a_missing_commission_are_refused_in_translation(
    db: Session,
) -> None:
    for text in ("{", json.dumps([1, 2])):
        with pytest.raises(Invalid) as refused:
            archive.parse_archive(text)
        assert_translated(refused.value.message)
    with pytest.raises(NotFound) as missing:
        archive.export_commission(db, 404)
    assert_translated(missing.value.message)


def test_a_long_list_of_problems_reads_well(db: Session, exported: dict[str, Any]) -> None:
    _many_bad_stages(exported)
    with pytest.raises(Invalid) as refused:
        archive.import_commission(db, exported, created_by=None)
    message = refused.value.message
    assert message.startswith("The archive cannot be imported: commission.title: ")
    assert re.search(r"; and \d+ more problems?\.$", message), message
    assert ".;" not in message
