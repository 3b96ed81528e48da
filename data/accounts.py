"""Users, argon2id passwords, server-side sessions with idle and absolute expiry, and the personal-data access log."""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, bindparam, delete, func, insert, select, update

from data import vocabulary
from data.models import Area, PersonalDataView, Unit, User, UserArea, UserSession

ROLES = tuple(vocabulary.ROLES)
MIN_PASSWORD_LENGTH = 12
IDLE_TIMEOUT = dt.timedelta(minutes=30)
ABSOLUTE_TIMEOUT = dt.timedelta(hours=12)
TOUCH_EVERY = dt.timedelta(minutes=1)
HASHER = PasswordHasher()
# A one-time password (set by an administrator) is stored with a mark before its hash: it signs in once, then it is
# marked spent and serves only as the current password for choosing one's own on the account page.
ONE_TIME, SPENT = "once:", "spent:"
ONE_TIME_ALPHABET, ONE_TIME_LENGTH = "abcdefghjkmnpqrstuvwxyz23456789", 16
# A session that has not ended, of an active user, with the paths of the user's areas (a row per area; one with no
# path for a user without areas). Built once: every request reads it.
LIVE_SESSION = (
    select(UserSession.user_id, UserSession.created_at, UserSession.last_seen_at, User.username, User.role,
           User.language, Area.path)
    .join(User, User.id == UserSession.user_id)
    .outerjoin(UserArea, UserArea.user_id == User.id).outerjoin(Area, Area.id == UserArea.area_id)
    .where(UserSession.token_hash == bindparam("token_hash"), UserSession.ended_at.is_(None), User.active.is_(True))
    .order_by(Area.path)
)


def set_hash_cost(time_cost: int | None = None, memory_cost: int | None = None) -> None:
    """Hash new passwords at this argon2 time and memory (KiB) cost; None keeps argon2-cffi's default."""
    global HASHER
    cost = {"time_cost": time_cost, "memory_cost": memory_cost}
    HASHER = PasswordHasher(**{name: value for name, value in cost.items() if value is not None})
    _dummy_hash.cache_clear()


class AccountError(ValueError):
    """A user-management request that cannot be carried out; the message says why."""


@dataclass(frozen=True)
class Account:
    """Who is signed in: the user, their role and the paths of the areas they cover."""

    id: int
    username: str
    role: str
    area_paths: tuple[str, ...]
    language: str | None = None


# The interface languages a user may choose (Babel locale names).
LANGUAGES = ("zh_CN", "en")
SYSTEM = Account(0, "system", "admin", ())


def utcnow() -> dt.datetime:
    """Now, as the naive UTC time the database stores."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def check_new_password(password: str) -> None:
    """Refuse passwords shorter than the minimum."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")


def create_user(conn: Connection, username: str, password: str, role: str, area_ids: list[int] = (),
                one_time: bool = False) -> int:
    """Add a user (with a one-time password if so marked); staff, leaders and viewers need at least one area."""
    _check_role(role)
    check_new_password(password)
    if user_exists(conn, username):
        raise AccountError(f"user {username!r} exists already")
    if role != "admin" and not area_ids:
        raise AccountError(f"a {role} needs at least one area (--area)")
    user_id = conn.execute(insert(User).values(
        username=username, password_hash=(ONE_TIME if one_time else "") + HASHER.hash(password), role=role, active=True,
        created_at=utcnow(),
    )).inserted_primary_key[0]
    _set_areas(conn, user_id, area_ids)
    return user_id


def set_password(conn: Connection, username: str, password: str) -> None:
    """Replace a user's password and end their sessions."""
    check_new_password(password)
    user_id = user_id_of(conn, username)
    conn.execute(update(User).where(User.id == user_id).values(password_hash=HASHER.hash(password)))
    end_user_sessions(conn, user_id)


def new_one_time_password() -> str:
    """A random password of 16 letters and digits that cannot be mistaken for one another (about 79 bits)."""
    return "".join(secrets.choice(ONE_TIME_ALPHABET) for _ in range(ONE_TIME_LENGTH))


def set_one_time_password(conn: Connection, username: str) -> str:
    """Give a user a new one-time password (returned, to be shown once) and end their sessions."""
    password, user_id = new_one_time_password(), user_id_of(conn, username)
    conn.execute(update(User).where(User.id == user_id).values(password_hash=ONE_TIME + HASHER.hash(password)))
    end_user_sessions(conn, user_id)
    return password


def password_matches(conn: Connection, user_id: int, password: str) -> bool:
    """True when this is the user's password (a spent one-time password still counts: it is their current one)."""
    stored = conn.execute(select(User.password_hash).where(User.id == user_id)).scalar()
    try:
        return HASHER.verify(_bare(stored or _dummy_hash()), password)
    except (VerificationError, InvalidHashError):
        return False


