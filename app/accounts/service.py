"""Reading and writing accounts, sessions and tokens. Functions take a session and never commit."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app.accounts import rules
from app.accounts.models import ApiToken, SignInThrottle, User, UserSession
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
    The name's failed sign-ins are forgiven: they were guesses at the old password.
    `generated_password` when the app made it up (a reset on the console): a light hash, as for
    a roster's first passwords.
    """
    hasher = generated_password_hasher if generated_password else password_hasher
    user.password_hash = hasher.hash(password)
    forgive_failed_sign_ins(session, user.username)
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


# --- sign-in limits (the decisions are app.accounts.rules; docs/sign-in-limits.md) -------------

# Longer than anything a throttle row remembers: a known address, or strikes not yet forgiven.
THROTTLE_RETENTION = rules.KNOWN_ADDRESS_FOR + timedelta(days=1)


@dataclass
class SignInCheck:
    """Where one sign-in attempt stands: how long it must wait, and the rows it will charge."""

    wait: timedelta
    known_client: bool
    name: str
    address: str
    device: str | None
    own: SignInThrottle
    for_name: SignInThrottle | None


def _key(scope: str, name: str, client: str) -> dict[str, str]:
    return {"scope": scope, "name": name[:80], "client": client[:64]}


def _strikes(row: SignInThrottle | None) -> rules.Strikes:
    return rules.Strikes(row.strikes, row.last_failure_at) if row else rules.Strikes()


def _throttle(session: Session, key: dict[str, str], now: datetime) -> SignInThrottle:
    """The key's row, created if missing, locked until the transaction ends (PostgreSQL), so that
    concurrent attempts on one key are decided one after another and none goes uncounted."""
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(SignInThrottle)
        .values(**key, strikes=0, updated_at=now)
        .on_conflict_do_nothing(index_elements=["scope", "name", "client"])
    )
    row = session.scalar(
        select(SignInThrottle)
        .filter_by(**key)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert row is not None
    return row


def _forget_idle_throttles(session: Session, now: datetime) -> None:
    # Rows another request holds are skipped: waiting for them could deadlock with it.
    idle = (
        select(SignInThrottle.id)
        .where(SignInThrottle.updated_at < now - THROTTLE_RETENTION)
        .limit(100)
        .with_for_update(skip_locked=True)
    )
    session.execute(delete(SignInThrottle).where(SignInThrottle.id.in_(idle)))


def check_sign_in(
    session: Session, name: str, address: str, device: str | None, now: datetime
) -> SignInCheck:
    """How long this client must wait before trying `name`, and what a failure will charge.

    `device` is the id of the browser's device cookie when it holds one for this account.
    Locks the client's own row (and the name's, for a client the account does not know) until
    the request ends: the check and the count that follows it are one step. The address row is
    only read here, so that a classroom's first sign-ins are not queued behind each other.
    """
    _forget_idle_throttles(session, now)
    for_name = None
    if device is not None:
        own = _throttle(session, _key("device", name, device), now)
        known = True
    else:
        own = _throttle(session, _key("pair", name, address), now)
        known = rules.is_known_address(own.signed_in_at, now)
        if not known:
            for_name = _throttle(session, _key("name", name, ""), now)
    from_address = (
        None
        if known
        else session.scalar(select(SignInThrottle).filter_by(**_key("address", "", address)))
    )
    wait = rules.sign_in_wait(
        now,
        own=_strikes(own),
        name=_strikes(for_name),
        address=_strikes(from_address),
        known_client=known,
    )
    return SignInCheck(wait, known, name, address, device, own, for_name)


def _charge(row: SignInThrottle, limit: rules.Limit, now: datetime) -> None:
    strikes = rules.after_failure(_strikes(row), limit, now)
    row.strikes, row.last_failure_at, row.updated_at = strikes.count, now, now


def record_failed_sign_in(session: Session, check: SignInCheck, now: datetime) -> None:
    """Count a wrong password against the client's own key and, for a client the account does
    not know, against the name and the address."""
    _charge(check.own, rules.PAIR_LIMIT, now)
    if check.for_name is not None:
        _charge(check.for_name, rules.NAME_LIMIT, now)
    if not check.known_client:
        address_row = _throttle(session, _key("address", "", check.address), now)
        _charge(address_row, rules.ADDRESS_LIMIT, now)


def remember_sign_in(session: Session, name: str, address: str, now: datetime) -> None:
    """The account signed in from this address: it is a known address for a while."""
    row = _throttle(session, _key("pair", name, address), now)
    row.signed_in_at = row.updated_at = now


def record_sign_in(session: Session, check: SignInCheck, now: datetime) -> None:
    """A right password: the client's own failures are forgiven and its address is known.

    The name's and the address's failures stay: they were made by others."""
    check.own.strikes, check.own.last_failure_at, check.own.updated_at = 0, None, now
    remember_sign_in(session, check.name, check.address, now)


def join_code_wait(session: Session, address: str, now: datetime) -> timedelta:
    """Join codes are guessed under the address's limit only: a name-wide limit would let one
    guesser shut every class out of joining, and a classroom shares its address."""
    row = session.scalar(select(SignInThrottle).filter_by(**_key("address", "", address)))
    return rules.wait_after(_strikes(row), rules.ADDRESS_LIMIT, now)


def record_wrong_join_code(session: Session, address: str, now: datetime) -> None:
    _charge(_throttle(session, _key("address", "", address), now), rules.ADDRESS_LIMIT, now)


def forgive_failed_sign_ins(session: Session, name: str) -> None:
    """A new password makes earlier guesses moot: the name's counts start again."""
    session.execute(
        update(SignInThrottle)
        .where(SignInThrottle.name == name[:80], SignInThrottle.scope != "address")
        .values(strikes=0, last_failure_at=None)
    )


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


# Who is asking, on every request: one statement each, by the unique index on the token's hash,
# built once (SQLAlchemy then also keeps its cache key) rather than on every request.
_SESSION_OF_TOKEN = (
    select(UserSession, User)
    .join(User, User.id == UserSession.user_id)
    .where(
        UserSession.token_hash == bindparam("token_hash"),
        UserSession.revoked_at.is_(None),
        UserSession.expires_at > bindparam("now"),
    )
)
_API_TOKEN = (
    select(ApiToken, User)
    .join(User, User.id == ApiToken.user_id)
    .where(ApiToken.token_hash == bindparam("token_hash"), ApiToken.revoked_at.is_(None))
)


def find_session(session: Session, token: str) -> tuple[UserSession, User] | None:
    row = session.execute(
        _SESSION_OF_TOKEN, {"token_hash": hash_token(token), "now": utcnow()}
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
    row = session.execute(_API_TOKEN, {"token_hash": hash_token(token)}).first()
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
