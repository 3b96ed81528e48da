"""Ledger (台账) import end to end on both backends: a messy real-looking workbook or CSV previewed (changing nothing,
naming every problem by sheet row and column) and applied into an empty area as one batch, all rows or none; matched
against existing units, undone, imported again; and the command line."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest
from sqlalchemy import func, select, update

from dashboard.__main__ import main
from data import accounts, areas, changes
from data.accounts import SYSTEM, Account
from data.changes import ChangeContext, UnitEdit, apply_edits, undo_batch
from data.db import writing
from data.ledger import apply_ledger, keep_mapping, preview, preview_lines
from data.ledger_columns import header_key
from data.ledger_problems import LedgerError
from data.models import Area, AreaCount, Building, Entrance, Floor, LedgerMapping, StructureChange, Unit, UnitChange
from tests.helpers import ADMIN, LEADER, STAFF
from tests.references import rollups_match

# The ledger's day: a quarantine may start on it, not after.
AT = dt.datetime(2020, 3, 14, 2, 0)
TODAY = dt.date(2020, 3, 14)
HEADER = ["序号", "楼宇名称", "单元", "楼层", "房号", "使用性质", "单位/住户名称", "人数", "联系电话", "状态",
          "隔离开始", "隔离结束", "备注"]
TITLE = "鲁谷街道商务楼宇疫情防控台账"
FILLED_BY = "填报单位：第一楼宇工作站        填报日期：2020年3月14日"
HYPERLINK = '=HYPERLINK("http://example.com/1502","照片")'
EXCEL_DAY = "xl:2020-03-01"  # an Excel date: a date cell in .xlsx, its day number (43891) in CSV
# The rows of a workstation's ledger (below two title rows and the header, from sheet row 4), written as people do.
MESSY = [
    ["1", "新华家园３号楼", "1单元", "15层", "１５０１", "住宅", "张伟", "３", "138 0013 8000", "居家隔离", EXCEL_DAY,
     "", ""],
    ["2", "新华家园3号楼", "一单元", "15", "1502", "住宅", "李娜", "2", "13900139000", "健康", "", "", HYPERLINK],
    ["3", "新华家园3号楼", "1", "15F", "1503室", "住宅", "", "", "", "空置", "", "", ""],
    [],
    ["4", "新华家园 3号楼", "2单元", "3", "301", "住宅", "王芳", "4", "010 6888 1234", "Home quarantine", "2020/03/14",
     "", ""],
    ["5", "新华家园3号楼", "2单元", "3层", "302", "企住一体", "赵强", "2", "", "隔", "2020年3月10日", "2020.3.20", ""],
    ["6", "新华家园3号楼", "2单元", "3", "303", "住宅", "", "1", "", "healthy", "", "", ""],
    ["7", "新华家园3号楼", "2单元", "3", "304", "住宅", "孙丽", "1", "", "quarantined", "2020-03-05", "2020-03-19", ""],
    ["8", "金融街中心", "", "地下1层", "B101", "商铺", "便利店", "3", "13600136000", "已复工", "", "", ""],
    ["9", "金融街中心", "", "B1", "b102", "商铺", "咖啡馆", "2", "", "未复工", "", "", ""],
    ["10", "金融街中心", "", "-1", "B103", "商铺", "", "", "", "空置", "", "", ""],
    ["11", "金融街中心", "", "5", "501", "办公", "某某科技有限公司", "12", "", "Reopened", "", "", ""],
    ["12", "金融街中心", "", "5", "502", "办公", "", "", "", "待核实", "", "", ""],
    ["13", "金融街中心", "", "5", "503", "办公", "某某律师事务所", "8", "", "Not reopened", "", "", ""],
]
FIRST_ROW = 4
EMPTY_ROWS = (7, 18)
TOTAL_ROW = 19
TOTAL = ["合计", "", "", "", "", "", "", "=SUM(H4:H17)"]
# What the messy ledger creates: (building, entrance, floor label, level, unit, use, status, residents, staff,
# occupant, phone, quarantine start, quarantine end, note).
A, B = "新华家园3号楼", "金融街中心"
Q1, Q2 = dt.date(2020, 3, 1), dt.date(2020, 3, 15)
CREATED = sorted([
    (A, "1单元", "15", 15, "1501", "home", "quarantined", 3, 0, "张伟", "13800138000", Q1, Q2, ""),
    (A, "1单元", "15", 15, "1502", "home", "healthy", 2, 0, "李娜", "13900139000", None, None, HYPERLINK),
    (A, "1单元", "15", 15, "1503", "home", "vacant", 0, 0, "", "", None, None, ""),
    (A, "2单元", "3", 3, "301", "home", "quarantined", 4, 0, "王芳", "01068881234", TODAY, dt.date(2020, 3, 28), ""),
    (A, "2单元", "3", 3, "302", "mixed", "quarantined", 2, 0, "赵强", "", dt.date(2020, 3, 10), dt.date(2020, 3, 20),
     ""),
    (A, "2单元", "3", 3, "303", "home", "healthy", 1, 0, "", "", None, None, ""),
    (A, "2单元", "3", 3, "304", "home", "quarantined", 1, 0, "孙丽", "", dt.date(2020, 3, 5), dt.date(2020, 3, 19), ""),
    (B, "1单元", "B1", -1, "B101", "firm", "reopened", 0, 3, "便利店", "13600136000", None, None, ""),
    (B, "1单元", "B1", -1, "B102", "firm", "not_reopened", 0, 2, "咖啡馆", "", None, None, ""),
    (B, "1单元", "B1", -1, "B103", "firm", "vacant", 0, 0, "", "", None, None, ""),
    (B, "1单元", "5", 5, "501", "firm", "reopened", 0, 12, "某某科技有限公司", "", None, None, ""),
    (B, "1单元", "5", 5, "502", "firm", "unverified", 0, 0, "", "", None, None, ""),
    (B, "1单元", "5", 5, "503", "firm", "not_reopened", 0, 8, "某某律师事务所", "", None, None, ""),
])
UNIT_FIELDS = (Building.name, Entrance.name, Floor.label, Floor.level, Unit.label, Unit.use, Unit.status,
               Unit.residents, Unit.staff, Unit.occupant_name, Unit.contact_phone, Unit.quarantine_start,
               Unit.quarantine_end, Unit.note)
KINDS = ("xlsx", "utf-8", "utf-8-sig", "gbk")
# The demo's first workstation (area 4, which STAFF covers): building 1 and its entrances.
DEMO_BUILDING = "鲁谷大厦1号楼"


def sheet_rows(rows: list[list]) -> list[list]:
    """The whole sheet: two title rows, the header, the rows, an empty row and the total row."""
    return [[TITLE], [FILLED_BY], HEADER, *rows, [], TOTAL]


def workbook_bytes(rows: list[list]) -> bytes:
    """The sheet as an .xlsx: the title merged across the header, counts as numbers, EXCEL_DAY as a date cell,
    formulas as formulas."""
    book = openpyxl.Workbook()
    sheet = book.active
    for row in sheet_rows(rows):
        sheet.append([_xlsx_value(cell) for cell in row])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(HEADER))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_value(cell: str):
    """A cell as a spreadsheet holds it: a date, a number or text."""
    if cell.startswith("xl:"):
        return dt.datetime.fromisoformat(cell[3:])
    return int(cell) if cell.isascii() and cell.isdigit() else cell or None


def csv_bytes(rows: list[list], encoding: str) -> bytes:
    """The sheet as CSV in an encoding, EXCEL_DAY as its Excel day number."""
    out = io.StringIO()
    csv.writer(out).writerows([[_csv_value(cell) for cell in row] for row in sheet_rows(rows)])
    return out.getvalue().encode(encoding)


def _csv_value(cell: str) -> str:
    """A cell as CSV text."""
    if cell.startswith("xl:"):
        return str((dt.date.fromisoformat(cell[3:]) - dt.date(1899, 12, 30)).days)
    return cell


def ledger_file(kind: str, rows: list[list] = MESSY) -> tuple[bytes, str]:
    """The ledger's bytes and file name: .xlsx, or CSV in UTF-8, UTF-8 with a BOM or GBK."""
    if kind == "xlsx":
        return workbook_bytes(rows), "台账.xlsx"
    return csv_bytes(rows, kind), "台账.csv"


