"""Ledger (台账) import: CSV and .xlsx files applied as one batch, every row or none, problems named by row (both
backends)."""

from __future__ import annotations

import csv
import datetime as dt
import zipfile

import openpyxl
import pytest
from sqlalchemy import func, select, update

from dashboard import ids
from dashboard.__main__ import main
from data import accounts, changes, ledger
from data.accounts import SYSTEM, Account
from data.changes import ChangeContext, UnitEdit, apply_edits
from data.db import writing
from data.ledger import EDITABLE, LedgerError, import_ledger, read_ledger
from data.models import AreaCount, AreaDailyDelta, Building, BuildingStatusCount, Entrance, Unit, UnitChange
from tests.helpers import LEADER, STAFF
from tests.references import rollups_match

HEADER = ["building", "entrance", "unit", "status", "quarantine_start", "residents", "staff", "note", "version"]
UNIT_NAMES = (
    select(
        Unit.id,
        Unit.use,
        Unit.status,
        Unit.residents,
        Unit.staff,
        Unit.version,
        Unit.label,
        Building.name.label("building"),
        Entrance.name.label("entrance"),
    )
    .join(Building, Building.id == Unit.building_id)
    .join(Entrance, Entrance.id == Unit.entrance_id)
)
COUNTERS = {BuildingStatusCount: ("count",), AreaCount: ("units", "residents", "staff"), AreaDailyDelta: ("delta",)}


def a_unit(conn, building_id: int, use: str, status: str) -> dict:
    """The first unit of a building with a use and status, with its building's and entrance's names."""
    query = (
        UNIT_NAMES.where(Unit.building_id == building_id, Unit.use == use, Unit.status == status)
        .order_by(Unit.id)
        .limit(1)
    )
    return dict(conn.execute(query).one()._mapping)


def a_unit_by_id(conn, unit_id: int) -> dict:
    """A unit with its building's and entrance's names."""
    return dict(conn.execute(UNIT_NAMES.where(Unit.id == unit_id)).one()._mapping)


@pytest.fixture
def units(demo_engine) -> dict[str, dict]:
    """Demo units: a home and a firm of building 1 and a home of building 4 (first workstation), a home of building 13
    (second)."""
    with demo_engine.connect() as conn:
        return {"home": a_unit(conn, 1, "home", "healthy"), "firm": a_unit(conn, 1, "firm", "not_reopened"),
                "other_home": a_unit(conn, 4, "home", "healthy"), "outside": a_unit(conn, 13, "home", "healthy")}


def cells(unit: dict, status: str = "", start="", residents="", note="", version="", staff="") -> list:
    """One ledger row in HEADER's columns."""
    return [unit["building"], unit["entrance"], unit["label"], status, start, residents, staff, note, version]


def write_ledger(path, header: list[str], rows: list[list]):
    """A ledger file: CSV with a BOM (as Excel saves it) or .xlsx, by the path's suffix."""
    if path.suffix == ".xlsx":
        workbook = openpyxl.Workbook()
        for row in [header, *rows]:
            workbook.active.append(row)
        workbook.save(path)
    else:
        with path.open("w", newline="", encoding="utf-8-sig") as file:
            csv.writer(file).writerows([header, *rows])
    return path


def state(engine) -> dict:
    """What an import may change: every unit's version, the history's size and the maintained counts."""
    with engine.connect() as conn:
        return {"versions": dict(conn.execute(select(Unit.id, Unit.version)).all()),
                "changes": conn.execute(select(func.count()).select_from(UnitChange)).scalar_one(),
                "counts": maintained_counts(conn)}


def maintained_counts(conn) -> dict:
    """The rows of the three maintained count tables whose counters are not all zero."""
    return {model.__tablename__: sorted(tuple(row) for row in conn.execute(select(model.__table__))
                                        if any(getattr(row, name) for name in counters))
            for model, counters in COUNTERS.items()}


def unverified_in_building_1(conn) -> int:
    """The maintained count of unverified units in building 1."""
    return conn.execute(select(BuildingStatusCount.count).where(
        BuildingStatusCount.building_id == 1, BuildingStatusCount.status == "unverified")).scalar() or 0


def run_import(engine, path, actor: Account = SYSTEM, comment: str | None = None):
    """Read and import a ledger in one write transaction; returns the report and the batch's context."""
    context = ChangeContext(actor=actor, source="import", comment=comment)
    with writing(engine) as conn:
        return import_ledger(conn, read_ledger(path), context), context