def set_role(conn: Connection, username: str, role: str) -> None:
    """Change a user's role; their sessions end so that the new role applies at once."""
    _check_role(role)
    user_id = user_id_of(conn, username)
    conn.execute(update(User).where(User.id == user_id).values(role=role))
    end_user_sessions(conn, user_id)


def set_areas(conn: Connection, username: str, area_ids: list[int]) -> None:
    """Replace the areas a user covers; their sessions end so that the new scope applies at once."""
    user_id = user_id_of(conn, username)
    _set_areas(conn, user_id, area_ids)
    end_user_sessions(conn, user_id)


def set_language(conn: Connection, user_id: int, language: str) -> None:
    """Remember the interface language a user chose (one of LANGUAGES)."""
    if language not in LANGUAGES:
        raise AccountError(f"unknown language {language!r}: choose one of {', '.join(LANGUAGES)}")
    conn.execute(update(User).where(User.id == user_id).values(language=language))


def user_exists(conn: Connection, username: str) -> bool:
    """True when a user of this name (any case) exists."""
    return conn.execute(select(User.id).where(func.lower(User.username) == username.lower())).first() is not None


def disable_user(conn: Connection, username: str) -> None:
    """Stop a user from signing in and end their sessions."""
    user_id = user_id_of(conn, username)
    conn.execute(update(User).where(User.id == user_id).values(active=False))
    end_user_sessions(conn, user_id)


def list_users(conn: Connection) -> list[dict]:
    """Every user with their role, state and area names."""
    users = [dict(row._mapping) for row in conn.execute(
        select(User.id, User.username, User.role, User.active).order_by(User.username))]
    areas = conn.execute(select(UserArea.user_id, Area.name).join(Area, Area.id == UserArea.area_id)).all()
    for user in users:
        user["areas"] = [name for user_id, name in areas if user_id == user["id"]]
    return users


def has_users(conn: Connection) -> bool:
    """True once any user exists."""
    return conn.execute(select(func.count()).select_from(User)).scalar_one() > 0


def resolve_areas(conn: Connection, references: list[str]) -> list[int]:
    """Area ids from ids or unique names; an unknown or ambiguous name is an error."""
    found = []
    for reference in references:
        column = Area.id if reference.isdigit() else Area.name
        ids = (
            conn.execute(select(Area.id).where(column == (int(reference) if reference.isdigit() else reference)))
            .scalars()
            .all()
        )
        if len(ids) != 1:
            raise AccountError(f"area {reference!r} matches {len(ids)} areas; give its id")
        found.extend(ids)
    return found


def active_account(conn: Connection, username: str) -> Account:
    """The account of an active user by name (any case), for work done outside a session such as imports."""
    row = conn.execute(select(User.id, User.username, User.role).where(
        func.lower(User.username) == username.lower(), User.active.is_(True))).first()
    if row is None:
        raise AccountError(f"no active user {username!r}")
    return Account(row.id, row.username, row.role, _area_paths(conn, row.id))


def check_password(conn: Connection, username: str, password: str) -> int | None:
    """The id of the active user with this name and password, else None (in about the same time either way); a spent
    one-time password signs nobody in."""
    row = conn.execute(select(User.id, User.password_hash).where(
        func.lower(User.username) == username.lower(), User.active.is_(True))).first()
    stored = row.password_hash if row else _dummy_hash()
    try:
        HASHER.verify(_bare(stored), password)
    except (VerificationError, InvalidHashError):
        return None
    return row.id if row and not stored.startswith(SPENT) else None


def start_session(conn: Connection, user_id: int, now: dt.datetime | None = None) -> str:
    """Open a session and return its token (only the token's hash is stored); a session opened on a one-time password
    spends it, and when a concurrent sign-in spent it first, the token returned matches no session."""
    token, now = secrets.token_urlsafe(32), now or utcnow()
    if not _spend_one_time_password(conn, user_id):
        return token
    conn.execute(insert(UserSession).values(token_hash=_hash(token), user_id=user_id, created_at=now, last_seen_at=now))
    return token


def session_account(conn: Connection, token: str, now: dt.datetime | None = None) -> Account | None:
    """The account of a live session; None when it ended, expired, or its user is disabled."""
    return session_state(conn, token, now)[0]


def session_state(conn: Connection, token: str, now: dt.datetime | None = None) -> tuple[Account | None, bool]:
    """A live session's account (None when it ended, expired, or its user is disabled) and whether its idle timer is
    due a refresh, in one statement."""
    now = now or utcnow()
    rows = conn.execute(LIVE_SESSION, {"token_hash": _hash(token)}).all()
    if not rows or _expired(rows[0], now):
        return None, False
    first, paths = rows[0], tuple(row.path for row in rows if row.path is not None)
    account = Account(first.user_id, first.username, first.role, paths, first.language)
    return account, now - first.last_seen_at >= TOUCH_EVERY


