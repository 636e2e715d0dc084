"""What the stream sends each viewer: only what that viewer may see, and only what changed."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.caucus import service as caucus
from app.commissions import service as commissions
from app.live.broker import LiveEvent
from app.live.registry import StreamViewer, render_for
from app.proposals import service as proposals
from app.proposals.acting import seat_of
from app.voting import service as voting
from tests.conftest import Cast, sign_in
from tests.proposals.helpers import acting, open_vote_of, to_stage


def viewer(db: Session, cast: Cast, user: User) -> StreamViewer:
    participant = commissions.participant_for(db, cast.commission.id, user, with_delegation=True)
    assert participant is not None
    return StreamViewer(
        user_id=user.id,
        participant_id=participant.id,
        role=participant.role,
        delegation_id=participant.delegation_id,
    )


def names(messages: list[tuple[str, str]]) -> list[str]:
    return [name for name, _html in messages]


def event(cast: Cast, kind: str, **ids: int | None) -> LiveEvent:
    return LiveEvent(commission_id=cast.commission.id, kind=kind, **ids)


def test_a_draft_changes_nothing_for_people_who_cannot_see_it(db: Session, cast: Cast) -> None:
    proposal = to_stage(db, cast, "draft")
    batch = [event(cast, "stage", proposal_id=proposal.id)]
    assert render_for(db, viewer(db, cast, cast.prc_delegate), batch) == []
    assert render_for(db, viewer(db, cast, cast.instructor), batch) == []
    mine = names(render_for(db, viewer(db, cast, cast.us_delegate), batch))
    assert f"proposal-{proposal.id}-stage" in mine


def test_a_ballot_updates_the_vote_panel_and_announces_once(db: Session, cast: Cast) -> None:
    proposal = to_stage(db, cast, "voting")
    vote = open_vote_of(db, proposal)
    voting.cast_ballot(db, acting(db, proposal, cast.us_delegate), vote.id, "yes")
    ursula = cast.participants["ursula"].id
    batch = [event(cast, "tally", proposal_id=proposal.id, subject_id=vote.id)] * 3
    batch.append(
        event(cast, "tally", proposal_id=proposal.id, subject_id=vote.id, participant_id=ursula)
    )
    tally, announce = f"proposal-{proposal.id}-tally", f"proposal-{proposal.id}-announce"
    messages = dict(render_for(db, viewer(db, cast, cast.prc_delegate), batch))
    assert set(messages) == {tally, announce}
    assert "United States: 1 yes" in messages[tally]
    assert messages[announce].startswith("Tally: 1 yes, 0 no, 0 abstain.")
    # Nobody's ballot buttons travel with the tally: each page keeps its own.
    assert 'name="choice"' not in messages[tally]
    # The voter's own streams (another tab) learn that their ballot is in.
    mine = dict(render_for(db, viewer(db, cast, cast.us_delegate), batch))
    assert set(mine) == {tally, announce, f"proposal-{proposal.id}-ballot"}
    assert "You voted: Yes." in mine[f"proposal-{proposal.id}-ballot"]


def test_a_new_argument_is_sent_as_one_item_plus_the_balance(db: Session, cast: Cast) -> None:
    proposal = to_stage(db, cast, "debate")
    argument = proposals.post_argument(
        db, acting(db, proposal, cast.prc_delegate), stance="oppose", body="Too vague."
    )
    reply = proposals.post_argument(
        db,
        acting(db, proposal, cast.us_delegate),
        stance="note",
        body="We can define it.",
        parent_id=argument.id,
    )
    messages = render_for(
        db,
        viewer(db, cast, cast.us_colleague),
        [
            event(cast, "argument", proposal_id=proposal.id, subject_id=argument.id),
            event(cast, "argument", proposal_id=proposal.id, subject_id=reply.id),
        ],
    )
    assert names(messages)[0] == f"proposal-{proposal.id}-argument"
    assert f"argument-{argument.id}-reply" in names(messages)
    assert "Too vague." in messages[0][1]
    assert "We can define it." not in messages[0][1]


def test_caucus_events_reach_only_their_delegation_and_instructors(db: Session, cast: Cast) -> None:
    us = cast.participants["ursula"]
    seat = seat_of(
        db,
        commissions.participant_for(db, cast.commission.id, cast.us_delegate, with_delegation=True),  # type: ignore[arg-type]
        cast.groups["FT"],
    )
    message = caucus.post_message(
        db, us, seat, cast.delegations["US"], cast.groups["FT"], "Hold firm."
    )
    batch = [event(cast, "caucus", subject_id=message.id, delegation_id=cast.delegations["US"].id)]
    assert render_for(db, viewer(db, cast, cast.prc_delegate), batch) == []
    for user in (cast.us_colleague, cast.instructor):
        rendered = render_for(db, viewer(db, cast, user), batch)
        assert "Hold firm." in rendered[0][1]


def test_a_seat_change_reaches_only_the_person_seated(db: Session, cast: Cast) -> None:
    newcomer = cast.participants["newcomer"]
    newcomer.delegation_id = cast.delegations["PRC"].id
    newcomer.role_brief_id = cast.briefs["prc-platform"].id
    db.flush()
    batch = [event(cast, "seat", subject_id=newcomer.id)]
    assert render_for(db, viewer(db, cast, cast.prc_delegate), batch) == []
    messages = dict(render_for(db, viewer(db, cast, cast.unseated), batch))
    panel = messages[f"seat-{newcomer.id}"]
    assert "People&#39;s Republic of China" in panel
    assert cast.briefs["prc-platform"].title in panel
    assert messages[f"seat-{newcomer.id}-announce"] == "Your seat has changed."


def test_only_members_may_open_the_stream(client: TestClient, cast: Cast) -> None:
    url = f"/commissions/{cast.commission.id}/events"
    visitor = client.get(url)
    assert visitor.status_code == 303
    assert visitor.headers["location"].startswith("/sign-in")
    sign_in(client, "stan")
    assert client.get(url).status_code == 403