def context(actor=STAFF, at: dt.datetime = AT) -> ChangeContext:
    """An import's change context on the ledger's day."""
    return ChangeContext(actor=actor, source="import", at=at)


def new_area(engine, name: str = "新华社区", parent: int = 4) -> int:
    """An empty area under the first workstation (STAFF covers it)."""
    with writing(engine) as conn:
        return areas.add_area(conn, ChangeContext(actor=SYSTEM), name, parent)


def previewed(engine, data: bytes, filename: str, area_id: int, actor=STAFF, **options):
    """The preview of a file on the ledger's day."""
    with engine.connect() as conn:
        return preview(conn, actor, data, filename, area_id, today=TODAY, **options)


def applied(engine, data: bytes, filename: str, area_id: int, ctx: ChangeContext | None = None, **options):
    """Apply a file in one write transaction; the report."""
    with writing(engine) as conn:
        return apply_ledger(conn, ctx or context(), data, filename, area_id, **options)


def units_of(engine, area_id: int) -> list[tuple]:
    """The area's active units as CREATED lists them, sorted."""
    query = (select(*UNIT_FIELDS).join(Building, Building.id == Unit.building_id)
             .join(Entrance, Entrance.id == Unit.entrance_id).join(Floor, Floor.id == Unit.floor_id)
             .where(Building.area_id == area_id))
    with engine.connect() as conn:
        return sorted(tuple(row) for row in conn.execute(query.where(Unit.retired_at.is_(None))))


