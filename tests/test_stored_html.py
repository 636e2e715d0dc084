"""User Markdown is rendered once, when written, and stored beside it; the pages show what is
stored, and what is stored is what app.markdown's renderer makes (script and all kept out)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from app.caucus.models import CaucusMessage
from app.db import RENDERED_BY, RENDERED_FROM, Base, rendered_columns
from app.markdown import plain_text, render_markdown
from app.proposals.models import Argument, Revision
from app.web import templates
from tests.conftest import Cast, post_form, sign_in
from tests.proposals.helpers import to_stage

HOSTILE = (
    "# Why\n\n**Notify** within 72 hours, see [the report](https://example.org/r).\n\n"
    "<script>alert(1)</script> [click](javascript:alert(2)) <img src=x onerror=alert(3)>"
)


def stored(db: Session, table: str, source: str, html: str, row_id: int) -> tuple[str, str]:
    """The text and its HTML as the database holds them, past the ORM."""
    row = db.execute(
        text(f"SELECT {source}, {html} FROM {table} WHERE id = :id"),
        {"id": row_id},
    ).one()
    return row[0], row[1]


def assert_no_script(page: str) -> None:
    for forbidden in ("<script>alert", 'href="javascript', "<img"):
        assert forbidden not in page, forbidden


def test_each_markdown_column_renders_into_its_columns_when_set() -> None:
    checked = 0
    for mapper in Base.registry.mappers:
        for column in mapper.columns:
            source = column.info.get(RENDERED_FROM)
            if source is None:
                continue
            render = column.info[RENDERED_BY]
            item: Any = mapper.class_(**{source: HOSTILE})
            assert getattr(item, column.key) == render(HOSTILE), mapper.class_
            setattr(item, source, "*changed*")
            assert getattr(item, column.key) == render("*changed*"), mapper.class_
            checked += 1
    assert checked == len(rendered_columns())
    html = {
        table for table, _source, _html, render in rendered_columns() if render is render_markdown
    }
    assert {"arguments", "revisions", "amendments", "injects", "role_briefs", "norms"} <= html
    assert ("norms", "text", "text_plain", plain_text) in rendered_columns()


def test_an_argument_posted_on_the_page_is_stored_rendered_and_shown_as_stored(
    client: TestClient, db: Session, cast: Cast
) -> None:
    proposal = to_stage(db, cast, "debate")
    page = f"/proposals/{proposal.id}"
    sign_in(client, "ursula")
    answer = post_form(client, page, f"{page}/arguments", {"stance": "support", "body": HOSTILE})
    assert answer.status_code == 303
    argument_id = db.execute(
        text("SELECT id FROM arguments WHERE proposal_id = :p"), {"p": proposal.id}
    ).scalar_one()
    body, html = stored(db, "arguments", "body", "body_html", argument_id)
    assert html == str(render_markdown(body))
    assert "<strong>Notify</strong>" in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    shown = client.get(page).text
    assert html in shown
    assert_no_script(shown)


def test_a_proposal_drafted_on_the_page_shows_its_text_and_rationale_as_stored(
    client: TestClient, db: Session, cast: Cast
) -> None:
    group = f"/commissions/{cast.commission.id}/groups/{cast.groups['FT'].pillar}"
    sign_in(client, "ursula")
    answer = post_form(
        client,
        group,
        f"{group}/proposals",
        {"title": "Incident notice", "text": HOSTILE, "rationale": HOSTILE + "\n\n- a\n- b"},
    )
    assert answer.status_code == 303
    revision = db.scalars(select(Revision.id).where(Revision.title == "Incident notice")).one()
    for source in ("text", "rationale"):
        body, html = stored(db, "revisions", source, f"{source}_html", revision)
        assert html == str(render_markdown(body)) and "<strong>Notify</strong>" in html
    shown = client.get(answer.headers["location"]).text
    assert str(render_markdown(HOSTILE)) in shown
    assert_no_script(shown)


def test_an_edit_renders_the_text_again(db: Session, cast: Cast) -> None:
    cast.commission.public_briefing = "The **new** briefing."
    db.flush()
    body, html = stored(
        db, "commissions", "public_briefing", "public_briefing_html", cast.commission.id
    )
    assert body == "The **new** briefing."
    assert html == "<p>The <strong>new</strong> briefing.</p>\n" == str(render_markdown(body))


def test_a_bulk_insert_that_gives_the_text_alone_renders_it_too(db: Session, cast: Cast) -> None:
    delegation = cast.delegations["US"].id
    db.execute(
        insert(CaucusMessage),
        [
            {"delegation_id": delegation, "body": HOSTILE},
            {"delegation_id": delegation, "body": "*second*"},
        ],
    )
    rows = db.execute(
        text("SELECT body, body_html FROM caucus_messages WHERE delegation_id = :d"),
        {"d": delegation},
    ).all()
    assert sorted(html for _body, html in rows) == sorted(
        str(render_markdown(body)) for body in (HOSTILE, "*second*")
    )


def test_an_argument_read_back_carries_markup_the_template_shows_unescaped(
    db: Session, cast: Cast
) -> None:
    proposal = to_stage(db, cast, "debate")
    argument = Argument(proposal_id=proposal.id, stance="note", body="**bold**", author_id=None)
    db.add(argument)
    db.flush()
    db.expire(argument)
    assert argument.body_html == render_markdown("**bold**")
    assert hasattr(argument.body_html, "__html__")


def test_no_page_renders_markdown_while_it_is_asked_for() -> None:
    """The filter is gone: a template that still rendered user text per request would fail."""
    assert "markdown" not in templates.env.filters