def test_the_ledger_columns_are_the_edit_form_fields():
    assert EDITABLE == ids.EDIT_FIELDS


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_good_ledger_changes_its_units_in_one_import_batch(demo_engine, units, tmp_path, suffix):
    home, firm, other = units["home"], units["firm"], units["other_home"]
    start = dt.datetime(2020, 3, 1) if suffix == ".xlsx" else "2020-03-01"
    path = write_ledger(tmp_path / f"ledger{suffix}", HEADER, [
        cells(home, "quarantined", start, note="回京，居家观察", version=home["version"]),
        cells(firm, "已复工", staff=12),
        cells(other, "healthy"),
    ])
    report, context = run_import(demo_engine, path, comment="3月台账")
    assert (report.rows, report.changed, report.unchanged, report.batch_id) == (3, 2, 1, context.batch_id)
    with demo_engine.connect() as conn:
        now = {
            unit_id: row
            for unit_id, *row in conn.execute(
                select(
                    Unit.id,
                    Unit.status,
                    Unit.quarantine_start,
                    Unit.quarantine_end,
                    Unit.residents,
                    Unit.staff,
                    Unit.note,
                    Unit.version,
                )
            )
        }
        assert now[home["id"]] == [
            "quarantined",
            dt.date(2020, 3, 1),
            dt.date(2020, 3, 15),
            home["residents"],
            0,
            "回京，居家观察",
            home["version"] + 1,
        ]
        status, _start, _end, _residents, staff, _note, version = now[firm["id"]]
        assert (status, staff, version) == ("reopened", 12, firm["version"] + 1)
        assert now[other["id"]][6] == other["version"]
        history = conn.execute(
            select(UnitChange.unit_id, UnitChange.source, UnitChange.actor, UnitChange.comment, UnitChange.status_after)
            .where(UnitChange.batch_id == context.batch_id)
            .order_by(UnitChange.id)
        ).all()
        assert history == [
            (home["id"], "import", "system", "3月台账", "quarantined"),
            (firm["id"], "import", "system", "3月台账", "reopened"),
        ]


def test_counts_follow_an_import(demo_engine, units, tmp_path):
    rows = [cells(units[name], "unverified") for name in ("home", "firm", "other_home")]
    with demo_engine.connect() as conn:
        unverified_before, counts_before = unverified_in_building_1(conn), maintained_counts(conn)
    run_import(demo_engine, write_ledger(tmp_path / "ledger.csv", HEADER, rows))
    with demo_engine.connect() as conn:
        assert unverified_in_building_1(conn) == unverified_before + 2 and maintained_counts(conn) != counts_before
        assert rollups_match(conn)


def test_empty_cells_leave_fields_unchanged_and_a_row_may_change_nothing(demo_engine, units, tmp_path):
    home = units["home"]
    report, _ = run_import(
        demo_engine, write_ledger(tmp_path / "ledger.csv", HEADER, [cells(home, version=home["version"])])
    )
    assert (report.rows, report.changed, report.unchanged) == (1, 0, 1)
    with demo_engine.connect() as conn:
        assert conn.execute(select(Unit.status, Unit.version).where(Unit.id == home["id"])).one() == (
            "healthy",
            home["version"],
        )


def bad_header(header):
    """A case whose header differs from HEADER."""
    return lambda units: (
        header,
        [[units["home"]["building"], units["home"]["entrance"], units["home"]["label"], "unverified"][: len(header)]],
    )


