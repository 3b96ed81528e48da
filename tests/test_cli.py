"""The command line, run as a user would."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from dashboard import create_app
from dashboard.__main__ import first_start
from dashboard.extensions import engine
from data import accounts
from data.demo import has_data

ROOT = Path(__file__).resolve().parent.parent


def cli(*args: str, database: Path, stdin: str = "") -> subprocess.CompletedProcess:
    """Run `python -m dashboard ARGS` against a database file, with some standard input."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "dashboard", *args], capture_output=True, text=True, env=env, cwd=ROOT,
                          input=stdin, timeout=120)


def test_help_lists_the_commands(tmp_path):
    result = cli("--help", database=tmp_path / "x.db")
    assert result.returncode == 0
    for word in ("demo", "migrate", "--host", "--port"):
        assert word in result.stdout


def test_demo_fills_once_and_resets_on_request(tmp_path):
    database = tmp_path / "demo.db"
    first = cli("demo", "--today", "2020-03-01", database=database)
    assert first.returncode == 0, first.stderr
    assert "33 buildings" in first.stdout
    again = cli("demo", database=database)
    assert again.returncode == 1 and "--reset" in again.stderr
    scaled = cli("demo", "--reset", "--units", "5000", database=database)
    assert scaled.returncode == 0, scaled.stderr
    assert int(scaled.stdout.split(" units")[0].rsplit(" ", 1)[1]) >= 5000


def test_migrate_creates_the_schema(tmp_path):
    result = cli("migrate", database=tmp_path / "m.db")
    assert result.returncode == 0 and "latest" in result.stdout
    assert (tmp_path / "m.db").exists()


def test_users_are_managed_from_the_command_line(tmp_path):
    database = tmp_path / "users.db"
    assert cli("demo", database=database).returncode == 0
    added = cli("users", "add", "wang", "--role", "staff", "--area", "第一楼宇工作站", database=database, stdin="a long enough password\n")
    assert added.returncode == 0, added.stderr
    short = cli("users", "add", "li", "--role", "leader", "--area", "3", database=database, stdin="short\n")
    assert short.returncode == 1 and "12 characters" in short.stderr
    ambiguous = cli("users", "add", "li", "--role", "leader", "--area", "nowhere", database=database, stdin="a long enough password\n")
    assert ambiguous.returncode == 1 and "matches 0" in ambiguous.stderr
    assert cli("users", "set-role", "wang", "leader", database=database).returncode == 0
    assert cli("users", "set-password", "wang", database=database, stdin="another long password\n").returncode == 0
    assert cli("users", "disable", "wang", database=database).returncode == 0
    listing = cli("users", "list", database=database).stdout
    assert re.search(r"wang\s+leader\s+disabled\s+第一楼宇工作站", listing)
    assert re.search(r"demo-viewer\s+viewer\s+active\s+鲁谷街道", listing)


def test_demo_prints_one_user_per_role(tmp_path):
    result = cli("demo", database=tmp_path / "d.db")
    for role in ("admin", "staff", "leader", "viewer"):
        assert re.search(rf"demo-{role}\s+{role}\s+\S{{12,}}", result.stdout)


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
