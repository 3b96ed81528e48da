"""Ledger (台账) rules at their edges: how a sheet's rows are read and which sheet row and column each problem names
(pure), and how rows meet the area's buildings, entrances, floors and units (both backends)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from sqlalchemy import select, update

from data import ledger
from data.accounts import SYSTEM, Account
from data.changes import ChangeContext, UnitEdit, apply_edits
from data.db import writing
from data.i18n import Text
from data.ledger import apply_ledger, preview, preview_lines, saved_mapping
from data.ledger_columns import header_key
from data.ledger_problems import LedgerError, Problem
from data.ledger_rows import read_rows
from data.models import Building, Entrance, Floor, StructureChange, Unit
from tests.helpers import ADMIN, STAFF, STATUSES, USES
from tests.references import rollups_match

TODAY = dt.date(2020, 3, 14)
AT = dt.datetime(2020, 3, 14, 2, 0)
DEMO_BUILDING = "鲁谷大厦1号楼"
HEADER = ["楼宇名称", "单元", "楼层", "房号", "使用性质", "人数", "状态", "备注", "版本"]


def read(sheet: list[list[str]]):
    """A sheet's rows (numbered from 1) read against the small test catalogue."""
    return read_rows(list(enumerate(sheet, start=1)), None, STATUSES, USES)


def keys(problems) -> list[tuple]:
    """Problems as (row, column, message template)."""
    return [(problem.row, problem.column, problem.message.template) for problem in problems]


# Reading a sheet (pure)


def test_the_header_is_found_below_title_rows_and_rows_keep_their_sheet_numbers():
    found = read([["台账"], ["填报单位：某站", "", "填报日期：2020年3月14日"], ["序号", *HEADER[:4], "状态"],
                  ["1", "A楼", "1单元", "15层", "１５０１", "健康"], ["2"], [],
                  ["合计", "", "", "", "", "=SUM(F4:F5)"]])
    assert found.header.row == 3 and found.problems == ()
    [row] = found.rows
    assert (row.number, row.building, row.entrance, row.level, row.floor, row.unit, row.values) == (
        4, "A楼", "1单元", 15, "15", "1501", {"status": "healthy"})
    assert [(s.row, s.reason.template) for s in found.skipped] == [
        (5, "an empty row"), (6, "an empty row"), (7, "a total row")]


def test_english_headers_are_read_too():
    found = read([["building", "entrance", "floor", "unit", "status", "head count"], ["A", "2", "B1", "b12", "H", "3"]])
    [row] = found.rows
    assert (row.level, row.floor, row.unit, row.values) == (-1, "B1", "B12", {"status": "healthy", "head_count": 3})


def test_a_sheet_without_a_header_or_without_a_required_column_is_one_problem():
    assert keys(read([["台账"], ["a", "b"]]).problems) == [
        (1, None, "No header row found: name the columns in one row, like %(example)s.")]
    assert keys(read([]).problems) == [(1, None, "No header row found: name the columns in one row, like %(example)s.")]
    found = read([["标题"], ["楼宇名称", "房号", "状态"], ["A", "101", "健康"]])
    assert keys(found.problems) == [(2, None, "The ledger has no %(field)s column.")] and found.rows == ()
    assert found.problems[0].message.values["field"]["label_en"] == "Floor"


def test_each_row_names_every_problem_it_has_at_its_columns():
    found = read([HEADER, ["", "1", "", "101", "仓库", "三个人", "睡觉", "", "v3"],
                  ["A", "1", "0层", "", "", "", "", "", ""]])
    assert sorted(keys(found.problems)) == sorted([
        (2, "楼宇名称", "required"),
        (2, "楼层", "required"),
        (2, "使用性质", "%(text)s is not a use; the uses are %(choices)s"),
        (2, "人数", "%(text)s is not a number of people: write a whole number like 3"),
        (2, "状态", "%(text)s is not a status; the statuses are %(choices)s"),
        (2, "版本", "%(text)s is not a number of people: write a whole number like 3"),
        (3, "房号", "required"),
        (3, "楼层", "%(text)s is not a floor: floors run from B%(max)s to %(max)s, without 0"),
    ]), "a cell that cannot be read is not also missing"
    assert found.rows == ()


