"""The value rules on their own (pure): each value cleaned, then the unit as it would become checked against its use,
its status and today."""

from __future__ import annotations

import datetime as dt

import pytest

from data.validation import Catalogues, InvalidEdit, bulk_values, check, clean, dated_labels, normalise_phone, typed

STATUSES = [
    {
        "code": "healthy",
        "label_en": "Healthy household",
        "label_zh": "健康住户",
        "applies_to": ["home", "mixed"],
        "requires_dates": False,
        "default_days": None,
        "unoccupied": False,
    },
    {
        "code": "quarantined",
        "label_en": "Home quarantine",
        "label_zh": "居家隔离",
        "applies_to": ["home", "mixed"],
        "requires_dates": True,
        "default_days": 14,
        "unoccupied": False,
    },
    {
        "code": "observed",
        "label_en": "Observation",
        "label_zh": "医学观察",
        "applies_to": ["home"],
        "requires_dates": True,
        "default_days": None,
        "unoccupied": False,
    },
    {
        "code": "reopened",
        "label_en": "Firm reopened",
        "label_zh": "已复工",
        "applies_to": ["firm", "mixed"],
        "requires_dates": False,
        "default_days": None,
        "unoccupied": False,
    },
    {
        "code": "vacant",
        "label_en": "Vacant",
        "label_zh": "空置",
        "applies_to": ["home", "firm", "mixed"],
        "requires_dates": False,
        "default_days": None,
        "unoccupied": True,
    },
]
USES = [
    {"code": "home", "label_en": "Home", "max_residents": 20, "max_staff": 0},
    {"code": "firm", "label_en": "Firm", "max_residents": 0, "max_staff": 5000},
    {"code": "mixed", "label_en": "Firm and home", "max_residents": 20, "max_staff": 5000},
]
CATALOGUES = Catalogues.of(STATUSES, USES)
TODAY = dt.date(2020, 3, 1)
HOME = {
    "status": "healthy",
    "use": "home",
    "occupant_name": "王芳",
    "residents": 3,
    "staff": 0,
    "contact_phone": "",
    "quarantine_start": None,
    "quarantine_end": None,
    "note": "",
}
QUARANTINED = {
    **HOME,
    "status": "quarantined",
    "quarantine_start": dt.date(2020, 2, 20),
    "quarantine_end": dt.date(2020, 3, 5),
}


def errors_of(raw: dict, row: dict = HOME) -> dict:
    """The errors of an edit of a unit."""
    return clean(row, raw, CATALOGUES, TODAY)[1]


def values_of(raw: dict, row: dict = HOME) -> dict:
    """The values an edit of a unit writes; it must have no errors."""
    values, errors = clean(row, raw, CATALOGUES, TODAY)
    assert errors == {}
    return values


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("status", "closed", "choose a status from the list"),
        ("status", 3, "choose a status from the list"),
        ("use", "shop", "choose a use from the list"),
        ("use", ["home"], "choose a use from the list"),
    ],
)
def test_a_status_or_use_outside_the_catalogue_is_refused(field, value, message):
    assert errors_of({field: value}) == {field: message}


def test_fields_no_edit_may_set_are_refused_by_name():
    assert errors_of({"version": 9, "id": 1}) == {"version": "version cannot be edited", "id": "id cannot be edited"}


@pytest.mark.parametrize(
    "value, stored", [(None, ""), ("  王芳  ", "王芳"), (12, "12"), (1.5, "1.5"), ("x" * 200, "x" * 200)]
)
def test_an_occupant_is_trimmed_text_up_to_two_hundred_characters(value, stored):
    assert values_of({"occupant_name": value})["occupant_name"] == stored


@pytest.mark.parametrize(
    "value, message",
    [
        ("x" * 201, "at most 200 characters"),
        (True, "text expected"),
        (["a"], "text expected"),
        ({"a": 1}, "text expected"),
        ("a\x00b", "contains a NUL character"),
    ],
)
def test_an_occupant_that_is_no_plain_text_or_too_long_is_refused(value, message):
    assert errors_of({"occupant_name": value}) == {"occupant_name": message}


