"""voting: sealed secret ballots, counted only when the vote closes (helper: ballots)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 10:00:00

A secret ballot used to increment a counter in the voter's own transaction, which linked the
voter to the choice in SQLite's WAL, in PostgreSQL's transaction ids and old tuple versions,
and in the heap order of a dump (issue 10). It is now written as a row of `sealed_ballots`
(the choice encrypted under a key derived from the server's SECRET_KEY; no voter, no time),
and the counters are written only when the vote closes. `votes.scrub_pending` marks a closed
secret vote whose sealed ballots may linger in the database's files until they are scrubbed.

Votes open while upgrading keep their counters: closing such a vote adds its sealed ballots to
them. Going down, sealed ballots cannot become counters without the server's key, so the
downgrade refuses while any exist (close those votes first); open secret votes get the zero
counters the old code expects to find.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEALED_BYTES = 29  # app.voting.sealing.SEALED_BYTES when this was written


def upgrade() -> None:
    op.create_table(
        "sealed_ballots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vote_id", sa.Integer(), nullable=False),
        sa.Column("delegation_id", sa.Integer(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(length=SEALED_BYTES), nullable=False),
        sa.CheckConstraint(
            f"length(sealed) = {SEALED_BYTES}", name=op.f("ck_sealed_ballots_sealed_length")
        ),
        sa.ForeignKeyConstraint(
            ["delegation_id"],
            ["delegations.id"],
            name=op.f("fk_sealed_ballots_delegation_id_delegations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["vote_id"],
            ["votes.id"],
            name=op.f("fk_sealed_ballots_vote_id_votes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sealed_ballots")),
    )
    with op.batch_alter_table("sealed_ballots", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sealed_ballots_vote_id"), ["vote_id"], unique=False)
    # Never by copying the table on SQLite: with foreign keys on, dropping the old `votes`
    # would cascade to every receipt, ballot and counter.
    with op.batch_alter_table("votes", schema=None, recreate="never") as batch_op:
        batch_op.add_column(
            sa.Column("scrub_pending", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    connection = op.get_bind()
    sealed = connection.scalar(sa.text("SELECT count(*) FROM sealed_ballots"))
    if sealed:
        raise RuntimeError(
            f"{sealed} sealed secret ballots of open votes would be lost: close those votes "
            "(their ballots are then counted) before downgrading below 0007"
        )
    # The old code increments counters it expects to exist from the vote's opening.
    op.execute(
        """
        INSERT INTO secret_ballot_counts (vote_id, delegation_id, choice, count)
        SELECT v.id, d.id, c.choice, 0
        FROM votes v
        JOIN proposals p ON p.id = v.proposal_id
        JOIN delegations d ON d.commission_id = p.commission_id AND d.status = 'member'
        CROSS JOIN (SELECT 'yes' AS choice UNION ALL SELECT 'no' UNION ALL SELECT 'abstain') c
        WHERE v.ballot_type = 'secret' AND v.closed_at IS NULL
          AND NOT EXISTS (SELECT 1 FROM secret_ballot_counts s WHERE s.vote_id = v.id)
        """
    )
    with op.batch_alter_table("votes", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("scrub_pending")
    with op.batch_alter_table("sealed_ballots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sealed_ballots_vote_id"))
    op.drop_table("sealed_ballots")
