"""The command line: `main(argv)` in process as a user would call it, and once as `python -m dashboard` in a process."""
from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from argon2 import PasswordHasher, extract_parameters
from sqlalchemy import select

from dashboard import create_app
from dashboard.__main__ import first_start, main
from dashboard.config import load_config, use_password_cost
from dashboard.extensions import engine
from data import accounts
from data.db import make_engine
from data.demo import has_data
from data.models import StructureChange, User
from tests.helpers import TEST_HASH_COST

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def cli(tmp_path, monkeypatch, capsys):
    """Run `python -m dashboard ARGS` in process against a database file, with some standard input; returns
    (exit code, standard output, standard error)."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")

    def run(*args: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = main(list(args))
        printed = capsys.readouterr()
        return code, printed.out, printed.err
    return run


def stored_hash(database: Path, username: str) -> str:
    """The password hash stored for a user."""
    db = make_engine(f"sqlite:///{database}")
    with db.connect() as conn:
        stored = conn.execute(select(User.password_hash).where(User.username == username)).scalar_one()
    db.dispose()
    return stored


def test_python_m_dashboard_runs_the_command_line(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'm.db'}", "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-m", "dashboard", "migrate"], capture_output=True, text=True, env=env,
                            cwd=ROOT, timeout=120)
    assert result.returncode == 0 and "latest" in result.stdout, result.stderr
    assert (tmp_path / "m.db").exists()


def test_help_lists_the_commands(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    printed = capsys.readouterr().out
    for word in ("demo", "migrate", "--host", "--port"):
        assert word in printed


def test_demo_fills_once_and_resets_on_request(cli):
    code, out, err = cli("demo", "--today", "2020-03-01")
    assert code == 0, err
    assert "33 buildings" in out
    code, _, err = cli("demo")
    assert code == 1 and "--reset" in err
    code, out, err = cli("demo", "--reset", "--units", "5000")
    assert code == 0, err
    assert int(out.split(" units")[0].rsplit(" ", 1)[1]) >= 5000


def test_migrate_creates_the_schema(cli, tmp_path):
    code, out, _ = cli("migrate")
    assert code == 0 and "latest" in out
    assert (tmp_path / "cli.db").exists()


def test_users_are_managed_from_the_command_line(cli):
    assert cli("demo")[0] == 0
    code, _, err = cli("users", "add", "wang", "--role", "staff", "--area", "第一楼宇工作站",
                       stdin="a long enough password\n")
    assert code == 0, err
    code, _, err = cli("users", "add", "li", "--role", "leader", "--area", "3", stdin="short\n")
    assert code == 1 and "12 characters" in err
    code, _, err = cli("users", "add", "li", "--role", "leader", "--area", "nowhere", stdin="a long enough password\n")
    assert code == 1 and "matches 0" in err
    assert cli("users", "set-role", "wang", "leader")[0] == 0
    assert cli("users", "set-password", "wang", stdin="another long password\n")[0] == 0
    assert cli("users", "disable", "wang")[0] == 0
    listing = cli("users", "list")[1]
    assert re.search(r"wang\s+leader\s+disabled\s+第一楼宇工作站", listing)
    assert re.search(r"demo-viewer\s+viewer\s+active\s+鲁谷街道", listing)
    changes = [(action, before.get("role"), after["role"], after["active"]) for action, before, after in recorded(cli)]
    assert changes == [
        ("user.add", None, "staff", True), ("user.role", "staff", "leader", True),
        ("user.one_time_password", "leader", "leader", True), ("user.disable", "leader", "leader", False)]


def recorded(cli) -> list[tuple]:
    """The recorded changes to users, oldest first: action, data before, data after (never a password)."""
    db = make_engine(os.environ["DATABASE_URL"])
    with db.connect() as conn:
        rows = conn.execute(select(StructureChange.action, StructureChange.data_before, StructureChange.data_after,
                                   StructureChange.actor).where(StructureChange.subject == "user")
                            .order_by(StructureChange.id)).all()
    db.dispose()
    assert all(actor == "system" and "long" not in str(after) for *_, after, actor in rows)
    return [(action, before, after) for action, before, after, _actor in rows]


def test_demo_prints_one_user_per_role(cli):
    out = cli("demo")[1]
    for role in ("admin", "staff", "leader", "viewer"):
        assert re.search(rf"demo-{role}\s+{role}\s+\S{{12,}}", out)


def test_the_command_line_hashes_at_the_configured_cost(cli, tmp_path):
    assert cli("migrate")[0] == 0
    assert cli("users", "add", "boss", "--role", "admin", stdin="a long enough password\n")[0] == 0
    cost = extract_parameters(stored_hash(tmp_path / "cli.db", "boss"))
    assert (cost.time_cost, cost.memory_cost) == (int(TEST_HASH_COST["PASSWORD_HASH_TIME_COST"]),
                                                  int(TEST_HASH_COST["PASSWORD_HASH_MEMORY_COST"]))


@pytest.fixture
def production_cost(monkeypatch):
    """No PASSWORD_HASH_* in the environment, as in production; the suite's test cost comes back afterwards."""
    for key in TEST_HASH_COST:
        monkeypatch.delenv(key)
    yield
    monkeypatch.undo()
    use_password_cost(load_config())


def test_an_app_with_the_default_configuration_hashes_at_argon2s_default_cost(tmp_path, production_cost, capsys):
    first_start(create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'prod.db'}", "SECRET_KEY": "s"}))
    cost, default = extract_parameters(stored_hash(tmp_path / "prod.db", "admin")), PasswordHasher()
    assert (cost.time_cost, cost.memory_cost, cost.parallelism) == (
        default.time_cost, default.memory_cost, default.parallelism)
    assert (cost.time_cost, cost.memory_cost) == (3, 65536), "RFC 9106's low-memory choice, argon2-cffi's default"


def test_first_start_creates_the_demo_and_its_users_only_on_the_default_database(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    first_start(create_app())
    printed = capsys.readouterr().out
    assert "created the demo sub-district" in printed and "demo-leader" in printed
    assert (tmp_path / "instance" / "units.db").exists() and (tmp_path / "instance" / "secret_key").exists()
    other = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'prod.db'}", "SECRET_KEY": "s"})
    first_start(other)
    printed = capsys.readouterr().out
    assert "demo" not in printed and re.search(r"admin\s+admin\s+\S{12,}", printed)
    with other.server.app_context(), engine().connect() as conn:
        assert not has_data(engine()) and [u["username"] for u in accounts.list_users(conn)] == ["admin"]
    first_start(other)
    assert "administrator" not in capsys.readouterr().out
