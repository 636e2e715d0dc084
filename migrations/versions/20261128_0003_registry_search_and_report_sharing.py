"""registry full-text search and report sharing

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 17:50:00

The registry's index is database-specific: an FTS5 table kept in step with `norms` by
triggers on SQLite, a stored weighted tsvector column with a GIN index on PostgreSQL. Both read the
prepared columns `search_title` and `search_body` (see app/norms/search_text.py).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.norms.search_text import index_fields

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Stored, so that ranking reads the vector instead of parsing each matching norm's text again.
POSTGRES_INDEX = [
    "ALTER TABLE norms ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('english'::regconfig, search_title), 'A') || "
    "setweight(to_tsvector('english'::regconfig, search_body), 'B')) STORED",
    "CREATE INDEX ix_norms_search ON norms USING gin (search_vector)",
]

SQLITE_INDEX = [
    "CREATE VIRTUAL TABLE norms_fts USING fts5(search_title, search_body, content='norms', "
    "content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER norms_fts_insert AFTER INSERT ON norms BEGIN "
    "INSERT INTO norms_fts(rowid, search_title, search_body) "
    "VALUES (new.id, new.search_title, new.search_body); END",
    "CREATE TRIGGER norms_fts_delete AFTER DELETE ON norms BEGIN "
    "INSERT INTO norms_fts(norms_fts, rowid, search_title, search_body) "
    "VALUES ('delete', old.id, old.search_title, old.search_body); END",
    "CREATE TRIGGER norms_fts_update AFTER UPDATE ON norms BEGIN "
    "INSERT INTO norms_fts(norms_fts, rowid, search_title, search_body) "
    "VALUES ('delete', old.id, old.search_title, old.search_body); "
    "INSERT INTO norms_fts(rowid, search_title, search_body) "
    "VALUES (new.id, new.search_title, new.search_body); END",
    "INSERT INTO norms_fts(norms_fts) VALUES ('rebuild')",
    # `ORDER BY rank` is FTS5's fast path; a word in the title weighs ten times one in the text.
    "INSERT INTO norms_fts(norms_fts, rank) VALUES ('rank', 'bm25(10.0, 1.0)')",
]


def upgrade() -> None:
    with op.batch_alter_table("commissions") as batch_op:
        batch_op.add_column(
            sa.Column(
                "report_shared_with_class", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )
    with op.batch_alter_table("norms") as batch_op:
        batch_op.add_column(sa.Column("search_title", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("search_body", sa.Text(), server_default="", nullable=False))

    # Norms adopted before this migration get their index text here.
    conn = op.get_bind()
    norms = sa.table(
        "norms",
        sa.column("id", sa.Integer),
        sa.column("code", sa.String),
        sa.column("title", sa.String),
        sa.column("text", sa.Text),
        sa.column("search_title", sa.Text),
        sa.column("search_body", sa.Text),
    )
    for row in conn.execute(sa.select(norms.c.id, norms.c.code, norms.c.title, norms.c.text)):
        title, body = index_fields(row.code, row.title, row.text)
        conn.execute(
            norms.update().where(norms.c.id == row.id).values(search_title=title, search_body=body)
        )

    for statement in POSTGRES_INDEX if conn.dialect.name == "postgresql" else SQLITE_INDEX:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_norms_search")
        op.execute("ALTER TABLE norms DROP COLUMN search_vector")
    else:
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER norms_fts_{trigger}")
        op.execute("DROP TABLE norms_fts")
    with op.batch_alter_table("norms") as batch_op:
        batch_op.drop_column("search_body")
        batch_op.drop_column("search_title")
    with op.batch_alter_table("commissions") as batch_op:
        batch_op.drop_column("report_shared_with_class")