def test_a_note_may_be_two_thousand_characters_and_no_more():
    assert values_of({"note": "n" * 2000})["note"] == "n" * 2000
    assert errors_of({"note": "n" * 2001}) == {"note": "at most 2000 characters"}


@pytest.mark.parametrize(
    "text, number",
    [
        ("13800138000", "13800138000"),
        ("+86 138-0013-8000", "13800138000"),
        ("0086-13800138000", "13800138000"),
        ("010-68881234", "01068881234"),
        ("(010) 6888 1234", "01068881234"),
        ("0755-12345678", "075512345678"),
        ("010-68881234转123", "01068881234转123"),
        ("010-68881234 ext. 5", "01068881234转5"),
        ("010-68881234#7", "01068881234转7"),
        ("010-68881234-99", "01068881234转99"),
        ("010-6888123", "0106888123"),
    ],
)
def test_phones_are_mobiles_or_landlines_with_area_code_and_extension(text, number):
    assert normalise_phone(text) == number


@pytest.mark.parametrize(
    "text",
    [
        "12345",
        "23800138000",
        "1380013800",
        "010-688812345678",
        "68881234",
        "010-68881234转1234567",
        "-123",
        "010-68881234-abc",
        "abc",
    ],
)
def test_anything_else_is_no_phone(text):
    assert normalise_phone(text) is None


def test_a_phone_is_at_most_forty_characters_however_it_is_spaced():
    assert values_of({"contact_phone": "0 1 0 - 6 8 8 8 1 2 3 4" + " " * 16 + "5"})["contact_phone"] == "010688812345"
    assert errors_of({"contact_phone": "0 1 0 - 6 8 8 8 1 2 3 4" + " " * 17 + "5"}) == {
        "contact_phone": "at most 40 characters"
    }


def test_an_empty_phone_is_kept_empty_and_a_bad_one_refused_with_an_example():
    assert values_of({"contact_phone": "  "})["contact_phone"] == ""
    assert errors_of({"contact_phone": "12345"})["contact_phone"].startswith("not a phone number: enter a mobile like")


@pytest.mark.parametrize("value, number", [(None, 0), ("", 0), (" 4 ", 4), (0, 0)])
def test_head_counts_are_whole_numbers_from_zero(value, number):
    assert values_of({"residents": value})["residents"] == number


@pytest.mark.parametrize(
    "value, message",
    [
        (-1, "0 or more"),
        ("-2", "0 or more"),
        (2.5, "a whole number"),
        (True, "a whole number"),
        ("three", "a whole number"),
    ],
)
def test_other_head_counts_are_refused(value, message):
    assert errors_of({"residents": value}) == {"residents": message}


@pytest.mark.parametrize(
    "value, day",
    [
        ("2020-02-20", dt.date(2020, 2, 20)),
        (" 2020-02-20 ", dt.date(2020, 2, 20)),
        (dt.datetime(2020, 2, 20, 9), dt.date(2020, 2, 20)),
        (dt.date(2020, 2, 20), dt.date(2020, 2, 20)),
        ("1900-01-01", dt.date(1900, 1, 1)),
        ("2100-12-31", dt.date(2100, 12, 31)),
    ],
)
def test_dates_are_iso_days_from_1900_to_2100(value, day):
    assert typed({"quarantine_start": value}, CATALOGUES) == ({"quarantine_start": day}, {})


@pytest.mark.parametrize(
    "value, message",
    [
        ("2020-02-30", "a date like 2020-03-01"),
        ("20.2.2020", "a date like 2020-03-01"),
        (20200220, "a date like 2020-03-01"),
        ("1899-12-31", "a date from 1900 to 2100"),
        (dt.date(2101, 1, 1), "a date from 1900 to 2100"),
    ],
)
def test_other_dates_are_refused(value, message):
    assert errors_of({"quarantine_end": value}, QUARANTINED) == {"quarantine_end": message}


