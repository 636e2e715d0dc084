"""Private drafts and the archive: it holds what its reader may read on the pages.

A draft is for its authors and the delegates asked to sponsor it (app.proposals.rules.can_view).
The instructor's download leaves out every draft; the operator's `commission export` too,
unless told `--include-drafts`.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.archive import service as archive
from app.archive.schemas import TABLES
from app.cli import cli
from app.commissions import service as commissions
from app.commissions.models import Participant
from app.proposals import service as proposals
from app.proposals.acting import seat_of
from app.proposals.models import Proposal
from tests.archive.helpers import rich_commission, without_ids
from tests.conftest import Cast, sign_in
from tests.proposals.helpers import acting, to_stage

runner = CliRunner()

US_DRAFT = ("Silent lab audits", "Each side may audit the other's frontier labs unannounced.")
PRC_DRAFT = ("Chip export moratorium", "Neither side exports accelerators above 300 TFLOPS.")
SPONSORED_DRAFT = ("Joint red team", "A joint red team tests both sides' models twice a year.")
DRAFT_WORDS = [word for pair in (US_DRAFT, PRC_DRAFT, SPONSORED_DRAFT) for word in pair]


def private_draft(db: Session, cast: Cast, author: str, title: str, text: str) -> Proposal:
    user = {"ursula": cast.us_delegate, "pei": cast.prc_delegate}[author]
    participant = commissions.participant_for(db, cast.commission.id, user, with_delegation=True)
    assert participant is not None
    group = cast.groups["FT"]
    seat = seat_of(db, participant, group)
    return proposals.create_proposal(db, participant, seat, group, title=title, text=text)


def drafts_of_both_delegations(db: Session, cast: Cast) -> dict[str, Proposal]:
    """Ursula's draft (edited twice, Ulysses made co-author), Pei's draft, and Ursula's draft
    she asked Pei to sponsor; beside them a proposal tabled and the rich commission."""
    rich_commission(db, cast)
    to_stage(db, cast, "tabled")
    us = private_draft(db, cast, "ursula", *US_DRAFT)
    proposals.edit_proposal(
        db,
        acting(db, us, cast.us_delegate),
        title=US_DRAFT[0],
        text=US_DRAFT[1] + " Twice.",
        rationale="Trust, verified.",
    )
    proposals.add_coauthor(db, acting(db, us, cast.us_delegate), cast.participants["ulysses"].id)
    prc = private_draft(db, cast, "pei", *PRC_DRAFT)
    sponsored = private_draft(db, cast, "ursula", *SPONSORED_DRAFT)
    proposals.invite_sponsor(
        db, acting(db, sponsored, cast.us_delegate), cast.participants["pei"].id
    )
    db.flush()
    return {"us": us, "prc": prc, "sponsored": sponsored}


def instructor_seat(db: Session, cast: Cast) -> Participant:
    found = commissions.participant_for(
        db, cast.commission.id, cast.instructor, with_delegation=True
    )
    assert found is not None and found.role == "instructor"
    return found


def about(rows: list[dict[str, Any]], proposal_ids: set[int]) -> list[dict[str, Any]]:
    return [row for row in rows if row.get("proposal_id") in proposal_ids]


def test_the_instructors_archive_holds_no_draft_and_everything_else(
    db: Session, cast: Cast
) -> None:
    drafts = drafts_of_both_delegations(db, cast)
    draft_ids = {p.id for p in drafts.values()}
    everything = archive.export_commission(db, cast.commission.id, include_drafts=True)
    assert draft_ids <= {p["id"] for p in everything["proposals"]}  # the attack had its data
    text = archive.archive_json(everything)
    assert all(word in text for word in DRAFT_WORDS)

    theirs = archive.export_commission(db, cast.commission.id, reader=instructor_seat(db, cast))
    text = archive.archive_json(theirs)
    assert [word for word in DRAFT_WORDS if word in text] == []
    assert "Trust, verified." not in text
    assert {p["stage"] for p in theirs["proposals"]} == {"adopted", "rejected", "tabled"}
    for table in TABLES:
        rows = everything[table]
        if rows and "proposal_id" in rows[0]:
            # Nothing about a draft (authors, sponsor invitations, revisions, log entries) …
            assert about(theirs[table], draft_ids) == [], table
            # … and everything about every other proposal.
            assert theirs[table] == [r for r in rows if r["proposal_id"] not in draft_ids], table
        elif table == "proposals":
            assert theirs[table] == [r for r in rows if r["id"] not in draft_ids]
        else:
            assert theirs[table] == rows, table  # caucus rooms, injects, roster: all there
    assert about(everything["activities"], draft_ids)  # there were log entries to leave out


def test_the_pages_do_not_show_the_instructor_those_drafts_either(
    client: TestClient, db: Session, cast: Cast
) -> None:
    drafts = drafts_of_both_delegations(db, cast)
    sign_in(client, "ines")
    for proposal in drafts.values():
        assert client.get(f"/proposals/{proposal.id}").status_code == 404
    download = client.get(f"/commissions/{cast.commission.id}/archive.json")
    assert download.status_code == 200
    assert [word for word in DRAFT_WORDS if word in download.text] == []
    tabled = [p for p in download.json()["proposals"] if p["stage"] == "tabled"]
    assert [p["title"] for p in tabled] == ["Joint AI incident reporting"]
    assert client.get(f"/proposals/{tabled[0]['id']}").status_code == 200


def test_an_archive_follows_the_page_rule_for_whoever_reads_it(db: Session, cast: Cast) -> None:
    """Authors read their drafts, a delegate asked to sponsor reads that one: the same rule as
    the proposal page, not a copy of it."""
    drafts = drafts_of_both_delegations(db, cast)

    def titles_for(name: str) -> set[str]:
        reader = cast.participants[name]
        exported = archive.export_commission(db, cast.commission.id, reader=reader)
        return {p["title"] for p in exported["proposals"] if p["stage"] == "draft"}

    assert titles_for("ursula") == {US_DRAFT[0], SPONSORED_DRAFT[0]}
    assert titles_for("ulysses") == {US_DRAFT[0]}  # a co-author
    assert titles_for("pei") == {PRC_DRAFT[0], SPONSORED_DRAFT[0]}  # asked to sponsor
    assert titles_for("newcomer") == set()
    assert drafts["prc"].stage == "draft"


def test_an_archive_without_drafts_imports_and_exports_the_same(db: Session, cast: Cast) -> None:
    drafts_of_both_delegations(db, cast)
    theirs = archive.export_commission(db, cast.commission.id, reader=instructor_seat(db, cast))
    imported = archive.import_commission(db, copy.deepcopy(theirs), created_by=cast.instructor)
    again = archive.export_commission(db, imported.id, include_drafts=True)
    assert without_ids(again) == without_ids(theirs)


def test_a_reader_and_include_drafts_do_not_go_together(db: Session, cast: Cast) -> None:
    with pytest.raises(ValueError, match="include_drafts"):
        archive.export_commission(
            db, cast.commission.id, reader=instructor_seat(db, cast), include_drafts=True
        )


def test_the_command_line_leaves_drafts_out_unless_told(
    db: Session, cast: Cast, tmp_path: Path, cli_database: Path
) -> None:
    drafts_of_both_delegations(db, cast)
    everything = archive.export_commission(db, cast.commission.id, include_drafts=True)
    file = tmp_path / "everything.json"
    file.write_text(archive.archive_json(everything), encoding="utf-8")
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    imported = runner.invoke(cli, ["import", str(file)])
    assert imported.exit_code == 0, imported.output
    new_id = imported.stdout.strip()

    plain = runner.invoke(cli, ["export", new_id])
    assert plain.exit_code == 0, plain.output
    assert [word for word in DRAFT_WORDS if word in plain.stdout] == []
    assert {p["stage"] for p in json.loads(plain.stdout)["proposals"]} == {
        "adopted",
        "rejected",
        "tabled",
    }
    full = runner.invoke(cli, ["export", new_id, "--include-drafts"])
    assert full.exit_code == 0, full.output
    assert without_ids(json.loads(full.stdout)) == without_ids(everything)
    assert "--include-drafts" in runner.invoke(cli, ["export", "--help"]).stdout
