"""Command line: `python -m dashboard [run|demo|migrate|users|areas|import-ledger|export-ledger] ...`."""
from __future__ import annotations

import argparse
import datetime as dt
import getpass
import secrets
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine

from dashboard import create_app
from dashboard.config import load_config, local_today, use_password_cost, uses_default_database
from dashboard.extensions import engine
from data import accounts, areas, ledger, ledger_export, queries, users
from data.changes import ChangeContext
from data.db import make_engine, upgrade, writing
from data.demo import clear, create_demo, create_demo_users, has_data
from data.i18n import N_, Text
from data.models import UnitChange
from data.structure import StructureRefused, record

COMMENT_LIMIT = UnitChange.comment.type.length


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments and run the command."""
    args = parser().parse_args(argv)
    use_password_cost(load_config())
    try:
        return args.command(args)
    except (accounts.AccountError, StructureRefused) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


def parser() -> argparse.ArgumentParser:
    """The argument parser with one sub-command per task."""
    root = argparse.ArgumentParser(prog="python -m dashboard", description="Building floor-plan status dashboard.")
    _add_run_options(root)
    commands = root.add_subparsers(title="commands", metavar="COMMAND")
    _add_run_options(commands.add_parser("run", help="serve the app (the default command)"))
    demo_cmd = commands.add_parser("demo", help="fill the database with the demo sub-district and demo users")
    demo_cmd.add_argument("--units", type=int, help="make at least this many units (e.g. 1000000 for benchmarks)")
    demo_cmd.add_argument("--today", type=dt.date.fromisoformat, help="last day of the demo history (YYYY-MM-DD)")
    demo_cmd.add_argument("--reset", action="store_true", help="delete existing areas, buildings and units first")
    demo_cmd.set_defaults(command=demo)
    commands.add_parser("migrate", help="upgrade the database to the latest schema").set_defaults(command=migrate)
    _add_user_commands(commands.add_parser("users", help="manage users: add, list, set-role, set-password, disable"))
    _add_area_commands(commands.add_parser("areas", help="manage the area tree: add, list, rename, move, retire"))
    _add_import_command(commands.add_parser(
        "import", aliases=["import-ledger"],
        help="import a ledger (台账, .xlsx or .csv) into an area: preview it, then apply it as one batch or nothing"))
    _add_export_command(commands.add_parser("export-ledger", help="write an area's ledger (台账) as .xlsx or .csv"))
    return root


def _add_run_options(command: argparse.ArgumentParser) -> None:
    """Options of the default command, which serves the app."""
    command.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    command.add_argument("--port", type=int, default=8050, help="port to listen on (default 8050)")
    command.add_argument("--debug", action="store_true", help="Dash debug mode (never in production)")
    command.set_defaults(command=run)


def _add_user_commands(users: argparse.ArgumentParser) -> None:
    """The `users` sub-commands."""
    actions = users.add_subparsers(title="actions", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="add a user (password from standard input when it is not a terminal)")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=accounts.ROLES)
    add.add_argument("--area", action="append", default=[], help="area id or unique name; repeat for several")
    add.set_defaults(command=users_add)
    actions.add_parser("list", help="list users, roles and areas").set_defaults(command=users_list)
    role = actions.add_parser("set-role", help="change a user's role")
    role.add_argument("name")
    role.add_argument("role", choices=accounts.ROLES)
    role.set_defaults(command=users_set_role)
    password = actions.add_parser(
        "set-password", help="set a user's password (from standard input when not a terminal)"
    )
    password.add_argument("name")
    password.set_defaults(command=users_set_password)
    disable = actions.add_parser("disable", help="stop a user from signing in and end their sessions")
    disable.add_argument("name")
    disable.set_defaults(command=users_disable)


def _add_area_commands(group: argparse.ArgumentParser) -> None:
    """The `areas` sub-commands; AREA is an id, a path such as /1/2/3/ or a unique name."""
    actions = group.add_subparsers(title="actions", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="add an area and print its id")
    add.add_argument("name")
    add.add_argument("--parent", help="the area it belongs to (id, path or unique name)")
    add.add_argument("--kind", choices=areas.KINDS, help="default: the kind below the parent's")
    add.set_defaults(command=areas_add)
    actions.add_parser("list", help="list the areas in use as a tree").set_defaults(command=areas_list)
    rename = actions.add_parser("rename", help="rename an area")
    rename.add_argument("area")
    rename.add_argument("name")
    rename.set_defaults(command=areas_rename)
    move = actions.add_parser("move", help="move an area and everything under it under another area")
    move.add_argument("area")
    move.add_argument("--parent", required=True, help="the new parent area")
    move.set_defaults(command=areas_move)
    retire = actions.add_parser("retire", help="retire an area (deleted when nothing ever used it)")
    retire.add_argument("area")
    retire.set_defaults(command=areas_retire)


def _add_import_command(command: argparse.ArgumentParser) -> None:
    """Options of `import`."""
    command.add_argument("file", type=_existing_file,
                         help="the ledger: a header row (楼宇名称, 楼层, 房号, 状态... or English), a row per unit")
    command.add_argument("--as", dest="username", required=True, help="the active user the changes are made as")
    command.add_argument("--area", help="the area to import into (id, path or name); default: the user's one area")
    command.add_argument("--dry-run", action="store_true", help="print the preview and change nothing")
    command.add_argument("--comment", type=_comment, help="a comment stored with every change of the batch")
    command.set_defaults(command=import_ledger)


def _add_export_command(command: argparse.ArgumentParser) -> None:
    """Options of `export-ledger`."""
    command.add_argument("area", help="the area: its id, path or unique name")
    command.add_argument("--as", dest="username", required=True, help="the active user the ledger is read as")
    command.add_argument("--format", choices=ledger_export.FORMATS, help="default: the output's suffix, else xlsx")
    command.add_argument("--language", choices=accounts.LANGUAGES, default=accounts.LANGUAGES[0],
                         help="headers and labels in Chinese (the default) or English")
    command.add_argument("-o", "--output", type=Path, help="the file to write (default: the area's name and today)")
    command.set_defaults(command=export_ledger)


def _existing_file(name: str) -> Path:
    """The path of a file that exists."""
    if not Path(name).is_file():
        raise argparse.ArgumentTypeError(f"no file {name!r}")
    return Path(name)


def _comment(text: str) -> str:
    """A batch comment that fits its column."""
    if len(text) > COMMENT_LIMIT:
        raise argparse.ArgumentTypeError(f"at most {COMMENT_LIMIT} characters")
    return text


def run(args: argparse.Namespace) -> int:
    """Serve the app, after the first start's work."""
    app = create_app({"DEBUG": True} if args.debug else None)
    first_start(app)
    app.run(host=args.host, port=args.port, debug=app.server.config["DEBUG"])
    return 0


