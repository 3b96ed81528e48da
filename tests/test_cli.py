"""The command line, run as a user would."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def cli(*args: str, database: Path) -> subprocess.CompletedProcess:
    """Run `python -m dashboard ARGS` against a database file."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "dashboard", *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)


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
