"""The pure building template: entrances, floors with basements and skipped labels, ranges, numbering, refusals."""
from __future__ import annotations

from dataclasses import replace

import pytest

from data.building_plan import (
    MAX_CELLS,
    FloorRange,
    Template,
    floor_label,
    parse_floor,
    plan_building,
    preview_rows,
    template_from_form,
)
from data.structure import StructureRefused

USES = {"home", "firm", "mixed"}
CATALOGUE = [{"code": "home", "label_en": "Home", "label_zh": "住户"},
             {"code": "firm", "label_en": "Firm", "label_zh": "企业"},
             {"code": "mixed", "label_en": "Both", "label_zh": "商住"}]
TOWER = Template("塔楼", use="mixed", entrances=("商业裙楼", "1单元", "2单元"), lowest=-2, highest=33,
                 skip=(4, 13, 14), units=0,
                 ranges=(FloorRange(-2, -1, 2, "firm", ("商业裙楼",)), FloorRange(1, 3, 6, "firm", ("商业裙楼",)),
                         FloorRange(5, 33, 4, "home", ("1单元", "2单元"))))


def floors_of(plan, entrance: int) -> list[str]:
    """The floor labels of an entrance, lowest first."""
    return [floor.label for floor in plan.entrances[entrance].floors]


def test_the_issues_tower_has_a_podium_basements_and_thirty_floors_without_4_13_14():
    plan = plan_building(TOWER, USES)
    assert floors_of(plan, 0) == ["B2", "B1", "1", "2", "3"]
    tower = floors_of(plan, 1)
    assert tower[0] == "5" and tower[-1] == "33" and len(tower) == 27 and {"4", "13", "14"}.isdisjoint(tower)
    assert len(plan.entrances[1].floors) + 3 == 30
    assert [len(floor.units) for floor in plan.entrances[0].floors] == [2, 2, 6, 6, 6]
    assert plan.cells == 2 * 2 + 3 * 6 + 2 * 27 * 4


def test_levels_count_storeys_not_labels():
    floors = plan_building(TOWER, USES).entrances[1].floors
    assert [(f.label, f.level) for f in floors if f.label in ("5", "12", "15", "33")] == [
        ("5", 4), ("12", 11), ("15", 12), ("33", 30)]
    assert [f.level for f in plan_building(TOWER, USES).entrances[0].floors][:2] == [-2, -1]


def test_the_default_pattern_numbers_floor_times_100_plus_n_and_b1_as_b101():
    plan = plan_building(TOWER, USES)
    basement, twelfth = plan.entrances[0].floors[1], plan.entrances[1].floors[7]
    assert [u.label for u in basement.units] == ["B101", "B102"]
    assert twelfth.label == "12" and [u.label for u in twelfth.units] == ["1201", "1202", "1203", "1204"]


def test_an_edited_pattern_and_the_uses_of_ranges():
    plan = plan_building(Template("A", entrances=2, lowest=1, highest=2, units=2, pattern="{entrance}-{floor}{n:02d}"),
                         USES)
    assert [u.label for u in plan.entrances[1].floors[1].units] == ["2-201", "2-202"]
    assert {u.use for e in plan.entrances for f in e.floors for u in f.units} == {"home"}
    assert {u.use for u in plan_building(TOWER, USES).entrances[0].floors[0].units} == {"firm"}


def test_entrances_by_count_are_named_like_the_ledgers():
    plan = plan_building(Template("A", entrances=2), USES)
    assert [e.name for e in plan.entrances] == ["1单元", "2单元"]


