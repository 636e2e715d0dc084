"""User text as sanitized Markdown: markdown-it (raw HTML off) and then nh3 as a second wall.

Also as plain text, for snippets (search results, the dashboard), from the same parse.

Rendered once, when written, not on every page: each column of user Markdown has a column of
its HTML beside it (`app.db.rendered_html`, e.g. `Argument.body` and `Argument.body_html`;
a norm also its plain text, `app.db.rendered_text`), which the ORM fills whenever the text is
set, and the templates show that. So when what `render_markdown` or `plain_text` makes changes
(the allowed tags or attributes, the heading shift, markdown-it's options or version), what is
stored is stale: add a migration whose upgrade calls `rerender(op.get_bind(), COLUMNS)` (with
`render=plain_text` for the plain-text columns), the columns written out in it as migration
0009 does (`app.db.rendered_columns()` lists them today).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import nh3
import sqlalchemy as sa
from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup

_markdown = MarkdownIt("js-default")

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li",
    "h2", "h3", "h4", "h5", "h6", "a", "table", "thead", "tbody", "tr", "th", "td", "del", "s",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}

# One sanitizer, built once: its rules are compiled when it is made.
_cleaner = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    url_schemes={"http", "https", "mailto"},
    link_rel="noopener noreferrer nofollow",
)


def render_markdown(text: str | None) -> Markup:
    if not text:
        return Markup("")
    html = _markdown.render(text)
    # A user's "# Heading" would compete with the page's own h1, so headings start at h2.
    html = html.replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    return Markup(_cleaner.clean(html))  # noqa: S704 - sanitized by nh3 just above


def rerender(
    connection: sa.Connection,
    columns: Iterable[tuple[str, str, str]],
    *,
    render: Callable[[str | None], str] = render_markdown,
    batch: int = 500,
) -> int:
    """Render the stored Markdown again with `render` into its column, for each (table, text
    column, rendered column) of `columns`, `batch` rows at a time in the order of their `id`;
    returns how many rows were written. What a migration calls when the renderer has changed
    (see above)."""
    written = 0
    for table_name, source, target in columns:
        table = sa.table(table_name, sa.column("id"), sa.column(source), sa.column(target))
        change = (
            sa.update(table)
            .where(table.c.id == sa.bindparam("row_id"))
            .values({target: sa.bindparam("html")})
        )
        last = None
        while True:
            page = sa.select(table.c.id, table.c[source]).order_by(table.c.id).limit(batch)
            if last is not None:
                page = page.where(table.c.id > last)
            rows = connection.execute(page).all()
            if not rows:
                break
            connection.execute(
                change, [{"row_id": i, "html": str(render(text))} for i, text in rows]
            )
            written += len(rows)
            last = rows[-1][0]
    return written


def plain_text(text: str | None) -> str:
    """What user Markdown says, as plain text for a snippet: no markup and no Markdown marks.

    One line per block: a paragraph, a heading, a list item (after "•", or its number in an
    ordered list), a table row (its cells joined by " · "), a line of code. The result is
    text, not HTML: a template escapes it like any other string.
    """
    if not text:
        return ""
    lines: list[str] = []
    numbers: list[int | None] = []  # per open list: the next item's number, None for bullets
    prefix = ""
    cells: list[str] | None = None  # the cells of the table row being read
    for token in _markdown.parse(text):
        kind = token.type
        if kind == "bullet_list_open":
            numbers.append(None)
        elif kind == "ordered_list_open":
            numbers.append(int(token.attrGet("start") or 1))
        elif kind in ("bullet_list_close", "ordered_list_close"):
            numbers.pop()
        elif kind == "list_item_open":
            number = numbers[-1]
            prefix = "• " if number is None else f"{number}. "
            if number is not None:
                numbers[-1] = number + 1
        elif kind == "tr_open":
            cells = []
        elif kind == "tr_close" and cells is not None:
            lines.append(" · ".join(cell for cell in cells if cell))
            cells = None
        elif kind == "inline":
            words = _inline_text(token)
            if cells is not None:
                cells.append(words)
            else:
                lines.append(prefix + words)
                prefix = ""
        elif kind in ("code_block", "fence"):
            lines.extend(token.content.splitlines())
    return "\n".join(stripped for line in lines if (stripped := " ".join(line.split())))


def _inline_text(token: Token) -> str:
    """The words of a paragraph, heading or cell: text and code, line breaks as spaces."""
    parts = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts)
