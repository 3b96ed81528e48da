"""Areas kept by administrators (issue #14): the commands of data/areas.py on both databases, the CLI, and the
/admin/areas page through the Flask test client and in a browser."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait
from sqlalchemy import select

from dashboard import ids
from dashboard.__main__ import main
from data import areas, queries
from data.accounts import create_user
from data.changes import ChangeContext, area_totals, daily_totals
from data.db import make_engine
from data.models import Area, AreaCount, AreaDailyDelta, StructureChange, UserArea
from data.structure import StructureRefused
from layouts import admin_areas as admin_layout
from scripts.dash_client import by_id, callback_request, open_page, post_json, walk
from tests.helpers import ADMIN, copy_template, database, start_signed_in
from tests.test_accessibility import audit

CITY, DISTRICT, SUBDISTRICT, WORKSTATION, OTHER_WORKSTATION = 1, 2, 3, 4, 5
AT = dt.datetime(2020, 3, 2, 4, 0)


def ctx() -> ChangeContext:
    """An administrator's change at a fixed time."""
    return ChangeContext(actor=ADMIN, request_id="req-areas", at=AT)


def an_area(conn, area_id: int) -> dict:
    """An area as stored, retired or not."""
    return dict(conn.execute(select(Area.__table__).where(Area.id == area_id)).one()._mapping)


def records(conn, action: str) -> list[StructureChange]:
    """The structure records of an action, oldest first."""
    return conn.execute(select(StructureChange).where(StructureChange.action == action)
                        .order_by(StructureChange.id)).all()


def stored_rollups(conn) -> tuple[dict, dict]:
    """The maintained area counts and daily deltas, without zero rows."""
    counts = {(r.area_id, r.status, r.use): (r.units, r.residents, r.staff)
              for r in conn.execute(select(AreaCount.__table__)) if (r.units, r.residents, r.staff) != (0, 0, 0)}
    deltas = {(r.area_id, r.day, r.status): r.delta for r in conn.execute(select(AreaDailyDelta.__table__)) if r.delta}
    return counts, deltas


def recounted(conn) -> tuple[dict, dict]:
    """The area counts and daily deltas recounted from the units and their history."""
    counts = {key: value for key, value in area_totals(conn).items() if value != (0, 0, 0)}
    return counts, {key: n for key, n in daily_totals(conn).items() if n}


def test_an_added_area_gets_its_path_depth_default_kind_and_a_record(demo_engine):
    with demo_engine.begin() as conn:
        new_id = areas.add_area(conn, ctx(), "  新社区 ", WORKSTATION)
        stored, [change] = an_area(conn, new_id), records(conn, "area.add")
    assert (stored["name"], stored["parent_id"], stored["kind"]) == ("新社区", WORKSTATION, "community")
    assert (stored["path"], stored["depth"]) == (f"/1/2/3/4/{new_id}/", 4)
    assert (change.actor, change.request_id, change.subject, change.subject_id) == ("root", "req-areas", "area",
                                                                                     str(new_id))
    assert change.data_before == {} and change.data_after["path"] == stored["path"]


def test_an_added_area_takes_the_kind_it_is_given(demo_engine):
    with demo_engine.begin() as conn:
        new_id = areas.add_area(conn, ctx(), "西区", SUBDISTRICT, kind="workstation")
        assert an_area(conn, new_id)["kind"] == "workstation"


@pytest.mark.parametrize("name, parent, kind", [("", SUBDISTRICT, None), ("x" * 201, SUBDISTRICT, None),
                                                ("新区", 999, None), ("新区", SUBDISTRICT, "galaxy"),
                                                ("新区", None, None), ("鲁谷街道", DISTRICT, None),
                                                ("新\x00区", SUBDISTRICT, None), (["新区"], SUBDISTRICT, None),
                                                ("新区", SUBDISTRICT, ["community"])])
def test_a_bad_new_area_is_refused_and_nothing_is_written(demo_engine, name, parent, kind):
    with demo_engine.begin() as conn:
        before = conn.execute(select(Area.id)).all()
        with pytest.raises(StructureRefused) as refused:
            areas.add_area(conn, ctx(), name, parent, kind)
        assert refused.value.message.template
        assert conn.execute(select(Area.id)).all() == before and records(conn, "area.add") == []


