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
# Passwords the app makes up itself (a roster's first passwords, a reset, an imported account's
# unusable one) carry 59 or more random bits. Argon2's work factor protects passwords people
# choose, which can be guessed; against random ones it adds nothing, while at full cost a class
# of 30 took seconds to enrol and held SQLite's write lock for all of them. These get a light
# Argon2 hash, and the first sign-in replaces it with a full-cost one (verify_and_update).
generated_password_hasher = PasswordHash(
    (Argon2Hasher(time_cost=1, memory_cost=8 * 1024, parallelism=1),)
)
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
    generated_password: bool = False,
) -> User:
    """A new account; `generated_password` when the app made the password up (see above)."""
    hasher = generated_password_hasher if generated_password else password_hasher
    user = User(
        username=username,
        display_name=display_name,
        email=email or None,
        password_hash=hasher.hash(password),
        is_instructor=is_instructor,
    )
    session.add(user)
    session.flush()
    return user


def _is_light(password_hash: str) -> bool:
    return password_hasher.hashers[0].check_needs_rehash(password_hash)


def replace_password(
    session: Session, user: User, password: str, *, generated_password: bool = False
) -> None:
    """Give the account a new password and revoke every session and API token it has.

    Whoever knew the old password may have signed in or made a token with it; both stop working.
    `generated_password` when the app made it up (a reset on the console): a light hash, as for
    a roster's first passwords.
    """
    hasher = generated_password_hasher if generated_password else password_hasher
    user.password_hash = hasher.hash(password)
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
    if not valid and _is_light(user.password_hash):
        # A light hash answers faster than a full one: pad, so the time spent does not tell
        # that this name belongs to a student who has not signed in yet.
        password_hasher.verify(password, _DUMMY_HASH)
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
