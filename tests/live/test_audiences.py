"""Each live fragment is drawn once per audience, and every viewer still receives exactly what
drawing for them alone would give: no more (nothing of an audience they do not belong to), no
less, byte for byte.

The room: the instructor, three seated delegates of two delegations (one of them a co-chair),
a newcomer not yet seated, and an observer. Every batch below is delivered both ways, shared
(`deliveries`) and for each viewer alone (`render_for`), and the two are compared per viewer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

import pytest
from sqlalchemy.orm import Session

from app.caucus import service as caucus
from app.commissions import service as commissions
from app.commissions.models import Participant
from app.injects import service as injects
from app.live.broker import LiveEvent
from app.live.registry import StreamViewer, deliveries, render_for
from app.proposals import service as proposals
from app.proposals.acting import seat_of
from app.proposals.amendments import propose_amendment
from app.voting import service as voting
from tests.conftest import Cast, make_user
from tests.injects.helpers import inject, instructor_id
from tests.locale_catalog import chinese_catalog
from tests.proposals.helpers import acting, make_co_chair, open_vote_of, to_stage

Scene = Callable[[Session, Cast], list[LiveEvent]]


def room(db: Session, cast: Cast) -> list[StreamViewer]:
    """Everyone of the commission with a stream open, an observer added."""
    observer = commissions.join_commission(db, cast.commission, make_user(db, "otto"))
    observer.role = "observer"
    make_co_chair(db, cast, "pei", "FT")
    db.flush()
    rows = db.query(Participant).filter_by(commission_id=cast.commission.id).all()
    return [StreamViewer(p.user_id, p.id, p.role, p.delegation_id) for p in rows]


def event(cast: Cast, kind: str, **ids: int | None) -> LiveEvent:
    return LiveEvent(commission_id=cast.commission.id, kind=kind, **ids)


def ballots(db: Session, cast: Cast) -> list[LiveEvent]:
    proposal = to_stage(db, cast, "voting")
    vote = open_vote_of(db, proposal)
    voting.cast_ballot(db, acting(db, proposal, cast.us_delegate), vote.id, "yes")
    voting.cast_ballot(db, acting(db, proposal, cast.prc_delegate), vote.id, "no")
    ids = {"proposal_id": proposal.id, "subject_id": vote.id}
    return [
        event(cast, "tally", participant_id=cast.participants["ursula"].id, **ids),
        event(cast, "tally", participant_id=cast.participants["pei"].id, **ids),
    ]


def secret_ballots(db: Session, cast: Cast) -> list[LiveEvent]:
    group = cast.groups["FT"]
    group.ballot_type = "secret"
    db.flush()
    return ballots(db, cast)


def a_stage_change_with_ballots(db: Session, cast: Cast) -> list[LiveEvent]:
    batch = ballots(db, cast)
    proposal_id = batch[0].proposal_id
    assert proposal_id is not None
    return [*batch, event(cast, "stage", proposal_id=proposal_id, subject_id=batch[0].subject_id)]


def a_draft_tabled(db: Session, cast: Cast) -> list[LiveEvent]:
    draft = to_stage(db, cast, "draft")
    return [event(cast, "stage", proposal_id=draft.id)]


def a_draft_edited(db: Session, cast: Cast) -> list[LiveEvent]:
    draft = to_stage(db, cast, "draft")
    return [event(cast, "amendment", proposal_id=draft.id)]


def arguments(db: Session, cast: Cast) -> list[LiveEvent]:
    proposal = to_stage(db, cast, "debate")
    first = proposals.post_argument(
        db, acting(db, proposal, cast.prc_delegate), stance="oppose", body="Too vague."
    )
    reply = proposals.post_argument(
        db,
        acting(db, proposal, cast.us_delegate),
        stance="note",
        body="Define it.",
        parent_id=first.id,
    )
    proposals.hide_argument(db, acting(db, proposal, cast.instructor), first.id, "Off topic.")
    ids = {"proposal_id": proposal.id}
    return [
        event(cast, "argument", subject_id=reply.id, **ids),
        event(cast, "argument_hidden", subject_id=first.id, **ids),
    ]


def an_amendment(db: Session, cast: Cast) -> list[LiveEvent]:
    proposal = to_stage(db, cast, "debate")
    amendment = propose_amendment(
        db, acting(db, proposal, cast.prc_delegate), text="Within 48 hours.", rationale="Faster."
    )
    return [event(cast, "amendment", proposal_id=proposal.id, subject_id=amendment.id)]


def a_caucus_message(db: Session, cast: Cast) -> list[LiveEvent]:
    us = cast.participants["ursula"]
    participant = commissions.participant_for(
        db, cast.commission.id, cast.us_delegate, with_delegation=True
    )
    assert participant is not None
    seat = seat_of(db, participant, cast.groups["FT"])
    message = caucus.post_message(
        db, us, seat, cast.delegations["US"], cast.groups["FT"], "Hold firm."
    )
    return [event(cast, "caucus", subject_id=message.id, delegation_id=cast.delegations["US"].id)]


def injects_for_one_delegation_and_all(db: Session, cast: Cast) -> list[LiveEvent]:
    memo = inject(db, cast.commission.id, "leaked-persona-memo")  # to the US delegation only
    port = inject(db, cast.commission.id, "port-ransomware")
    assert memo.target_delegation_id is not None and port.target_delegation_id is None
    for each in (memo, port):
        injects.publish_now(db, cast.commission.id, each.id, instructor_id(db, cast))
    return [
        event(cast, "inject", subject_id=memo.id, delegation_id=memo.target_delegation_id),
        event(cast, "inject", subject_id=port.id),
    ]


def a_seat_change(db: Session, cast: Cast) -> list[LiveEvent]:
    newcomer = cast.participants["newcomer"]
    newcomer.delegation_id = cast.delegations["PRC"].id
    newcomer.role_brief_id = cast.briefs["prc-platform"].id
    db.flush()
    return [event(cast, "seat", subject_id=newcomer.id)]


SCENES: dict[str, Scene] = {
    "ballots": ballots,
    "secret ballots": secret_ballots,
    "a stage change with ballots": a_stage_change_with_ballots,
    "a draft tabled": a_draft_tabled,
    "a draft edited": a_draft_edited,
    "arguments": arguments,
    "an amendment": an_amendment,
    "a caucus message": a_caucus_message,
    "injects": injects_for_one_delegation_and_all,
    "a seat change": a_seat_change,
}


def received(delivered: list, viewer: StreamViewer) -> list[tuple[str, str]]:  # type: ignore[type-arg]
    return [m for d in delivered if viewer in d.viewers for m in d.messages]


@pytest.mark.parametrize("scene", SCENES.values(), ids=SCENES.keys())
def test_every_viewer_receives_what_drawing_for_them_alone_gives(
    db: Session, cast: Cast, scene: Scene
) -> None:
    viewers = room(db, cast)
    batch = scene(db, cast)
    db.flush()
    shared = deliveries(db, viewers, batch)
    for viewer in viewers:
        assert received(shared, viewer) == render_for(db, viewer, batch), viewer
    # Someone received something, and nobody received a delivery twice.
    assert shared
    for delivery in shared:
        assert len(set(delivery.viewers)) == len(delivery.viewers)


def test_a_storm_of_ballots_draws_the_tally_twice_for_a_whole_room(db: Session, cast: Cast) -> None:
    viewers = room(db, cast)
    batch = ballots(db, cast)
    shared = deliveries(db, viewers, batch)
    tally = f"proposal-{batch[0].proposal_id}-tally"
    tallies = [d for d in shared if any(name == tally for name, _html in d.messages)]
    # Those who may chair (the instructor, the co-chair), and everyone else.
    assert len(tallies) == 2
    assert sum(len(d.viewers) for d in tallies) == len(viewers)
    # The two voters' own ballots, to each voter alone.
    own = [d for d in shared if any(name.endswith("-ballot") for name, _html in d.messages)]
    assert sorted(len(d.viewers) for d in own) == [1, 1]
    voters = {cast.participants["ursula"].id, cast.participants["pei"].id}
    assert {d.viewers[0].participant_id for d in own} == voters


def test_a_delegation_s_caucus_never_reaches_the_other_delegation_or_observers(
    db: Session, cast: Cast
) -> None:
    viewers = room(db, cast)
    shared = deliveries(db, viewers, a_caucus_message(db, cast))
    reached = {v.participant_id for d in shared for v in d.viewers}
    us = cast.delegations["US"].id
    expected = {v.participant_id for v in viewers if v.delegation_id == us or v.is_instructor}
    assert reached == expected
    assert all("Hold firm." in html for d in shared for _name, html in d.messages)


def test_a_secret_tally_shows_nobody_a_count(db: Session, cast: Cast) -> None:
    viewers = room(db, cast)
    shared = deliveries(db, viewers, secret_ballots(db, cast))
    for delivery in shared:
        for _name, html in delivery.messages:
            assert "tally-row" not in html and "Tally:" not in html
            assert "You voted:" not in html  # a secret ballot is not stored with a name


def test_pushed_forms_carry_no_one_s_csrf_token(db: Session, cast: Cast) -> None:
    viewers = room(db, cast)
    for scene in (ballots, arguments, an_amendment):
        for delivery in deliveries(db, viewers, scene(db, cast)):
            for _name, html in delivery.messages:
                if 'name="csrf_token"' in html:
                    assert 'name="csrf_token" value=""' in html
                    assert 'name="csrf_token" value="' + "t" not in html


def in_both_languages(viewers: list[StreamViewer]) -> list[StreamViewer]:
    """The room with every stream open twice: once in English, once in Chinese (two tabs)."""
    return [*viewers, *(replace(viewer, locale="zh_CN") for viewer in viewers)]


HAN = re.compile(r"[\u4e00-\u9fff]")
# A caucus message is drawn as its time, its author and its (English) body: no word of ours.
WORDLESS = frozenset({"a caucus message"})


@pytest.mark.parametrize("name", SCENES.keys())
def test_each_reader_receives_their_own_language(db: Session, cast: Cast, name: str) -> None:
    scene = SCENES[name]
    viewers = in_both_languages(room(db, cast))
    batch = scene(db, cast)
    db.flush()
    shared = deliveries(db, viewers, batch)
    for viewer in viewers:
        assert received(shared, viewer) == render_for(db, viewer, batch), viewer
    # Readers of two languages are never one audience, and the Chinese read Chinese.
    for delivery in shared:
        assert len({viewer.locale for viewer in delivery.viewers}) == 1
    chinese = [html for d in shared if d.viewers[0].locale == "zh_CN" for _name, html in d.messages]
    if chinese_catalog() is None:
        pytest.skip("no zh_CN catalog yet: every language reads English")
    assert any(HAN.search(html) for html in chinese) == (name not in WORDLESS)


def test_a_tally_is_drawn_once_per_audience_and_language(db: Session, cast: Cast) -> None:
    viewers = in_both_languages(room(db, cast))
    batch = ballots(db, cast)
    tally = f"proposal-{batch[0].proposal_id}-tally"
    tallies = [d for d in deliveries(db, viewers, batch) if any(n == tally for n, _ in d.messages)]
    assert sorted(d.viewers[0].locale for d in tallies) == ["en", "en", "zh_CN", "zh_CN"]
    english, chinese = (
        {html for d in tallies if d.viewers[0].locale == lang for _n, html in d.messages}
        for lang in ("en", "zh_CN")
    )
    if chinese_catalog() is None:
        pytest.skip("no zh_CN catalog yet: every language reads English")
    assert english.isdisjoint(chinese)