def test_an_empty_date_on_a_dated_status_takes_the_default_end():
    assert values_of({"quarantine_end": ""}, QUARANTINED)["quarantine_end"] == dt.date(2020, 3, 5)


def test_a_status_must_apply_to_the_units_use_and_the_message_names_both():
    assert errors_of({"status": "reopened"}) == {"status": "Firm reopened does not apply to a “Home” unit"}
    assert errors_of({"use": "firm", "residents": 0}) == {"status": "Healthy household does not apply to a “Firm” unit"}
    assert values_of({"use": "mixed"})["use"] == "mixed"


def test_an_edit_that_touches_neither_status_nor_use_is_not_refused_for_an_old_mismatch():
    assert values_of({"note": "ok"}, {**HOME, "use": "firm", "residents": 0}) == {"note": "ok"}


def test_a_quarantine_starts_no_later_than_today_and_ends_by_default_after_the_catalogues_days():
    values = values_of({"status": "quarantined", "quarantine_start": "2020-03-01"})
    assert (values["quarantine_start"], values["quarantine_end"]) == (TODAY, dt.date(2020, 3, 15))
    assert errors_of({"status": "quarantined", "quarantine_start": "2020-03-02"}) == {
        "quarantine_start": "cannot start after today (2020-03-01)"
    }
    assert errors_of({"status": "quarantined"}) == {"quarantine_start": "required for Home quarantine"}


def test_a_status_without_default_days_ends_the_day_it_starts():
    assert values_of({"status": "observed", "quarantine_start": "2020-02-01"})["quarantine_end"] == dt.date(2020, 2, 1)


def test_a_start_already_stored_may_lie_after_today_when_only_the_end_changes():
    future = {**QUARANTINED, "quarantine_start": dt.date(2020, 3, 3), "quarantine_end": None}
    assert values_of({"quarantine_end": "2020-03-10"}, future)["quarantine_end"] == dt.date(2020, 3, 10)


@pytest.mark.parametrize(
    "end, error",
    [
        ("2020-02-19", "ends before it starts"),
        ("2020-02-20", None),
        ("2021-02-20", None),
        ("2021-02-21", "at most 366 days after the start"),
    ],
)
def test_a_quarantine_ends_on_or_after_its_start_and_within_a_year(end, error):
    errors = errors_of({"quarantine_end": end}, QUARANTINED)
    assert errors == ({"quarantine_end": error} if error else {})


def test_dates_for_a_status_without_dates_are_refused_naming_the_dated_ones():
    assert errors_of({"quarantine_start": "2020-02-20"}) == {
        "quarantine_start": "only for Home quarantine, Observation: leave it empty for Healthy household"
    }


def test_leaving_a_dated_status_clears_its_dates_and_other_edits_leave_them():
    assert values_of({"status": "healthy"}, QUARANTINED) == {
        "status": "healthy",
        "quarantine_start": None,
        "quarantine_end": None,
    }
    assert values_of({"note": "ok"}, {**HOME, "quarantine_end": dt.date(2020, 1, 1)}) == {"note": "ok"}
    assert values_of({"quarantine_end": None}, {**HOME, "quarantine_end": dt.date(2020, 1, 1)}) == {
        "quarantine_end": None
    }


def test_an_edit_that_touches_no_date_leaves_a_dated_unit_alone():
    assert values_of({"note": "ok"}, {**QUARANTINED, "quarantine_start": None}) == {"note": "ok"}


@pytest.mark.parametrize(
    "raw, row, errors",
    [
        ({"residents": 20}, HOME, {}),
        ({"residents": 21}, HOME, {"residents": "at most 20 residents in a “Home” unit"}),
        ({"staff": 1}, HOME, {"staff": "a “Home” unit has no staff: enter 0"}),
        ({"use": "firm", "status": "reopened"}, HOME, {"residents": "a “Firm” unit has no residents: enter 0"}),
        (
            {"use": "firm", "status": "reopened", "residents": 0, "staff": 5001},
            HOME,
            {"staff": "at most 5,000 staff in a “Firm” unit"},
        ),
        ({"note": "x"}, {**HOME, "residents": 99}, {}),
    ],
)
def test_head_counts_stay_in_the_uses_range_and_the_limit_is_named(raw, row, errors):
    assert errors_of(raw, row) == errors