def state(engine) -> dict:
    """All an import may change: every unit's values, version and verification, the history, the structure records,
    buildings, entrances, floors and the mappings kept."""
    with engine.connect() as conn:
        return {
            "units": sorted(tuple(row) for row in conn.execute(select(Unit.__table__))),
            "history": conn.execute(select(func.count()).select_from(UnitChange)).scalar_one(),
            "structure": conn.execute(select(func.count()).select_from(StructureChange)).scalar_one(),
            "places": [conn.execute(select(func.count()).select_from(model)).scalar_one()
                       for model in (Building, Entrance, Floor, LedgerMapping)],
            "rollups": rollups_match(conn),
        }


def problem_keys(problems) -> list[tuple]:
    """Problems as (row, column, message template): what a test may rely on, whatever the language."""
    return [(problem.row, problem.column, problem.message.template) for problem in problems]


# Creating from a messy ledger


@pytest.mark.parametrize("kind", KINDS)
def test_a_messy_ledger_creates_its_buildings_in_an_empty_area(demo_engine, kind):
    area_id = new_area(demo_engine)
    data, filename = ledger_file(kind)
    found = previewed(demo_engine, data, filename, area_id)
    assert found.problems == () and found.header_row == 3
    assert found.counts == {"buildings": 2, "entrances": 3, "floors": 4, "units": 13, "changed": 0}
    assert [(s.row, s.reason.template) for s in found.skipped] == [
        (7, "an empty row"), (18, "an empty row"), (TOTAL_ROW, "a total row")]
    ctx = context()
    report = applied(demo_engine, data, filename, area_id, ctx, digest=found.digest)
    assert (report.rows, report.created, report.changed, report.unchanged, report.batch_id) == (
        13, 13, 0, 0, ctx.batch_id)
    assert units_of(demo_engine, area_id) == CREATED
    with demo_engine.connect() as conn:
        buildings = conn.execute(select(Building.name, Building.use).where(Building.area_id == area_id)).all()
        assert sorted(buildings) == [(A, "mixed"), (B, "commercial")]
        history = conn.execute(select(UnitChange.batch_id, UnitChange.source, UnitChange.actor,
                                      UnitChange.status_before, UnitChange.status_after)
                               .join(Building, Building.id == UnitChange.building_id)
                               .where(Building.area_id == area_id)).all()
        assert sorted(history, key=str) == sorted(
            [(ctx.batch_id, "import", "wang", None, row[6]) for row in CREATED], key=str)
        actions = conn.execute(select(StructureChange.action, StructureChange.actor)
                               .where(StructureChange.changed_at == AT)).all()
        assert sorted(actions) == [("building.create", "wang")] * 2
        assert rollups_match(conn)


def test_the_area_counts_hold_the_new_units(demo_engine):
    area_id = new_area(demo_engine)
    applied(demo_engine, *ledger_file("xlsx"), area_id)
    with demo_engine.connect() as conn:
        counted = conn.execute(select(func.sum(AreaCount.units), func.sum(AreaCount.residents),
                                      func.sum(AreaCount.staff)).where(AreaCount.area_id == area_id)).one()
        assert tuple(counted) == (13, sum(row[7] for row in CREATED), sum(row[8] for row in CREATED))


# Preview