def first_start(app) -> None:
    """Fill an empty embedded default database with the demo and its users; make sure an administrator exists."""
    with app.server.app_context():
        if uses_default_database(app.server.config) and not has_data(engine()):
            _print_report(create_demo(engine()), "first start: created the demo sub-district")
            _print_passwords(create_demo_users(engine()), "demo users")
        _ensure_an_admin(engine())


def demo(args: argparse.Namespace) -> int:
    """Create the demo data and demo users in the configured database."""
    db = _database()
    if has_data(db) and not args.reset:
        print("The database already holds buildings; add --reset to replace them.", file=sys.stderr)
        return 1
    if args.reset:
        clear(db)
    started = time.perf_counter()
    report = create_demo(db, units=args.units, today=args.today)
    _print_report(report, f"created in {time.perf_counter() - started:.1f} s")
    _print_passwords(create_demo_users(db), "demo users")
    return 0


def migrate(_args: argparse.Namespace) -> int:
    """Upgrade the configured database to the latest migration."""
    _database()
    print("database is at the latest migration")
    return 0


def users_add(args: argparse.Namespace) -> int:
    """Add a user."""
    with _database().begin() as conn:
        areas = accounts.resolve_areas(conn, args.area)
        with _recorded(conn, "user.add", lambda: accounts.user_id_of(conn, args.name), {"password": "operator"}):
            accounts.create_user(conn, args.name, _read_password(), args.role, areas)
    print(f"added {args.role} {args.name}")
    return 0


