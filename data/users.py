"""User management in the app: administrators add users, change their role or areas, disable them and give them
one-time passwords; every user changes their own password. The rules are data/accounts.py's (argon2id, 12+
characters, sessions end on every change); each change is recorded (data.structure.record) without any password or
hash. Nothing here authorises: the pages check that the actor is an administrator (or, for one's own password, signed
in)."""
from __future__ import annotations

from sqlalchemy import Connection, func, select

from data import accounts
from data.changes import ChangeContext
from data.i18n import N_, Text
from data.models import Area, User, UserArea
from data.structure import StructureRefused, record

USERNAME_LIMIT = User.username.type.length
PASSWORD_LIMIT = 1000
MAX_KEY = 2**31 - 1


def add_user(conn: Connection, ctx: ChangeContext, username: str, role: str, area_ids: list[int]) -> tuple[int, str]:
    """Add an active user with a role, areas and a one-time password; returns their id and the password (to be shown
    once: only its hash is stored)."""
    name = _check_new_name(conn, username)
    areas = _check_areas(conn, _check_role(role), area_ids)
    password = accounts.new_one_time_password()
    user_id = accounts.create_user(conn, name, password, role, areas, one_time=True)
    record(conn, ctx, "user.add", "user", user_id, None, {**user_state(conn, user_id), "password": "one-time"})
    return user_id, password


def change_role(conn: Connection, ctx: ChangeContext, user_id: int, role: str) -> None:
    """Give a user another role; their sessions end so that it applies at once."""
    before = _active_user(conn, user_id)
    _check_areas(conn, _check_role(role), before["areas"])
    if role == before["role"]:
        raise StructureRefused(Text(N_("%(name)s has this role already."), name=before["username"]))
    _check_not_self(ctx, user_id)
    _check_admin_remains(conn, before)
    accounts.set_role(conn, before["username"], role)
    record(conn, ctx, "user.role", "user", user_id, before, user_state(conn, user_id))


def change_areas(conn: Connection, ctx: ChangeContext, user_id: int, area_ids: list[int]) -> None:
    """Replace the areas a user covers; their sessions end so that the new scope applies at once."""
    before = _active_user(conn, user_id)
    areas = _check_areas(conn, before["role"], area_ids)
    if areas == before["areas"]:
        raise StructureRefused(Text(N_("%(name)s covers these areas already."), name=before["username"]))
    accounts.set_areas(conn, before["username"], areas)
    record(conn, ctx, "user.areas", "user", user_id, before, user_state(conn, user_id))


def disable(conn: Connection, ctx: ChangeContext, user_id: int) -> None:
    """Stop a user from signing in and end their sessions (never oneself, never the last active administrator)."""
    before = _active_user(conn, user_id)
    _check_not_self(ctx, user_id)
    _check_admin_remains(conn, before)
    accounts.disable_user(conn, before["username"])
    record(conn, ctx, "user.disable", "user", user_id, before, user_state(conn, user_id))


def give_one_time_password(conn: Connection, ctx: ChangeContext, user_id: int) -> str:
    """Replace a user's password with a one-time password (returned, to be shown once) and end their sessions."""
    before = _active_user(conn, user_id)
    password = accounts.set_one_time_password(conn, before["username"])
    record(conn, ctx, "user.one_time_password", "user", user_id, None, {"username": before["username"],
                                                                       "password": "one-time"})
    return password


def change_own_password(conn: Connection, ctx: ChangeContext, current: str, new: str) -> None:
    """The actor's new password, given their current one; every session of theirs ends (this one too)."""
    user_id = ctx.actor.id
    if not isinstance(current, str) or not accounts.password_matches(conn, user_id, current[:PASSWORD_LIMIT]):
        raise StructureRefused(Text(N_("The current password is not right.")))
    _check_password(new)
    if new == current:
        raise StructureRefused(Text(N_("The new password is the current one: choose another.")))
    accounts.set_password(conn, ctx.actor.username, new)
    record(conn, ctx, "user.password", "user", user_id, None, {"username": ctx.actor.username, "password": "own"})


