"""`python -m dashboard export chart|charts|figures` in process (both backends): the files the pages offer, written
as the user may see them, and clear refusals that write nothing."""
from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from dashboard.__main__ import main
from data import accounts, queries
from data.models import Building, PersonalDataView

PASSWORD = "a long enough password"


@pytest.fixture
def cli_database(demo_engine, monkeypatch):
    """The demo as the command line's database, with staff of the first workstation and a sub-district leader."""
    monkeypatch.setenv("DATABASE_URL", demo_engine.url.render_as_string(hide_password=False))
    with demo_engine.begin() as conn:
        accounts.create_user(conn, "wang", PASSWORD, "staff", [4])
        accounts.create_user(conn, "li", PASSWORD, "leader", [3])
    return demo_engine


def first_building(engine, area_id: int) -> dict:
    """The first building of an area."""
    with engine.connect() as conn:
        building_id = conn.execute(select(Building.id).where(Building.area_id == area_id).order_by(Building.id)).first()
        return queries.building(conn, building_id[0])


def views(engine) -> int:
    """How many views of personal data are logged."""
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(PersonalDataView)).scalar_one()


def test_a_wall_chart_is_written_for_a_building_the_user_may_see(cli_database, tmp_path, capsys):
    building, output = first_building(cli_database, 4), tmp_path / "chart.xlsx"
    assert main(["export", "chart", str(building["id"]), "--as", "wang", "-o", str(output)]) == 0
    assert capsys.readouterr().out.startswith(f"wrote {output}")
    sheet = openpyxl.load_workbook(output).active
    assert building["name"] in str(sheet["A1"].value)
    assert main(["export", "chart", str(building["id"]), "--as", "wang", "--as-of", "2020-02-20", "--language", "en",
                 "-o", str(tmp_path / "past.xlsx")]) == 0
    assert "end of" in str(openpyxl.load_workbook(tmp_path / "past.xlsx").active["A2"].value)


def test_an_areas_wall_charts_and_figures_are_written(cli_database, tmp_path, capsys):
    assert main(["export", "charts", "第一楼宇工作站", "--as", "li", "-o", str(tmp_path / "charts.xlsx")]) == 0
    with cli_database.connect() as conn:
        buildings = conn.execute(select(func.count()).select_from(Building).where(Building.area_id == 4)).scalar_one()
    assert len(openpyxl.load_workbook(tmp_path / "charts.xlsx").sheetnames) == 1 + buildings
    assert main(["export", "figures", "3", "--as", "li", "--format", "csv", "-o", str(tmp_path / "f.csv")]) == 0
    rows = list(csv.reader(io.StringIO((tmp_path / "f.csv").read_bytes().decode("utf-8-sig"))))
    assert "鲁谷街道" in rows[0][0] and views(cli_database) == 0
    assert main(["export", "figures", "4", "--as", "wang", "-o", str(tmp_path / "f.xlsx")]) == 0
    assert openpyxl.load_workbook(tmp_path / "f.xlsx").sheetnames
    assert main(["export", "booklet", "4", "--as", "wang", "-o", str(tmp_path / "b.pdf")]) == 0
    assert len(PdfReader(tmp_path / "b.pdf").pages) == 1 + buildings


@pytest.mark.parametrize("arguments", [
    ["chart", "999999", "--as", "wang"], ["chart", "{outside}", "--as", "wang"], ["charts", "5", "--as", "wang"],
    ["figures", "无此区域", "--as", "li"], ["figures", "3", "--as", "nobody"],
    ["chart", "{inside}", "--as", "wang", "--as-of", "2999-01-01"], ["booklet", "5", "--as", "wang"],
])
def test_what_the_user_may_not_see_is_refused_and_nothing_written(cli_database, tmp_path, monkeypatch, capsys,
                                                                  arguments):
    (tmp_path / "out").mkdir()
    monkeypatch.chdir(tmp_path / "out")
    inside, outside = first_building(cli_database, 4)["id"], first_building(cli_database, 5)["id"]
    filled = [argument.format(inside=inside, outside=outside) for argument in arguments]
    assert main(["export", *filled]) == 1
    assert capsys.readouterr().err.startswith("error: ")
    assert list((tmp_path / "out").iterdir()) == [] and views(cli_database) == 0
