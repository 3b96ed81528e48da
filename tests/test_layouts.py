"""Layouts are pure functions: plain data in, components out."""
from __future__ import annotations

import datetime as dt
import json

from dashboard import ids
from dashboard.i18n import label, when
from data import colours
from layouts import building, bulk, common, due_list, overview, recent_changes, unit_panel
from layouts.grid import CELL_FIELDS, grid_payload
from scripts.dash_client import by_id, text_of
from tests.helpers import CATALOGUES, STATUSES, USES, cells_of

BUILDING = {"id": 7, "name": "鲁谷大厦", "address": "鲁谷路1号", "use": "mixed", "revision": 3, "area_id": 4}
ENTRANCES = [{"id": 1, "name": "商业裙楼", "position": 0}, {"id": 2, "name": "1单元", "position": 1}]
FLOORS = [
    {"id": 10, "entrance_id": 1, "label": "B1", "level": -1},
    {"id": 11, "entrance_id": 1, "label": "1", "level": 1},
    {"id": 20, "entrance_id": 2, "label": "2", "level": 2},
    {"id": 21, "entrance_id": 2, "label": "5", "level": 3},
]


def unit(uid, floor_id, entrance_id, position, label, status="healthy", use="home", day=1, end=None):
    """A unit row as queries.building_units returns it."""
    return {
        "id": uid,
        "floor_id": floor_id,
        "entrance_id": entrance_id,
        "position": position,
        "label": label,
        "use": use,
        "residents": 3,
        "staff": 0,
        "status": status,
        "status_since": dt.datetime(2020, 2, day, 9),
        "version": 2,
        "quarantine_end": end,
    }


UNITS = [
    unit(100, 10, 1, 0, "B101", "unverified", "firm", day=3),
    unit(101, 11, 1, 1, "商铺2", use="firm"),
    unit(102, 20, 2, 0, "201", "quarantined", day=5, end=dt.date(2020, 2, 19)),
    unit(103, 21, 2, 2, "503", use="mixed"),
]
TODAY = dt.date(2020, 3, 1)


def test_grid_payload_puts_the_top_floor_first_and_encodes_each_unit_compactly():
    payload = grid_payload(BUILDING, STATUSES, USES, ENTRANCES, FLOORS, UNITS, TODAY)
    assert payload["rows"] == ["5", "2", "1", "B1"]
    assert payload["entrances"] == [{"name": "商业裙楼", "width": 2}, {"name": "1单元", "width": 3}]
    assert (payload["base"], payload["epoch"], payload["revision"], payload["count"]) == (100, "2020-02-01", 3, 4)
    assert tuple(payload["cells"]) == CELL_FIELDS
    assert payload["cells"]["unit"] == [0, 1, 1, 1] and payload["labels"] == {"1": "商铺2"}
    drawn = [
        (
            c["unit"],
            c["row"],
            c["column"],
            c["position"],
            c["label"],
            c["status"],
            c["use"],
            c["people"],
            c["days"],
            c["version"],
        )
        for c in cells_of(json.loads(json.dumps(payload)))
    ]
    assert drawn == [
        (100, 3, 0, 0, "B101", 2, 1, 3, 2, 2),
        (101, 2, 0, 1, "商铺2", 0, 1, 3, 0, 2),
        (102, 1, 1, 0, "201", 1, 0, 3, 4, 2),
        (103, 0, 1, 2, "503", 0, 2, 3, 0, 2),
    ]
    assert payload["due"] == [2]
    assert payload["uses"] == [{"label": "Home", "mixed": False}, {"label": "Firm", "mixed": False},
                               {"label": "Firm and home", "mixed": True}]
    assert [
        u["mixed"] for u in grid_payload(BUILDING, STATUSES, USES[::-1], ENTRANCES, FLOORS, UNITS, TODAY)["uses"]
    ] == [True, False, False]
    assert grid_payload(BUILDING, STATUSES, USES, ENTRANCES, FLOORS, UNITS, dt.date(2020, 2, 19))["due"] == []
    assert [s["code"] for s in payload["statuses"]] == ["healthy", "quarantined", "unverified"]
    assert [s["ink"] for s in payload["statuses"]] == [colours.ink(s["color"]) for s in STATUSES]


