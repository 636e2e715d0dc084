"""Diffs keep the text's lines: word_diff cut into lines (pure), and the diff page that shows it."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.proposals import service as proposals
from app.textdiff import DiffLine, Segment, diff_lines, word_diff
from tests.conftest import Cast, sign_in
from tests.proposals.helpers import acting, draft

BEFORE = (
    "Both sides agree to:\n\n- publish a **register**\n- name a contact\n\n## Review\n\nYearly."
)
AFTER = (
    "Both sides agree to:\n\n- publish a **public register**\n- name a contact\n"
    "- answer within a week\n\n## Review\n\nEvery two years."
)


def shown(line: DiffLine) -> tuple[str, str, str, bool]:
    """A line as (kind, its mark, its text with [+inserted+] and [-deleted-] marked, gap)."""
    marks = {"same": "{}", "inserted": "[+{}+]", "deleted": "[-{}-]"}

    def text(segments: list[Segment]) -> str:
        return "".join(marks[s.kind].format(s.text) for s in segments)

    return line.kind, text(line.mark), text(line.segments), line.new_paragraph


def test_each_paragraph_item_and_heading_is_a_line_of_its_own() -> None:
    lines = [shown(line) for line in diff_lines(word_diff(BEFORE, AFTER))]
    assert lines == [
        ("text", "", "Both sides agree to:", False),
        ("item", "- ", "publish a **[+public +]register**", True),
        ("item", "- ", "name a contact", False),
        ("item", "[+- +]", "[+answer within a week+]", False),
        ("heading", "## ", "Review", True),
        ("text", "", "[-Yearly-][+Every two years+].", True),
    ]


def test_a_deleted_line_and_an_unchanged_text() -> None:
    lines = diff_lines(word_diff("- one\n- two\n- three", "- one\n- three"))
    assert [shown(line)[1:3] for line in lines] == [
        ("- ", "one"),
        ("[-- -]", "[-two-]"),
        ("- ", "three"),
    ]
    same = diff_lines(word_diff("1. First\n2) Second", "1. First\n2) Second"))
    assert [(line.kind, shown(line)[1]) for line in same] == [("item", "1. "), ("item", "2) ")]
    assert diff_lines([]) == []
    # Words that merely look like marks stay text: "-5 degrees", "#hashtag".
    assert [line.kind for line in diff_lines(word_diff("", "-5 degrees\n#hashtag"))] == [
        "text",
        "text",
    ]


def test_the_diff_page_shows_the_lines_and_escapes_the_text(
    client: TestClient, db: Session, cast: Cast
) -> None:
    proposal = draft(db, cast)
    author = acting(db, proposal, cast.us_delegate)
    for text in (BEFORE, AFTER + "\n\n<script>alert(1)</script>"):
        proposals.edit_proposal(db, author, title=proposal.title, text=text, rationale="")
    sign_in(client, "ursula")
    page = client.get(f"/proposals/{proposal.id}/diff", params={"from": 2, "to": 3}).text
    items = re.findall(r'<p class="diff__line diff__line--item[^"]*">(.*?)</p>', page)
    assert items == [
        '<span class="diff__mark">- </span>publish a **<ins>public </ins>register**',
        '<span class="diff__mark">- </span>name a contact',
        '<span class="diff__mark"><ins>- </ins></span><ins>answer within a week</ins>',
    ]
    assert re.search(
        r'<p class="diff__line diff__line--heading diff__line--new-paragraph">'
        r'<span class="diff__mark">## </span>Review</p>',
        page,
    )
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