def test_renaming_changes_the_name_and_records_both(demo_engine):
    with demo_engine.begin() as conn:
        old = an_area(conn, WORKSTATION)["name"]
        areas.rename_area(conn, ctx(), WORKSTATION, "新名字")
        [change] = records(conn, "area.rename")
        assert an_area(conn, WORKSTATION)["name"] == "新名字"
    assert (change.data_before, change.data_after) == ({"name": old}, {"name": "新名字"})


def test_a_rename_to_a_siblings_name_is_refused(demo_engine):
    with demo_engine.begin() as conn:
        sibling = an_area(conn, OTHER_WORKSTATION)["name"]
        with pytest.raises(StructureRefused):
            areas.rename_area(conn, ctx(), WORKSTATION, sibling)
        assert an_area(conn, WORKSTATION)["name"] != sibling


def test_moving_rewrites_the_whole_subtree_and_keeps_the_rollups_true(demo_engine):
    with demo_engine.begin() as conn:
        child = areas.add_area(conn, ctx(), "社区甲", OTHER_WORKSTATION)
        grandchild = areas.add_area(conn, ctx(), "小区乙", child)
        new_sub = areas.add_area(conn, ctx(), "新街道", DISTRICT)
        assert stored_rollups(conn)[0].get((SUBDISTRICT, "healthy", "home"))
        areas.move_area(conn, ctx(), OTHER_WORKSTATION, new_sub)
        moved = {area_id: an_area(conn, area_id) for area_id in (OTHER_WORKSTATION, child, grandchild)}
        assert stored_rollups(conn) == recounted(conn)
        [change] = records(conn, "area.move")
    assert moved[OTHER_WORKSTATION]["parent_id"] == new_sub
    assert [(a["path"], a["depth"]) for a in moved.values()] == [
        (f"/1/2/{new_sub}/5/", 3), (f"/1/2/{new_sub}/5/{child}/", 4), (f"/1/2/{new_sub}/5/{child}/{grandchild}/", 5)]
    assert change.data_before["parent_id"] == SUBDISTRICT and change.data_after["parent_id"] == new_sub


def test_moving_up_a_level_keeps_the_rollups_true(demo_engine):
    with demo_engine.begin() as conn:
        areas.move_area(conn, ctx(), WORKSTATION, DISTRICT)
        assert an_area(conn, WORKSTATION)["depth"] == 2
        assert stored_rollups(conn) == recounted(conn)


@pytest.mark.parametrize("area_id, parent", [(SUBDISTRICT, SUBDISTRICT), (SUBDISTRICT, WORKSTATION),
                                             (WORKSTATION, SUBDISTRICT), (WORKSTATION, 999), (999, SUBDISTRICT)])
def test_a_move_under_itself_a_descendant_the_same_parent_or_nowhere_is_refused(demo_engine, area_id, parent):
    with demo_engine.begin() as conn:
        paths = conn.execute(select(Area.id, Area.path, Area.depth).order_by(Area.id)).all()
        with pytest.raises(StructureRefused):
            areas.move_area(conn, ctx(), area_id, parent)
        assert conn.execute(select(Area.id, Area.path, Area.depth).order_by(Area.id)).all() == paths


def test_an_area_with_buildings_is_retired_hidden_and_kept(demo_engine):
    with demo_engine.begin() as conn:
        assert areas.retire_area(conn, ctx(), OTHER_WORKSTATION) == "retired"
        counts = stored_rollups(conn)
    with demo_engine.connect() as conn:
        assert an_area(conn, OTHER_WORKSTATION)["retired_at"] == AT
        assert OTHER_WORKSTATION not in [a["id"] for a in queries.child_areas(conn, SUBDISTRICT)]
        assert OTHER_WORKSTATION not in [a["id"] for a in areas.live_areas(conn)]
        assert queries.area(conn, OTHER_WORKSTATION) is None
        assert queries.top_area(conn, ("/1/2/3/5/",)) is None and queries.top_area(conn, None)["id"] == CITY
        assert records(conn, "area.retire")[0].data_before["name"]
        assert counts == recounted(conn)


def test_an_area_with_users_is_retired_not_deleted(demo_engine):
    with demo_engine.begin() as conn:
        empty = areas.add_area(conn, ctx(), "空社区", WORKSTATION)
        conn.execute(UserArea.__table__.insert().values(user_id=_a_user(conn), area_id=empty))
        assert areas.retire_area(conn, ctx(), empty) == "retired"
        assert an_area(conn, empty)["retired_at"] == AT


