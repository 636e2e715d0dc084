"""An archive keeps both languages of a proposal with parallel texts: its revisions and
amendments by language, the authors' confirmations, the norm's two texts, and the group's rule."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.archive import service as archive
from app.errors import Invalid
from app.norms import registry
from app.norms.models import Norm
from app.norms.registry import RegistryQuery
from app.proposals.models import Revision, TextConfirmation
from tests.archive.helpers import ZH_AMENDED, rich_commission
from tests.conftest import Cast
from tests.proposals.helpers import EN_TEXT, ZH_TEXT, ZH_TITLE


@pytest.fixture
def exported(db: Session, cast: Cast) -> dict[str, Any]:
    rich_commission(db, cast)
    return archive.export_commission(db, cast.commission.id)


def test_the_file_holds_both_languages(exported: dict[str, Any]) -> None:
    norm = next(n for n in exported["norms"] if n["code"] == "DI-1")
    assert (norm["language"], norm["text"]) == ("en", EN_TEXT)
    assert (norm["parallel_language"], norm["parallel_title"]) == ("zh_CN", ZH_TITLE)
    assert norm["parallel_text"] == ZH_AMENDED
    mine = [r for r in exported["revisions"] if r["proposal_id"] == norm["proposal_id"]]
    assert [(r["number"], r["language"]) for r in mine] == [(1, "en"), (2, "zh_CN"), (3, "zh_CN")]
    assert [r["text"] for r in mine][1:] == [ZH_TEXT, ZH_AMENDED]
    amendment = next(a for a in exported["amendments"] if a["text"] == ZH_AMENDED)
    assert amendment["language"] == "zh_CN"
    confirmations = [
        c["revisions"]
        for c in exported["text_confirmations"]
        if c["proposal_id"] == norm["proposal_id"]
    ]
    assert confirmations == [{"en": 1, "zh_CN": 2}, {"en": 1, "zh_CN": 3}]
    assert {g["texts_must_agree"] for g in exported["working_groups"]} == {True}
    assert not any(key.startswith("parallel_text_") for key in norm)  # HTML is derived


def test_the_round_trip_keeps_both_languages(
    db: Session, cast: Cast, exported: dict[str, Any]
) -> None:
    imported = archive.import_commission(db, copy.deepcopy(exported), created_by=cast.instructor)
    db.flush()
    db.expire_all()
    norm = db.scalar(select(Norm).where(Norm.commission_id == imported.id, Norm.code == "DI-1"))
    assert norm is not None
    assert [(t.language, t.text) for t in norm.texts] == [("en", EN_TEXT), ("zh_CN", ZH_AMENDED)]
    assert "明确加注标识" in norm.parallel_text_html  # rendered on import, as when written
    languages = db.scalars(
        select(Revision.language)
        .where(Revision.proposal_id == norm.proposal_id)
        .order_by(Revision.number)
    ).all()
    assert languages == ["en", "zh_CN", "zh_CN"]
    confirmation = db.scalars(
        select(TextConfirmation)
        .where(TextConfirmation.proposal_id == norm.proposal_id)
        .order_by(TextConfirmation.id)
    ).all()[-1]
    assert confirmation.revisions == {"en": 1, "zh_CN": 3}
    # The registry finds the imported norm by its Chinese text too.
    hits = registry.search(db, cast.instructor, RegistryQuery(q="明确加注", commission=imported.id))
    assert [hit.norm.code for hit in hits.hits] == ["DI-1"]
    again = archive.export_commission(db, imported.id)
    assert [n["parallel_text"] for n in again["norms"]] == [
        n["parallel_text"] for n in exported["norms"]
    ]


def test_an_archive_from_before_parallel_texts_imports_in_one_language(
    db: Session, cast: Cast, exported: dict[str, Any]
) -> None:
    old = copy.deepcopy(exported)
    del old["text_confirmations"]
    for table, fields in (
        ("revisions", ("language",)),
        ("amendments", ("language",)),
        ("norms", ("language", "parallel_language", "parallel_title", "parallel_text")),
        ("working_groups", ("texts_must_agree",)),
    ):
        for row in old[table]:
            for name in fields:
                del row[name]
    imported = archive.import_commission(db, old, created_by=cast.instructor)
    again = archive.export_commission(db, imported.id)
    assert {r["language"] for r in again["revisions"]} == {"en"}
    assert {n["parallel_language"] for n in again["norms"]} == {None}
    assert again["text_confirmations"] == []
    assert {g["texts_must_agree"] for g in again["working_groups"]} == {True}


@pytest.mark.parametrize(
    ("table", "field", "value"),
    [
        ("revisions", "language", "fr"),
        ("amendments", "language", "zh"),
        ("norms", "parallel_language", "klingon"),
        ("text_confirmations", "revisions", {"de": 1}),
        ("text_confirmations", "revisions", {"en": 0}),
    ],
)
def test_a_language_outside_the_two_is_refused(
    db: Session, exported: dict[str, Any], table: str, field: str, value: object
) -> None:
    spoiled = copy.deepcopy(exported)
    spoiled[table][0][field] = value
    with pytest.raises(Invalid) as refused:
        archive.import_commission(db, spoiled)
    assert f"{table}.0.{field}" in refused.value.message
