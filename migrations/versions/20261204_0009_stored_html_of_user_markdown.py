"""user Markdown rendered once, when written: an HTML column beside each text (helper: pages)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 10:00:00

Pages rendered every argument, proposal text, brief and norm from Markdown on every request
(issue 12: over a quarter of the proposal page's time). Each such column now has `<column>_html`
beside it, the sanitized HTML `app.markdown.render_markdown` makes of it, which the app writes
with the text (`app.db.rendered_html`) and the pages show; a norm also keeps its plain text
(`norms.text_plain`, `app.markdown.plain_text`), the registry's snippet. Rows written before
this migration are rendered here, with `app.markdown.rerender`, as a later migration will when
the renderer changes.

The columns default to '' in the database (a row inserted by hand shows no text rather than
failing). On SQLite they are added and dropped in place, never by copying a table: with foreign
keys on, dropping the old copy of `commissions` would cascade to every row of the class.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.markdown import plain_text, rerender

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, Markdown column, its rendered column), as app.db.rendered_columns() lists them here.
HTML_COLUMNS = (
    ("scenarios", "public_briefing", "public_briefing_html"),
    ("commissions", "public_briefing", "public_briefing_html"),
    ("delegations", "brief", "brief_html"),
    ("working_groups", "mandate", "mandate_html"),
    ("role_briefs", "summary", "summary_html"),
    ("role_briefs", "goals", "goals_html"),
    ("role_briefs", "red_lines", "red_lines_html"),
    ("injects", "body", "body_html"),
    ("caucus_messages", "body", "body_html"),
    ("revisions", "text", "text_html"),
    ("revisions", "rationale", "rationale_html"),
    ("amendments", "rationale", "rationale_html"),
    ("arguments", "body", "body_html"),
    ("norms", "text", "text_html"),
)
TEXT_COLUMNS = (("norms", "text", "text_plain"),)


def _tables() -> dict[str, list[str]]:
    tables: dict[str, list[str]] = {}
    for table, _source, rendered in HTML_COLUMNS + TEXT_COLUMNS:
        tables.setdefault(table, []).append(rendered)
    return tables


def upgrade() -> None:
    for table, columns in _tables().items():
        with op.batch_alter_table(table, schema=None, recreate="never") as batch_op:
            for column in columns:
                batch_op.add_column(sa.Column(column, sa.Text(), server_default="", nullable=False))
    rerender(op.get_bind(), HTML_COLUMNS)
    rerender(op.get_bind(), TEXT_COLUMNS, render=plain_text)


def downgrade() -> None:
    for table, columns in _tables().items():
        with op.batch_alter_table(table, schema=None, recreate="never") as batch_op:
            for column in reversed(columns):
                batch_op.drop_column(column)