def test_an_area_that_never_had_anything_is_deleted_with_a_record(demo_engine):
    with demo_engine.begin() as conn:
        empty = areas.add_area(conn, ctx(), "空社区", WORKSTATION)
        assert areas.retire_area(conn, ctx(), empty) == "deleted"
        assert conn.execute(select(Area.id).where(Area.id == empty)).first() is None
        assert records(conn, "area.delete")[0].data_before["name"] == "空社区"


@pytest.mark.parametrize("area_id", [CITY, SUBDISTRICT, 999])
def test_the_top_area_one_with_live_areas_under_it_or_none_cannot_be_retired(demo_engine, area_id):
    with demo_engine.begin() as conn:
        with pytest.raises(StructureRefused):
            areas.retire_area(conn, ctx(), area_id)
        assert conn.execute(select(Area.id).where(Area.retired_at.is_not(None))).first() is None


def test_a_retired_area_cannot_be_renamed_moved_or_chosen_as_parent(demo_engine):
    with demo_engine.begin() as conn:
        areas.retire_area(conn, ctx(), OTHER_WORKSTATION)
        for command in (lambda: areas.rename_area(conn, ctx(), OTHER_WORKSTATION, "复活"),
                        lambda: areas.move_area(conn, ctx(), OTHER_WORKSTATION, DISTRICT),
                        lambda: areas.add_area(conn, ctx(), "下级", OTHER_WORKSTATION)):
            with pytest.raises(StructureRefused):
                command()


def test_the_name_of_a_retired_area_can_be_given_again(demo_engine):
    with demo_engine.begin() as conn:
        name = an_area(conn, OTHER_WORKSTATION)["name"]
        areas.retire_area(conn, ctx(), OTHER_WORKSTATION)
        new_id = areas.add_area(conn, ctx(), name, SUBDISTRICT)
        assert areas.resolve(conn, name) == new_id


def test_resolve_takes_an_id_a_path_or_a_unique_name(demo_engine):
    with demo_engine.connect() as conn:
        name = an_area(conn, WORKSTATION)["name"]
        assert [areas.resolve(conn, ref) for ref in ("4", "/1/2/3/4/", name)] == [WORKSTATION] * 3
        for bad in ("999", "/9/", "no such area"):
            with pytest.raises(StructureRefused):
                areas.resolve(conn, bad)


@pytest.fixture
def cli(tmp_path, monkeypatch, capsys):
    """Run `python -m dashboard ARGS` in process against a copy of the demo database; returns (exit code, standard
    output, standard error) and the database's engine."""
    url = copy_template(f"sqlite:///{tmp_path / 'areas.db'}", "demo")
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    db = make_engine(url)

    def run(*args: str) -> tuple[int, str, str]:
        code = main(["areas", *args])
        printed = capsys.readouterr()
        return code, printed.out, printed.err
    yield run, db
    db.dispose()


def test_the_cli_adds_an_area_and_prints_its_id(cli):
    run, db = cli
    code, out, err = run("add", "新街道", "--parent", "/1/2/", "--kind", "subdistrict")
    assert code == 0, err
    with db.connect() as conn:
        stored = an_area(conn, int(out.strip()))
        [change] = records(conn, "area.add")
    assert (stored["name"], stored["parent_id"], stored["kind"]) == ("新街道", DISTRICT, "subdistrict")
    assert change.actor == "system"


def test_the_cli_lists_renames_moves_and_retires_by_id_path_or_name(cli):
    run, db = cli
    new_id = int(run("add", "新街道", "--parent", "2")[1])
    assert run("rename", str(new_id), "西街道")[0] == 0
    assert run("move", "/1/2/3/5/", "--parent", "西街道")[0] == 0
    code, out, _ = run("list")
    assert code == 0 and f"/1/2/{new_id}/5/" in out and "西街道" in out
    assert run("retire", "5")[0] == 0
    with db.connect() as conn:
        assert an_area(conn, 5)["retired_at"] is not None and an_area(conn, new_id)["name"] == "西街道"
        assert stored_rollups(conn) == recounted(conn)
    assert "/1/2/" + f"{new_id}/5/" not in run("list")[1]


@pytest.mark.parametrize("args", [("add", "x", "--parent", "no such area"), ("move", "3", "--parent", "4"),
                                  ("rename", "4", ""), ("retire", "1"), ("retire", "999")])
def test_the_cli_says_what_is_wrong_and_changes_nothing(cli, args):
    run, db = cli
    code, out, err = run(*args)
    assert code == 1 and err.startswith("error: ") and out == ""
    with db.connect() as conn:
        assert conn.execute(select(StructureChange.id)).first() is None


