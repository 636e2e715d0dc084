"""Parallel texts through the pages and the API: a proposal with an English and a Chinese text,
both authentic, edited and amended one language at a time, kept from the vote while the two are
out of step until an author confirms that they agree (docs/parallel-texts.md)."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.live import events as live
from app.proposals import amendments
from app.proposals import service as proposals
from app.proposals.models import Amendment, Proposal, Revision, TextConfirmation
from tests.conftest import Cast, post_form, sign_in
from tests.live.test_events import Recorder
from tests.proposals.helpers import (
    EN_TEXT,
    EN_TITLE,
    ZH_TEXT,
    ZH_TITLE,
    acting,
    to_stage,
)
from tests.proposals.test_api import bearer

ZH_EDITED = "双方对其官方媒体发布的人工智能生成的政治内容一律加注标识。"


def as_user(client: TestClient, name: str) -> None:
    client.cookies.clear()
    sign_in(client, name)


def revisions_of(db: Session, proposal_id: int) -> list[tuple[int, str, str]]:
    db.expire_all()
    rows = db.scalars(
        select(Revision).where(Revision.proposal_id == proposal_id).order_by(Revision.number)
    )
    return [(r.number, r.language, r.text) for r in rows]


def draft_both(client: TestClient, cast: Cast) -> str:
    """Ursula drafts in Frontier technology with both texts at once; the proposal's address."""
    group = f"/commissions/{cast.commission.id}/groups/frontier-technology"
    created = post_form(
        client,
        group,
        f"{group}/proposals",
        {
            "title": EN_TITLE,
            "text": EN_TEXT,
            "language": "en",
            "parallel_title": ZH_TITLE,
            "parallel_text": ZH_TEXT,
        },
    )
    assert created.status_code == 303, created.text
    return str(created.headers["location"])


def sponsored_and_in_debate(db: Session, cast: Cast, url: str) -> Proposal:
    proposal = db.get(Proposal, int(url.rsplit("/", 1)[1]))
    assert proposal is not None
    proposals.invite_sponsor(
        db, acting(db, proposal, cast.us_delegate), cast.participants["pei"].id
    )
    proposals.respond_to_sponsorship(db, acting(db, proposal, cast.prc_delegate), accept=True)
    proposals.move_stage(db, acting(db, proposal, cast.us_delegate), "table")
    proposals.move_stage(db, acting(db, proposal, cast.instructor), "open_debate")
    db.flush()
    return proposal


def test_both_texts_drafted_at_once_stand_side_by_side_in_step(
    client: TestClient, db: Session, cast: Cast
) -> None:
    sign_in(client, "ursula")
    url = draft_both(client, cast)
    pid = int(url.rsplit("/", 1)[1])
    assert [(n, lang) for n, lang, _text in revisions_of(db, pid)] == [(1, "en"), (2, "zh_CN")]
    # Written at once, the pair is the author's word that the texts agree.
    confirmation = db.scalar(select(TextConfirmation).where(TextConfirmation.proposal_id == pid))
    assert confirmation is not None
    assert confirmation.revisions == {"en": 1, "zh_CN": 2}
    assert confirmation.participant_id == cast.participants["ursula"].id
    page = client.get(url).text
    assert 'class="parallel-texts"' in page
    assert '<div lang="en">' in page and '<div lang="zh-CN">' in page
    assert page.index(EN_TEXT) < page.index(ZH_TEXT)  # English first, Chinese beside it
    assert ZH_TITLE in page
    assert "Texts in step" in page and "Texts out of step" not in page
    assert db.get(Proposal, pid).title == EN_TITLE  # type: ignore[union-attr]


def test_a_proposal_with_one_text_shows_it_as_before(
    client: TestClient, db: Session, cast: Cast
) -> None:
    proposal = to_stage(db, cast, "debate")
    sign_in(client, "ursula")
    page = client.get(f"/proposals/{proposal.id}").text
    assert "parallel-texts" not in page
    assert "Texts in step" not in page and "Texts out of step" not in page
    assert "Confirm both texts agree" not in page
    assert '<h2 id="text-heading">Text <span class="muted">revision 1</span></h2>' in page


