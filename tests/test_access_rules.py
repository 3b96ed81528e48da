"""Access rules at their edges (pure): unknown roles, the area trail, and every kind of number masked in free text."""

from __future__ import annotations

import pytest

from data.access import (
    area_for,
    authorize,
    building_for,
    mask_free_text,
    mask_id_number,
    mask_phone,
    redact_batch,
    redact_change,
    scope_paths,
    visible_ancestors,
)
from data.accounts import Account
from tests.helpers import ADMIN, LEADER, STAFF


def test_a_role_the_code_does_not_know_may_do_nothing():
    retired = Account(9, "old", "inspector", ("/1/",))
    assert not authorize(retired, "view", {"area_path": "/1/2/"})
    assert not authorize(retired, "view")


@pytest.mark.parametrize(
    "user, expected", [(STAFF, {4, 7}), (LEADER, {3, 4, 7}), (ADMIN, {1, 2, 3, 4, 7}), (None, set())]
)
def test_the_area_trail_links_only_the_areas_the_user_may_open(user, expected):
    assert visible_ancestors(user, "/1/2/3/4/7/") == expected


def test_a_prefix_of_digits_is_not_an_ancestor():
    assert visible_ancestors(STAFF, "/1/2/3/40/") == set()


@pytest.mark.parametrize("phone, masked", [("123456", "****56"), ("12345", "****"), ("1234567", "*****67")])
def test_short_numbers_show_their_last_two_digits_from_six_on(phone, masked):
    assert mask_phone(phone) == masked


def test_an_identity_card_number_keeps_its_first_three_and_last_four():
    assert mask_id_number("11010519491231002X") == "110***********002X"
    assert mask_id_number("110105 19491231 0021") == "110***********0021"
    assert mask_id_number("11010519491231002x") == "110***********002x"


@pytest.mark.parametrize(
    "text, masked",
    [
        ("ID 11010519491231002X here", "ID 110***********002X here"),
        ("call 010-6888 1234 转 12 now", "call 010****3412 now"),
        ("ref 98765432101234", "ref 987****1234"),
        ("+86 138 1234 5678", "+86 138****5678"),
        ("a 13812345678, b 13987654321.", "a 138****5678, b 139****4321."),
        ("no numbers", "no numbers"),
    ],
)
def test_every_kind_of_number_in_free_text_is_masked_and_the_text_around_kept(text, masked):
    assert mask_free_text(text) == masked


def test_full_width_digits_are_masked_as_ascii_ones():
    assert mask_free_text("电话１３８１２３４５６７８") == "电话138****5678"


def test_a_change_keeps_empty_personal_fields_empty_and_masks_its_note():
    change = {
        "data_before": {"occupant_name": "", "contact_phone": "", "note": "call 13812345678"},
        "data_after": {"occupant_name": None, "note": None},
        "comment": None,
    }
    assert redact_change(change) == {
        "data_before": {"occupant_name": "", "contact_phone": "", "note": "call 138****5678"},
        "data_after": {"occupant_name": None, "note": None},
        "comment": None,
    }


def test_a_batch_masks_its_comment_and_every_change():
    batch = {
        "id": 5,
        "comment": "per 13812345678",
        "changes": [
            {"data_before": {"occupant_name": "王芳"}, "data_after": {"occupant_name": "李雷"}, "comment": None}
        ],
    }
    assert redact_batch(batch) == {
        "id": 5,
        "comment": "per 138****5678",
        "changes": [
            {"data_before": {"occupant_name": "(hidden)"}, "data_after": {"occupant_name": "(hidden)"}, "comment": None}
        ],
    }


def test_lists_are_filtered_by_the_users_areas_except_for_administrators():
    assert scope_paths(STAFF) == ("/1/2/3/4/",)
    assert scope_paths(LEADER) == ("/1/2/3/",)
    assert scope_paths(ADMIN) is None


def test_a_building_outside_the_users_areas_is_the_same_as_none(demo_engine):
    with demo_engine.connect() as conn:
        assert building_for(conn, STAFF, 1)["id"] == 1
        assert building_for(conn, STAFF, 1, "edit")["id"] == 1
        assert building_for(conn, LEADER, 1, "edit") is None
        assert building_for(conn, STAFF, 13) is None
        assert building_for(conn, ADMIN, 13)["id"] == 13
        assert building_for(conn, ADMIN, 10**6) is None
        assert building_for(conn, ADMIN, None) is None
        assert building_for(conn, None, 1) is None


def test_an_area_outside_the_users_areas_is_the_same_as_none(demo_engine):
    with demo_engine.connect() as conn:
        assert area_for(conn, LEADER, 3)["path"] == "/1/2/3/"
        assert area_for(conn, STAFF, 4)["id"] == 4
        assert area_for(conn, STAFF, 5) is None
        assert area_for(conn, STAFF, 3) is None
        assert area_for(conn, ADMIN, 1)["id"] == 1
        assert area_for(conn, ADMIN, 10**6) is None
        assert area_for(conn, ADMIN, 0) is None