@contextmanager
def _recorded(conn, action: str, user_of, extra: dict | None = None):
    """Record a change to a user made on the server (actor "system") as the administrators' pages record theirs."""
    before = _state_or_none(conn, user_of)
    yield
    user_id = user_of()
    record(conn, ChangeContext(accounts.SYSTEM), action, "user", user_id, before,
           {**users.user_state(conn, user_id), **(extra or {})})


def _state_or_none(conn, user_of) -> dict | None:
    """A user's recorded state, or None before the user exists."""
    try:
        return users.user_state(conn, user_of())
    except accounts.AccountError:
        return None


def users_list(_args: argparse.Namespace) -> int:
    """Print every user."""
    with _database().connect() as conn:
        for user in accounts.list_users(conn):
            state = "active" if user["active"] else "disabled"
            print(f"{user['username']:20} {user['role']:8} {state:8} {', '.join(user['areas']) or '(everywhere)'}")
    return 0


def users_set_role(args: argparse.Namespace) -> int:
    """Change a user's role."""
    with _database().begin() as conn:
        with _recorded(conn, "user.role", lambda: accounts.user_id_of(conn, args.name)):
            accounts.set_role(conn, args.name, args.role)
    print(f"{args.name} is now {args.role}")
    return 0


def users_set_password(args: argparse.Namespace) -> int:
    """Set a user's password."""
    with _database().begin() as conn:
        with _recorded(conn, "user.one_time_password", lambda: accounts.user_id_of(conn, args.name),
                       {"password": "operator"}):
            accounts.set_password(conn, args.name, _read_password())
    print(f"password of {args.name} changed; their sessions ended")
    return 0


def users_disable(args: argparse.Namespace) -> int:
    """Disable a user."""
    with _database().begin() as conn:
        with _recorded(conn, "user.disable", lambda: accounts.user_id_of(conn, args.name)):
            accounts.disable_user(conn, args.name)
    print(f"{args.name} is disabled; their sessions ended")
    return 0


def areas_add(args: argparse.Namespace) -> int:
    """Add an area; print its id."""
    with _database().begin() as conn:
        parent = areas.resolve(conn, args.parent) if args.parent else None
        print(areas.add_area(conn, _structure_context(), args.name, parent, args.kind))
    return 0


def areas_list(_args: argparse.Namespace) -> int:
    """Print the areas in use, each under its parent."""
    with _database().connect() as conn:
        for area in areas.live_areas(conn):
            print(f"{area['id']:>6} {area['kind']:12} {'  ' * area['depth']}{area['name']}  {area['path']}")
    return 0


def areas_rename(args: argparse.Namespace) -> int:
    """Rename an area."""
    with _database().begin() as conn:
        areas.rename_area(conn, _structure_context(), areas.resolve(conn, args.area), args.name)
    print(f"renamed to {args.name}")
    return 0


def areas_move(args: argparse.Namespace) -> int:
    """Move an area under another."""
    with _database().begin() as conn:
        area_id, parent = areas.resolve(conn, args.area), areas.resolve(conn, args.parent)
        areas.move_area(conn, _structure_context(), area_id, parent)
    print(f"area {area_id} moved under area {parent}")
    return 0


def areas_retire(args: argparse.Namespace) -> int:
    """Retire (or delete, when nothing ever used it) an area."""
    with _database().begin() as conn:
        area_id = areas.resolve(conn, args.area)
        print(f"area {area_id} {areas.retire_area(conn, _structure_context(), area_id)}")
    return 0


