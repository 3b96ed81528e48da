"""Command line: `python -m dashboard [run|demo|migrate|users|areas|import|undo|export|export-ledger] ...`."""
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

from dashboard import create_app, figure_downloads, print_pages
from dashboard.config import load_config, local_today, use_password_cost, uses_default_database
from dashboard.extensions import engine
from data import accounts, areas, changes, figures_export, ledger, ledger_export, queries, users, wall_chart
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
    except (accounts.AccountError, StructureRefused, wall_chart.NoBuilding, wall_chart.TooManyBuildings,
            ledger_export.NoArea, OSError) as error:
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
    undo_command = commands.add_parser("undo", help="undo a batch (an import): created units retired, others restored")
    undo_command.add_argument("batch", help="the batch id an import or edit printed")
    undo_command.add_argument("--as", dest="username", required=True, help="the active user who undoes it")
    undo_command.set_defaults(command=undo)
    _add_report_commands(commands.add_parser("export", help="wall charts and figures for print and for leaders: "
                                                            "chart, charts, figures, booklet"))
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


def _add_report_commands(command: argparse.ArgumentParser) -> None:
    """`export chart|charts|figures`: the files the building and area pages offer, for scheduled reports."""
    kinds = command.add_subparsers(title="files", metavar="FILE", required=True)
    chart = kinds.add_parser("chart", help="a building's wall chart (.xlsx)")
    chart.add_argument("building", type=int, help="the building's id")
    chart.add_argument("--as-of", dest="as_of", type=dt.date.fromisoformat, help="as it was at the end of a day")
    chart.set_defaults(command=export_chart)
    charts = kinds.add_parser("charts", help="an area's wall charts, one sheet a building, figures first (.xlsx)")
    charts.add_argument("area", help="the area: its id, path or unique name")
    charts.set_defaults(command=export_charts)
    figures = kinds.add_parser("figures", help="an area's figures and needs-attention lists (.xlsx or CSV)")
    figures.add_argument("area", help="the area: its id, path or unique name")
    figures.add_argument("--format", choices=figures_export.FORMATS, default="xlsx")
    figures.set_defaults(command=export_figures)
    booklet = kinds.add_parser("booklet", help="an area's PDF booklet: its figures, then one building a page")
    booklet.add_argument("area", help="the area: its id, path or unique name")
    booklet.set_defaults(command=export_booklet)
    for each in (chart, charts, figures, booklet):
        each.add_argument("--as", dest="username", required=True, help="the active user the file is read as")
        each.add_argument("--language", choices=accounts.LANGUAGES, default=accounts.LANGUAGES[0],
                          help="Chinese (the default) or English")
        each.add_argument("-o", "--output", type=Path, help="the file to write (default: its name and today)")


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
            if found.problems or args.dry_run or not (found.created or found.changes):
                print("nothing written" + (": the ledger has problems" if found.problems else ""))
                return 1 if found.problems else 0
            report = ledger.apply_ledger(conn, context, data, args.file.name, area_id, digest=found.digest)
    except (ledger.LedgerError, StructureRefused) as error:
        print(error, file=sys.stderr)
        return 1
    print(f"imported {report.rows} rows: {report.created} units created, {report.changed} changed")
    print(f"batch {report.batch_id} (python -m dashboard undo {report.batch_id} --as {args.username} takes it back)")
    return 0


def undo(args: argparse.Namespace) -> int:
    """Undo a batch (an import, a bulk edit): units it created are retired, the others get their values back."""
    try:
        with writing(_database()) as conn:
            context = ChangeContext(actor=accounts.active_account(conn, args.username),
                                    timezone=load_config()["TIMEZONE"])
            count = len(changes.undo_batch(conn, args.batch, context))
    except (changes.UnknownBatch, changes.UnknownUnit, changes.NotAllowed, changes.UndoRefused) as refusal:
        print(f"not undone: {refusal or type(refusal).__name__}", file=sys.stderr)
        return 1
    print(f"undone: {count} units as before batch {args.batch} (batch {context.batch_id})")
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


def export_chart(args: argparse.Namespace) -> int:
    """Write a building's wall chart as the user may see it."""
    config = load_config()
    if args.as_of and args.as_of > local_today(config):
        print(f"error: {args.as_of} is after today", file=sys.stderr)
        return 1
    with _database().connect() as conn:
        actor = accounts.active_account(conn, args.username)
        data = wall_chart.chart_xlsx(conn, actor, args.building, args.language, config["TIMEZONE"], args.as_of)
        name = queries.building(conn, args.building)["name"]
    return _written(args.output or Path(wall_chart.file_name(name, args.language, args.as_of or local_today(config))),
                    data)


def export_charts(args: argparse.Namespace) -> int:
    """Write an area's workbook of wall charts."""
    config = load_config()
    with _database().connect() as conn:
        actor, area_id = accounts.active_account(conn, args.username), areas.resolve(conn, args.area)
        data = wall_chart.area_workbook(conn, actor, area_id, args.language, config["TIMEZONE"])
        name = queries.area(conn, area_id)["name"]
    return _written(args.output or Path(wall_chart.file_name(name, args.language, local_today(config), area=True)),
                    data)


def export_figures(args: argparse.Namespace) -> int:
    """Write an area's figures as the user may see them (their views of personal data logged)."""
    config, gettext = load_config(), figure_downloads.catalog(args.language)
    with writing(_database()) as conn:  # the views are logged only once the file is written
        actor, area_id = accounts.active_account(conn, args.username), areas.resolve(conn, args.area)
        tables = figures_export.figures(conn, actor, area_id, args.language, config["TIMEZONE"])
        output = args.output or Path(figures_export.file_name(queries.area(conn, area_id)["name"], local_today(config),
                                                              args.format, gettext))
        return _written(output, figures_export.written(tables, args.format, gettext))


def export_booklet(args: argparse.Namespace) -> int:
    """Write an area's PDF booklet as the user may see it."""
    with _database().connect() as conn:
        actor, area_id = accounts.active_account(conn, args.username), areas.resolve(conn, args.area)
    # An app for its templates and catalogs only: nobody signs in to it, so a throwaway key will do.
    app = create_app({"SECRET_KEY": secrets.token_hex(32)})
    made = print_pages.booklet_for(app.server, actor, area_id, args.language)
    if made is None:
        print(f"error: there is no area {args.area} that {args.username} may see", file=sys.stderr)
        return 1
    name, data = made
    return _written(args.output or Path(name), data)


def _written(output: Path, data: bytes) -> int:
    """Write a file and say where."""
    output.write_bytes(data)
    print(f"wrote {output} ({len(data):,} bytes)")
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
