"""Users, their server-side sessions, personal API tokens and sign-in limits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, one_of, utcnow

THROTTLE_SCOPES = ("pair", "device", "name", "address")


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("username = lower(username)", name="username_lowercase"),
        CheckConstraint("length(username) >= 3", name="username_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(Text)
    # May author scenarios and open commissions; roles inside a commission live on Participant.
    is_instructor: Mapped[bool] = mapped_column(default=False)
    # The language the user chose on their account page (app.i18n.LOCALES); None: no choice,
    # the language cookie or the browser's Accept-Language decides.
    locale: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class UserSession(Base):
    """A signed-in browser. The cookie carries a signed random token; only its hash is stored."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    user_agent: Mapped[str | None] = mapped_column(String(200))


class ApiToken(Base):
    """A personal token for the JSON API, sent as `Authorization: Bearer`."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class SignInThrottle(Base):
    """Failed sign-ins counted per key (app.accounts.rules), in the database so that the limits
    hold across app processes.

    `scope` says what the key counts: `pair` a name from one address, `device` a name from one
    browser holding the account's device cookie, `name` a name from clients it does not know,
    `address` every name from one address. Pair rows also remember the account's last sign-in
    from that address. A row idle for longer than anything it remembers is deleted.
    """

    __tablename__ = "sign_in_throttles"
    __table_args__ = (
        UniqueConstraint("scope", "name", "client"),
        one_of("scope", THROTTLE_SCOPES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(8))
    # The sign-in name as typed (normalised); empty for an address.
    name: Mapped[str] = mapped_column(String(80))
    # The client's address, or the device cookie's random id; empty for a name.
    client: Mapped[str] = mapped_column(String(64))
    strikes: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[datetime | None]
    signed_in_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