def _structure_context() -> ChangeContext:
    """Structural changes made at the command line: recorded as the system's."""
    return ChangeContext(actor=accounts.SYSTEM, timezone=load_config()["TIMEZONE"])


def import_ledger(args: argparse.Namespace) -> int:
    """Print a ledger's preview, then apply it as one import batch unless --dry-run; 1 when it has problems."""
    data = args.file.read_bytes()
    try:
        with writing(_database()) as conn:
            context = ChangeContext(actor=accounts.active_account(conn, args.username), source="import",
                                    comment=args.comment, timezone=load_config()["TIMEZONE"])
            area_id = _import_area(conn, context.actor, args.area)
            found = ledger.preview(conn, context.actor, data, args.file.name, area_id, today=context.today)
            print("\n".join(ledger.preview_lines(found)))
            if found.problems or args.dry_run:
                return 1 if found.problems else 0
            report = ledger.apply_ledger(conn, context, data, args.file.name, area_id, digest=found.digest)
    except (ledger.LedgerError, StructureRefused) as error:
        print(error, file=sys.stderr)
        return 1
    print(f"imported {report.rows} rows: {report.created} units created, {report.changed} changed")
    print(f"batch {report.batch_id}")
    return 0


def _import_area(conn, actor: accounts.Account, reference: str | None) -> int:
    """The area named, or the user's only area; StructureRefused when none is clear."""
    if reference:
        return areas.resolve(conn, reference)
    if len(actor.area_paths) != 1:
        raise StructureRefused(Text(N_("Give the area to import into with --area.")))
    return queries.path_ids(actor.area_paths[0])[-1]


def export_ledger(args: argparse.Namespace) -> int:
    """Write an area's ledger as the user sees it (their views of personal data logged)."""
    extension, config = args.format or _suffix_format(args.output), load_config()
    try:
        with writing(_database()) as conn:  # the views are logged only once the file is written
            actor, area_id = accounts.active_account(conn, args.username), areas.resolve(conn, args.area)
            ledger = ledger_export.ledger_rows(conn, actor, area_id, args.language, config["TIMEZONE"])
            name = queries.area(conn, area_id)["name"]
            output = args.output or Path(ledger_export.file_name(name, args.language, local_today(config), extension))
            output.write_bytes(ledger_export.written(ledger, extension))
    except (ledger_export.NoArea, OSError) as refused:
        print(f"error: {refused}", file=sys.stderr)
        return 1
    print(f"wrote {len(ledger[2])} units to {output}")
    return 0


def _suffix_format(output: Path | None) -> str:
    """The format an output file's suffix names, else xlsx."""
    suffix = output.suffix.lower().lstrip(".") if output else ""
    return suffix if suffix in ledger_export.FORMATS else "xlsx"


def _database() -> Engine:
    """The configured database, migrated."""
    db = make_engine(load_config()["DATABASE_URL"])
    upgrade(db)
    return db


def _read_password() -> str:
    """A password from standard input when piped, else typed twice at a prompt."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    password = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != password:
        raise accounts.AccountError("the two passwords differ")
    return password


def _ensure_an_admin(db: Engine) -> None:
    """With no users at all, create an administrator and print its random password once."""
    with db.begin() as conn:
        if accounts.has_users(conn):
            return
        password = secrets.token_urlsafe(12)
        accounts.create_user(conn, "admin", password, "admin")
    _print_passwords([("admin", "admin", password)], "first start: created an administrator")


def _print_report(report, what: str) -> None:
    """One line saying what the demo made."""
    print(f"{what}: {report.areas} areas, {report.buildings} buildings, {report.units} units, {report.changes} changes")


def _print_passwords(users: list[tuple[str, str, str]], what: str) -> None:
    """Print new passwords once: they are stored only as hashes."""
    print(f"{what} (passwords are shown only now):")
    for username, role, password in users:
        print(f"  {username:12} {role:7} {password}")


if __name__ == "__main__":
    sys.exit(main())