def test_nobody_is_in_a_vacant_unit_and_each_field_says_so():
    message = "a “Vacant” unit has nobody in it: clear this field"
    assert errors_of({"status": "vacant"}) == {"occupant_name": message, "residents": message}
    assert errors_of({"status": "vacant", "occupant_name": "", "residents": 0}) == {}
    vacant = {**HOME, "status": "vacant", "occupant_name": "", "residents": 0}
    assert errors_of({"staff": 2, "use": "mixed"}, vacant) == {"staff": message}
    assert errors_of({"note": "x"}, {**vacant, "residents": 2}) == {}


def test_an_error_of_a_value_wins_over_the_units_check():
    assert errors_of({"status": "vacant", "occupant_name": "x" * 201})["occupant_name"] == "at most 200 characters"


def test_typed_and_check_are_the_two_steps_of_clean():
    values, errors = typed({"residents": "2", "staff": "x"}, CATALOGUES)
    assert (values, errors) == ({"residents": 2}, {"staff": "a whole number"})
    assert check(HOME, values, CATALOGUES, TODAY) == ({"residents": 2}, {})


def test_a_bulk_edit_sets_dates_only_for_a_dated_status_and_clears_people_only_when_asked():
    start, end = dt.date(2020, 2, 1), dt.date(2020, 2, 15)
    assert bulk_values(CATALOGUES, "quarantined", start, end, True) == {
        "status": "quarantined",
        "quarantine_start": start,
        "quarantine_end": end,
    }
    assert bulk_values(CATALOGUES, "healthy", start, end, True) == {"status": "healthy"}
    assert bulk_values(CATALOGUES, "vacant", start, end, False) == {"status": "vacant"}
    assert bulk_values(CATALOGUES, "vacant", None, None, True) == {
        "status": "vacant",
        "occupant_name": "",
        "residents": 0,
        "staff": 0,
    }
    assert bulk_values(CATALOGUES, "unknown", start, end, True) == {"status": "unknown"}


def test_the_dated_statuses_are_named_in_catalogue_order_or_none():
    assert dated_labels(CATALOGUES) == {"label_en": "Home quarantine, Observation", "label_zh": "居家隔离、医学观察"}
    assert dated_labels(Catalogues.of(STATUSES[:1], USES)) == {"label_en": "no status", "label_zh": "无"}


def test_a_refusal_names_each_unit_and_field_and_keeps_what_was_valid():
    refusal = InvalidEdit({7: {"residents": "0 or more", "staff": "a whole number"}}, {7: {"note": "ok"}}, {7: "503"})
    assert str(refusal) == "unit 7: residents: 0 or more; unit 7: staff: a whole number"
    assert (refusal.yours, refusal.labels) == ({7: {"note": "ok"}}, {7: "503"})
    assert (InvalidEdit({}).yours, InvalidEdit({}).labels) == ({}, {})


def test_a_retired_status_is_refused_to_a_unit_that_has_not_got_it_and_kept_by_one_that_has():
    retired = Catalogues.of([*STATUSES[:-1], {**STATUSES[-1], "retired_at": dt.datetime(2026, 1, 1)}], USES)
    code = STATUSES[-1]["code"]
    home = {**HOME, "status": "healthy", "occupant_name": "", "residents": 0}
    _values, errors = check(home, {"status": code}, retired, TODAY)
    assert errors["status"] == f"{STATUSES[-1]['label_en']} is no longer in use: choose another status"
    assert check(home, {"status": code}, CATALOGUES, TODAY)[1] == {}
    assert check({**home, "status": code}, {"status": code, "note": "x"}, retired, TODAY)[1] == {}