def press(app, client, button: str, **values) -> tuple[int, dict | None]:
    """POST a click on one of the page's buttons with the form's values (by field id), as dash-renderer does."""
    key, entry = next((k, e) for k, e in app.callback_map.items() if e["inputs"][0]["id"] == ids.ADMIN_AREA_ADD)
    body = callback_request(key, entry, lambda component, _prop: 1 if component == button else values.get(component))
    pressed = next(spec["property"] for spec in entry["inputs"] if spec["id"] == button)
    body["changedPropIds"] = [f"{button}.{pressed}"]
    response = post_json(client, body)
    return response.status_code, response.get_json() if response.status_code == 200 else None


def outcome(answer: dict) -> dict:
    """The message alert's properties in a callback answer."""
    message = answer["response"][ids.ADMIN_AREAS_MESSAGE]["children"]
    return message["props"]


def table_areas(node) -> list[int]:
    """The area ids of the rows of a table of areas (components or JSON)."""
    return [part["props"]["data-area"] for part in walk(node)
            if isinstance(part, dict) and "admin-area-row" in part.get("props", {}).get("className", "")]


def test_the_choices_and_rows_follow_the_tree_order_and_depth():
    tree = [{"id": 1, "kind": "city", "name": "市", "depth": 0}, {"id": 9, "kind": "galaxy", "name": "乙", "depth": 2}]
    assert [o["value"] for o in admin_layout.options(tree)] == ["1", "9"]
    assert admin_layout.options(tree)[1]["label"].startswith("\u00a0" * 4 + "乙 (galaxy")
    rows = [part for part in walk(admin_layout.table(tree)) if getattr(part, "className", "") == "admin-area-row"]
    assert [row.children[0].style["paddingLeft"] for row in rows] == ["0.25rem", "2.75rem"]
    assert admin_layout.message("x", False).to_plotly_json()["props"]["data-ok"] == "false"


def test_only_administrators_get_the_page(client_as):
    page = open_page(client_as("admin"), "/admin/areas")
    assert by_id(page, ids.ADMIN_AREA_ADD) and 5 in table_areas(page)
    for user in ("staff", "leader", "viewer"):
        assert table_areas(open_page(client_as(user), "/admin/areas")) == []
        with pytest.raises(LookupError):
            by_id(open_page(client_as(user), "/admin/areas"), ids.ADMIN_AREA_ADD)


def test_an_administrator_adds_renames_moves_and_retires_through_the_page(app, client):
    code, answer = press(app, client, ids.ADMIN_AREA_ADD, **{ids.ADMIN_AREA_NEW_NAME: "新街道",
                                                            ids.ADMIN_AREA_NEW_PARENT: "2"})
    assert code == 200 and outcome(answer)["data-ok"] == "true"
    with database(app).connect() as conn:
        new_id = areas.resolve(conn, "新街道")
    assert new_id in table_areas(answer["response"][ids.ADMIN_AREAS_TABLE]["children"])
    assert str(new_id) in [o["value"] for o in answer["response"][ids.ADMIN_AREA_PARENT]["options"]]
    steps = [(ids.ADMIN_AREA_RENAME, {ids.ADMIN_AREA_PICK: str(new_id), ids.ADMIN_AREA_NAME: "西街道"}),
             (ids.ADMIN_AREA_MOVE, {ids.ADMIN_AREA_PICK: "5", ids.ADMIN_AREA_PARENT: str(new_id)}),
             (ids.ADMIN_AREA_RETIRE, {ids.ADMIN_AREA_PICK: "5"})]
    for button, values in steps:
        code, answer = press(app, client, button, **values)
        assert code == 200 and outcome(answer)["data-ok"] == "true", answer
    assert 5 not in table_areas(answer["response"][ids.ADMIN_AREAS_TABLE]["children"])
    with database(app).connect() as conn:
        moved = an_area(conn, 5)
        assert (an_area(conn, new_id)["name"], moved["path"]) == ("西街道", f"/1/2/{new_id}/5/")
        assert moved["retired_at"] is not None and stored_rollups(conn) == recounted(conn)
        assert [r.actor for r in conn.execute(select(StructureChange.actor))] == ["admin"] * 4


