"""Malformed ledgers (truncated, bytes flipped, the wrong encoding, binary named .xlsx, huge cells, rows twice,
formulas) imported for real (both backends): never a crash, and either the whole file applied with the counts true or
a LedgerError with nothing written."""
from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from data.accounts import SYSTEM
from data.changes import ChangeContext
from data.db import writing
from data.ledger import apply_ledger, preview
from data.ledger_problems import LedgerError
from data.models import Building, Entrance, Floor, StructureChange, Unit, UnitChange
from tests.references import rollups_match

AREA = 4
HEADER = ["序号", "楼宇名称", "单元", "楼层", "房号", "使用性质", "单位/住户名称", "人数", "联系电话", "状态",
          "隔离开始", "备注"]
NEW_ROWS = [
    ["1", "模糊测试楼", "1单元", "１层", "１０１", "住宅", "张伟", "３", "138 0013 8000", "健康", "", ""],
    ["2", "模糊测试楼", "1", "1F", "102", "商铺", "小店", "5", "", "未复工", "", "=HYPERLINK(\"x\")"],
    ["3", "模糊测试楼", "一单元", "地下1层", "B101", "住宅", "", "", "", "空置", "", ""],
    ["4", "模糊测试楼", "1单元", "2层", "201", "住宅", "李娜", "2", "", "居家隔离", "2020/2/25", ""],
]
CELLS = st.sampled_from(["", "=1+1", "+86 138", "-1", "@x", "=SUM(A1:A3)", "合计", "x" * 2_500, "２０２０年３月１日",
                         "健康", "已复工", "B1", "0", "不知道", "\x00", "１２０７室"])
damage = st.one_of(
    st.tuples(st.just("truncate"), st.floats(0, 1)),
    st.tuples(st.just("flip"), st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), min_size=1, max_size=8)),
    st.tuples(st.just("twice"), st.integers(0, 4)),
    st.tuples(st.just("cell"), st.tuples(st.integers(0, 4), st.integers(0, len(HEADER) - 1), CELLS)),
    st.tuples(st.just("encoding"), st.sampled_from(["gb18030", "utf-16", "latin-1"])),
    st.tuples(st.just("binary"), st.binary(max_size=300)),
)


def existing_row(conn) -> list[str]:
    """A row that changes the note of a unit of the area's first building."""
    unit = conn.execute(select(Building.name, Entrance.name, Floor.label, Unit.label)
                        .join(Building, Building.id == Unit.building_id).join(Entrance, Entrance.id == Unit.entrance_id)
                        .join(Floor, Floor.id == Unit.floor_id)
                        .where(Building.area_id == AREA, Unit.retired_at.is_(None)).order_by(Unit.id).limit(1)).one()
    return ["5", unit[0], unit[1], unit[2], unit[3], "", "", "", "", "", "", "已核实"]


def ledger(rows: list[list[str]], kind: str, encoding: str = "utf-8-sig") -> bytes:
    """The rows under the header as a workbook (kind xlsx) or a CSV in an encoding."""
    if kind == "xlsx":
        book = openpyxl.Workbook()
        for row in [HEADER, *rows]:
            book.active.append(row)
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()
    text = io.StringIO()
    csv.writer(text).writerows([HEADER, *rows])
    return text.getvalue().encode(encoding, errors="replace")


def damaged(rows: list[list[str]], kind: str, how: tuple) -> bytes:
    """A ledger damaged one way."""
    what, detail = how
    if what == "twice":
        return ledger([*rows, rows[detail % len(rows)]], kind)
    if what == "cell":
        row, column, text = detail
        changed = [list(cells) for cells in rows]
        changed[row % len(changed)][column] = text
        return ledger(changed, kind)
    if what == "encoding":
        return ledger(rows, "csv", detail)
    if what == "binary":
        return detail
    data = bytearray(ledger(rows, kind))
    if what == "truncate":
        return bytes(data[:int(len(data) * detail)])
    for where, value in detail:
        data[min(int(len(data) * where), len(data) - 1)] = value
    return bytes(data)


def state(engine) -> dict:
    """What an import may write: units and their versions, the history's size and the structure record's."""
    with engine.connect() as conn:
        return {"units": dict(conn.execute(select(Unit.id, Unit.version)).all()),
                "history": conn.execute(select(func.count()).select_from(UnitChange)).scalar_one(),
                "structure": conn.execute(select(func.count()).select_from(StructureChange)).scalar_one()}


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(["xlsx", "csv"]), how=damage)
def test_a_malformed_ledger_is_applied_whole_or_refused_with_nothing_written(small_demos, backend, kind, how):
    engine = small_demos[backend]
    with engine.connect() as conn:
        rows = [*NEW_ROWS, existing_row(conn)]
    data, name = damaged(rows, kind, how), f"台账.{kind}"
    with engine.connect() as conn:
        found = preview(conn, SYSTEM, data, name, AREA)
    before = state(engine)
    try:
        with writing(engine) as conn:
            report = apply_ledger(conn, ChangeContext(actor=SYSTEM, source="import"), data, name, AREA)
    except LedgerError as refused:
        assert refused.problems and found.problems and state(engine) == before
        return
    after = state(engine)
    assert not found.problems and after["history"] == before["history"] + report.created + report.changed
    with engine.connect() as conn:
        assert rollups_match(conn)
