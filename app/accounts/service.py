"""Reading and writing accounts, sessions and tokens. Functions take a session and never commit."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from app.accounts.models import ApiToken, LoginAttempt, User, UserSession
from app.accounts.rules import sign_in_allowed
from app.config import Settings
from app.db import utcnow

password_hasher = PasswordHash((Argon2Hasher(),))
# Verified against when a name does not exist, so both paths cost the same time.
_DUMMY_HASH = password_hasher.hash("not-a-real-password-" + secrets.token_hex(8))


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(
    session: Session,
    *,
    username: str,
    display_name: str,
    password: str,
    email: str | None = None,
    is_instructor: bool = False,
) -> User:
    user = User(
        username=username,
        display_name=display_name,
        email=email or None,
        password_hash=password_hasher.hash(password),
        is_instructor=is_instructor,
    )
    session.add(user)
    session.flush()
    return user


def replace_password(session: Session, user: User, password: str) -> None:
    """Give the account a new password and revoke every session and API token it has.

    Whoever knew the old password may have signed in or made a token with it; both stop working.
    """
    user.password_hash = password_hasher.hash(password)
    now = utcnow()
    session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def username_taken(session: Session, username: str) -> bool:
    return session.scalar(select(func.count()).where(User.username == username)) != 0


def authenticate(session: Session, username: str, password: str) -> User | None:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        password_hasher.verify(password, _DUMMY_HASH)
        return None
    valid, new_hash = password_hasher.verify_and_update(password, user.password_hash)
    if not valid:
        return None
    if new_hash:
        user.password_hash = new_hash
    return user


def sign_in_permitted(session: Session, settings: Settings, username: str, client: str) -> bool:
    since = utcnow() - timedelta(minutes=settings.login_window_minutes)
    for_name = session.scalar(
        select(func.count())
        .select_from(LoginAttempt)
        .where(LoginAttempt.username == username, LoginAttempt.attempted_at >= since)
    )
    from_client = session.scalar(
        select(func.count())
        .select_from(LoginAttempt)
        .where(LoginAttempt.client == client, LoginAttempt.attempted_at >= since)
    )
    return sign_in_allowed(
        for_name or 0,
        from_client or 0,
        max_per_name=settings.login_max_failures,
        max_per_client=settings.login_max_failures_per_ip,
    )


def record_failed_sign_in(session: Session, username: str, client: str) -> None:
    session.add(LoginAttempt(username=username[:80], client=client[:64]))


def clear_failed_sign_ins(session: Session, username: str) -> None:
    session.execute(delete(LoginAttempt).where(LoginAttempt.username == username))


@dataclass(frozen=True)
class NewSession:
    record: UserSession
    token: str


def start_session(
    session: Session, user: User, settings: Settings, user_agent: str | None
) -> NewSession:
    token = secrets.token_urlsafe(32)
    record = UserSession(
        token_hash=hash_token(token),
        user_id=user.id,
        csrf_token=secrets.token_hex(32),
        expires_at=utcnow() + timedelta(days=settings.session_days),
        user_agent=(user_agent or "")[:200] or None,
    )
    session.add(record)
    session.flush()
    return NewSession(record=record, token=token)


def find_session(session: Session, token: str) -> tuple[UserSession, User] | None:
    row = session.execute(
        select(UserSession, User)
        .join(User, User.id == UserSession.user_id)
        .where(
            UserSession.token_hash == hash_token(token),
            UserSession.revoked_at.is_(None),
            UserSession.expires_at > utcnow(),
        )
    ).first()
    return (row[0], row[1]) if row else None


def end_session(user_session: UserSession) -> None:
    user_session.revoked_at = utcnow()


def create_api_token(session: Session, user: User, name: str) -> tuple[ApiToken, str]:
    """Returns the record and the token itself, which is shown once and never stored."""
    token = "cmt_" + secrets.token_urlsafe(32)
    record = ApiToken(user_id=user.id, name=name, token_hash=hash_token(token))
    session.add(record)
    session.flush()
    return record, token


TOKEN_USE_RESOLUTION = timedelta(minutes=5)


def find_api_token(session: Session, token: str) -> tuple[ApiToken, User] | None:
    row = session.execute(
        select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None))
    ).first()
    return (row[0], row[1]) if row else None


def token_use_is_stale(record: ApiToken) -> bool:
    """Recording every use would make every API read a write; minutes are precise enough."""
    return record.last_used_at is None or utcnow() - record.last_used_at > TOKEN_USE_RESOLUTION


def record_token_use(session: Session, token_id: int) -> None:
    session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=utcnow()))


def list_api_tokens(session: Session, user: User) -> list[ApiToken]:
    return list(
        session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .order_by(ApiToken.created_at.desc())
        )
    )


def revoke_api_token(session: Session, user: User, token_id: int) -> bool:
    record = session.get(ApiToken, token_id)
    if record is None or record.user_id != user.id or record.revoked_at is not None:
        return False
    record.revoked_at = utcnow()
    return True
