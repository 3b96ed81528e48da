"""Hostile input never gets a 500 (both backends): generated JSON values of every type in every callback's inputs
and states, and generated paths and queries on every page and the API."""
from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from dash import ALL
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from dashboard import ids
from data import queries
from data.models import Unit, UnitChange
from scripts.dash_client import callback_request, post_callback, post_json
from tests.helpers import database

HUGE = 2**70
PLAUSIBLE = st.sampled_from([1, 3, 8, 2**31, 2**63, -1, 0, "1", "2020-03-01", "9999-12-31", "0001-01-01",
                             "2020-03-01' --", "healthy", "quarantined", "vacant", "\x00", "theirs", "yours",
                             {"unit": 8, "version": 1}, {"unit": 2**63, "version": 2**63, "conflicts": {"note": {}}},
                             [[8, 1]], [[2**63, 1]], [["8", True]]])
scalars = st.none() | st.booleans() | st.integers(-HUGE, HUGE) | st.floats(allow_nan=False, allow_infinity=False) \
    | st.text(max_size=20) | PLAUSIBLE
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
url_parts = st.one_of(
    st.integers(-HUGE, HUGE).map(str),
    st.text(max_size=12),
    st.sampled_from(["1", "3", "8", "2147483648", "9223372036854775808"]),
)
query_values = st.one_of(
    url_parts, st.sampled_from(["2020-03-01", "9999-12-31", "0001-01-01", "1000000", "2020-02-30"])
)
url_queries = st.dictionaries(
    st.sampled_from(["unit", "as_of", "from", "to", "days", "q", "buildings"]), query_values, max_size=3
)
# Most inputs keep a value that acts, one in four is replaced: a request reaches the code behind its first check.
CORRUPT = st.sampled_from([False, False, False, True])
PAGES = ["/building/{}", "/area/{}", "/", "/areas", "/admin/access-log", "/{}"]


def value_of(component: str):
    """Values for one input: any JSON, or for a pattern-matching id a few components of that pattern, each with an id
    whose wildcard keys hold any JSON scalar, and any JSON value."""
    if not component.startswith("{"):
        return json_values
    pattern = json.loads(component)
    ids_of = st.fixed_dictionaries({k: scalars if isinstance(v, list) else st.just(v) for k, v in pattern.items()})
    return st.lists(st.tuples(ids_of, json_values), max_size=3)


def server_callbacks(app) -> list[tuple[str, dict]]:
    """Every callback that runs on the server, as (output key, callback_map entry)."""
    return sorted((key, entry) for key, entry in app.callback_map.items() if "callback" in entry)


@pytest.fixture
def admin(client):
    """An administrator's client: the role whose requests reach deepest into every callback."""
    return client


ACTING: dict[int, dict] = {}


def acting_values(app) -> dict:
    """Inputs that make each write callback act (a click, a unit of building 1 at its version, its form's values), so
    that generated values reach past the first check; taken once per app, so that every example draws alike."""
    if id(app) not in ACTING:
        ACTING[id(app)] = _acting_values(app)
    return ACTING[id(app)]


def _acting_values(app) -> dict:
    """acting_values, read from the app's database."""
    with database(app).connect() as conn:
        unit = queries.unit(
            conn, conn.execute(select(Unit.id).where(Unit.building_id == 1, Unit.status == "quarantined")).scalar()
        )
        batch = conn.execute(select(UnitChange.batch_id).where(UnitChange.building_id == 1)).scalar()
    form = {
        ids.edit_field(name): unit[name].isoformat() if hasattr(unit[name], "isoformat") else unit[name]
        for name in ids.EDIT_FIELDS
    }
    return {
        **form,
        ids.EDIT_SAVE: 1,
        ids.BULK_APPLY: 1,
        ids.REFRESH: 1,
        ids.BUILDING_ID: 1,
        ids.SELECTED_UNIT: unit["id"],
        ids.EDIT_SEEN: {"unit": unit["id"], "version": unit["version"], "conflicts": {}},
        ids.BULK_STATUS: "unverified",
        ids.SELECTION: [[unit["id"], unit["version"]]],
        ids.REVISION_SEEN: -1,
        pattern_key(ids.ALL_UNDO_BUTTONS): [(ids.undo_button(batch), 1)],
        pattern_key(ids.ALL_CONFIRM_BUTTONS): [(ids.confirm_button(unit["id"], unit["version"]), 1)],
    }


def pattern_key(pattern: dict) -> str:
    """A pattern-matching id as the callback map writes it."""
    return json.dumps(
        {k: ["ALL"] if v is ALL else v for k, v in pattern.items()}, separators=(",", ":"), sort_keys=True
    )


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(data=st.data())
def test_any_json_in_any_callback_is_never_a_500(app, admin, data):
    key, entry = data.draw(st.sampled_from(server_callbacks(app)))
    acting = acting_values(app)
    values = {
        (spec["id"], spec["property"]): data.draw(value_of(spec["id"]))
        if spec["id"] not in acting or data.draw(CORRUPT)
        else acting[spec["id"]]
        for spec in entry["inputs"] + entry["state"]
    }
    body = callback_request(key, entry, lambda i, p: values[(i, p)])
    response = post_json(admin, body)
    assert response.status_code < 500, (key, values, response.get_data(as_text=True)[:300])


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(page=st.sampled_from(PAGES), part=url_parts, query=url_queries)
def test_any_path_and_query_on_any_page_is_never_a_500(app, admin, page, part, query):
    path, search = page.format(part), ("?" + urlencode(query)) if query else ""
    response = post_callback(admin, [("_pages_content", "children"), ("_pages_store", "data")],
                             [("_pages_location", "pathname", path), ("_pages_location", "search", search)])
    assert response.status_code < 500, (path, search, response.get_data(as_text=True)[:300])
    assert admin.get(f"/api/areas/{part}/counts").status_code in (200, 404)


@pytest.mark.parametrize("unit", [2**31, 2**63, 2**64, -1])
def test_ids_beyond_any_key_name_nothing(app, admin, unit):
    panel = post_callback(
        admin, [(ids.UNIT_PANEL, "children")], [(ids.SELECTED_UNIT, "data", unit)], [(ids.BUILDING_ID, "data", 1)]
    )
    assert panel.status_code == 200
    assert admin.get(f"/api/areas/{unit}/counts").status_code == 404


@pytest.mark.parametrize("search", ["?as_of=9999-12-31", "?from=9999-12-31", "?from=2020-03-01&to=9999-12-31",
                                    "?as_of=0001-01-01", "?days=1000000", "?unit=9223372036854775808"])
def test_days_and_numbers_out_of_range_get_a_message_not_a_500(app, admin, search):
    for page in ("/building/1", "/area/3"):
        response = post_callback(admin, [("_pages_content", "children"), ("_pages_store", "data")],
                                 [("_pages_location", "pathname", page), ("_pages_location", "search", search)])
        assert response.status_code == 200, (page, search)


@pytest.mark.parametrize("search", ["a\x00b", "\x00", "鲁谷\x07", ["a"], {"q": 1}, "x" * 5000])
def test_a_search_with_control_characters_or_no_text_finds_without_a_500(app, admin, search):
    response = post_callback(admin, [(ids.OVERVIEW_LIST, "children")], [(ids.OVERVIEW_SEARCH, "value", search)])
    assert response.status_code == 200
    page = post_callback(
        admin,
        [("_pages_content", "children"), ("_pages_store", "data")],
        [("_pages_location", "pathname", "/"), ("_pages_location", "search", "?" + urlencode({"q": str(search)}))],
    )
    assert page.status_code == 200
