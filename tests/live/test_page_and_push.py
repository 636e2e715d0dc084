"""A block the stream pushes is the block its page drew: the same HTML, both ways.

Each test draws a live page as one viewer, then renders the events that redraw its parts for
the same viewer, fills the pushed forms' empty CSRF tokens with the page's own (as
static/js/live.js does on the swap), and compares every pushed fragment with the content of
the element that takes it (the element whose `sse-swap` names the event). Every registered
fragment is compared but the inject banner: pages draw its slot empty.
"""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.caucus import service as caucus
from app.commissions import service as commissions
from app.injects import service as injects
from app.live.broker import LiveEvent
from app.live.registry import render_for
from app.proposals import service as proposals
from app.proposals.acting import seat_of
from app.proposals.amendments import propose_amendment
from app.voting import service as voting
from tests.conftest import Cast, csrf_from, sign_in
from tests.injects.helpers import inject, instructor_id, viewer
from tests.proposals.helpers import acting, open_vote_of, to_stage


def inner_html(page: str, event_name: str) -> str | None:
    """What the page holds inside the element that takes `event_name`; None without one."""
    opening = re.search(rf'<([a-z]+)\b[^>]*\bsse-swap="{re.escape(event_name)}"[^>]*>', page)
    if opening is None:
        return None
    tags = re.compile(rf"<(/?){opening.group(1)}\b[^>]*>")
    depth = 1
    for tag in tags.finditer(page, opening.end()):
        depth += -1 if tag.group(1) else 1
        if depth == 0:
            return page[opening.end() : tag.start()]
    raise AssertionError(f"the element that takes {event_name!r} is not closed")


EMPTY_TOKEN = 'name="csrf_token" value=""'


def with_page_token(html: str, page: str) -> str:
    """A pushed fragment as the page holds it once swapped in: its forms carry the page's token."""
    return html.replace(EMPTY_TOKEN, f'name="csrf_token" value="{csrf_from(page)}"')


def pushed_as_drawn(
    db: Session, cast: Cast, user: User, page: str, events: list[LiveEvent]
) -> set[str]:
    """Compare each fragment pushed for `events` with the page (those of elements the page has,
    but for the sentences of its status regions, which start empty); the names compared."""
    messages = render_for(db, viewer(db, cast, user.username), events)
    compared = set()
    for name, html in messages:
        drawn = inner_html(page, name)
        if drawn is None or name.endswith("-announce"):
            continue
        assert with_page_token(html, page).strip() == drawn.strip(), name
        compared.add(name)
    return compared


def event(cast: Cast, kind: str, **ids: int | None) -> LiveEvent:
    return LiveEvent(commission_id=cast.commission.id, kind=kind, **ids)


def test_a_proposal_s_panels_and_its_group_s_list(
    client: TestClient, db: Session, cast: Cast
) -> None:
    proposal = to_stage(db, cast, "debate")
    argument = proposals.post_argument(
        db, acting(db, proposal, cast.prc_delegate), stance="oppose", body="Too vague."
    )
    voting.open_vote(db, acting(db, proposal, cast.instructor))
    vote = open_vote_of(db, proposal)
    voting.cast_ballot(db, acting(db, proposal, cast.us_delegate), vote.id, "yes")
    db.flush()
    sign_in(client, "pei")
    page = client.get(f"/proposals/{proposal.id}").text
    events = [
        event(cast, "stage", proposal_id=proposal.id, subject_id=vote.id),
        event(cast, "argument", proposal_id=proposal.id, subject_id=argument.id),
    ]
    parts = ("stage", "vote", "text", "balance", "argument")
    assert pushed_as_drawn(db, cast, cast.prc_delegate, page, events) >= {
        f"proposal-{proposal.id}-{part}" for part in parts
    }
    group = cast.groups["FT"]
    page = client.get(f"/commissions/{cast.commission.id}/groups/{group.pillar}").text
    assert f"group-{group.id}-proposals" in pushed_as_drawn(
        db, cast, cast.prc_delegate, page, events[:1]
    )


