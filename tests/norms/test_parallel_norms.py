"""A norm adopted with parallel texts keeps both: its page and the charter show them side by
side, the registry finds it by either, and every export carries both."""

from __future__ import annotations

import csv
import io
import json

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.markdown import plain_text, render_markdown
from app.norms import registry
from app.norms.models import Norm
from app.norms.registry import RegistryQuery
from app.proposals import service as proposals
from app.proposals.amendments import accept_amendment, propose_amendment
from app.proposals.models import Proposal, Revision
from app.voting import service as voting
from tests.conftest import Cast
from tests.proposals.helpers import (
    EN_TEXT,
    EN_TITLE,
    ZH_TEXT,
    ZH_TITLE,
    acting,
    open_vote_of,
    to_stage,
)


def adopted(db: Session, cast: Cast, proposal: Proposal) -> Norm:
    """Everyone votes yes on the proposal's open vote; the norm it became, in a public charter."""
    vote = open_vote_of(db, proposal)
    for user in (cast.us_delegate, cast.us_colleague, cast.prc_delegate):
        voting.cast_ballot(db, acting(db, proposal, user), vote.id, "yes")
    voting.close_vote(db, acting(db, proposal, cast.instructor), vote.id)
    norm = db.scalar(select(Norm).where(Norm.proposal_id == proposal.id))
    assert norm is not None
    cast.commission.charter_visibility = "public"
    db.flush()
    return norm


def adopt_bilingual(db: Session, cast: Cast) -> Norm:
    return adopted(db, cast, to_stage(db, cast, "voting", group="DI", bilingual=True))


def test_the_norm_keeps_both_texts_and_both_stored_htmls(db: Session, cast: Cast) -> None:
    norm = adopt_bilingual(db, cast)
    db.expire_all()
    norm = db.get(Norm, norm.id)  # type: ignore[assignment]
    assert norm is not None
    assert (norm.code, norm.language, norm.title, norm.text) == ("DI-1", "en", EN_TITLE, EN_TEXT)
    assert (norm.parallel_language, norm.parallel_title, norm.parallel_text) == (
        "zh_CN",
        ZH_TITLE,
        ZH_TEXT,
    )
    assert norm.text_html == render_markdown(EN_TEXT)
    assert norm.parallel_text_html == render_markdown(ZH_TEXT)
    assert norm.parallel_text_plain == plain_text(ZH_TEXT)
    assert [(t.language, t.html_lang, t.title) for t in norm.texts] == [
        ("en", "en", EN_TITLE),
        ("zh_CN", "zh-CN", ZH_TITLE),
    ]
    # The norm's own revision is its English text's.
    revision = db.get(Revision, norm.revision_id)
    assert revision is not None and revision.language == "en"


def test_a_norm_with_one_text_has_no_parallel_one(db: Session, cast: Cast) -> None:
    norm = adopted(db, cast, to_stage(db, cast, "voting"))
    assert norm.parallel_language is None and norm.parallel_text == ""
    assert [t.language for t in norm.texts] == ["en"]


def test_the_norm_page_and_the_charter_show_both_side_by_side(
    client: TestClient, db: Session, cast: Cast
) -> None:
    norm = adopt_bilingual(db, cast)
    page = client.get(f"/norms/{cast.commission.id}/{norm.code}").text
    assert page.count('class="parallel-text"') == 2
    assert '<div lang="en">' in page and '<div lang="zh-CN">' in page
    assert page.index(EN_TEXT) < page.index(ZH_TEXT)
    assert "English text" in page and "Chinese text" in page
    charter = client.get(f"/commissions/{cast.commission.id}/charter").text
    assert charter.count('class="parallel-text"') == 2
    assert ZH_TITLE in charter and ZH_TEXT in charter and EN_TEXT in charter
    assert '<h4 class="parallel-text__language" id="norm-DI-1-zh_CN">' in charter


def test_the_registry_finds_the_norm_by_either_text(db: Session, cast: Cast) -> None:
    norm = adopt_bilingual(db, cast)

    def found(words: str) -> list[str]:
        hits = registry.search(db, None, RegistryQuery(q=words)).hits
        return [hit.norm.code for hit in hits if hit.norm.id == norm.id]

    assert found("labels political content") == ["DI-1"]  # English words
    assert found("官方媒体") == ["DI-1"]  # Chinese inside a sentence
    assert found("政治内容须加标识") == ["DI-1"]  # the Chinese title
    assert found("加注标识 state media") == ["DI-1"]  # both at once
    assert found("官方新闻") == []  # characters that are not adjacent there


def test_the_registry_hit_shows_both_titles(client: TestClient, db: Session, cast: Cast) -> None:
    adopt_bilingual(db, cast)
    page = client.get("/norms", params={"q": "官方媒体"}).text
    assert f'<p class="registry-hit__parallel-title" lang="zh-CN">{ZH_TITLE}</p>' in page
    assert EN_TITLE in page


def test_exports_carry_both_texts(client: TestClient, db: Session, cast: Cast) -> None:
    adopt_bilingual(db, cast)
    base = f"/commissions/{cast.commission.id}/charter"
    md = client.get(base + ".md").text
    assert f"### DI-1. {EN_TITLE}" in md and EN_TEXT in md
    assert f"#### DI-1. {ZH_TITLE} (Chinese)" in md and ZH_TEXT in md
    data = json.loads(client.get(base + ".json").text)
    (entry,) = data["norms"]
    assert (entry["language"], entry["title"], entry["text"]) == ("en", EN_TITLE, EN_TEXT)
    assert entry["texts"] == [
        {"language": "en", "title": EN_TITLE, "text": EN_TEXT},
        {"language": "zh_CN", "title": ZH_TITLE, "text": ZH_TEXT},
    ]
    (row,) = csv.DictReader(io.StringIO(client.get(base + ".csv").text))
    assert (row["title"], row["text"], row["language"]) == (EN_TITLE, EN_TEXT, "en")
    assert (row["parallel_language"], row["parallel_title"], row["parallel_text"]) == (
        "zh_CN",
        ZH_TITLE,
        ZH_TEXT,
    )


def test_the_norm_page_tells_each_texts_history_in_its_language(
    client: TestClient, db: Session, cast: Cast
) -> None:
    proposal = to_stage(db, cast, "debate", group="DI", bilingual=True)
    amended = ZH_TEXT.replace("加注", "明确加注")
    amendment = propose_amendment(
        db, acting(db, proposal, cast.prc_delegate), text=amended, rationale="", language="zh_CN"
    )
    accept_amendment(db, acting(db, proposal, cast.us_delegate), amendment.id)
    proposals.confirm_texts(db, acting(db, proposal, cast.us_delegate))
    voting.open_vote(db, acting(db, proposal, cast.instructor))
    assert adopted(db, cast, proposal).code == "DI-1"
    page = client.get(f"/norms/{cast.commission.id}/DI-1").text
    # One diff: the Chinese text's revision 2 to 3, never English against Chinese.
    assert page.count("Revision 2 → revision 3") == 1
    assert "Revision 1 → revision 2" not in page
    assert "<ins>明确</ins>" in page
    assert amended in page