BAD_LEDGERS = {
    "unknown column": (".csv", bad_header(["building", "entrance", "unit", "colour"]), "row 1, colour: unknown column"),
    "missing column": (".csv", bad_header(["building", "unit", "status"]), "row 1, entrance: required column missing"),
    "nothing to change": (
        ".csv",
        bad_header(["building", "entrance", "unit", "version"]),
        "row 1: no column to change",
    ),
    "unknown unit": (
        ".csv",
        lambda u: (
            HEADER,
            [cells(u["home"], "unverified"), [u["home"]["building"], u["home"]["entrance"], "9999", "unverified"]],
        ),
        "row 3, unit: no unit '9999' in",
    ),
    "unknown building": (
        ".xlsx",
        lambda u: (HEADER, [cells(u["home"], "unverified"), ["没有这栋楼", "1单元", "101", "unverified"]]),
        "row 3, building: no building named '没有这栋楼'",
    ),
    "duplicate unit": (
        ".csv",
        lambda u: (
            HEADER,
            [cells(u["home"], "unverified"), cells(u["firm"], "unverified"), cells(u["home"], "unverified")],
        ),
        "row 4, unit: the same unit as row 2",
    ),
    "status not for the use": (
        ".xlsx",
        lambda u: (HEADER, [cells(u["firm"], "unverified"), cells(u["home"], "reopened")]),
        "row 3, status: Reopened does not apply to a “Home” unit",
    ),
    "unknown status": (
        ".csv",
        lambda u: (HEADER, [cells(u["home"], "sleeping")]),
        "row 2, status: choose a status from the list",
    ),
    "invalid date": (
        ".csv",
        lambda u: (HEADER, [cells(u["firm"], "unverified"), cells(u["home"], "quarantined", "2020-02-30")]),
        "row 3, quarantine_start: a date like 2020-03-01",
    ),
    "missing date": (
        ".csv",
        lambda u: (HEADER, [cells(u["home"], "quarantined")]),
        "row 2, quarantine_start: required for Home quarantine",
    ),
    "bad version": (
        ".csv",
        lambda u: (HEADER, [cells(u["home"], "unverified", version="v3")]),
        "row 2, version: a whole number",
    ),
    "wrong version": (
        ".csv",
        lambda u: (
            HEADER,
            [cells(u["firm"], "unverified"), cells(u["home"], "unverified", version=u["home"]["version"] + 5)],
        ),
        "row 3, version: the unit is at version",
    ),
    "column named twice": (
        ".csv",
        lambda u: (
            ["building", "entrance", "unit", "status", "Status"],
            [cells(u["home"])[:3] + ["unverified", "healthy"]],
        ),
        "row 1, status: column named twice",
    ),
    "value under an empty header cell": (
        ".xlsx",
        lambda u: (["building", "entrance", "unit", "", "status"], [cells(u["home"])[:3] + ["stray", "unverified"]]),
        "row 2: a value in a column without a name",
    ),
    "value beyond the header": (
        ".csv",
        lambda u: (["building", "entrance", "unit", "status"], [cells(u["home"])[:3] + ["unverified", "stray"]]),
        "row 2: a value in a column without a name",
    ),
    "empty file": (".csv", lambda u: ([], []), "row 1: the file is empty"),
    "header only": (".xlsx", lambda u: (HEADER, []), "row 1: no rows below the header"),
}


@pytest.mark.parametrize("case", BAD_LEDGERS)
def test_a_bad_ledger_names_the_row_and_changes_nothing(demo_engine, units, tmp_path, case):
    suffix, make, expected = BAD_LEDGERS[case]
    header, rows = make(units)
    path = write_ledger(tmp_path / f"ledger{suffix}", header, rows)
    before = state(demo_engine)
    with pytest.raises(LedgerError) as refused:
        run_import(demo_engine, path)
    assert expected in str(refused.value), str(refused.value)
    assert state(demo_engine) == before


@pytest.mark.parametrize(
    ("suffix", "expected"),
    [
        (".csv", "row 2: not UTF-8 text"),
        (".xlsx", "row 1: not a readable .xlsx workbook"),
        (".txt", "row 1: a ledger is a .csv or .xlsx file"),
    ],
)
def test_a_file_that_is_no_ledger_is_refused(tmp_path, suffix, expected):
    path = tmp_path / f"garbage{suffix}"
    path.write_bytes(b"building,entrance\n\x89PNG\r\n\x1a\n\x00\xff\xfe" + bytes(range(256)))
    with pytest.raises(LedgerError) as refused:
        read_ledger(path)
    assert str(refused.value).startswith(expected)


def test_a_damaged_workbook_is_refused(tmp_path):
    good = write_ledger(tmp_path / "good.xlsx", HEADER[:4], [["a", "b", "c", "unverified"]])
    damaged = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(damaged, "w") as target:
        for item in source.infolist():
            target.writestr(
                item,
                b"<worksheet><sheetData><row>" if item.filename == "xl/worksheets/sheet1.xml" else source.read(item),
            )
    assert read_ledger(good)[0].values == {"status": "unverified"}
    with pytest.raises(LedgerError, match=r"^row 1: not a readable .xlsx workbook"):
        read_ledger(damaged)


def test_nul_bytes_in_utf8_text_are_refused_at_their_row(tmp_path):
    path = tmp_path / "nul.csv"
    path.write_bytes(b"building,entrance,unit,note\na,b,c,d\na,b,c,\x00\n")
    with pytest.raises(LedgerError, match=r"^row 3: not a text file"):
        read_ledger(path)