def test_one_text_edited_is_out_of_step_and_the_vote_waits_for_an_authors_word(
    client: TestClient, db: Session, cast: Cast
) -> None:
    sign_in(client, "ursula")
    url = draft_both(client, cast)
    pid = int(url.rsplit("/", 1)[1])
    # The edit form shows both texts; Ursula changes only the Chinese one.
    form = client.get(f"{url}/edit").text
    assert EN_TEXT in form and ZH_TEXT in form
    assert 'lang="zh-CN"' in form
    edited = post_form(
        client,
        f"{url}/edit",
        f"{url}/edit",
        {
            "title": EN_TITLE,
            "text": EN_TEXT,
            "parallel_title": ZH_TITLE,
            "parallel_text": ZH_EDITED,
        },
    )
    assert edited.status_code == 303, edited.text
    assert revisions_of(db, pid)[-1] == (3, "zh_CN", ZH_EDITED)
    assert len(revisions_of(db, pid)) == 3  # the English text did not change: no revision
    page = client.get(url).text
    assert "Texts out of step" in page
    assert "The Chinese text changed after the last revision of the English text." in page
    assert f"/proposals/{pid}/diff?from=2&amp;to=3&amp;language=zh_CN" in page

    proposal = sponsored_and_in_debate(db, cast, url)
    # The chair is not offered the vote, and posting for it is refused with the reason.
    as_user(client, "ines")
    page = client.get(url).text
    assert "Open the vote" not in page
    assert "cannot go to the vote until an author confirms" in page
    assert "Confirm both texts agree" not in page  # the instructor is no author
    refused = post_form(client, url, f"{url}/stage", {"action": "open_vote"})
    assert refused.status_code == 409
    assert "The texts are out of step." in refused.text
    db.refresh(proposal)
    assert proposal.stage == "debate"

    # Pei, a sponsor but no author, may not confirm; Ursula may.
    as_user(client, "pei")
    assert "Confirm both texts agree" not in client.get(url).text
    assert post_form(client, url, f"{url}/texts/confirm", {}).status_code == 403
    as_user(client, "ursula")
    page = client.get(url).text
    assert "Confirm both texts agree" in page
    confirmed = post_form(client, url, f"{url}/texts/confirm", {})
    assert confirmed.status_code == 303, confirmed.text
    page = client.get(url).text
    assert "Texts in step" in page and "Confirmed by Ursula US" in page
    assert post_form(client, url, f"{url}/texts/confirm", {}).status_code == 409  # in step

    as_user(client, "ines")
    assert "Open the vote" in client.get(url).text
    opened = post_form(client, url, f"{url}/stage", {"action": "open_vote"})
    assert opened.status_code == 303, opened.text
    db.refresh(proposal)
    assert proposal.stage == "voting"


def test_a_group_may_let_texts_out_of_step_go_to_the_vote(
    client: TestClient, db: Session, cast: Cast
) -> None:
    sign_in(client, "ines")
    manage = f"/commissions/{cast.commission.id}/manage"
    rules = client.get(manage).text
    assert rules.count('name="texts_must_agree" value="true" checked') == 3  # on by default
    changed = post_form(
        client,
        manage,
        f"{manage}/groups/FT",
        {
            "voting_rule": "double_majority",
            "quorum_percent": "50",
            "ballot_unit": "delegate",
            "ballot_type": "roll_call",
            "sponsorship": "every_member_delegation",
            "chairs_move_stages": "true",
        },
    )
    assert changed.status_code == 303
    db.refresh(cast.groups["FT"])
    assert cast.groups["FT"].texts_must_agree is False
    as_user(client, "ursula")
    url = draft_both(client, cast)
    post_form(
        client,
        f"{url}/edit",
        f"{url}/edit",
        {"title": EN_TITLE, "text": EN_TEXT + " Now.", "parallel_title": ZH_TITLE}
        | {"parallel_text": ZH_TEXT},
    )
    proposal = sponsored_and_in_debate(db, cast, url)
    as_user(client, "ines")
    page = client.get(url).text
    assert "Texts out of step" in page and "cannot go to the vote" not in page
    assert post_form(client, url, f"{url}/stage", {"action": "open_vote"}).status_code == 303
    db.refresh(proposal)
    assert proposal.stage == "voting"


