"""Every module imports on its own, in a fresh interpreter (no import cycle hidden by the order tests import in)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bench", "callbacks", "dashboard", "data", "layouts", "scripts")


def modules() -> list[str]:
    """Every module of the app's packages (migrations are loaded by Alembic, not imported)."""
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                found.append(".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"))
    return found


def test_every_module_imports_on_its_own():
    running = {module: subprocess.Popen([sys.executable, "-c", f"import {module}"], cwd=ROOT, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE, text=True) for module in modules()}
    failed = {module: process.communicate(timeout=120)[1][-1000:] for module, process in running.items()}
    assert {module: error for module, error in failed.items() if running[module].returncode} == {}
