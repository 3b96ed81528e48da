"""`python -m bench.mutation [--quick] [FILES...]`: mutmut over the data layer and the grid payload, in a scratch copy.

The tree is copied to a temporary folder (the working tree is never mutated), mutmut mutates FILES there (default:
every module of data/ and layouts/grid.py; --quick: the four held to 90 %) and runs, for each mutant, only the fast
SQLite tests of the data layer that reach the mutated function. Prints a score per file (killed / mutants; a mutant no
selected test reaches counts as a survivor) and each survivor's diff. A measurement, not a test: not in CI's run.
The survivors that no test can kill, and why, are listed in docs/mutation.md.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL_FILES = ("data/access.py", "data/validation.py", "data/ledger.py", "data/changes.py")
# The tests that hold each file to its rules; other files of data/ get the data layer's core tests.
TESTS = {
    "data/access.py": ("tests/test_access.py", "tests/test_access_rules.py"),
    "data/validation.py": ("tests/test_trust.py", "tests/test_validation_rules.py"),
    "data/ledger.py": ("tests/test_ledger.py", "tests/test_ledger_rules.py"),
    "data/changes.py": (
        "tests/test_change_command.py",
        "tests/test_schema_demo_queries.py",
        "tests/test_trust.py",
        "tests/test_rules.py",
        "tests/test_rollups.py",
        "tests/test_change_merge.py",
    ),
    "data/quarantine.py": ("tests/test_rules.py", "tests/test_change_merge.py"),
    "layouts/grid.py": ("tests/test_layouts.py",),
}
CORE_TESTS = (
    "tests/test_schema_demo_queries.py",
    "tests/test_change_command.py",
    "tests/test_trust.py",
    "tests/test_access.py",
)
# SQLite only; the threaded races and the property tests (which start PostgreSQL too) are left to the suite.
SELECTION = "not postgresql and not concurrent and not never_lose and not any_edits_bulk_edits"
COPIED = ("dashboard", "callbacks", "scripts", "assets", "pytest.ini")
SKIPPED = shutil.ignore_patterns(".venv", ".git", "instance", "mutants", "__pycache__", "*.db")
KILLED = {"killed", "timeout"}
RESULT = re.compile(r"^\s*(\S+): (.+)$")


def main(argv: list[str] | None = None) -> None:
    """Run mutmut on copies of the tree, one per set of tests, and print the scores and survivors."""
    args = _parser().parse_args(argv)
    files = args.files or (GOAL_FILES if args.quick else default_files())
    with tempfile.TemporaryDirectory(prefix="mutation-") as folder:
        copies, results = {}, {}
        for number, (tests, group) in enumerate(groups(files).items()):
            copy = Path(folder) / str(number)
            found = run_mutmut(copy, group, tests, args.workers)
            copies.update(dict.fromkeys(found, copy))
            results.update(found)
        print(score_table(results, files))
        print(unreached(results))
        for name in sorted(name for name, status in results.items() if status not in {*KILLED, "no tests"}):
            print(survivor_diff(copies[name], name, results[name]))


def _parser() -> argparse.ArgumentParser:
    """The command's options."""
    parser = argparse.ArgumentParser(prog="python -m bench.mutation", description=__doc__)
    parser.add_argument("files", nargs="*", help="source files to mutate, relative to the repository")
    parser.add_argument("--quick", action="store_true", help=f"only {', '.join(GOAL_FILES)}")
    parser.add_argument("--workers", type=int, default=2, help="mutants tested at once (default 2)")
    return parser


def default_files() -> list[str]:
    """Every module of data/ (not its migrations) and the grid payload."""
    return [str(path.relative_to(ROOT)) for path in sorted((ROOT / "data").glob("*.py"))] + ["layouts/grid.py"]


def groups(files: list[str]) -> dict[tuple[str, ...], list[str]]:
    """The files to mutate, grouped by the tests that hold them."""
    grouped = {}
    for file in files:
        grouped.setdefault(TESTS.get(file, CORE_TESTS), []).append(file)
    return grouped


def run_mutmut(copy: Path, files: list[str], tests: tuple[str, ...], workers: int) -> dict[str, str]:
    """mutmut on a fresh copy of the tree, mutating these files and running these tests; each mutant's status."""
    shutil.copytree(ROOT, copy, ignore=SKIPPED)
    present = [test for test in tests if (copy / test).exists()]
    (copy / "setup.cfg").write_text(mutmut_config(files, present))
    run = subprocess.run(
        [sys.executable, "-m", "mutmut", "run", "--max-children", str(workers)],
        cwd=copy,
        capture_output=True,
        text=True,
        check=False,
    )
    if run.returncode:
        stopped = f"mutmut stopped on {', '.join(files)} (its mutants stay 'not checked'):"
        print(f"{stopped}\n{run.stdout[-2000:]}", file=sys.stderr)
    return mutant_results(copy)


def mutmut_config(files: list[str], tests: list[str]) -> str:
    """setup.cfg's [mutmut] section: what to mutate, what else the tests import, which tests, SQLite only."""
    options = {
        "source_paths": ["data", "layouts"],
        "only_mutate": files,
        "also_copy": COPIED,
        "pytest_add_cli_args_test_selection": tests,
        # One process: mutmut maps tests to mutants in its own process, which pytest.ini's workers (-n auto) would hide.
        "pytest_add_cli_args": ["-n", "0", "-k", SELECTION],
    }
    return "[mutmut]\n" + "".join(
        f"{key} =\n" + "".join(f"    {value}\n" for value in values) for key, values in options.items()
    )


def mutant_results(copy: Path) -> dict[str, str]:
    """Each mutant's status, as mutmut records it."""
    listing = subprocess.run(
        [sys.executable, "-m", "mutmut", "results", "--all", "true"],
        cwd=copy,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {match[1]: match[2] for match in map(RESULT.match, listing.splitlines()) if match}


def module_file(mutant: str) -> str:
    """The source file of a mutant's name (data.changes.x_apply__mutmut_3 -> data/changes.py)."""
    return mutant.rsplit(".", 1)[0].replace(".", "/") + ".py"


def score_table(results: dict[str, str], files: list[str]) -> str:
    """One line per file: killed / mutants, the percentage, and the survivors by status."""
    rows = []
    for file in files:
        statuses = Counter(status for name, status in results.items() if module_file(name) == file)
        killed, total = sum(statuses[status] for status in KILLED), sum(statuses.values())
        others = ", ".join(f"{count} {status}" for status, count in statuses.items() if status not in KILLED)
        rows.append(f"{file:24} {killed:4} / {total:4}  {100 * killed / max(total, 1):5.1f} %  {others}")
    return "\n".join(rows)


def unreached(results: dict[str, str]) -> str:
    """The functions whose mutants no selected test reaches, with how many there are (no diff for each)."""
    functions = Counter(name.split("__mutmut_")[0] for name, status in results.items() if status == "no tests")
    lines = [f"{function}: {count} mutants no selected test reaches" for function, count in sorted(functions.items())]
    return "\n".join(lines)


def survivor_diff(copy: Path, name: str, status: str) -> str:
    """A survivor's name, status and the diff of its mutation."""
    diff = subprocess.run(
        [sys.executable, "-m", "mutmut", "show", name], cwd=copy, capture_output=True, text=True, check=False
    ).stdout
    return f"\n{name} ({status})\n" + "\n".join(line for line in diff.splitlines()[1:] if line.strip())


if __name__ == "__main__":
    main()
