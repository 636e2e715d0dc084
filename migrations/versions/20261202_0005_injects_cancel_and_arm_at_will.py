"""injects: cancelled status, and the time an inject was armed (helper: injects)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 19:30:00

An inject can now be cancelled (status `cancelled`), so the status CHECK widens. `armed_at`
records when an inject was last armed: one waiting for a quiet group counts the quiet from
then, not from when it was copied from the scenario. Injects already armed keep NULL there
and count from their creation, as before. Going down, cancelled injects become drafts.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUSES = "status IN ('draft', 'scheduled', 'armed', 'published', 'cancelled')"
STATUSES_BEFORE = "status IN ('draft', 'scheduled', 'armed', 'published')"


def upgrade() -> None:
    with op.batch_alter_table("injects", schema=None) as batch_op:
        batch_op.add_column(sa.Column("armed_at", app.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.drop_constraint(op.f("ck_injects_status_valid"), type_="check")
        batch_op.create_check_constraint(op.f("ck_injects_status_valid"), STATUSES)


def downgrade() -> None:
    op.execute("UPDATE injects SET status = 'draft' WHERE status = 'cancelled'")
    with op.batch_alter_table("injects", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_injects_status_valid"), type_="check")
        batch_op.create_check_constraint(op.f("ck_injects_status_valid"), STATUSES_BEFORE)
        batch_op.drop_column("armed_at")