BAD_ROWS = [
    ["14", A, "2单元", "3", "305", "住宅", "", "", "", "睡觉", "", "", ""],
    ["15", A, "2单元", "", "306", "住宅", "", "1", "", "健康", "", "", ""],
    ["16", A, "2单元", "3", "307", "住宅", "", "三个人", "", "健康", "", "", ""],
    ["17", A, "一单元", "15层", "1501", "住宅", "", "", "", "健康", "", "", ""],
    ["18", A, "2单元", "3", "308", "住宅", "", "1", "", "居家隔离", "2099-03-20", "", ""],
]


def test_a_preview_changes_nothing_and_names_every_problem_by_sheet_row_and_column(demo_engine):
    area_id = new_area(demo_engine)
    data, filename = ledger_file("xlsx", MESSY + BAD_ROWS)
    before = state(demo_engine)
    found = previewed(demo_engine, data, filename, area_id)
    assert state(demo_engine) == before
    first_bad = FIRST_ROW + len(MESSY)
    assert problem_keys(found.problems) == [
        (first_bad, "状态", "%(text)s is not a status; the statuses are %(choices)s"),
        (first_bad + 1, "楼层", "required"),
        (first_bad + 2, "人数", "%(text)s is not a number of people: write a whole number like 3"),
        (first_bad + 3, "房号", "the same unit as row %(row)s"),
        (first_bad + 4, "隔离开始", "cannot start after today (%(today)s)"),
    ]
    assert found.problems[3].message.values == {"row": FIRST_ROW}
    assert [s.row for s in found.skipped] == [7, first_bad + 5, first_bad + 6]
    lines = preview_lines(found)
    assert [str(problem) for problem in found.problems] == lines[-5:]
    assert any(line.startswith(f"row {first_bad + 6}: skipped") for line in lines)
    with pytest.raises(LedgerError) as refused:
        applied(demo_engine, data, filename, area_id)
    assert problem_keys(refused.value.problems) == problem_keys(found.problems)
    assert state(demo_engine) == before


@pytest.mark.parametrize("bad", range(len(BAD_ROWS)))
def test_one_bad_row_keeps_the_whole_ledger_out(demo_engine, bad):
    area_id = new_area(demo_engine)
    before = state(demo_engine)
    with pytest.raises(LedgerError) as refused:
        applied(demo_engine, *ledger_file("utf-8", MESSY + [BAD_ROWS[bad]]), area_id)
    assert [problem.row for problem in refused.value.problems] == [FIRST_ROW + len(MESSY)]
    assert state(demo_engine) == before


# Applying again, matching, refusing


def test_the_same_ledger_again_changes_nothing(demo_engine):
    area_id = new_area(demo_engine)
    data, filename = ledger_file("xlsx")
    applied(demo_engine, data, filename, area_id)
    before = state(demo_engine)
    again = previewed(demo_engine, data, filename, area_id)
    assert (again.created, again.changes, again.unchanged, again.problems) == ((), (), 13, ())
    report = applied(demo_engine, data, filename, area_id, context(at=AT + dt.timedelta(hours=1)))
    assert (report.created, report.changed, report.unchanged) == (0, 0, 13)
    assert state(demo_engine) == before
    gbk = ledger_file("gbk")
    assert applied(demo_engine, *gbk, area_id, context(at=AT + dt.timedelta(hours=2))).unchanged == 13
    assert state(demo_engine) == before


def demo_units(conn, building: str = DEMO_BUILDING, entrance: str = "1单元") -> list[dict]:
    """The active units of a demo building's entrance with their floor labels, lowest floor first."""
    return [dict(row._mapping) for row in conn.execute(
        select(Unit.id, Unit.label, Unit.use, Unit.status, Unit.version, Unit.residents, Unit.staff, Unit.note,
               Floor.label.label("floor"), Floor.level)
        .join(Floor, Floor.id == Unit.floor_id).join(Entrance, Entrance.id == Unit.entrance_id)
        .join(Building, Building.id == Unit.building_id)
        .where(Building.name == building, Entrance.name == entrance, Unit.retired_at.is_(None))
        .order_by(Floor.level, Unit.position))]


def demo_row(building: str, entrance: str, floor: str, unit: str, status: str = "", count: str = "",
             note: str = "", use: str = "") -> list[str]:
    """A ledger row under HEADER naming a unit."""
    return ["", building, entrance, floor, unit, use, "", count, "", status, "", "", note]