def user_state(conn: Connection, user_id: int) -> dict | None:
    """What a record keeps of a user: name, role, area ids and whether they may sign in (never the password)."""
    row = conn.execute(select(User.username, User.role, User.active).where(User.id == user_id)).first()
    if row is None:
        return None
    areas = conn.execute(select(UserArea.area_id).where(UserArea.user_id == user_id).order_by(UserArea.area_id))
    return {"username": row.username, "role": row.role, "areas": list(areas.scalars()), "active": row.active}


def area_choices(conn: Connection) -> list[dict]:
    """The areas a user may be given (not retired), each with its id, name and the names above it, in path order."""
    rows = conn.execute(select(Area.id, Area.name, Area.path).where(Area.retired_at.is_(None))
                        .order_by(Area.path)).all()
    names = {row.id: row.name for row in rows}
    return [{"id": row.id, "name": row.name,
             "path_names": [names.get(int(part), "…") for part in row.path.strip("/").split("/")]} for row in rows]


def area_names(conn: Connection) -> dict[int, str]:
    """Every area's name by id (retired ones too: records name them)."""
    return {row.id: row.name for row in conn.execute(select(Area.id, Area.name))}


def _active_user(conn: Connection, user_id) -> dict:
    """The state of an active user, or a refusal."""
    state = user_state(conn, user_id) if _is_key(user_id) else None
    if state is None:
        raise StructureRefused(Text(N_("There is no such user.")))
    if not state["active"]:
        raise StructureRefused(Text(N_("%(name)s is disabled."), name=state["username"]))
    return state


def _check_new_name(conn: Connection, username) -> str:
    """A user name that is free (any case), without spaces around it, of 1 to 100 printable characters."""
    name = username.strip() if isinstance(username, str) else ""
    if not name or len(name) > USERNAME_LIMIT or not name.isprintable():
        raise StructureRefused(Text(N_("Give a user name of 1 to %(count)s characters."), count=USERNAME_LIMIT))
    if accounts.user_exists(conn, name):
        raise StructureRefused(Text(N_("A user named %(name)s exists already."), name=name))
    return name


def _check_role(role) -> str:
    """A known role."""
    if role not in accounts.ROLES:
        raise StructureRefused(Text(N_("Choose a role.")))
    return role


def _check_areas(conn: Connection, role: str, area_ids) -> list[int]:
    """Sorted distinct ids of areas that exist and are not retired; staff, leaders and viewers need one at least."""
    if not isinstance(area_ids, list) or not all(_is_key(i) for i in area_ids):
        raise StructureRefused(Text(N_("Choose areas from the list.")))
    wanted = sorted(set(area_ids))
    found = conn.execute(select(func.count()).select_from(Area)
                         .where(Area.id.in_(wanted), Area.retired_at.is_(None))).scalar_one() if wanted else 0
    if found != len(wanted):
        raise StructureRefused(Text(N_("An area chosen does not exist or is retired.")))
    if role != "admin" and not wanted:
        raise StructureRefused(Text(N_("Choose at least one area: only administrators work without one.")))
    return wanted


def _is_key(value) -> bool:
    """Whether a value can be a row id (a whole number a 32-bit key holds: PostgreSQL refuses larger ones)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_KEY


def _check_not_self(ctx: ChangeContext, user_id: int) -> None:
    """Administrators do not demote or disable themselves (another administrator does)."""
    if ctx.actor.id == user_id:
        raise StructureRefused(Text(N_("You cannot change your own role or disable yourself.")))


def _check_admin_remains(conn: Connection, before: dict) -> None:
    """Refuse what would leave no active administrator."""
    admins = conn.execute(select(func.count()).select_from(User)
                          .where(User.role == "admin", User.active.is_(True))).scalar_one()
    if before["role"] == "admin" and admins <= 1:
        raise StructureRefused(Text(N_("At least one active administrator must remain.")))


def _check_password(password) -> None:
    """A new password of 12 characters at least (and no longer than a sign-in reads)."""
    if not isinstance(password, str) or not accounts.MIN_PASSWORD_LENGTH <= len(password) <= PASSWORD_LIMIT:
        raise StructureRefused(Text(N_("A password needs %(least)s to %(most)s characters."),
                                    least=accounts.MIN_PASSWORD_LENGTH, most=PASSWORD_LIMIT))