def test_a_csv_the_reader_cannot_parse_is_refused_at_its_row(tmp_path):
    path = tmp_path / "huge.csv"
    path.write_text("building,entrance,unit,note\na,b,c,d\na,b,c," + "x" * 200_000 + "\n", encoding="utf-8")
    with pytest.raises(LedgerError, match=r"^row 3: not a readable CSV file"):
        read_ledger(path)


def test_buildings_outside_the_actors_areas_are_not_found_and_do_not_make_names_ambiguous(demo_engine, units, tmp_path):
    with writing(demo_engine) as conn:
        conn.execute(update(Building).where(Building.id == 13).values(name=units["home"]["building"]))
        conn.execute(update(Entrance).where(Entrance.building_id == 13).values(name=units["home"]["entrance"]))
        conn.execute(update(Unit).where(Unit.id == units["outside"]["id"]).values(label=units["home"]["label"]))
    path = write_ledger(tmp_path / "ledger.csv", HEADER, [cells(units["home"], "unverified")])
    with pytest.raises(LedgerError, match=r"units are named .* \(buildings share a name\)"):
        run_import(demo_engine, path)
    report, _ = run_import(demo_engine, path, actor=STAFF)
    with demo_engine.connect() as conn:
        statuses = dict(
            conn.execute(
                select(Unit.id, Unit.status).where(Unit.id.in_([units["home"]["id"], units["outside"]["id"]]))
            ).all()
        )
    assert report.changed == 1 and statuses == {units["home"]["id"]: "unverified", units["outside"]["id"]: "healthy"}


def test_every_problem_is_named_but_at_most_fifty_are_listed(demo_engine, units, tmp_path):
    home = units["home"]
    rows = [[home["building"], home["entrance"], f"X{n}", "unverified"] for n in range(60)]
    path = write_ledger(tmp_path / "ledger.csv", ["building", "entrance", "unit", "status"], rows)
    with pytest.raises(LedgerError) as refused:
        run_import(demo_engine, path)
    assert len(refused.value.problems) == 60
    lines = refused.value.lines()
    assert len(lines) == 51 and lines[0].startswith("row 2, unit: no unit 'X0'") and lines[-1] == "and 10 more"


def test_fields_changed_since_the_ledger_are_refused_naming_who(demo_engine, units, tmp_path):
    home, firm = units["home"], units["firm"]
    with writing(demo_engine) as conn:
        apply_edits(conn, [UnitEdit(home["id"], {"note": "knocked"})], ChangeContext(actor=STAFF))
    path = write_ledger(
        tmp_path / "ledger.csv",
        HEADER,
        [
            cells(firm, "unverified", version=firm["version"]),
            cells(home, "unverified", note="ledger", version=home["version"]),
        ],
    )
    before = state(demo_engine)
    with pytest.raises(LedgerError) as refused:
        run_import(demo_engine, path)
    assert (
        str(refused.value)
        == f"row 3, note: changed since version {home['version']} by wang; now version {home['version'] + 1}"
    )
    assert state(demo_engine) == before


def test_a_ledger_merges_with_fields_changed_since_that_it_leaves_alone(demo_engine, units, tmp_path):
    home = units["home"]
    with writing(demo_engine) as conn:
        apply_edits(conn, [UnitEdit(home["id"], {"note": "knocked"})], ChangeContext(actor=STAFF))
    run_import(
        demo_engine, write_ledger(tmp_path / "ledger.csv", HEADER, [cells(home, "unverified", version=home["version"])])
    )
    with demo_engine.connect() as conn:
        assert conn.execute(select(Unit.status, Unit.note).where(Unit.id == home["id"])).one() == (
            "unverified",
            "knocked",
        )


def test_units_the_actor_may_not_edit_are_refused(demo_engine, units, tmp_path):
    path = write_ledger(
        tmp_path / "ledger.csv", HEADER, [cells(units["home"], "unverified"), cells(units["outside"], "unverified")]
    )
    before = state(demo_engine)
    with pytest.raises(LedgerError) as refused:
        run_import(demo_engine, path, actor=STAFF)
    assert str(refused.value) == f"row 3, building: no building named {units['outside']['building']!r}"
    with pytest.raises(LedgerError) as refused:
        run_import(demo_engine, path, actor=LEADER)
    assert refused.value.lines() == [
        "row 2, unit: you may not edit this unit",
        "row 3, unit: you may not edit this unit",
    ]
    assert state(demo_engine) == before
    report, _ = run_import(
        demo_engine, write_ledger(tmp_path / "mine.csv", HEADER, [cells(units["home"], "unverified")]), actor=STAFF
    )
    assert report.changed == 1