def test_a_version_is_the_rows_not_a_value_and_formulas_stay_text():
    found = read([HEADER, ["A", "", "3", "301", "", "", "", '=HYPERLINK("http://x","y")', "7"],
                  ["A", "", "3", "302", "", "", "", "'=1+1", ""]])
    first, second = found.rows
    assert (first.version, first.values) == (7, {"note": '=HYPERLINK("http://x","y")'})
    assert (second.version, second.values) == (None, {"note": "=1+1"}), "the export's escape is undone"


def test_a_building_name_longer_than_its_column_is_a_problem():
    found = read([HEADER[:4], ["楼" * 201, "", "3", "301"], ["楼" * 200, "", "3", "301"]])
    assert keys(found.problems) == [(2, "楼宇名称", "give 1 to %(limit)s characters")] and len(found.rows) == 1


def test_a_problem_names_its_row_and_its_column_when_known():
    assert str(Problem(3, "备注", Text("too long"))) == "row 3, 备注: too long"
    assert str(Problem(3, None, Text("stray"))) == "row 3: stray"


def test_problems_are_listed_in_sheet_order_and_cut_after_fifty():
    problems = [Problem(row, None, Text("bad")) for row in range(53, 1, -1)]
    refused = LedgerError(problems)
    assert [problem.row for problem in refused.problems] == list(range(2, 54))
    assert refused.lines()[-2:] == ["row 51: bad", "and 2 more"] and len(refused.lines()) == 51
    assert LedgerError(problems[:50]).lines()[-1] == "row 53: bad"
    assert LedgerError(problems[:51]).lines()[-1] == "and 1 more"


# Meeting the area's buildings (both backends)


def ledger_csv(rows: list[list], header: list[str] = HEADER) -> tuple[bytes, str]:
    """A CSV ledger (header in row 1)."""
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    return out.getvalue().encode(), "ledger.csv"


def row(building: str = DEMO_BUILDING, entrance: str = "", floor: str = "", unit: str = "", use: str = "",
        count: str = "", status: str = "", note: str = "", version: str = "") -> list[str]:
    """A ledger row under HEADER."""
    return [building, entrance, floor, unit, use, count, status, note, version]


def previewed(engine, rows: list[list], area_id: int = 4, actor: Account = STAFF, **options):
    """The preview of a CSV of these rows."""
    with engine.connect() as conn:
        return preview(conn, actor, *ledger_csv(rows), area_id, today=TODAY, **options)


def applied(engine, rows: list[list], area_id: int = 4, actor: Account = STAFF, **options):
    """Apply a CSV of these rows as one import batch."""
    with writing(engine) as conn:
        return apply_ledger(conn, ChangeContext(actor=actor, source="import", at=AT), *ledger_csv(rows), area_id,
                            **options)


def unit_of(engine, label: str, entrance: str, building: str = DEMO_BUILDING) -> dict:
    """An active unit by building, entrance and label, with its floor's label."""
    query = (select(Unit.id, Unit.use, Unit.status, Unit.residents, Unit.staff, Unit.note, Unit.version,
                    Floor.label.label("floor"), Floor.level)
             .join(Floor, Floor.id == Unit.floor_id).join(Entrance, Entrance.id == Unit.entrance_id)
             .join(Building, Building.id == Unit.building_id)
             .where(Building.name == building, Entrance.name == entrance, Unit.label == label,
                    Unit.retired_at.is_(None)))
    with engine.connect() as conn:
        return dict(conn.execute(query).one()._mapping)


def test_a_file_that_cannot_be_read_is_a_problem_of_the_preview_and_changes_nothing(demo_engine):
    garbage = b"\x89PNG\r\n\x1a\n\x00\xff\xfe" + bytes(range(256))
    with demo_engine.connect() as conn:
        found = preview(conn, STAFF, garbage, "台账.xlsx", 4, today=TODAY)
        versions = conn.execute(select(Unit.id, Unit.version)).all()
    assert [(problem.row, problem.column) for problem in found.problems] == [(1, None)]
    assert (found.header_row, found.rows, found.created, found.changes) == (None, 0, (), ())
    with pytest.raises(LedgerError), writing(demo_engine) as conn:
        apply_ledger(conn, ChangeContext(actor=STAFF, source="import", at=AT), garbage, "台账.xlsx", 4)
    with demo_engine.connect() as conn:
        assert conn.execute(select(Unit.id, Unit.version)).all() == versions