def test_a_refused_command_says_why_and_changes_nothing(app, client):
    code, answer = press(app, client, ids.ADMIN_AREA_MOVE, **{ids.ADMIN_AREA_PICK: "3", ids.ADMIN_AREA_PARENT: "4"})
    assert code == 200 and outcome(answer)["data-ok"] == "false" and outcome(answer)["children"]
    assert ids.ADMIN_AREAS_TABLE not in answer["response"]
    code, answer = press(app, client, ids.ADMIN_AREA_RENAME, **{ids.ADMIN_AREA_PICK: "not a number"})
    assert code == 200 and outcome(answer)["data-ok"] == "false"
    with database(app).connect() as conn:
        assert an_area(conn, 3)["path"] == "/1/2/3/" and conn.execute(select(StructureChange.id)).first() is None


@pytest.mark.parametrize("user", ["staff", "leader", "viewer"])
def test_a_forged_request_from_anyone_else_changes_nothing(app, client_as, user):
    forger = client_as(user)
    for button, values in [(ids.ADMIN_AREA_ADD, {ids.ADMIN_AREA_NEW_NAME: "伪造", ids.ADMIN_AREA_NEW_PARENT: "3"}),
                           (ids.ADMIN_AREA_RENAME, {ids.ADMIN_AREA_PICK: "4", ids.ADMIN_AREA_NAME: "伪造"}),
                           (ids.ADMIN_AREA_MOVE, {ids.ADMIN_AREA_PICK: "5", ids.ADMIN_AREA_PARENT: "2"}),
                           (ids.ADMIN_AREA_RETIRE, {ids.ADMIN_AREA_PICK: "5"})]:
        code, answer = press(app, forger, button, **values)
        assert code == 200 and outcome(answer)["data-ok"] == "false"
        assert ids.ADMIN_AREAS_TABLE not in answer["response"]
    with database(app).connect() as conn:
        assert conn.execute(select(StructureChange.id)).first() is None
        assert conn.execute(select(Area.name).where(Area.name == "伪造")).first() is None
        assert [(a.path, a.retired_at) for a in conn.execute(select(Area).where(Area.id.in_([4, 5])))] == [
            ("/1/2/3/4/", None), ("/1/2/3/5/", None)]


def test_retired_areas_leave_the_area_pages_for_everyone(app, client_as, client):
    press(app, client, ids.ADMIN_AREA_RETIRE, **{ids.ADMIN_AREA_PICK: "5"})
    leader = client_as("leader")
    assert by_id(open_page(leader, "/area/4"), ids.AREA_BUILDINGS)
    with pytest.raises(LookupError):
        by_id(open_page(leader, "/area/5"), ids.AREA_BUILDINGS)
    children = by_id(open_page(leader, "/area/3"), ids.AREA_CHILDREN)
    assert "/area/5" not in str(children) and "/area/4" in str(children)


def test_the_main_path_in_a_browser(browser, sqlite_app):
    start_signed_in(browser, sqlite_app, "admin")
    browser.driver.get(f"{browser.server_url}/admin/areas")
    browser.wait_for_element(f"#{ids.ADMIN_AREA_ADD}", timeout=15)
    browser.driver.set_script_timeout(60)
    assert audit(browser.driver, "/admin/areas") == []
    browser.find_element(f"#{ids.ADMIN_AREA_NEW_NAME}").send_keys("新社区")
    Select(browser.find_element(f"#{ids.ADMIN_AREA_NEW_PARENT}")).select_by_value("4")
    browser.find_element(f"#{ids.ADMIN_AREA_ADD}").click()
    browser.wait_for_element(".admin-areas-outcome[data-ok='true']", timeout=15)
    assert audit(browser.driver, "/admin/areas after adding") == []
    rows = browser.driver.find_elements(By.CSS_SELECTOR, ".admin-area-row")
    with database(sqlite_app).connect() as conn:
        new_id = areas.resolve(conn, "新社区")
    assert str(new_id) in [row.get_attribute("data-area") for row in rows]
    Select(browser.find_element(f"#{ids.ADMIN_AREA_PICK}")).select_by_value(str(new_id))
    browser.find_element(f"#{ids.ADMIN_AREA_RETIRE} button").click()
    WebDriverWait(browser.driver, 5).until(lambda d: d.switch_to.alert).accept()
    WebDriverWait(browser.driver, 15).until(lambda d: str(new_id) not in d.execute_script(
        "return [...document.querySelectorAll('.admin-area-row')].map(row => row.dataset.area)"))
    with database(sqlite_app).connect() as conn:
        assert conn.execute(select(Area.id).where(Area.id == new_id)).first() is None


def _a_user(conn) -> int:
    """The id of a user row to cover an area (made here: the demo database has none)."""
    return create_user(conn, "cover", "a-long-password-1", "admin")
