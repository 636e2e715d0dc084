"""User Markdown as plain text, for snippets: what the rendered page says, without marks."""

from __future__ import annotations

from app.markdown import plain_text, render_markdown

NORM = """# Register of **training** runs

Both delegations *agree* to:

- publish the `register`
- name a contact
  in each capital

3. review it
4. report on it

| Who | When |
|-----|------|
| US  | May  |
"""


def test_blocks_become_lines_without_markdown_marks() -> None:
    assert plain_text(NORM).splitlines() == [
        "Register of training runs",
        "Both delegations agree to:",
        "• publish the register",
        "• name a contact in each capital",
        "3. review it",
        "4. report on it",
        "Who · When",
        "US · May",
    ]


def test_nothing_of_the_markup_is_left() -> None:
    text = plain_text(NORM + "\n> quoted [a link](https://example.org) and __bold__\n")
    for mark in ("**", "__", "#", "- ", "`", "|", "[", "](", ">"):
        assert mark not in text, mark
    assert text.endswith("quoted a link and bold")


def test_it_says_what_the_rendered_page_says() -> None:
    rendered = str(render_markdown(NORM))
    assert '<ol start="3">' in rendered  # the numbers the plain text writes out
    for line in plain_text(NORM).splitlines():
        for word in line.replace("•", "").replace("·", "").split():
            if not word.rstrip(".").isdigit():
                assert word.rstrip(".:") in rendered, word


def test_html_in_the_text_stays_text_for_the_template_to_escape() -> None:
    text = plain_text("Ban <script>alert(1)</script> &amp; <b>bold</b>")
    assert text == "Ban <script>alert(1)</script> & <b>bold</b>"


def test_empty_and_blank_texts() -> None:
    assert plain_text(None) == "" and plain_text("") == "" and plain_text("\n\n  \n") == ""
    assert plain_text("```\ncode line\n```") == "code line"