def test_existing_units_are_matched_after_normalisation(demo_engine):
    with demo_engine.connect() as conn:
        homes = [unit for unit in demo_units(conn) if unit["use"] == "home" and unit["status"] != "unverified"][:4]
    spellings = [("鲁谷大厦１号楼", "一单元", "{floor}层"), ("鲁谷大厦 1号楼", "1", "{floor}F"),
                 (" 鲁谷大厦1号楼 ", "1 单元", "第{floor}层"), ("鲁谷大厦1号楼", "１单元", "{floor}")]
    rows = [demo_row(name, entrance, floor.format(floor=unit["floor"]),
                     unit["label"].translate(str.maketrans("0123456789", "０１２３４５６７８９")) + "室", "待核实")
            for unit, (name, entrance, floor) in zip(homes, spellings, strict=True)]
    found = previewed(demo_engine, *ledger_file("utf-8", rows), 4)
    assert found.problems == () and found.created == ()
    assert {(change.field, change.after) for change in found.changes} == {("status", "unverified")}
    assert found.counts["changed"] == 4
    applied(demo_engine, *ledger_file("utf-8", rows), 4)
    with demo_engine.connect() as conn:
        now = {unit["id"]: unit for unit in demo_units(conn)}
        assert [now[unit["id"]]["status"] for unit in homes] == ["unverified"] * 4
        assert [now[unit["id"]]["version"] for unit in homes] == [unit["version"] + 1 for unit in homes]
        assert rollups_match(conn)


def test_empty_cells_leave_fields_unchanged(demo_engine):
    with demo_engine.connect() as conn:
        home = next(unit for unit in demo_units(conn) if unit["use"] == "home" and unit["residents"])
    rows = [demo_row(DEMO_BUILDING, "1单元", home["floor"], home["label"], note="回京，居家观察")]
    report = applied(demo_engine, *ledger_file("utf-8", rows), 4)
    assert (report.changed, report.unchanged) == (1, 0)
    with demo_engine.connect() as conn:
        now = next(unit for unit in demo_units(conn) if unit["id"] == home["id"])
    assert now == {**home, "note": "回京，居家观察", "version": home["version"] + 1}
    nothing = [demo_row(DEMO_BUILDING, "1单元", home["floor"], home["label"])]
    assert applied(demo_engine, *ledger_file("utf-8", nothing), 4).unchanged == 1


def test_a_unit_on_another_floor_than_the_ledger_says_is_a_problem(demo_engine):
    with demo_engine.connect() as conn:
        unit = demo_units(conn)[-1]
    wrong = str(int(unit["floor"]) - 1)
    found = previewed(demo_engine, *ledger_file("utf-8", [demo_row(DEMO_BUILDING, "1单元", wrong, unit["label"],
                                                                   "unverified")]), 4)
    assert problem_keys(found.problems) == [(FIRST_ROW, "楼层", "unit %(unit)s is on floor %(floor)s, not %(given)s")]
    assert found.problems[0].message.values == {"unit": unit["label"], "floor": unit["floor"], "given": wrong}


def test_floors_are_matched_by_label_where_a_building_skips_some(demo_engine):
    yongle = "永乐小区1号楼"
    with demo_engine.connect() as conn:
        fifteenth = [unit for unit in demo_units(conn, yongle)
                     if unit["floor"] == "15" and unit["status"] != "unverified"]
        area_id = conn.execute(select(Building.area_id).where(Building.name == yongle)).scalar_one()
    assert fifteenth and fifteenth[0]["level"] != 15, "the demo skips floor labels in this building"
    unit = fifteenth[0]
    rows = [demo_row(yongle, "1单元", "15层", unit["label"], "待核实"),
            demo_row(yongle, "1单元", "15层", "1599", "空置", use="住宅")]
    found = previewed(demo_engine, *ledger_file("utf-8", rows), area_id, actor=ADMIN)
    assert found.problems == () and [(c.row, c.field) for c in found.changes] == [(FIRST_ROW, "status")]
    assert [(new.floor, new.new_floor) for new in found.created] == [("15", False)]
    applied(demo_engine, *ledger_file("utf-8", rows), area_id, context(ADMIN))
    with demo_engine.connect() as conn:
        now = {row["label"]: row for row in demo_units(conn, yongle) if row["floor"] == "15"}
        assert now[unit["label"]]["status"] == "unverified" and now["1599"]["level"] == unit["level"]
        assert rollups_match(conn)