def test_an_amendment_a_reply_and_a_hidden_argument(
    client: TestClient, db: Session, cast: Cast
) -> None:
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
    hidden = proposals.post_argument(
        db, acting(db, proposal, cast.us_colleague), stance="support", body="Off topic."
    )
    proposals.hide_argument(db, acting(db, proposal, cast.instructor), hidden.id, "Off topic.")
    amendment = propose_amendment(
        db, acting(db, proposal, cast.prc_delegate), text="Within 48 hours.", rationale="Faster."
    )
    db.flush()
    sign_in(client, "ursula")
    page = client.get(f"/proposals/{proposal.id}").text
    events = [
        event(cast, "amendment", proposal_id=proposal.id, subject_id=amendment.id),
        event(cast, "argument", proposal_id=proposal.id, subject_id=reply.id),
        event(cast, "argument_hidden", proposal_id=proposal.id, subject_id=hidden.id),
    ]
    assert pushed_as_drawn(db, cast, cast.us_delegate, page, events) == {
        f"proposal-{proposal.id}-amendments",
        f"proposal-{proposal.id}-text",
        f"proposal-{proposal.id}-vote",
        f"proposal-{proposal.id}-balance",
        f"argument-{argument.id}-reply",
        f"argument-{hidden.id}-hidden",
    }


def test_a_proposal_with_two_texts_out_of_step(client: TestClient, db: Session, cast: Cast) -> None:
    """Both texts side by side, one amended: the text panel, the stage panel with the author's
    button to confirm, and the amendments, pushed as the page draws them, to an author and to
    the chair."""
    from app.proposals.amendments import accept_amendment

    proposal = to_stage(db, cast, "debate", group="DI", bilingual=True)
    amendment = propose_amendment(
        db,
        acting(db, proposal, cast.prc_delegate),
        text="双方对其官方媒体发布的人工智能生成的政治内容明确加注标识。",
        rationale="",
        language="zh_CN",
    )
    accept_amendment(db, acting(db, proposal, cast.us_delegate), amendment.id)
    db.flush()
    events = [
        event(cast, "amendment", proposal_id=proposal.id, subject_id=amendment.id),
        event(cast, "stage", proposal_id=proposal.id),
    ]
    for user in (cast.us_delegate, cast.instructor):
        client.cookies.clear()
        sign_in(client, user.username)
        page = client.get(f"/proposals/{proposal.id}").text
        assert 'class="parallel-texts"' in page and "Texts out of step" in page
        assert ("Confirm both texts agree" in page) is (user is cast.us_delegate)
        assert pushed_as_drawn(db, cast, user, page, events) >= {
            f"proposal-{proposal.id}-{part}" for part in ("stage", "text", "amendments")
        }


def test_a_caucus_message(client: TestClient, db: Session, cast: Cast) -> None:
    group, us = cast.groups["FT"], cast.delegations["US"]
    participant = commissions.participant_for(
        db, cast.commission.id, cast.us_delegate, with_delegation=True
    )
    assert participant is not None
    seat = seat_of(db, participant, group)
    message = caucus.post_message(db, participant, seat, us, group, "Hold firm.")
    db.flush()
    sign_in(client, "ulysses")
    page = client.get(f"/commissions/{cast.commission.id}/caucus/{group.pillar}").text
    batch = [event(cast, "caucus", subject_id=message.id, delegation_id=us.id)]
    assert pushed_as_drawn(db, cast, cast.us_colleague, page, batch) == {
        f"caucus-{us.id}-{group.id}"
    }


def test_a_delegate_s_seat(client: TestClient, db: Session, cast: Cast) -> None:
    ursula = cast.participants["ursula"]
    sign_in(client, "ursula")
    page = client.get(f"/commissions/{cast.commission.id}").text
    batch = [event(cast, "seat", subject_id=ursula.id)]
    assert pushed_as_drawn(db, cast, cast.us_delegate, page, batch) == {f"seat-{ursula.id}"}


def test_the_instructor_s_dashboard(client: TestClient, db: Session, cast: Cast) -> None:
    proposal = to_stage(db, cast, "voting")
    vote = open_vote_of(db, proposal)
    voting.cast_ballot(db, acting(db, proposal, cast.us_delegate), vote.id, "no")
    port = inject(db, cast.commission.id, "port-ransomware")
    injects.arm(
        db,
        cast.commission.id,
        port.id,
        trigger="on_vote_failed",
        group_id=None,
        idle_minutes=None,
        actor_id=instructor_id(db, cast),
    )
    db.flush()
    sign_in(client, "ines")
    page = client.get(f"/commissions/{cast.commission.id}/dashboard").text
    batch = [
        event(cast, "tally", proposal_id=proposal.id, subject_id=vote.id),
        event(cast, injects.PLAN_EVENT, subject_id=port.id),
    ]
    assert pushed_as_drawn(db, cast, cast.instructor, page, batch) >= {
        f"dashboard-{cast.groups['FT'].id}",
        "dashboard-injects",
    }
