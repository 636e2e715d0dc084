"""A commission with something in every table, and archives compared without their ids."""

from __future__ import annotations

import copy
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.archive.schemas import ACTIVITY_DATA_REFERENCES, REFERENCES, TABLES, is_row_id
from app.caucus import service as caucus
from app.commissions.models import Participant
from app.injects import service as injects
from app.injects.models import Inject
from app.proposals import service as proposals
from app.proposals.acting import seat_of
from app.proposals.amendments import accept_amendment, propose_amendment
from app.proposals.models import Proposal
from app.voting import service as voting
from tests.conftest import Cast
from tests.proposals.helpers import acting, make_co_chair, open_vote_of, to_stage

EVERYONE = ("us_delegate", "us_colleague", "prc_delegate")


def vote_all(db: Session, cast: Cast, proposal: Proposal, choices: tuple[str, str, str]) -> None:
    """Ursula, Ulysses and Pei vote in that order; the instructor closes the vote."""
    vote = open_vote_of(db, proposal)
    for who, choice in zip(EVERYONE, choices, strict=True):
        voting.cast_ballot(db, acting(db, proposal, getattr(cast, who)), vote.id, choice)
    voting.close_vote(db, acting(db, proposal, cast.instructor), vote.id)


def adopted_norm_with_its_history(db: Session, cast: Cast) -> Proposal:
    """FT: co-authored, sponsored, debated (a reply, a hidden argument), amended twice (one
    amendment accepted, one voted down), then adopted by roll call."""
    proposal = to_stage(db, cast, "draft")
    ursula, pei = cast.us_delegate, cast.prc_delegate
    proposals.add_coauthor(db, acting(db, proposal, ursula), cast.participants["ulysses"].id)
    proposals.invite_sponsor(db, acting(db, proposal, ursula), cast.participants["pei"].id)
    proposals.respond_to_sponsorship(db, acting(db, proposal, pei), accept=True)
    proposals.move_stage(db, acting(db, proposal, ursula), "table")
    proposals.move_stage(db, acting(db, proposal, cast.instructor), "open_debate")
    opening = proposals.post_argument(
        db, acting(db, proposal, ursula), stance="support", body="Incidents cross borders."
    )
    proposals.post_argument(
        db,
        acting(db, proposal, pei),
        stance="question",
        body="Who decides what is serious?",
        parent_id=opening.id,
    )
    rude = proposals.post_argument(
        db, acting(db, proposal, cast.us_colleague), stance="oppose", body="Nonsense."
    )
    proposals.hide_argument(db, acting(db, proposal, cast.instructor), rude.id, "Not an argument.")
    faster = propose_amendment(
        db,
        acting(db, proposal, pei),
        text="Both sides report serious AI incidents to each other within 48 hours.",
        rationale="Faster.",
    )
    accept_amendment(db, acting(db, proposal, ursula), faster.id)
    fastest = propose_amendment(
        db,
        acting(db, proposal, pei),
        text="Both sides report serious AI incidents to each other within 24 hours.",
        rationale="Faster still.",
    )
    voting.put_amendment_to_vote(db, acting(db, proposal, cast.instructor), fastest.id)
    vote_all(db, cast, proposal, ("no", "no", "abstain"))
    voting.open_vote(db, acting(db, proposal, cast.instructor))
    vote_all(db, cast, proposal, ("yes", "yes", "yes"))
    return proposal


def rejected_by_secret_ballot(db: Session, cast: Cast) -> Proposal:
    """CY, by consensus and secret ballot: one yes, two noes."""
    proposal = to_stage(db, cast, "voting", group="CY", ballot_type="secret")
    vote_all(db, cast, proposal, ("yes", "no", "no"))
    return proposal


# The Chinese text of the bilingual norm, as amended.
ZH_AMENDED = "双方对其官方媒体发布的人工智能生成的政治内容明确加注标识。"


def adopted_with_two_texts(db: Session, cast: Cast) -> Proposal:
    """DI: an English and a Chinese text written at once; the Chinese one amended, which puts
    them out of step until Ursula confirms they agree; then adopted."""
    proposal = to_stage(db, cast, "debate", group="DI", bilingual=True)
    amendment = propose_amendment(
        db, acting(db, proposal, cast.prc_delegate), text=ZH_AMENDED, rationale="", language="zh_CN"
    )
    accept_amendment(db, acting(db, proposal, cast.us_delegate), amendment.id)
    proposals.confirm_texts(db, acting(db, proposal, cast.us_delegate))
    voting.open_vote(db, acting(db, proposal, cast.instructor))
    vote_all(db, cast, proposal, ("yes", "yes", "yes"))
    return proposal


def rich_commission(db: Session, cast: Cast) -> None:
    """Something in every table of the archive."""
    adopted_norm_with_its_history(db, cast)
    rejected_by_secret_ballot(db, cast)
    adopted_with_two_texts(db, cast)
    make_co_chair(db, cast, "pei", "FT")
    ursula = cast.participants["ursula"]
    us = cast.delegations["US"]
    for group in (cast.groups["FT"], None):
        seat = seat_of(db, ursula, group or cast.groups["FT"])
        caucus.post_message(db, ursula, seat, us, group, f"Hold firm ({group}).")
    me = db.scalar(
        select(Participant.id).where(
            Participant.commission_id == cast.commission.id,
            Participant.user_id == cast.instructor.id,
        )
    )
    assert me is not None
    memo = db.scalar(
        select(Inject).where(
            Inject.commission_id == cast.commission.id, Inject.code == "leaked-persona-memo"
        )
    )
    assert memo is not None
    injects.publish_now(db, cast.commission.id, memo.id, me)
    injects.write(
        db,
        cast.commission.id,
        title="A ferry of observers arrives",
        body="They want seats.",
        group_id=cast.groups["DI"].id,
        delegation_id=None,
        actor_id=me,
    )
    cast.commission.chatham_house = True
    cast.commission.report_shared_with_class = True
    db.flush()


def without_ids(archive: dict[str, Any]) -> dict[str, Any]:
    """The archive with every id replaced by the row's place in its table, and without what
    differs between two exports of the same content (the time of export, the join code)."""
    result = copy.deepcopy(archive)
    del result["exported_at"]
    del result["commission"]["join_code"]
    places = {
        table: {row["id"]: i for i, row in enumerate(result[table])}
        for table in TABLES
        if result[table] and "id" in result[table][0]
    }
    result["commission"]["id"] = 0
    for table in TABLES:
        for row in result[table]:
            if "id" in row:
                row["id"] = places[table][row["id"]]
    for table, fields in REFERENCES.items():
        rows = [result["commission"]] if table == "commission" else result[table]
        for row in rows:
            for field, target in fields.items():
                if row[field] is not None:
                    row[field] = places[target][row[field]]
    for entry in result["activities"]:
        for key, target in ACTIVITY_DATA_REFERENCES.items():
            if is_row_id(entry["data"].get(key)):
                entry["data"][key] = places[target][entry["data"][key]]
    return result