@pytest.mark.parametrize("template", [
    Template("A", lowest=5, highest=3),
    Template("A", units=0),
    Template("A", lowest=1, highest=2, units=3, pattern="{floor}"),
    Template("A", lowest=1, highest=200, units=60, entrances=1),
    Template("A", lowest=1, highest=3, skip=(1, 2, 3)),
    Template("A", lowest=0, highest=3),
    Template(" "),
    Template("A", use="castle"),
    Template("A", entrances=("1单元", "1单元")),
    Template("A", pattern="{floor.__class__}{n}"),
    Template("A", pattern="{n!r}"),
    Template("A", pattern="{n"),
    Template("A", pattern="{n:999999999}"),
    Template("A", pattern="{floor:05d}"),
    Template("A", lowest=1, highest=3, ranges=(FloorRange(2, 5, 3),)),
    Template("A", lowest=1, highest=3, ranges=(FloorRange(2, 3, 0),)),
    Template("A", lowest=1, highest=3, ranges=(FloorRange(2, 3, 3, "castle"),)),
    Template("A", lowest=1, highest=3, ranges=(FloorRange(2, 3, 3, None, ("3单元",)),)),
], ids=["lowest-above-highest", "no-units", "same-labels", "too-many-cells", "all-skipped", "floor-0", "no-name",
        "bad-use", "same-entrance", "attribute-pattern", "conversion-pattern", "broken-pattern",
        "huge-width", "string-as-number", "range-outside",
        "range-0-units", "range-bad-use", "range-bad-entrance"])
def test_bad_templates_are_refused_with_a_message(template):
    with pytest.raises(StructureRefused) as refused:
        plan_building(template, USES)
    assert refused.value.message.template and str(refused.value.message)


def test_the_cell_limit_is_inclusive():
    assert plan_building(Template("A", lowest=1, highest=100, units=50, entrances=2), USES).cells == MAX_CELLS
    with pytest.raises(StructureRefused):
        plan_building(Template("A", lowest=1, highest=100, units=50, entrances=3), USES)


def test_duplicate_labels_are_named_in_the_refusal():
    with pytest.raises(StructureRefused) as refused:
        plan_building(Template("A", lowest=1, highest=2, units=2, pattern="{n}"), USES)
    assert refused.value.message.values["label"] == "1"


def test_floor_labels_read_and_written():
    assert [parse_floor(text) for text in ("12", "B1", "b2", " 3 ")] == [12, -1, -2, 3]
    assert [floor_label(n) for n in (-2, 1, 33)] == ["B2", "1", "33"]
    for bad in ("0", "B0", "x", "", None, "-1", "1.5"):
        with pytest.raises(StructureRefused):
            parse_floor(bad)


def test_the_form_reads_the_issues_tower():
    values = {"name": "塔楼", "address": "鲁谷路1号", "use": "mixed", "entrances": "商业裙楼, 1单元，2单元",
              "lowest": "B2", "highest": "33", "skip": "4, 13 14", "units": "0",
              "ranges": "B2-B1 2 firm 商业裙楼\n1-3 6 企业 商业裙楼\n\n5-33 4 home 1单元 2单元", "pattern": ""}
    assert plan_building(template_from_form(values, CATALOGUE), USES) == plan_building(
        replace(TOWER, address="鲁谷路1号"), USES)


@pytest.mark.parametrize("field,text", [("lowest", "ground"), ("units", "four"), ("units", "-1"),
                                        ("ranges", "1-3"), ("ranges", "one-3 4"), ("skip", "4, x")])
def test_bad_form_text_is_refused(field, text):
    values = {"name": "A", "use": "residential", "entrances": "1", "lowest": "1", "highest": "3", "units": "2",
              field: text}
    with pytest.raises(StructureRefused):
        template_from_form(values, CATALOGUE)


def test_the_preview_rows_are_shaped_like_the_databases():
    plan = plan_building(TOWER, USES)
    entrances, floors, units = preview_rows(plan, "unverified", None)
    assert len(entrances) == 3 and len(floors) == 5 + 27 * 2 and len(units) == plan.cells
    assert [u["id"] for u in units] == list(range(1, plan.cells + 1))
    floor_ids = {f["id"]: f for f in floors}
    assert all(floor_ids[u["floor_id"]]["entrance_id"] == u["entrance_id"] for u in units)
    assert {u["status"] for u in units} == {"unverified"}
