"""notices: indexes for what awaits one delegate

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 10:00:00

Every page of a signed-in user counts what awaits them (app/notices): their invitations to
sponsor, the proposals they author, and the open votes of their commissions. These indexes keep
that one query proportional to the user's own items, not to every proposal or vote ever held.
Nothing is stored for notices themselves.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = sa.text("closed_at IS NULL")


def upgrade() -> None:
    with op.batch_alter_table("sponsorships") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sponsorships_participant_id"), ["participant_id"], unique=False
        )
    with op.batch_alter_table("proposal_authors") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_proposal_authors_participant_id"), ["participant_id"], unique=False
        )
    with op.batch_alter_table("votes") as batch_op:
        batch_op.create_index(
            "ix_votes_open", ["proposal_id"], sqlite_where=OPEN, postgresql_where=OPEN
        )


def downgrade() -> None:
    with op.batch_alter_table("votes") as batch_op:
        batch_op.drop_index("ix_votes_open", sqlite_where=OPEN, postgresql_where=OPEN)
    with op.batch_alter_table("proposal_authors") as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposal_authors_participant_id"))
    with op.batch_alter_table("sponsorships") as batch_op:
        batch_op.drop_index(batch_op.f("ix_sponsorships_participant_id"))