def test_ledgers_longer_than_one_query_are_resolved_locked_and_checked_in_slices(demo_engine, tmp_path, monkeypatch):
    monkeypatch.setattr(changes, "IDS_PER_QUERY", 3)
    monkeypatch.setattr(ledger, "NAMES_PER_QUERY", 2)
    with demo_engine.connect() as conn:
        first_ids = (
            conn.execute(select(func.min(Unit.id)).where(Unit.building_id <= 7).group_by(Unit.building_id))
            .scalars()
            .all()
        )
        picked = [a_unit_by_id(conn, unit_id) for unit_id in sorted(first_ids)]
    other = {"home": "healthy", "firm": "not_reopened", "mixed": "healthy"}
    rows = [cells(unit, "unverified" if unit["status"] != "unverified" else other[unit["use"]], version=unit["version"])
            for unit in picked]
    path = write_ledger(tmp_path / "ledger.csv", HEADER, rows)
    report, _ = run_import(demo_engine, path)
    assert (report.rows, report.changed) == (7, 7)
    with demo_engine.connect() as conn:
        assert dict(conn.execute(select(Unit.id, Unit.version).where(Unit.id.in_(first_ids))).all()) == {
            u["id"]: u["version"] + 1 for u in picked
        }
    assert run_import(demo_engine, path)[0].changed == 0, "the same ledger again changes nothing and refuses nothing"
    with writing(demo_engine) as conn:
        apply_edits(conn, [UnitEdit(u["id"], {"note": "knocked"}) for u in picked], ChangeContext(actor=SYSTEM))
    notes = write_ledger(
        tmp_path / "notes.csv", HEADER, [cells(u, note="ledger", version=u["version"]) for u in picked]
    )
    with pytest.raises(LedgerError) as refused:
        run_import(demo_engine, notes)
    assert refused.value.lines() == [
        f"row {n}, note: changed since version {u['version']} by system; now version {u['version'] + 2}"
        for n, u in enumerate(picked, start=2)
    ]


@pytest.fixture
def cli_database(demo_engine, monkeypatch):
    """The demo database as the command line's DATABASE_URL, with an active staff user of the first workstation."""
    monkeypatch.setenv("DATABASE_URL", demo_engine.url.render_as_string(hide_password=False))
    with demo_engine.begin() as conn:
        accounts.create_user(conn, "wang", "a long enough password", "staff", [4])
    return demo_engine


def test_the_command_line_imports_a_ledger_as_a_user(cli_database, units, tmp_path, capsys):
    path = write_ledger(
        tmp_path / "ledger.xlsx", HEADER, [cells(units["home"], "unverified"), cells(units["firm"], "reopened")]
    )
    assert main(["import-ledger", str(path), "--as", "WANG", "--comment", "台账"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "imported 2 rows: 2 units changed"
    with cli_database.connect() as conn:
        assert conn.execute(
            select(UnitChange.actor, UnitChange.source, UnitChange.comment)
            .where(UnitChange.unit_id == units["firm"]["id"])
            .order_by(UnitChange.id.desc())
            .limit(1)
        ).one() == ("wang", "import", "台账")


def test_the_command_line_prints_each_problem_and_changes_nothing(cli_database, units, tmp_path, capsys):
    path = write_ledger(
        tmp_path / "ledger.csv",
        HEADER,
        [cells(units["home"], "unverified"), cells(units["outside"], "unverified"), cells(units["firm"], "healthy")],
    )
    before = state(cli_database)
    assert main(["import-ledger", str(path), "--as", "wang"]) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"row 3, building: no building named {units['outside']['building']!r}"
    ]
    assert main(["import-ledger", str(path), "--as", "nobody"]) == 1
    assert "no active user 'nobody'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["import-ledger", str(tmp_path / "missing.csv"), "--as", "wang"])
    assert "no file" in capsys.readouterr().err
    with cli_database.begin() as conn:
        accounts.create_user(conn, "boss", "a long enough password", "admin")
    assert main(["import-ledger", str(path), "--as", "boss"]) == 1
    assert capsys.readouterr().err.splitlines() == ["row 4, status: Healthy household does not apply to a “Firm” unit"]
    assert state(cli_database) == before