def test_an_amendment_changes_one_language_and_puts_the_texts_out_of_step(
    client: TestClient, db: Session, cast: Cast
) -> None:
    proposal = to_stage(db, cast, "debate", bilingual=True)
    url = f"/proposals/{proposal.id}"
    sign_in(client, "pei")
    page = client.get(url).text
    assert 'id="amendment-text-en"' in page and 'id="amendment-text-zh_CN"' in page
    assert "New Chinese text" in page
    proposed = post_form(
        client,
        url,
        f"{url}/amendments",
        {"language": "zh_CN", "text": ZH_EDITED, "rationale": "更明确。"},
    )
    assert proposed.status_code == 303, proposed.text
    amendment = db.scalar(select(Amendment).where(Amendment.proposal_id == proposal.id))
    assert amendment is not None
    assert (amendment.language, amendment.base_revision_number) == ("zh_CN", 2)
    page = client.get(url).text
    # Its diff is against the Chinese text, character by character.
    article = page[page.index(f'id="amendment-{amendment.id}"') :]
    assert "Chinese text · Against revision 2." in article
    assert "<ins>一律</ins>" in article
    # The same text again, or a language the proposal has not, is refused.
    same = post_form(client, url, f"{url}/amendments", {"language": "en", "text": EN_TEXT})
    assert same.status_code == 422
    assert "The new text is the same as the current one." in same.text

    as_user(client, "ursula")
    accepted = post_form(client, url, f"{url}/amendments/{amendment.id}/accept", {})
    assert accepted.status_code == 303
    assert revisions_of(db, proposal.id) == [
        (1, "en", EN_TEXT),
        (2, "zh_CN", ZH_TEXT),
        (3, "zh_CN", ZH_EDITED),
    ]
    page = client.get(url).text
    assert "Texts out of step" in page
    assert ZH_EDITED in page and EN_TEXT in page


def test_the_chinese_diff_is_character_by_character(
    client: TestClient, db: Session, cast: Cast
) -> None:
    sign_in(client, "ursula")
    url = draft_both(client, cast)
    post_form(
        client,
        f"{url}/edit",
        f"{url}/edit",
        {"title": EN_TITLE, "text": EN_TEXT, "parallel_title": ZH_TITLE}
        | {"parallel_text": ZH_EDITED},
    )
    diff = client.get(f"{url}/diff?language=zh_CN&from=2&to=3")
    assert diff.status_code == 200
    html = diff.text
    # Only the two inserted characters are marked, not the whole sentence.
    assert "<ins>一律</ins>" in html
    assert "<del>" not in html
    assert "2 characters added, 0 characters removed." in html
    assert '<div lang="zh-CN">' in html
    assert "Compare the English text instead" in html
    # A revision of the other language is not one of this text's revisions.
    assert client.get(f"{url}/diff?language=zh_CN&from=1&to=3").status_code == 422
    english = client.get(f"{url}/diff?language=en").text
    assert "Revision 1 → revision 1" in english