def test_an_outdated_preview_is_refused(demo_engine):
    with demo_engine.connect() as conn:
        home = next(unit for unit in demo_units(conn) if unit["use"] == "home")
    rows = [demo_row(DEMO_BUILDING, "1单元", home["floor"], home["label"], note="台账")]
    data, filename = ledger_file("utf-8", rows)
    found = previewed(demo_engine, data, filename, 4)
    with writing(demo_engine) as conn:
        apply_edits(conn, [UnitEdit(home["id"], {"note": "knocked"})],
                    ChangeContext(actor=Account(9, "zhou", "admin", ())))
    before = state(demo_engine)
    for digest in (found.digest, "0" * 64):
        with pytest.raises(LedgerError) as refused:
            applied(demo_engine, data, filename, 4, digest=digest)
        assert problem_keys(refused.value.problems) == [
            (found.header_row, None, "The data changed since the preview: preview the file again.")]
    assert state(demo_engine) == before
    fresh = previewed(demo_engine, data, filename, 4)
    assert applied(demo_engine, data, filename, 4, digest=fresh.digest).changed == 1


def test_only_an_importer_with_edit_rights_in_the_area_may_import(demo_engine):
    data, filename = ledger_file("xlsx")
    before = state(demo_engine)
    for actor, area_id in ((LEADER, 4), (STAFF, 5), (STAFF, 999)):
        found = previewed(demo_engine, data, filename, area_id, actor=actor)
        assert problem_keys(found.problems) == [(1, None, "You may not import into this area.")]
        with pytest.raises(LedgerError):
            applied(demo_engine, data, filename, area_id, context(actor))
    assert state(demo_engine) == before


def test_buildings_outside_the_area_neither_match_nor_make_names_ambiguous(demo_engine):
    with demo_engine.connect() as conn:
        home = next(unit for unit in demo_units(conn) if unit["use"] == "home" and unit["status"] == "healthy")
    with writing(demo_engine) as conn:
        conn.execute(update(Building).where(Building.id == 13).values(name=DEMO_BUILDING))
        outside = outside_units(conn)
    rows = [demo_row(DEMO_BUILDING, "1单元", home["floor"], home["label"], "unverified")]
    found = previewed(demo_engine, *ledger_file("utf-8", rows), 4)
    assert found.problems == () and found.created == () and len(found.changes) == 1
    applied(demo_engine, *ledger_file("utf-8", rows), 4)
    with demo_engine.connect() as conn:
        assert next(u for u in demo_units(conn) if u["id"] == home["id"])["status"] == "unverified"
        assert outside_units(conn) == outside


def outside_units(conn) -> list[tuple]:
    """The units of building 13 (the second workstation's) as stored."""
    return conn.execute(select(Unit.__table__).where(Unit.building_id == 13).order_by(Unit.id)).all()


def test_a_kept_mapping_is_used_by_the_next_preview(demo_engine):
    area_id = new_area(demo_engine)
    rows = [["1", A, "1单元", "15", "1501", "住宅", "张伟", "3", "", "健康", "", "", ""]]
    data = csv_bytes(rows, "utf-8").replace("人数".encode(), "住户人口".encode())
    unmapped = previewed(demo_engine, data, "l.csv", area_id)
    assert "head_count" not in {column.field for column in unmapped.columns}
    with writing(demo_engine) as conn:
        keep_mapping(conn, context(), area_id, {header_key("住户人口"): "head_count"})
    mapped = previewed(demo_engine, data, "l.csv", area_id)
    assert "head_count" in {column.field for column in mapped.columns} and mapped.digest != unmapped.digest
    applied(demo_engine, data, "l.csv", area_id)
    assert [row[7] for row in units_of(demo_engine, area_id)] == [3]
    assert previewed(demo_engine, data, "l.csv", 4).columns == unmapped.columns, "kept for that area only"


# Undo