def test_grid_payload_of_a_large_tower_stays_small():
    floors = [{"id": level, "entrance_id": 1, "label": str(level), "level": level} for level in range(1, 61)]
    units = [
        unit(10_000 + level * 40 + p, level, 1, p, f"{level}{p + 1:02d}") for level in range(1, 61) for p in range(40)
    ]
    payload = grid_payload(BUILDING, STATUSES, USES, ENTRANCES[:1], floors, units, TODAY)
    per_cell = len(json.dumps(payload, separators=(",", ":"))) / len(units)
    assert payload["count"] == 2_400 and [c["unit"] for c in cells_of(payload)] == [u["id"] for u in units]
    assert per_cell <= 20, f"{per_cell:.1f} bytes per cell"


def test_ink_reads_on_every_default_colour_at_wcag_aa():
    assert colours.ink("#FFD54F") == colours.DARK_INK
    assert colours.ink("#0D47A1") == colours.LIGHT_INK
    assert colours.contrast_ratio("#FFFFFF", "#000000") == 21
    for background in ("#FFD54F", "#E53935", "#1E88E5", "#43A047", "#FFFFFF", "#E0E0E0"):
        assert colours.contrast_ratio(colours.ink(background), background) >= 4.5, background


def test_ink_reads_at_wcag_aa_on_any_colour_a_catalogue_may_hold():
    steps = range(0, 256, 17)
    backgrounds = [f"#{r:02X}{g:02X}{b:02X}" for r in steps for g in steps for b in steps]
    assert min(colours.contrast_ratio(colours.ink(c), c) for c in backgrounds) >= 4.5


def test_status_bar_has_one_part_per_present_status_and_a_text_equivalent():
    bar = common.status_bar(STATUSES, {"healthy": 3, "quarantined": 1})
    widths = [part.style["width"] for part in bar.children]
    assert widths == ["75.00%", "25.00%"]
    assert bar.to_plotly_json()["props"]["aria-label"] == "H 3 · Q 1"


def test_building_page_carries_payload_ids_counts_and_breadcrumbs():
    payload = grid_payload(BUILDING, STATUSES, USES, ENTRANCES, FLOORS, UNITS, TODAY)
    trail = [{"id": 1, "kind": "city", "name": "北京市"}, {"id": 4, "kind": "workstation", "name": "第一楼宇工作站"}]
    parts = {
        "payload": payload,
        "legend": building.legend_items(STATUSES, {"healthy": 3, "quarantined": 1}),
        "recent": "none yet",
        "due": due_list.due_list(
            [{**UNITS[2], "entrance_name": "1单元"}], {s["code"]: s for s in STATUSES}, can_confirm=True
        ),
    }
    page = building.page(BUILDING, trail, parts, None, unit_panel.empty(), bulk.bulk_bar(STATUSES))
    assert by_id(page, ids.GRID_DATA).data is payload
    assert "Confirm: Healthy household" in text_of(by_id(page, ids.DUE_LIST))
    assert by_id(page, ids.confirm_button(102, 2)) is not None
    assert by_id(page, ids.GRID_HOST).to_plotly_json()["props"]["data-selection"] == ids.SELECTION
    assert by_id(page, ids.BULK_BAR).className == "bulk-dock d-none"
    assert by_id(page, ids.BUILDING_ID).data == 7
    assert by_id(page, ids.SELECTED_UNIT).data is None
    assert by_id(page, ids.GRID_HOST).to_plotly_json()["props"]["data-target"] == ids.SELECTED_UNIT
    words = text_of(page)
    assert "北京市" in words and "第一楼宇工作站" in words and "4 units" in words
    legend = by_id(page, ids.LEGEND)
    assert f"{label(STATUSES[1])} 1" in text_of(by_id(legend, ids.legend_item("quarantined")))
    assert f"{label(STATUSES[2])} 0" in text_of(by_id(legend, ids.legend_item("unverified")))


