"""registry full-text search and report sharing

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 17:50:00

The registry's index (see app/norms/search_index.py): `norm_index`, a narrow row per norm with
what a search filters and sorts on, plus a database-specific full-text structure over the same
prepared text: a weighted tsvector column with a GIN index on PostgreSQL, an FTS5 table whose
rowid is the norm's id on SQLite. Norms adopted before this migration are indexed here.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db
from app.norms import search_index

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POSTGRES_INDEX = [
    "ALTER TABLE norm_index ADD COLUMN search_vector tsvector NOT NULL",
    "CREATE INDEX ix_norm_index_search ON norm_index USING gin (search_vector)",
]

SQLITE_INDEX = [
    "CREATE VIRTUAL TABLE norm_fts USING fts5(search_title, search_body, "
    "tokenize='porter unicode61 remove_diacritics 2')",
    # `ORDER BY rank` is FTS5's fast path; a word in the title weighs ten times one in the text.
    "INSERT INTO norm_fts(norm_fts, rank) VALUES ('rank', 'bm25(10.0, 1.0)')",
]


def upgrade() -> None:
    with op.batch_alter_table("commissions") as batch_op:
        batch_op.add_column(
            sa.Column(
                "report_shared_with_class", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )
    op.create_table(
        "norm_index",
        sa.Column("norm_id", sa.Integer(), nullable=False),
        sa.Column("commission_id", sa.Integer(), nullable=False),
        sa.Column("working_group_id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("adopted_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["commission_id"],
            ["commissions.id"],
            name=op.f("fk_norm_index_commission_id_commissions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["norm_id"], ["norms.id"], name=op.f("fk_norm_index_norm_id_norms"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposals.id"],
            name=op.f("fk_norm_index_proposal_id_proposals"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["working_group_id"],
            ["working_groups.id"],
            name=op.f("fk_norm_index_working_group_id_working_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("norm_id", name=op.f("pk_norm_index")),
    )
    op.create_index(
        op.f("ix_norm_index_commission_id"), "norm_index", ["commission_id"], unique=False
    )
    conn = op.get_bind()
    for statement in POSTGRES_INDEX if conn.dialect.name == "postgresql" else SQLITE_INDEX:
        op.execute(statement)

    norms = sa.table(
        "norms",
        *(sa.column(c) for c in ("id", "commission_id", "working_group_id", "proposal_id")),
        *(sa.column(c) for c in ("number", "code", "title", "text")),
        sa.column("adopted_at", app.db.UTCDateTime(timezone=True)),
    )
    search_index.write(
        conn,
        [
            search_index.IndexedNorm(**row._mapping)
            for row in conn.execute(sa.select(norms).order_by(norms.c.id))
        ],
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        op.execute("DROP TABLE norm_fts")
    op.drop_index(op.f("ix_norm_index_commission_id"), table_name="norm_index")
    op.drop_table("norm_index")
    with op.batch_alter_table("commissions") as batch_op:
        batch_op.drop_column("report_shared_with_class")