def test_undo_retires_the_units_an_import_created_and_restores_those_it_changed(demo_engine):
    area_id = new_area(demo_engine)
    with demo_engine.connect() as conn:
        home = next(unit for unit in demo_units(conn) if unit["use"] == "home" and unit["status"] == "healthy")
    changed = [demo_row(DEMO_BUILDING, "1单元", home["floor"], home["label"], "unverified", note="搬走")]
    created = ledger_file("xlsx")
    with writing(demo_engine) as conn:
        ctx = context(ADMIN)
        apply_ledger(conn, ctx, *ledger_file("utf-8", changed), 4)
        apply_ledger(conn, ctx, *created, area_id)
    assert len(units_of(demo_engine, area_id)) == 13
    with writing(demo_engine) as conn:
        undone = undo_batch(conn, ctx.batch_id, ChangeContext(actor=ADMIN, at=AT + dt.timedelta(hours=1)))
        assert len(undone) == 14
    assert units_of(demo_engine, area_id) == []
    with demo_engine.connect() as conn:
        again = next(unit for unit in demo_units(conn) if unit["id"] == home["id"])
        assert (again["status"], again["note"]) == (home["status"], home["note"])
        assert rollups_match(conn)
        retired = conn.execute(select(Unit.position).join(Building).where(Building.area_id == area_id)).scalars()
        assert all(position < 0 for position in retired), "retired units leave the grid"
    with writing(demo_engine) as conn:
        report = apply_ledger(conn, context(ADMIN, AT + dt.timedelta(hours=2)), *created, area_id)
    assert report.created == 13 and units_of(demo_engine, area_id) == CREATED
    with demo_engine.connect() as conn:
        assert rollups_match(conn)


# The three-way merge with a version column


def versioned(rows: list[tuple[dict, dict]]) -> tuple[bytes, str]:
    """A CSV of demo units of building 1, entrance 1单元, with a version column: (unit, cells by header)."""
    header = ["楼宇名称", "单元", "楼层", "房号", "状态", "备注", "版本"]
    lines = [header] + [[DEMO_BUILDING, "1单元", unit["floor"], unit["label"], cells.get("状态", ""),
                         cells.get("备注", ""), str(cells.get("版本", unit["version"]))] for unit, cells in rows]
    out = io.StringIO()
    csv.writer(out).writerows(lines)
    return out.getvalue().encode(), "versioned.csv"


def test_fields_changed_since_the_ledgers_version_are_refused_naming_who(demo_engine):
    with demo_engine.connect() as conn:
        first, second = [unit for unit in demo_units(conn) if unit["use"] == "home"][:2]
    with writing(demo_engine) as conn:
        apply_edits(conn, [UnitEdit(second["id"], {"note": "knocked"})], ChangeContext(actor=STAFF))
    data, filename = versioned([(first, {"状态": "unverified"}), (second, {"状态": "unverified", "备注": "ledger"})])
    before = state(demo_engine)
    with pytest.raises(LedgerError) as refused:
        applied(demo_engine, data, filename, 4)
    assert problem_keys(refused.value.problems) == [
        (3, "备注", "changed since version %(seen)s by %(actors)s; now version %(now)s")]
    assert refused.value.problems[0].message.values == {
        "seen": second["version"], "actors": "wang", "now": second["version"] + 1}
    assert state(demo_engine) == before


def test_a_ledger_merges_with_fields_changed_since_that_it_leaves_alone(demo_engine):
    with demo_engine.connect() as conn:
        home = next(unit for unit in demo_units(conn) if unit["use"] == "home")
    with writing(demo_engine) as conn:
        apply_edits(conn, [UnitEdit(home["id"], {"note": "knocked"})], ChangeContext(actor=STAFF))
    applied(demo_engine, *versioned([(home, {"状态": "unverified", "备注": home["note"]})]), 4)
    with demo_engine.connect() as conn:
        assert conn.execute(select(Unit.status, Unit.note).where(Unit.id == home["id"])).one() == (
            "unverified", "knocked")


def test_ledgers_longer_than_one_query_are_locked_and_checked_in_slices(demo_engine, monkeypatch):
    monkeypatch.setattr(changes, "IDS_PER_QUERY", 3)
    with demo_engine.connect() as conn:
        picked = [unit for unit in demo_units(conn) if unit["use"] == "home" and unit["status"] != "unverified"][:7]
    data, filename = versioned([(unit, {"状态": "unverified"}) for unit in picked])
    assert applied(demo_engine, data, filename, 4).changed == 7
    with demo_engine.connect() as conn:
        assert dict(conn.execute(select(Unit.id, Unit.version).where(Unit.id.in_([u["id"] for u in picked])))
                    .all()) == {u["id"]: u["version"] + 1 for u in picked}
    with writing(demo_engine) as conn:
        apply_edits(conn, [UnitEdit(u["id"], {"note": "knocked"}) for u in picked], ChangeContext(actor=SYSTEM))
    with pytest.raises(LedgerError) as refused:
        applied(demo_engine, *versioned([(u, {"备注": "ledger"}) for u in picked]), 4)
    assert [(p.row, p.message.values["actors"]) for p in refused.value.problems] == [
        (n, "system, wang") for n in range(2, 9)]


