"""Every module imports on its own, in a fresh interpreter (no import cycle hidden by the order tests import in)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bench", "callbacks", "dashboard", "data", "layouts", "scripts")
# A fresh interpreter loads the big third-party packages once, then forks a child per module that imports it: each child
# starts with none of the app's modules loaded (so a cycle among them still shows) and still runs every import of its
# module, at a fraction of the cost of one interpreter per module. It prints the modules that failed.
IMPORT_EACH = f"""
import importlib, os, sys, traceback
for name in ("alembic", "dash", "flask", "sqlalchemy"):
    importlib.import_module(name)
assert not [name for name in sys.modules if name.split(".")[0] in {set(PACKAGES)!r}]
for module in sys.argv[1:]:
    child = os.fork()
    if child == 0:
        try:
            importlib.import_module(module)
        except BaseException:
            traceback.print_exc()
            os._exit(1)
        os._exit(0)
    if os.waitpid(child, 0)[1]:
        print(module, flush=True)
"""


def modules() -> list[str]:
    """Every module of the app's packages (migrations are loaded by Alembic, not imported)."""
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                found.append(".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"))
    return found


def test_every_module_imports_on_its_own():
    result = subprocess.run([sys.executable, "-c", IMPORT_EACH, *modules()], cwd=ROOT, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0 and result.stdout.split() == [], result.stderr[-5000:]


def test_the_data_layer_imports_nothing_above_it():
    packages = ("callbacks", "dashboard", "layouts")
    above = tuple(f"{word} {package}" for word in ("from", "import") for package in packages)
    found = [(path.name, line.strip()) for path in sorted((ROOT / "data").rglob("*.py"))
             for line in path.read_text(encoding="utf-8").splitlines() if line.lstrip().startswith(above)]
    assert found == []