def needs_touch(conn: Connection, token: str, now: dt.datetime | None = None) -> bool:
    """True when a live session's idle timer has not been refreshed for a minute (so writes stay rare)."""
    return session_state(conn, token, now)[1]


def touch_session(conn: Connection, token: str, now: dt.datetime | None = None) -> None:
    """Refresh a session's idle timer."""
    conn.execute(update(UserSession).where(UserSession.token_hash == _hash(token)).values(last_seen_at=now or utcnow()))


def end_session(conn: Connection, token: str, now: dt.datetime | None = None) -> None:
    """End one session: its cookie is refused from now on."""
    conn.execute(update(UserSession).where(UserSession.token_hash == _hash(token)).values(ended_at=now or utcnow()))


def end_user_sessions(conn: Connection, user_id: int) -> None:
    """End every session of a user."""
    conn.execute(update(UserSession).where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
                 .values(ended_at=utcnow()))


def log_personal_view(conn: Connection, user_id: int, unit_id: int) -> None:
    """Record that a user saw a unit's unmasked personal data."""
    log_personal_views(conn, user_id, [unit_id])


def log_personal_views(conn: Connection, user_id: int, unit_ids: list[int]) -> None:
    """Record that a user saw these units' unmasked personal data at once (a ledger export: one statement)."""
    if unit_ids:
        viewed_at = utcnow()
        conn.execute(insert(PersonalDataView),
                     [{"user_id": user_id, "unit_id": unit_id, "viewed_at": viewed_at} for unit_id in unit_ids])


def access_log(conn: Connection, limit: int = 500) -> list[dict]:
    """The newest views of personal data, with user and unit names."""
    return [dict(row._mapping) for row in conn.execute(
        select(PersonalDataView.viewed_at, User.username, Unit.id.label("unit_id"), Unit.label, Unit.building_id)
        .join(User, User.id == PersonalDataView.user_id).join(Unit, Unit.id == PersonalDataView.unit_id)
        .order_by(PersonalDataView.viewed_at.desc(), PersonalDataView.id.desc()).limit(limit))]


def _spend_one_time_password(conn: Connection, user_id: int) -> bool:
    """Mark a user's one-time password spent, if they have one; False when it is spent already (a spent one signs
    nobody in: another sign-in spent it since this one checked it; the update names the exact hash it read, so that
    only one of two concurrent sign-ins can spend it)."""
    stored = conn.execute(select(User.password_hash).where(User.id == user_id)).scalar() or ""
    if stored.startswith(SPENT):
        return False
    if not stored.startswith(ONE_TIME):
        return True
    spent = conn.execute(update(User).where(User.id == user_id, User.password_hash == stored)
                         .values(password_hash=SPENT + _bare(stored)))
    return spent.rowcount == 1


def _bare(stored: str) -> str:
    """A stored password hash without its one-time or spent mark."""
    return stored.removeprefix(ONE_TIME).removeprefix(SPENT)


def _expired(session, now: dt.datetime) -> bool:
    """Idle for too long, or open for too long."""
    return now - session.last_seen_at > IDLE_TIMEOUT or now - session.created_at > ABSOLUTE_TIMEOUT


def _area_paths(conn: Connection, user_id: int) -> tuple[str, ...]:
    """Materialised paths of a user's areas."""
    return tuple(conn.execute(select(Area.path).join(UserArea, UserArea.area_id == Area.id)
                              .where(UserArea.user_id == user_id).order_by(Area.path)).scalars())


def _set_areas(conn: Connection, user_id: int, area_ids: list[int]) -> None:
    """Replace a user's areas."""
    conn.execute(delete(UserArea).where(UserArea.user_id == user_id))
    if area_ids:
        conn.execute(insert(UserArea), [{"user_id": user_id, "area_id": area_id} for area_id in sorted(set(area_ids))])


def user_id_of(conn: Connection, username: str) -> int:
    """The id of a user by name (any case)."""
    user_id = conn.execute(select(User.id).where(func.lower(User.username) == username.lower())).scalar()
    if user_id is None:
        raise AccountError(f"no user {username!r}")
    return user_id


def _check_role(role: str) -> None:
    """Refuse unknown roles."""
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}; roles are {', '.join(ROLES)}")


def _hash(token: str) -> str:
    """SHA-256 of a session token."""
    return hashlib.sha256(token.encode()).hexdigest()


@functools.cache
def _dummy_hash() -> str:
    """A hash to verify against for unknown users, so that they cost as much time as known ones."""
    return HASHER.hash(secrets.token_urlsafe(16))
