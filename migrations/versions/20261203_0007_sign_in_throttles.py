"""sign-in limits per pair, device, name and address

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 10:00:00

The sign-in limit counted failures per name and per address in a window (`login_attempts`, a
row per failure): five wrong passwords for a name locked its owner out, thirty from a
classroom's address locked out the class. `sign_in_throttles` counts per key instead (a name
from one address or one browser, a name from unknown clients, an address), with waits that
double and failures forgiven over quiet time; pair rows also remember the account's last
sign-in from that address (app/accounts/rules.py, docs/sign-in-limits.md). Old failures are
dropped: they were short-lived, and every account starts with a clean count.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sign_in_throttles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("strikes", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("signed_in_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "scope IN ('pair', 'device', 'name', 'address')",
            name=op.f("ck_sign_in_throttles_scope_valid"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_throttles")),
        sa.UniqueConstraint(
            "scope", "name", "client", name=op.f("uq_sign_in_throttles_scope_name_client")
        ),
    )
    with op.batch_alter_table("sign_in_throttles") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sign_in_throttles_updated_at"), ["updated_at"], unique=False
        )
    with op.batch_alter_table("login_attempts") as batch_op:
        batch_op.drop_index("ix_login_attempts_client_at")
        batch_op.drop_index("ix_login_attempts_username_at")
    op.drop_table("login_attempts")


def downgrade() -> None:
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("attempted_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_attempts")),
    )
    with op.batch_alter_table("login_attempts") as batch_op:
        batch_op.create_index(
            "ix_login_attempts_client_at", ["client", "attempted_at"], unique=False
        )
        batch_op.create_index(
            "ix_login_attempts_username_at", ["username", "attempted_at"], unique=False
        )
    with op.batch_alter_table("sign_in_throttles") as batch_op:
        batch_op.drop_index(batch_op.f("ix_sign_in_throttles_updated_at"))
    op.drop_table("sign_in_throttles")
