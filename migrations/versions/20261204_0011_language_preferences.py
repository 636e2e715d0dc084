"""i18n: no language preference for a user, a default language for a commission (helper: locale)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 10:00:00

`users.locale` was NOT NULL with "en" in every row, yet nothing ever read or set it: every
reader got the language of their browser's Accept-Language. It becomes the user's saved
choice, NULL for "no choice" (the language cookie, then the browser, decide), so every
existing user is NULL: they keep the language they had. `commissions.default_locale` is the
language a commission's pages open in for a reader who chose none; NULL by default.

On SQLite the column is dropped and added again rather than altered, which would copy the
`users` table: with foreign keys on, dropping the old table would cascade to every session,
token and participant. Its values carry nothing (see above), so nothing is lost. Going down,
every user gets "en" back, and the commissions' default languages are dropped.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("locale")
    with op.batch_alter_table("users", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("locale", sa.String(length=16), nullable=True))
    with op.batch_alter_table("commissions", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("default_locale", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("commissions", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("default_locale")
    with op.batch_alter_table("users", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("locale")
    with op.batch_alter_table("users", schema=None, recreate="never") as batch_op:
        batch_op.add_column(
            sa.Column("locale", sa.String(length=16), server_default="en", nullable=False)
        )
