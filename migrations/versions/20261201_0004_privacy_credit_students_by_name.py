"""privacy: credit students by name

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 10:00:00

Whether a published charter names students outside the room (`credit_students_by_name`),
chosen by the instructor at conclusion. Off for every commission that exists already: outside
the room they name delegations and sectors only.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("commissions") as batch_op:
        batch_op.add_column(
            sa.Column(
                "credit_students_by_name", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("commissions") as batch_op:
        batch_op.drop_column("credit_students_by_name")