def test_unit_panel_shows_every_field_and_history_newest_first():
    row = {
        "id": 5,
        "label": "503",
        "entrance_name": "1单元",
        "floor_label": "5",
        "use": "mixed",
        "status": "quarantined",
        "status_since": dt.datetime(2020, 2, 20, 9, 13),
        "occupant_name": "黄娜",
        "residents": 2,
        "staff": 0,
        "contact_phone": "15343289213",
        "quarantine_start": dt.date(2020, 2, 20),
        "quarantine_end": dt.date(2020, 3, 5),
        "note": "needs groceries",
        "verified_at": None,
        "verified_by": None,
        "verified_source": None,
        "version": 2,
    }
    history = [
        {
            "changed_at": dt.datetime(2020, 2, 20, 9, 13),
            "actor": "刘洋",
            "source": "manual",
            "status_before": "unverified",
            "status_after": "quarantined",
            "data_before": {"status": "unverified", "quarantine_end": None},
            "data_after": {"status": "quarantined", "quarantine_end": "2020-03-05"},
        },
        {
            "changed_at": dt.datetime(2020, 2, 3, 3, 10),
            "actor": "台账导入",
            "source": "import",
            "status_before": None,
            "status_after": "unverified",
            "data_before": {},
            "data_after": {"status": "unverified"},
        },
    ]
    panel = unit_panel.panel(row, CATALOGUES, history)
    words = text_of(panel)
    quarantine = f"{when(dt.date(2020, 2, 20))} → {when(dt.date(2020, 3, 5))}"
    for expected in ("503", "1单元", "黄娜", "15343289213", quarantine, "needs groceries", "never",
                     CATALOGUES.uses["mixed"]["label_en"], "quarantine end: — → 2020-03-05", "ledger import", "new"):
        assert expected in words
    assert words.index("刘洋") < words.index("台账导入")


def test_unit_panel_placeholders():
    assert "Click a unit" in text_of(unit_panel.empty())
    assert "no unit 99" in text_of(unit_panel.not_found(99))


def test_overview_groups_buildings_by_area_and_says_when_nothing_matches():
    buildings = [
        {
            "id": 1,
            "name": "A",
            "address": "a",
            "use": "commercial",
            "area_id": 4,
            "area_name": "第一楼宇工作站",
            "parent_name": "鲁谷街道",
        },
        {
            "id": 2,
            "name": "B",
            "address": "b",
            "use": "mixed",
            "area_id": 4,
            "area_name": "第一楼宇工作站",
            "parent_name": "鲁谷街道",
        },
        {
            "id": 3,
            "name": "C",
            "address": "c",
            "use": "mixed",
            "area_id": 9,
            "area_name": "第一楼宇工作站",
            "parent_name": "第2街道",
        },
    ]
    counts = {1: {"healthy": 2}, 2: {"quarantined": 1}, 3: {}}
    groups = overview.building_groups(STATUSES, buildings, counts, limit=300)
    assert len(groups) == 2
    assert "鲁谷街道 › 第一楼宇工作站  2 buildings · 3 units" in text_of(groups[0])
    assert "第2街道 › 第一楼宇工作站" in text_of(groups[1])
    assert "No building matches" in text_of(overview.building_groups(STATUSES, [], {}, limit=300)[0])
    assert "first 3 buildings" in text_of(overview.building_groups(STATUSES, buildings, counts, limit=3)[-1])


def test_recent_changes_offer_undo_only_to_editors():
    changes = [{"unit_id": unit_id, "label": label, "entrance_name": "1单元", "status_before": "unverified",
                "status_after": "healthy", "data_before": {"status": "unverified"}, "data_after": {"status": "healthy"}}
               for unit_id, label in ((1, "101"), (2, "102"))]
    batch = {"batch_id": "b1", "changed_at": dt.datetime(2020, 3, 1, 9), "actor": "王芳", "source": "manual",
             "comment": "door-knock round 3", "count": 2, "moves": [("unverified", "healthy")], "changes": changes}
    editable = recent_changes.recent([batch], CATALOGUES, can_undo=True)
    assert "2 units 1单元 101, 1单元 102: Unverified → Healthy household" in text_of(editable)
    assert "door-knock round 3" in text_of(editable)
    assert by_id(editable, ids.undo_button("b1")) is not None
    try:
        by_id(recent_changes.recent([batch], CATALOGUES, can_undo=False), ids.undo_button("b1"))
        raise AssertionError("a read-only user got an undo button")
    except LookupError:
        pass
    assert "No changes yet" in text_of(recent_changes.recent([], CATALOGUES, can_undo=True))
