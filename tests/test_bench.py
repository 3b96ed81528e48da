"""`python -m bench --json` at a tiny scale: every figure the issue names is a number on both backends."""
from __future__ import annotations

import json
import shutil

from bench.__main__ import EXTRA, FIGURES, main, table
from tests.helpers import skip_or_fail


def test_bench_json_has_every_figure_on_both_backends(capsys, postgres_cluster):
    if not shutil.which("chromedriver"):
        skip_or_fail("no chromedriver on PATH (apt-get install chromium chromium-driver)")
    main(["--json", "--units", "3000", "--runs", "1", "--import-rows", "200"])
    report = json.loads(capsys.readouterr().out)
    for backend in ("sqlite", "postgresql"):
        missing = {name: report[backend].get(name) for name in FIGURES + EXTRA
                   if not isinstance(report[backend].get(name), (int, float))}
        assert missing == {}, backend
        assert 10 < report[backend]["grid_bytes_per_cell"] <= 20
    assert report["datasette_counts_ms"] > 0 and report["app_counts_ms"] > 0 and report["datasette_ratio"] > 0
    assert any("Datasette" in note for note in report["notes"]) and any("200 rows" in note for note in report["notes"])


def test_the_table_marks_missed_goals_and_missing_figures():
    report = {"units": 10, "runs": 1, "notes": ["n"],
              "sqlite": {"grid_draw_ms": 250, "unit_panel_ms": 90, "edit_ms": 30},
              "postgresql": {"grid_draw_ms": 150, "unit_panel_ms": 200, "edit_ms": 60},
              "datasette_counts_ms": 30.0, "app_counts_ms": 4.0, "datasette_ratio": 7.5}
    lines = table(report).splitlines()
    assert next(line for line in lines if line.startswith("grid_draw_ms")).endswith("<= 200: MISSED, ok")
    assert next(line for line in lines if line.startswith("unit_panel_ms")).endswith("<= 200: ok, ok")
    assert next(line for line in lines if line.startswith("edit_ms")).endswith("<= 20 (sqlite): MISSED")
    summary = next(line for line in lines if line.startswith("summary_counts_ms"))
    assert summary.endswith("<= 50: not measured, not measured")
    assert next(line for line in lines if line.startswith("datasette_ratio")).endswith(">= 10: MISSED")
    assert lines[-1] == "note: n"
