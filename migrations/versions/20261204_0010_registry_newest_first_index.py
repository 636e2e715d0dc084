"""registry: norms in order of adoption, and a GIN index without a pending list (helper: search)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 10:00:00

`ix_norm_index_adopted` on norm_index (adopted_at, norm_id) lists the registry newest or oldest
first without sorting every norm, and on PostgreSQL it is where a search walks for its newest
matches, the candidates it ranks (app/norms/registry.py says why): over 100,000 norms a
search for a common word went from ranking ~10,000 matches to walking a few thousand entries.
The same index on SQLite serves the registry's listing by date.

On PostgreSQL the GIN index of the text (ix_norm_index_search, migration 0003) stops using its
pending list (`fastupdate = off`): with it, new entries wait in an unsorted list that every
search reads through until (auto)vacuum merges them, up to 4 MB and a few milliseconds per
search after a class adopts its charter or an archive is imported. Norms are written once, at
adoption or import, so each is written straight into the index instead: ~0.25 ms more per
norm (20,000 entries took 4.8 s to insert instead of 0.7 s), where a search reading a 3,000-
entry pending list took 5.3 ms in the index instead of 1.7.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("norm_index") as batch_op:
        batch_op.create_index("ix_norm_index_adopted", ["adopted_at", "norm_id"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER INDEX ix_norm_index_search SET (fastupdate = off)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER INDEX ix_norm_index_search RESET (fastupdate)")
    with op.batch_alter_table("norm_index") as batch_op:
        batch_op.drop_index("ix_norm_index_adopted")