# The command line


@pytest.fixture
def cli_database(demo_engine, monkeypatch):
    """The demo database as the command line's DATABASE_URL, with an active staff user of the first workstation
    and an empty area under it."""
    monkeypatch.setenv("DATABASE_URL", demo_engine.url.render_as_string(hide_password=False))
    with demo_engine.begin() as conn:
        accounts.create_user(conn, "wang", "a long enough password", "staff", [4])
        accounts.create_user(conn, "li", "a long enough password", "leader", [3])
    return demo_engine


def written(tmp_path, kind: str = "xlsx", rows: list[list] = MESSY):
    """A ledger file on disk."""
    data, filename = ledger_file(kind, rows)
    path = tmp_path / filename
    path.write_bytes(data)
    return path


def test_the_command_line_previews_then_imports_into_an_area(cli_database, tmp_path, capsys):
    area_id = new_area(cli_database)
    path = written(tmp_path)
    before = state(cli_database)
    assert main(["import", str(path), "--as", "WANG", "--area", str(area_id), "--dry-run"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "header at row 3" and "13 units to create" in out[1] and out[-1] == "nothing written"
    assert state(cli_database) == before
    assert main(["import-ledger", str(path), "--as", "wang", "--area", "新华社区", "--comment", "3月台账"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-2] == "imported 13 rows: 13 units created, 0 changed" and out[-1].startswith("batch ")
    assert units_of(cli_database, area_id) == CREATED
    with cli_database.connect() as conn:
        assert set(conn.execute(select(UnitChange.actor, UnitChange.source, UnitChange.comment)
                                .where(UnitChange.batch_id == out[-1].split()[1])).all()) == {
            ("wang", "import", "3月台账")}
    assert main(["undo", out[-1].split()[1], "--as", "wang"]) == 0
    assert capsys.readouterr().out.startswith("undone: 13 units") and not units_of(cli_database, area_id)
    assert main(["undo", out[-1].split()[1], "--as", "wang"]) == 1
    assert capsys.readouterr().err.startswith("not undone")


def test_the_command_line_prints_each_problem_and_changes_nothing(cli_database, tmp_path, capsys):
    area_id = new_area(cli_database)
    path = written(tmp_path, "gbk", MESSY + BAD_ROWS)
    before = state(cli_database)
    assert main(["import", str(path), "--as", "wang", "--area", str(area_id)]) == 1
    out = capsys.readouterr().out.splitlines()
    problems = [line.split(":")[0] for line in out if line.startswith("row ") and "skipped" not in line]
    assert problems == [f"row {FIRST_ROW + len(MESSY) + n}, {column}"
                        for n, column in enumerate(("状态", "楼层", "人数", "房号", "隔离开始"))]
    assert main(["import", str(path), "--as", "wang", "--area", str(area_id), "--dry-run"]) == 1
    capsys.readouterr()
    assert main(["import", str(written(tmp_path)), "--as", "li", "--area", str(area_id)]) == 1
    assert capsys.readouterr().out.splitlines()[-2:] == ["row 1: You may not import into this area.",
                                                         "nothing written: the ledger has problems"]
    assert main(["import", str(path), "--as", "nobody"]) == 1
    assert "nobody" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["import", str(tmp_path / "missing.csv"), "--as", "wang"])
    assert "no file" in capsys.readouterr().err
    assert state(cli_database) == before


def test_the_command_line_imports_into_the_users_only_area_by_default(cli_database, tmp_path, capsys):
    path = written(tmp_path, "utf-8-sig")
    assert main(["import", str(path), "--as", "wang"]) == 0
    capsys.readouterr()
    with cli_database.connect() as conn:
        area = conn.execute(select(Building.area_id).where(Building.name == A)).scalar_one()
        assert area == 4 and conn.execute(select(Area.name).where(Area.id == area)).scalar_one() == "第一楼宇工作站"
        assert rollups_match(conn)
