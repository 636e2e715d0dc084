"""votes, receipts and secret ballot counters

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 15:15:24.402849
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "votes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("amendment_id", sa.Integer(), nullable=True),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("voting_rule", sa.String(length=20), nullable=False),
        sa.Column("quorum", sa.Double(), nullable=False),
        sa.Column("ballot_unit", sa.String(length=12), nullable=False),
        sa.Column("ballot_type", sa.String(length=12), nullable=False),
        sa.Column("hide_running_tally", sa.Boolean(), nullable=False),
        sa.Column("opened_by_id", sa.Integer(), nullable=True),
        sa.Column("opened_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deadline", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("adopted", sa.Boolean(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.CheckConstraint(
            "ballot_type IN ('roll_call', 'secret')", name=op.f("ck_votes_ballot_type_valid")
        ),
        sa.CheckConstraint(
            "ballot_unit IN ('delegate', 'delegation')", name=op.f("ck_votes_ballot_unit_valid")
        ),
        sa.CheckConstraint(
            "voting_rule IN ('double_majority', 'simple_majority', 'two_thirds', 'consensus', 'unanimity')",
            name=op.f("ck_votes_voting_rule_valid"),
        ),
        sa.CheckConstraint(
            "closed_at IS NULL OR adopted IS NOT NULL", name=op.f("ck_votes_closed_has_outcome")
        ),
        sa.CheckConstraint("quorum >= 0 AND quorum <= 1", name=op.f("ck_votes_quorum_share")),
        sa.CheckConstraint("round >= 1", name=op.f("ck_votes_round_positive")),
        sa.ForeignKeyConstraint(
            ["amendment_id"],
            ["amendments.id"],
            name=op.f("fk_votes_amendment_id_amendments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["opened_by_id"],
            ["participants.id"],
            name=op.f("fk_votes_opened_by_id_participants"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposals.id"],
            name=op.f("fk_votes_proposal_id_proposals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_votes")),
    )
    with op.batch_alter_table("votes", schema=None) as batch_op:
        batch_op.create_index(
            "uq_votes_amendment",
            ["amendment_id"],
            unique=True,
            sqlite_where=sa.text("amendment_id IS NOT NULL"),
            postgresql_where=sa.text("amendment_id IS NOT NULL"),
        )
        batch_op.create_index(
            "uq_votes_proposal_round",
            ["proposal_id", "round"],
            unique=True,
            sqlite_where=sa.text("amendment_id IS NULL"),
            postgresql_where=sa.text("amendment_id IS NULL"),
        )

    op.create_table(
        "roll_call_ballots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vote_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("delegation_id", sa.Integer(), nullable=False),
        sa.Column("sector_id", sa.Integer(), nullable=True),
        sa.Column("choice", sa.String(length=8), nullable=False),
        sa.Column("cast_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "choice IN ('yes', 'no', 'abstain')", name=op.f("ck_roll_call_ballots_choice_valid")
        ),
        sa.ForeignKeyConstraint(
            ["delegation_id"],
            ["delegations.id"],
            name=op.f("fk_roll_call_ballots_delegation_id_delegations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participants.id"],
            name=op.f("fk_roll_call_ballots_participant_id_participants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sector_id"],
            ["sectors.id"],
            name=op.f("fk_roll_call_ballots_sector_id_sectors"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["vote_id"],
            ["votes.id"],
            name=op.f("fk_roll_call_ballots_vote_id_votes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roll_call_ballots")),
        sa.UniqueConstraint(
            "vote_id", "participant_id", name=op.f("uq_roll_call_ballots_vote_id_participant_id")
        ),
    )
    with op.batch_alter_table("roll_call_ballots", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_roll_call_ballots_vote_id"), ["vote_id"], unique=False)

    op.create_table(
        "secret_ballot_counts",
        sa.Column("vote_id", sa.Integer(), nullable=False),
        sa.Column("delegation_id", sa.Integer(), nullable=False),
        sa.Column("choice", sa.String(length=8), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "choice IN ('yes', 'no', 'abstain')", name=op.f("ck_secret_ballot_counts_choice_valid")
        ),
        sa.CheckConstraint("count >= 0", name=op.f("ck_secret_ballot_counts_count_not_negative")),
        sa.ForeignKeyConstraint(
            ["delegation_id"],
            ["delegations.id"],
            name=op.f("fk_secret_ballot_counts_delegation_id_delegations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["vote_id"],
            ["votes.id"],
            name=op.f("fk_secret_ballot_counts_vote_id_votes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "vote_id", "delegation_id", "choice", name=op.f("pk_secret_ballot_counts")
        ),
    )
    # Nothing has cast a ballot under the old layout, so the old tables are replaced whole.
    with op.batch_alter_table("ballots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ballots_proposal_round"))
    op.drop_table("ballots")
    op.drop_table("ballot_receipts")
    op.create_table(
        "ballot_receipts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vote_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("delegation_id", sa.Integer(), nullable=False),
        sa.Column("delegation_seat", sa.Integer(), nullable=True),
        sa.Column("cast_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["vote_id"],
            ["votes.id"],
            name=op.f("fk_ballot_receipts_vote_id_votes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participants.id"],
            name=op.f("fk_ballot_receipts_participant_id_participants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["delegation_id"],
            ["delegations.id"],
            name=op.f("fk_ballot_receipts_delegation_id_delegations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["delegation_seat"],
            ["delegations.id"],
            name=op.f("fk_ballot_receipts_delegation_seat_delegations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ballot_receipts")),
        sa.UniqueConstraint(
            "vote_id", "participant_id", name=op.f("uq_ballot_receipts_vote_id_participant_id")
        ),
        sa.UniqueConstraint(
            "vote_id", "delegation_seat", name=op.f("uq_ballot_receipts_vote_id_delegation_seat")
        ),
    )

    with op.batch_alter_table("norms", schema=None) as batch_op:
        batch_op.add_column(sa.Column("vote_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_norms_vote_id_votes"), "votes", ["vote_id"], ["id"], ondelete="SET NULL"
        )

    # Vote times move to the votes table; the proposal keeps when its stage last changed.
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("stage_changed_at", app.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.drop_constraint(op.f("ck_proposals_vote_opened_when_voted"), type_="check")
        batch_op.drop_constraint(op.f("ck_proposals_vote_closed_when_decided"), type_="check")
    op.execute("UPDATE proposals SET stage_changed_at = updated_at")
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.alter_column(
            "stage_changed_at", existing_type=app.db.UTCDateTime(timezone=True), nullable=False
        )
        batch_op.drop_column("vote_closed_at")
        batch_op.drop_column("vote_deadline")
        batch_op.drop_column("vote_opened_at")


def downgrade() -> None:
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("vote_opened_at", app.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("vote_deadline", app.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("vote_closed_at", app.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.drop_column("stage_changed_at")
    op.execute(
        "UPDATE proposals SET vote_opened_at = updated_at WHERE stage IN ('voting', 'adopted', 'rejected')"
    )
    op.execute(
        "UPDATE proposals SET vote_closed_at = updated_at WHERE stage IN ('adopted', 'rejected')"
    )
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.create_check_constraint(
            op.f("ck_proposals_vote_opened_when_voted"),
            "stage NOT IN ('voting', 'adopted', 'rejected') OR vote_opened_at IS NOT NULL",
        )
        batch_op.create_check_constraint(
            op.f("ck_proposals_vote_closed_when_decided"),
            "stage NOT IN ('adopted', 'rejected') OR vote_closed_at IS NOT NULL",
        )

    with op.batch_alter_table("norms", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_norms_vote_id_votes"), type_="foreignkey")
        batch_op.drop_column("vote_id")

    # Ballots under the new layout cannot be expressed in the old one; they are dropped.
    op.drop_table("ballot_receipts")
    op.create_table(
        "ballot_receipts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("delegation_id", sa.Integer(), nullable=True),
        sa.Column("cast_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("round >= 1", name=op.f("ck_ballot_receipts_round_positive")),
        sa.ForeignKeyConstraint(
            ["delegation_id"],
            ["delegations.id"],
            name=op.f("fk_ballot_receipts_delegation_id_delegations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participants.id"],
            name=op.f("fk_ballot_receipts_participant_id_participants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposals.id"],
            name=op.f("fk_ballot_receipts_proposal_id_proposals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ballot_receipts")),
        sa.UniqueConstraint(
            "proposal_id",
            "round",
            "participant_id",
            name=op.f("uq_ballot_receipts_proposal_id_round_participant_id"),
        ),
    )
    op.create_table(
        "ballots",
        sa.Column("id", sa.VARCHAR(length=36), nullable=False),
        sa.Column("proposal_id", sa.INTEGER(), nullable=False),
        sa.Column("round", sa.INTEGER(), nullable=False),
        sa.Column("delegation_id", sa.INTEGER(), nullable=True),
        sa.Column("choice", sa.VARCHAR(length=8), nullable=False),
        sa.Column("voter_id", sa.INTEGER(), nullable=True),
        sa.Column("weight", sa.INTEGER(), nullable=False),
        sa.CheckConstraint(
            "choice IN ('yes', 'no', 'abstain')", name=op.f("ck_ballots_choice_valid")
        ),
        sa.ForeignKeyConstraint(
            ["delegation_id"],
            ["delegations.id"],
            name=op.f("fk_ballots_delegation_id_delegations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposals.id"],
            name=op.f("fk_ballots_proposal_id_proposals"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["voter_id"],
            ["participants.id"],
            name=op.f("fk_ballots_voter_id_participants"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ballots")),
        sa.UniqueConstraint(
            "proposal_id", "round", "voter_id", name=op.f("uq_ballots_proposal_id_round_voter_id")
        ),
    )
    with op.batch_alter_table("ballots", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ballots_proposal_round"), ["proposal_id", "round"], unique=False
        )

    op.drop_table("secret_ballot_counts")
    with op.batch_alter_table("roll_call_ballots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_roll_call_ballots_vote_id"))

    op.drop_table("roll_call_ballots")
    with op.batch_alter_table("votes", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_votes_proposal_round",
            sqlite_where=sa.text("amendment_id IS NULL"),
            postgresql_where=sa.text("amendment_id IS NULL"),
        )
        batch_op.drop_index(
            "uq_votes_amendment",
            sqlite_where=sa.text("amendment_id IS NOT NULL"),
            postgresql_where=sa.text("amendment_id IS NOT NULL"),
        )

    op.drop_table("votes")