def test_the_api_carries_both_texts_and_the_rule(
    client: TestClient, db: Session, cast: Cast
) -> None:
    headers = bearer(db, cast.us_delegate)
    created = client.post(
        f"/api/v1/commissions/{cast.commission.id}/groups/FT/proposals",
        json={
            "title": ZH_TITLE,
            "text": ZH_TEXT,
            "language": "zh_CN",
            "parallel": {"title": EN_TITLE, "text": EN_TEXT},
        },
        headers=headers,
    )
    assert created.status_code == 201, created.text
    body: dict[str, Any] = created.json()
    assert (body["title"], body["language"], body["text"]) == (ZH_TITLE, "zh_CN", ZH_TEXT)
    assert [(t["language"], t["revision"]) for t in body["texts"]] == [("en", 2), ("zh_CN", 1)]
    assert body["texts_step"]["out_of_step"] is False
    assert body["texts_step"]["confirmed_revisions"] == {"zh_CN": 1, "en": 2}
    pid = body["id"]
    # An edit of the English text only: out of step, and the vote would wait.
    edited = client.patch(
        f"/api/v1/proposals/{pid}",
        json={"title": EN_TITLE, "text": EN_TEXT + " Promptly.", "language": "en"},
        headers=headers,
    )
    assert edited.status_code == 200, edited.text
    step = edited.json()["texts_step"]
    assert step["out_of_step"] is True and step["blocks_vote"] is True
    assert edited.json()["title"] == ZH_TITLE  # the proposal's own language's title
    revisions = client.get(f"/api/v1/proposals/{pid}/revisions", headers=headers).json()
    assert [(r["number"], r["language"]) for r in revisions] == [(1, "zh_CN"), (2, "en"), (3, "en")]
    diff = client.get(f"/api/v1/proposals/{pid}/diff?from=2&to=3", headers=headers).json()
    assert {"kind": "inserted", "text": " Promptly."} in diff
    assert (
        client.get(f"/api/v1/proposals/{pid}/diff?from=1&to=3", headers=headers).status_code == 404
    )
    confirmed = client.post(f"/api/v1/proposals/{pid}/texts/confirm", headers=headers)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["texts_step"]["confirmed_revisions"] == {"zh_CN": 1, "en": 3}
    assert confirmed.json()["texts_step"]["confirmed_by"]["display_name"] == "Ursula US"


def test_the_vote_refused_through_the_api_until_confirmed(
    client: TestClient, db: Session, cast: Cast
) -> None:
    proposal = to_stage(db, cast, "debate", bilingual=True)
    amendment = amendments.propose_amendment(
        db, acting(db, proposal, cast.prc_delegate), text=ZH_EDITED, rationale="", language="zh_CN"
    )
    amendments.accept_amendment(db, acting(db, proposal, cast.us_delegate), amendment.id)
    db.flush()
    headers = bearer(db, cast.instructor)
    refused = client.post(
        f"/api/v1/proposals/{proposal.id}/stage", json={"action": "open_vote"}, headers=headers
    )
    assert refused.status_code == 409
    assert re.search(r"out of step", refused.json()["detail"]), refused.json()


def test_what_changes_the_step_of_the_texts_tells_the_open_pages(db: Session, cast: Cast) -> None:
    """An amendment accepted into one text, and an author's confirmation, redraw the stage
    panel (which says whether the vote waits); with one text, an amendment redraws no more
    than it did."""

    def kinds_after(action: Any) -> list[str]:
        before = len(live.pending_events(db))
        action()
        return [e.kind for e in live.pending_events(db)[before:]]

    proposal = to_stage(db, cast, "debate", group="DI", bilingual=True)
    single = to_stage(db, cast, "debate")
    live.install(Recorder())
    try:
        amendment = amendments.propose_amendment(
            db,
            acting(db, proposal, cast.prc_delegate),
            text=ZH_EDITED,
            rationale="",
            language="zh_CN",
        )
        assert kinds_after(
            lambda: amendments.accept_amendment(
                db, acting(db, proposal, cast.us_delegate), amendment.id
            )
        ) == ["stage", "amendment"]
        assert kinds_after(
            lambda: proposals.confirm_texts(db, acting(db, proposal, cast.us_delegate))
        ) == ["stage"]
        other = amendments.propose_amendment(
            db, acting(db, single, cast.prc_delegate), text="Within 48 hours.", rationale=""
        )
        assert kinds_after(
            lambda: amendments.accept_amendment(db, acting(db, single, cast.us_delegate), other.id)
        ) == ["amendment"]
    finally:
        live.uninstall()


def test_the_instructor_sets_the_rule_through_the_api(
    client: TestClient, db: Session, cast: Cast
) -> None:
    rules = {"voting_rule": "double_majority", "quorum_percent": 50}
    url = f"/api/v1/commissions/{cast.commission.id}/groups/CY"
    headers = bearer(db, cast.instructor)
    assert client.patch(url, json=rules, headers=headers).status_code == 204
    db.refresh(cast.groups["CY"])
    assert cast.groups["CY"].texts_must_agree is True  # left out: on, the default
    off = rules | {"texts_must_agree": False}
    assert client.patch(url, json=off, headers=headers).status_code == 204
    db.refresh(cast.groups["CY"])
    assert cast.groups["CY"].texts_must_agree is False
