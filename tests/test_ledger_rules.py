"""Ledger rules at their edges: how cells are read, which row and column each problem names (pure, and on both
backends where units are looked up)."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
from sqlalchemy import select, update

from data.accounts import SYSTEM, Account
from data.changes import ChangeContext, UnitEdit, apply_edits
from data.db import writing
from data.ledger import LedgerError, Problem, _cell_text, import_ledger, read_ledger
from data.models import Building, Entrance, Unit

HEADER = ["building", "entrance", "unit", "status", "note", "contact_phone", "quarantine_start", "version"]


def workbook(path, rows: list[list]):
    """An .xlsx ledger of these rows (the first is the header)."""
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def refusal(path) -> list[str]:
    """The lines of the refusal of a ledger that cannot be read."""
    with pytest.raises(LedgerError) as refused:
        read_ledger(path)
    return refused.value.lines()


def test_spreadsheet_cells_are_read_as_a_csv_would_hold_them(tmp_path):
    path = workbook(
        tmp_path / "l.xlsx", [HEADER, ["b", "e", 503.0, "healthy", 2.5, 13800138000.0, dt.datetime(2020, 2, 20), 3]]
    )
    [row] = read_ledger(path)
    assert (row.unit, row.version) == ("503", 3)
    assert row.values == {
        "status": "healthy",
        "note": "2.5",
        "contact_phone": "13800138000",
        "quarantine_start": "2020-02-20",
    }


@pytest.mark.parametrize(
    "value, text", [(None, ""), (3.0, "3"), (13800138000.0, "13800138000"), (2.5, "2.5"), (7, "7"), (" a ", "a")]
)
def test_a_spreadsheet_value_is_the_text_a_csv_would_hold(value, text):
    assert _cell_text(value) == text


def test_times_of_day_and_dates_keep_their_iso_form(tmp_path):
    path = workbook(tmp_path / "l.xlsx", [HEADER[:5], ["b", "e", "1", dt.datetime(2020, 2, 20, 9, 30), dt.time(8, 15)]])
    assert read_ledger(path)[0].values == {"status": "2020-02-20T09:30:00", "note": "08:15:00"}


def test_a_formula_is_read_as_its_saved_value_never_as_its_text(tmp_path):
    path = workbook(tmp_path / "l.xlsx", [HEADER[:5], ["b", "e", "1", "healthy", '="call "&"me"']])
    assert read_ledger(path)[0].values == {"status": "healthy"}


def test_headers_are_trimmed_and_case_blind_and_blank_rows_skipped(tmp_path):
    path = tmp_path / "l.csv"
    path.write_text(" Building ,ENTRANCE,unit,Note\n\n,,,\nb, e ,1, hi \n", encoding="utf-8")
    [row] = read_ledger(path)
    assert (row.number, row.building, row.entrance, row.unit, row.values, row.version) == (
        4,
        "b",
        "e",
        "1",
        {"note": "hi"},
        None,
    )


@pytest.mark.parametrize(
    "header, lines",
    [
        (
            ["building", "entrance", "unit", "note", "colour"],
            [
                "row 1, colour: unknown column; columns are building, entrance, unit, status, use, occupant_name, "
                "residents, staff, contact_phone, quarantine_start, quarantine_end, note, version"
            ],
        ),
        (["building", "unit", "note"], ["row 1, entrance: required column missing"]),
        (
            ["building", "entrance", "unit", "version"],
            [
                "row 1: no column to change; give at least one of status, use, occupant_name, residents, staff, "
                "contact_phone, quarantine_start, quarantine_end, note"
            ],
        ),
    ],
)
def test_an_unusable_header_is_refused_naming_each_column(tmp_path, header, lines):
    path = tmp_path / "l.csv"
    path.write_text(",".join(header) + "\nb,e,1,x\n", encoding="utf-8")
    assert refusal(path) == lines


def test_each_row_names_its_missing_keys_and_a_bad_version(tmp_path):
    path = tmp_path / "l.csv"
    path.write_text("building,entrance,unit,note,version\n,e,,x,\nb,e,1,x,３\nb,e,1,x,-1\n", encoding="utf-8")
    assert refusal(path) == [
        "row 2, building: required",
        "row 2, unit: required",
        "row 3, version: a whole number (the unit version the ledger was made from)",
        "row 4, version: a whole number (the unit version the ledger was made from)",
    ]


def test_a_file_without_an_extension_is_refused_saying_so(tmp_path):
    path = tmp_path / "ledger"
    path.write_text("building,entrance,unit,note\n", encoding="utf-8")
    assert refusal(path) == ["row 1: a ledger is a .csv or .xlsx file, not a file without extension"]


def test_the_first_nul_byte_is_named_at_its_row(tmp_path):
    path = tmp_path / "l.csv"
    path.write_bytes(b"building,entrance,unit,note\nb,e,1,\x00\nb,e,2,\x00\n")
    assert refusal(path) == ["row 2: not a text file (a NUL byte)"]


def test_a_quoted_cell_keeps_its_line_breaks_as_typed(tmp_path):
    path = tmp_path / "l.csv"
    path.write_bytes(b'building,entrance,unit,note\r\nb,e,1,"two\r\nlines"\r\n')
    assert read_ledger(path)[0].values == {"note": "two\r\nlines"}


def test_a_problem_names_its_row_and_its_column_when_known():
    assert str(Problem(3, "note", "too long")) == "row 3, note: too long"
    assert str(Problem(3, None, "stray")) == "row 3: stray"


def test_problems_are_listed_in_file_order_and_cut_after_fifty():
    problems = [Problem(row, None, "bad") for row in range(53, 1, -1)]
    refused = LedgerError(problems)
    assert [problem.row for problem in refused.problems] == list(range(2, 54))
    assert refused.lines()[-2:] == ["row 51: bad", "and 2 more"] and len(refused.lines()) == 51
    assert LedgerError(problems[:50]).lines()[-1] == "row 53: bad"
    assert LedgerError(problems[:51]).lines()[-1] == "and 1 more"
    assert str(refused).splitlines()[0] == "row 2: bad"


@pytest.fixture
def home(demo_engine) -> dict:
    """The first home of building 1, with its building's and entrance's names."""
    query = (
        select(Unit.id, Unit.label, Unit.version, Building.name.label("building"), Entrance.name.label("entrance"))
        .join(Building, Building.id == Unit.building_id)
        .join(Entrance, Entrance.id == Unit.entrance_id)
        .where(Unit.building_id == 1, Unit.use == "home")
        .order_by(Unit.id)
        .limit(1)
    )
    with demo_engine.connect() as conn:
        return dict(conn.execute(query).one()._mapping)


def import_refusal(engine, tmp_path, rows: list[list]) -> list[str]:
    """The lines of the refusal of a CSV ledger of these rows under HEADER, imported by the system."""
    path = tmp_path / "l.csv"
    path.write_text("\n".join(",".join(map(str, row)) for row in [HEADER, *rows]) + "\n", encoding="utf-8")
    with pytest.raises(LedgerError) as refused, writing(engine) as conn:
        import_ledger(conn, read_ledger(path), ChangeContext(actor=SYSTEM, source="import"))
    return refused.value.lines()


def row_of(unit: dict, **cells) -> list:
    """A ledger row under HEADER naming a unit."""
    return [unit["building"], unit["entrance"], unit["label"], *(cells.get(name, "") for name in HEADER[3:])]


def test_an_unknown_entrance_or_unit_is_named_at_its_row_and_column(demo_engine, tmp_path, home):
    lines = import_refusal(
        demo_engine,
        tmp_path,
        [
            row_of(home, note="x"),
            row_of({**home, "entrance": "9单元"}, note="x"),
            row_of({**home, "label": "9999"}, note="x"),
        ],
    )
    assert lines == [
        f"row 3, entrance: no entrance '9单元' in {home['building']}",
        f"row 4, unit: no unit '9999' in {home['building']} {home['entrance']}",
    ]


def test_a_name_two_units_share_is_refused_at_its_row(demo_engine, tmp_path, home):
    with writing(demo_engine) as conn:
        conn.execute(update(Building).where(Building.id == 2).values(name=home["building"]))
        other, entrance = conn.execute(select(Unit.id, Unit.entrance_id).where(Unit.building_id == 2).limit(1)).one()
        conn.execute(update(Entrance).where(Entrance.id == entrance).values(name=home["entrance"]))
        conn.execute(update(Unit).where(Unit.entrance_id == entrance, Unit.label == home["label"]).values(label="x"))
        conn.execute(update(Unit).where(Unit.id == other).values(label=home["label"]))
    assert import_refusal(demo_engine, tmp_path, [row_of(home, note="x")]) == [
        f"row 2, unit: 2 units are named {home['building']} {home['entrance']} {home['label']} (buildings share a name)"
    ]


def test_a_stale_ledger_names_everyone_who_changed_the_unit_since(demo_engine, tmp_path, home):
    for name in ("zhou", "an"):
        with writing(demo_engine) as conn:
            apply_edits(
                conn, [UnitEdit(home["id"], {"note": name})], ChangeContext(actor=Account(1, name, "admin", ()))
            )
    lines = import_refusal(demo_engine, tmp_path, [row_of(home, note="ledger", version=home["version"])])
    assert lines == [
        f"row 2, note: changed since version {home['version']} by an, zhou; now version {home['version'] + 2}"
    ]


def test_a_ledger_cell_that_repeats_its_versions_value_leaves_a_colleagues_change(demo_engine, tmp_path, home):
    with writing(demo_engine) as conn:
        apply_edits(conn, [UnitEdit(home["id"], {"note": "old"})], ChangeContext(actor=SYSTEM))
    with writing(demo_engine) as conn:
        apply_edits(conn, [UnitEdit(home["id"], {"note": "new"})], ChangeContext(actor=Account(1, "zhou", "admin", ())))
    row = row_of(home, status="unverified", note="old", version=home["version"] + 1)
    path = tmp_path / "l.csv"
    path.write_text("\n".join(",".join(map(str, cells)) for cells in [HEADER, row]) + "\n", encoding="utf-8")
    with writing(demo_engine) as conn:
        import_ledger(conn, read_ledger(path), ChangeContext(actor=SYSTEM, source="import"))
    with demo_engine.connect() as conn:
        assert conn.execute(select(Unit.status, Unit.note).where(Unit.id == home["id"])).one() == ("unverified", "new")
