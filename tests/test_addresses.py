"""Bad addresses get a message: strict parsing of URL values, refusals shown on today's page, breadcrumbs up the area
tree, and JSON errors from the API."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from callbacks.parse import BadAddress, parse_day, url_count, url_day, url_period
from dashboard import ids
from dashboard.config import local_today
from scripts.dash_client import by_id, open_page

DAY = dt.date(2020, 3, 1)


@pytest.mark.parametrize(
    "text",
    [
        "2020-03-01' --",
        "2020-3-1",
        "20200301",
        "2020-02-30",
        "2020-W09-7",
        "２０２０-03-01",
        " 2020-03-01",
        "2020-03-01T00:00",
        "",
        None,
        20200301,
        ["2020-03-01"],
    ],
)
def test_a_day_is_exactly_yyyy_mm_dd(text):
    assert parse_day(text) is None
    assert parse_day("2020-03-01") == DAY


def test_url_days_and_periods_refuse_what_they_cannot_show():
    assert url_day(None, "as_of") is None and url_day("", "as_of") is None
    assert url_day("2020-03-01", "as_of", latest=DAY) == DAY
    for bad in ("garbage", "2020-03-02", ["2020-03-01", "2020-03-01"]):
        with pytest.raises(BadAddress):
            url_day(bad, "as_of", latest=DAY)
    assert url_period(None, None) is None and url_period("", "") is None
    assert url_period("2020-02-01", "2020-03-01") == (dt.date(2020, 2, 1), DAY)
    for first, last in (("2020-03-01", ""), ("", "2020-03-01"), ("2020-03-02", "2020-03-01"), ("2020-03-01", "x")):
        with pytest.raises(BadAddress):
            url_period(first, last)


def test_url_counts_are_whole_numbers_in_range():
    assert (
        url_count(None, "days", 7, 100) == 7
        and url_count("", "days", 7, 100) == 7
        and url_count("30", "days", 7, 100) == 30
    )
    for bad in ("0", "-3", "3.5", "abc", "101", "٣", " 5", "9" * 40, ["3", "4"]):
        with pytest.raises(BadAddress):
            url_count(bad, "days", 7, 100)


def refusal(layout):
    """The page's message about its address, or None."""
    try:
        return by_id(layout, ids.ADDRESS_PROBLEM)
    except LookupError:
        return None


def tomorrow(app) -> str:
    """The local day after today."""
    return (local_today(app.server.config) + dt.timedelta(days=1)).isoformat()


def test_a_bad_building_address_gets_a_message_and_todays_page(app, client):
    bad = [
        "?as_of=garbage",
        f"?as_of={tomorrow(app)}",
        "?as_of=2020-03-01'%20--",
        "?from=2020-02-20&to=2020-02-10",
        "?from=2020-02-10&to=",
        "?from=&to=2020-02-10",
        "?from=yesterday&to=2020-02-10",
        "?as_of=2020-02-01&as_of=2020-02-02",
    ]
    for search in bad:
        layout = open_page(client, "/building/4", search)
        assert refusal(layout) is not None, search
        assert by_id(layout, ids.REFRESH)["props"]["disabled"] is False, search
        assert by_id(layout, ids.GRID_DATA)["props"]["data"]["changed"] == [], search
    for good in ("", "?as_of=2020-02-15", "?from=2020-02-10&to=2020-02-20", "?as_of=&from=&to="):
        assert refusal(open_page(client, "/building/4", good)) is None, good


def test_a_bad_area_address_gets_a_message_and_the_page(app, client):
    for search in ("?as_of=garbage", f"?as_of={tomorrow(app)}", "?days=garbage", "?days=0", "?days=99999999999",
                   "?days=7&as_of=x"):
        for path in ("/area/3", "/areas"):
            layout = open_page(client, path, search)
            assert refusal(layout) is not None, (path, search)
            assert by_id(layout, ids.AREA_BUILDINGS) is not None
    assert len(by_id(open_page(client, "/area/3", "?days=x&as_of=y"), ids.ADDRESS_PROBLEM)["props"]["children"]) == 2
    for good in ("", "?days=30", "?as_of=2020-02-15", "?as_of="):
        assert refusal(open_page(client, "/area/3", good)) is None, good


def test_the_as_of_form_works_on_the_top_area_page_too(client_as):
    page = json.dumps(open_page(client_as("leader"), "/areas", "?as_of=2020-02-15"))
    assert "2020-02-15" in page


def breadcrumb_links(layout) -> list[str]:
    """The area links of a page's breadcrumbs."""
    crumbs = json.dumps(layout["props"]["children"][0])
    return sorted(part for part in crumbs.split('"') if part.startswith("/area/"))


def test_building_breadcrumbs_lead_up_to_the_areas_the_user_may_see(client_as, client):
    assert breadcrumb_links(open_page(client_as("leader"), "/building/1")) == ["/area/3", "/area/4"]
    assert breadcrumb_links(open_page(client_as("staff"), "/building/1")) == ["/area/4"]
    assert breadcrumb_links(open_page(client, "/building/1")) == ["/area/1", "/area/2", "/area/3", "/area/4"]


def is_json_error(response, status: int) -> bool:
    """A JSON {"error": ...} answer with a status."""
    return response.status_code == status and response.is_json and set(response.get_json()) == {"error"}


def test_the_api_answers_errors_in_json(client_as, anonymous):
    staff = client_as("staff")
    assert is_json_error(anonymous.get("/api/areas/4/counts"), 401)
    assert is_json_error(staff.get("/api/areas/5/counts"), 404)
    assert is_json_error(staff.get("/api/areas/999/counts"), 404)
    assert is_json_error(staff.get("/api/areas/x/counts"), 404)
    assert is_json_error(staff.get("/api/no/such/thing"), 404)
    assert is_json_error(staff.post("/api/areas/4/counts", headers={"Origin": "https://evil.example"}), 403)
    refused = staff.post("/api/areas/4/counts")
    assert is_json_error(refused, 405) and "GET" in refused.headers["Allow"]
    assert staff.get("/api/areas/4/counts").status_code == 200


def test_errors_outside_the_api_keep_their_own_answers(client):
    refused = client.post("/health")
    assert refused.status_code == 405 and not refused.is_json