def test_a_row_without_an_entrance_finds_the_only_entrance_holding_its_unit(demo_engine):
    found = previewed(demo_engine, [row(floor="1", unit="101", status="待核实"),
                                    row(floor="2", unit="203", status="待核实"),
                                    row(floor="2", unit="201", status="待核实")])
    assert [(c.row, c.unit) for c in found.changes if c.field == "status"] == [
        (2, f"{DEMO_BUILDING} 商业裙楼 101"), (3, f"{DEMO_BUILDING} 1单元 203")]
    assert keys(found.problems) == [
        (4, "单元", "%(building)s has several entrances: say which one in an entrance column")]


def test_a_head_count_is_residents_for_a_home_and_staff_for_a_firm(demo_engine):
    mixed = unit_of(demo_engine, "203", "1单元")
    applied(demo_engine, [row(entrance="商业裙楼", floor="1", unit="101", count="８人"),
                          row(entrance="1单元", floor="2", unit="203", count="5"),
                          row(entrance="1单元", floor="2", unit="201", count="4")])
    assert [(unit["use"], unit["residents"], unit["staff"]) for unit in (
        unit_of(demo_engine, "101", "商业裙楼"), unit_of(demo_engine, "203", "1单元"),
        unit_of(demo_engine, "201", "1单元"))] == [("firm", 0, 8), ("mixed", 5, mixed["staff"]), ("home", 4, 0)]
    with demo_engine.connect() as conn:
        assert rollups_match(conn)


def test_a_value_the_validation_refuses_for_an_existing_unit_is_named_at_its_column(demo_engine):
    found = previewed(demo_engine, [row(entrance="1单元", floor="2", unit="201", status="已复工"),
                                    row(entrance="1单元", floor="2", unit="202", status="居家隔离", note="x")])
    assert keys(found.problems) == [(2, "状态", "%(status)s does not apply to a “%(use)s” unit"),
                                    (3, None, "required for %(status)s")]
    assert found.changes == ()


def test_two_buildings_of_the_area_with_one_name_are_a_problem(demo_engine):
    with writing(demo_engine) as conn:
        conn.execute(update(Building).where(Building.id == 2).values(name=f" {DEMO_BUILDING}"))
    found = previewed(demo_engine, [row(entrance="1单元", floor="2", unit="201", status="vacant")])
    assert keys(found.problems) == [(2, "楼宇名称", "%(count)s buildings of this area are named %(name)s")]


def test_a_new_floor_needs_a_level_no_other_floor_has(demo_engine):
    found = previewed(demo_engine, [row("长安天街1号楼", "A座", "4", "401", "办公"),
                                    row("长安天街1号楼", "A座", "5层", "599", "办公"),
                                    row("长安天街1号楼", "A座", "20", "2001", "办公")])
    assert keys(found.problems) == [
        (2, "楼层", "there is no floor %(floor)s here, and its level is another floor's")]
    assert [(new.row, new.floor, new.new_floor) for new in found.created] == [(3, "5", False), (4, "20", True)]


def test_a_new_unit_needs_a_use_unless_its_status_says(demo_engine):
    found = previewed(demo_engine, [row("新楼", "1", "3", "301"), row("新楼", "1", "3", "302", status="健康"),
                                    row(entrance="1单元", floor="2", unit="299", status="空置")])
    assert keys(found.problems) == [(2, "使用性质", "say the unit's use (住户, 企业 or 企住一体) to create it")]
    applied(demo_engine, [row("新楼", "1", "3", "302", status="健康"),
                          row(entrance="商业裙楼", floor="1", unit="199", status="空置")])
    assert unit_of(demo_engine, "302", "1单元", "新楼")["use"] == "home"
    assert unit_of(demo_engine, "199", "商业裙楼")["use"] == "mixed", "the building's own use first"


def test_the_same_new_unit_on_two_floors_is_named_at_its_second_row(demo_engine):
    rows = [row("新楼", "1", "15", "1501", "住宅"), row("新楼", "一单元", "14", "1501", "住宅"),
            row(entrance="1单元", floor="20", unit="2001", use="住宅"),
            row(entrance="1单元", floor="21", unit="2001", use="住宅")]
    found = previewed(demo_engine, rows)
    assert keys(found.problems) == [(3, "房号", "the same unit as row %(row)s"),
                                    (5, "房号", "the same unit as row %(row)s")]
    with pytest.raises(LedgerError):
        applied(demo_engine, rows)


