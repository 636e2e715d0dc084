"""proposals: parallel English and Chinese texts, kept in step (helper: parallel)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 10:00:00

A proposal may carry an English and a Chinese text, both authentic (issue 13,
docs/parallel-texts.md). Each revision and each amendment now says which language it is
(`language`, 'en' for every row written before); `text_confirmations` records an author's word
that the two texts, as given revisions, agree; a working group's `texts_must_agree` (on, as
scenarios' groups default to) keeps a proposal whose texts are out of step from the vote. A
norm keeps its language and its parallel text (title, Markdown, HTML and plain text) beside
its own.

On SQLite every column is added in place, never by copying a table (with foreign keys on,
dropping the old copy of `revisions` would fail on the norms that refer to it, and of
`amendments` would clear every revision's link to its amendment); a language column's CHECK
comes with the column there. Going down, the revisions in a language other than their
proposal's own (that of its first revision) are deleted, so that the code before this
migration finds the proposal's own text as its latest revision; parallel texts are lost.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LANGUAGES = "'en', 'zh_CN'"  # app.proposals.rules.TEXT_LANGUAGES when this was written
# (table, column, nullable) of each language column, with its CHECK constraint.
LANGUAGE_COLUMNS = (
    ("revisions", "language", False),
    ("amendments", "language", False),
    ("norms", "language", False),
    ("norms", "parallel_language", True),
)
RULE_TABLES = ("working_groups", "scenario_working_groups")


def _add_language_column(table: str, column: str, nullable: bool) -> None:
    check = f"ck_{table}_{column}_valid"
    condition = f"{column} IN ({LANGUAGES})"
    if op.get_bind().dialect.name == "sqlite":
        default = "" if nullable else " DEFAULT 'en' NOT NULL"
        op.execute(
            f"ALTER TABLE {table} ADD COLUMN {column} VARCHAR(8){default}"
            f" CONSTRAINT {check} CHECK ({condition})"
        )
        return
    op.add_column(
        table,
        sa.Column(
            column,
            sa.String(length=8),
            server_default=None if nullable else "en",
            nullable=nullable,
        ),
    )
    op.create_check_constraint(check, table, condition)


def upgrade() -> None:
    for table, column, nullable in LANGUAGE_COLUMNS:
        _add_language_column(table, column, nullable)
    with op.batch_alter_table("norms", schema=None, recreate="never") as batch_op:
        batch_op.add_column(
            sa.Column("parallel_title", sa.String(length=200), server_default="", nullable=False)
        )
        # Every norm so far has one text: its parallel text is '', and so is that text's HTML.
        for column in ("parallel_text", "parallel_text_html", "parallel_text_plain"):
            batch_op.add_column(sa.Column(column, sa.Text(), server_default="", nullable=False))
    for table in RULE_TABLES:
        with op.batch_alter_table(table, schema=None, recreate="never") as batch_op:
            batch_op.add_column(
                sa.Column(
                    "texts_must_agree", sa.Boolean(), server_default=sa.true(), nullable=False
                )
            )
    op.create_table(
        "text_confirmations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=True),
        sa.Column("revisions", sa.JSON(), nullable=False),
        sa.Column("confirmed_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participants.id"],
            name=op.f("fk_text_confirmations_participant_id_participants"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposals.id"],
            name=op.f("fk_text_confirmations_proposal_id_proposals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_text_confirmations")),
    )
    with op.batch_alter_table("text_confirmations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_text_confirmations_proposal_id"), ["proposal_id"], unique=False
        )


def downgrade() -> None:
    op.execute(
        "DELETE FROM revisions WHERE language <> ("
        " SELECT first.language FROM revisions AS first"
        " WHERE first.proposal_id = revisions.proposal_id"
        " ORDER BY first.number LIMIT 1)"
    )
    with op.batch_alter_table("text_confirmations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_text_confirmations_proposal_id"))
    op.drop_table("text_confirmations")
    for table in RULE_TABLES:
        with op.batch_alter_table(table, schema=None, recreate="never") as batch_op:
            batch_op.drop_column("texts_must_agree")
    with op.batch_alter_table("norms", schema=None, recreate="never") as batch_op:
        for column in (
            "parallel_text_plain",
            "parallel_text_html",
            "parallel_text",
            "parallel_title",
        ):
            batch_op.drop_column(column)
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, column, _nullable in reversed(LANGUAGE_COLUMNS):
        if not sqlite:  # on SQLite the CHECK belongs to the column and goes with it
            op.drop_constraint(f"ck_{table}_{column}_valid", table, type_="check")
        with op.batch_alter_table(table, schema=None, recreate="never") as batch_op:
            batch_op.drop_column(column)
