"""The one authorisation function and the redaction of personal data (pure)."""
from __future__ import annotations

import pytest

from data.access import authorize, mask_phone, redact_change, redact_unit
from tests.helpers import ADMIN, LEADER, STAFF, VIEWER

INSIDE = {"area_path": "/1/2/3/4/"}
NEIGHBOUR = {"area_path": "/1/2/3/5/"}
PREFIX_TRAP = {"area_path": "/1/2/3/40/"}


@pytest.mark.parametrize("user, action, target, allowed", [
    (None, "view", None, False),
    (STAFF, "view", INSIDE, True), (STAFF, "view_personal", INSIDE, True), (STAFF, "edit", INSIDE, True),
    (STAFF, "view", NEIGHBOUR, False), (STAFF, "view", PREFIX_TRAP, False), (STAFF, "admin", None, False),
    (LEADER, "view", NEIGHBOUR, True), (LEADER, "view_personal", INSIDE, False), (LEADER, "edit", INSIDE, False),
    (VIEWER, "view", INSIDE, True), (VIEWER, "view_personal", INSIDE, False),
    (ADMIN, "edit", NEIGHBOUR, True), (ADMIN, "admin", None, True), (ADMIN, "fly", None, False),
])
def test_authorize(user, action, target, allowed):
    assert authorize(user, action, target) is allowed


def test_phones_are_masked():
    assert mask_phone("13812341234") == "138****1234"
    assert mask_phone("12345") == "****"
    assert mask_phone("87654321") == "******21"
    assert mask_phone("") == ""


def test_redaction_hides_names_and_masks_phones_everywhere():
    unit = {"id": 1, "occupant_name": "黄娜平", "contact_phone": "15343289213", "note": "ok"}
    assert redact_unit(unit) == {"id": 1, "occupant_name": "(hidden)", "contact_phone": "153****9213", "note": "ok"}
    assert redact_unit({**unit, "occupant_name": "", "contact_phone": ""})["occupant_name"] == ""
    change = {
        "data_before": {"occupant_name": "黄娜平", "status": "healthy"},
        "data_after": {"contact_phone": "15343289213"},
        "comment": "call 15343289213",
    }
    assert redact_change(change) == {"data_before": {"occupant_name": "(hidden)", "status": "healthy"},
                                     "data_after": {"contact_phone": "153****9213"}, "comment": "call 153****9213"}