def test_new_entrances_and_floors_of_an_existing_building_are_added_and_recorded(demo_engine):
    report = applied(demo_engine, [row(entrance="3单元", floor="2", unit="201", use="住宅", status="健康", count="2"),
                                   row(entrance="１单元", floor="10层", unit="1001", use="住宅", status="空置")])
    assert report.created == 2
    assert unit_of(demo_engine, "201", "3单元")["residents"] == 2
    assert unit_of(demo_engine, "1001", "1单元")["level"] == 10
    with demo_engine.connect() as conn:
        actions = conn.execute(select(StructureChange.action).where(StructureChange.changed_at == AT)).scalars()
        assert sorted(actions) == ["entrance.add", "units.add", "units.add"]
        assert rollups_match(conn)


def test_a_new_building_larger_than_a_building_may_be_is_a_problem(demo_engine, monkeypatch):
    monkeypatch.setattr(ledger, "MAX_CELLS", 2)
    found = previewed(demo_engine, [row("新楼", "", "3", str(n), "住宅") for n in range(301, 304)])
    assert keys(found.problems) == [(2, None, "This makes %(cells)s units in one building; at most %(max)s.")]


def test_a_mapping_can_ignore_a_column_and_applying_with_a_mapping_keeps_it(demo_engine):
    home = unit_of(demo_engine, "201", "1单元")
    ignore = {header_key("备注"): None}
    rows = [row(entrance="1单元", floor="2", unit="201", note="台账")]
    assert previewed(demo_engine, rows, mapping=ignore).changes == ()
    applied(demo_engine, rows, mapping=ignore)
    with demo_engine.connect() as conn:
        assert saved_mapping(conn, 4) == ignore and saved_mapping(conn, 5) == {}
    assert unit_of(demo_engine, "201", "1单元")["note"] == home["note"]
    assert previewed(demo_engine, rows).changes == (), "the kept mapping ignores the column next time"


def test_a_preview_prints_its_changes_skipped_rows_and_problems(demo_engine):
    home = unit_of(demo_engine, "201", "1单元")
    found = previewed(demo_engine, [row(entrance="1单元", floor="2", unit="201", status="待核实"), row(""),
                                    row(entrance="1单元", floor="2", unit="202", status="睡觉")])
    assert preview_lines(found)[2:] == [
        f"row 2: {DEMO_BUILDING} 1单元 201 status: {home['status']} -> unverified",
        "row 3: skipped, an empty row",
        f"row 4, 状态: {found.problems[0].message}",
    ]


# The three-way merge


def test_a_stale_ledger_names_everyone_who_changed_the_unit_since(demo_engine):
    home = unit_of(demo_engine, "201", "1单元")
    for name in ("zhou", "an"):
        with writing(demo_engine) as conn:
            apply_edits(conn, [UnitEdit(home["id"], {"note": name})],
                        ChangeContext(actor=Account(1, name, "admin", ())))
    with pytest.raises(LedgerError) as refused:
        applied(demo_engine, [row(entrance="1单元", floor="2", unit="201", note="ledger",
                                  version=str(home["version"]))])
    assert keys(refused.value.problems) == [
        (2, "备注", "changed since version %(seen)s by %(actors)s; now version %(now)s")]
    assert refused.value.problems[0].message.values == {
        "seen": home["version"], "actors": "an, zhou", "now": home["version"] + 2}


def test_a_version_the_unit_never_had_is_a_problem_at_the_version_column(demo_engine):
    home = unit_of(demo_engine, "201", "1单元")
    with pytest.raises(LedgerError) as refused:
        applied(demo_engine, [row(entrance="1单元", floor="2", unit="201", status="待核实",
                                  version=str(home["version"] + 5))])
    assert keys(refused.value.problems) == [(2, "版本", "the unit is at version %(now)s, not %(seen)s")]


def test_a_ledger_cell_that_repeats_its_versions_value_leaves_a_colleagues_change(demo_engine):
    home = unit_of(demo_engine, "201", "1单元")
    with writing(demo_engine) as conn:
        apply_edits(conn, [UnitEdit(home["id"], {"note": "old"})], ChangeContext(actor=SYSTEM))
    with writing(demo_engine) as conn:
        apply_edits(conn, [UnitEdit(home["id"], {"note": "new"})], ChangeContext(actor=Account(1, "zhou", "admin", ())))
    applied(demo_engine, [row(entrance="1单元", floor="2", unit="201", status="待核实", note="old",
                              version=str(home["version"] + 1))], actor=ADMIN)
    now = unit_of(demo_engine, "201", "1单元")
    assert (now["status"], now["note"]) == ("unverified", "new")
