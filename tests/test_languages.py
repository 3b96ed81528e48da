"""Two languages: which one a request is answered in, the switch that changes it, the catalogs behind it, and times in
the configured time zone."""
from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from sqlalchemy import select

from dashboard.i18n import language, translated, when
from data.i18n import Text
from data.models import User
from data.validation import typed
from tests.helpers import CATALOGUES, database

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "translations" / "zh" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
HTML_LANG = re.compile(r'<html lang="([^"]+)">')


def _page_language(client, path: str = "/", **headers) -> str:
    """The lang attribute of the page the client is given."""
    return HTML_LANG.search(client.get(path, headers=headers).get_data(as_text=True)).group(1)


def _catalog() -> list:
    """The Chinese catalog's messages (the header left out)."""
    with open(CATALOG / "messages.po", "rb") as po:
        return [message for message in read_po(po) if message.id]


def _strings(message) -> list[str]:
    """A message's translations (one per plural form)."""
    return [message.string] if isinstance(message.string, str) else list(message.string)


def _ids(message) -> list[str]:
    """A message's source texts (singular and plural)."""
    return [message.id] if isinstance(message.id, str) else list(message.id)


def test_every_catalog_message_has_a_chinese_translation_with_the_same_placeholders():
    untranslated = [m.id for m in _catalog() if not all(_strings(m)) or "fuzzy" in m.flags]
    assert untranslated == []
    for message in _catalog():
        wanted = {name for text in _ids(message) for name in PLACEHOLDER.findall(text)} - {"num"}
        assert all(set(PLACEHOLDER.findall(text)) - {"num"} == wanted for text in _strings(message)), message.id


def test_the_catalog_holds_exactly_the_messages_the_code_marks(tmp_path):
    template = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "-F", "babel.cfg", "-k", "N_",
                    "-k", "Text", "-o", str(template), "dashboard", "layouts", "callbacks", "data"],
                   cwd=ROOT, check=True)
    with open(template, "rb") as pot:
        marked = {message.id if isinstance(message.id, str) else tuple(message.id) for message in read_po(pot)
                  if message.id}
    in_catalog = {message.id if isinstance(message.id, str) else tuple(message.id) for message in _catalog()}
    assert sorted(map(str, marked - in_catalog)) == [] and sorted(map(str, in_catalog - marked)) == []


def test_the_compiled_catalog_is_the_catalog():
    with open(CATALOG / "messages.mo", "rb") as mo:
        compiled = {tuple(_ids(m)): tuple(_strings(m)) for m in read_mo(mo) if m.id}
    assert compiled == {tuple(_ids(m)): tuple(_strings(m)) for m in _catalog()}


def test_anonymous_pages_are_chinese_unless_the_browser_asks_for_english(anonymous):
    assert _page_language(anonymous, "/login") == "zh-CN"
    assert _page_language(anonymous, "/login", **{"Accept-Language": "zh-TW,zh;q=0.9"}) == "zh-CN"
    assert _page_language(anonymous, "/login", **{"Accept-Language": "en-US,en;q=0.9"}) == "en"
    assert _page_language(anonymous, "/login", **{"Accept-Language": "fr-FR,fr"}) == "zh-CN"
    assert "楼盘图" in anonymous.get("/login").get_data(as_text=True)


def test_the_switch_is_remembered_for_an_anonymous_browser_and_returns_to_the_page(anonymous):
    switched = anonymous.post("/language", data={"language": "en"},
                              headers={"Referer": "http://localhost/login?next=/area/2"})
    assert switched.status_code == 302 and switched.headers["Location"] == "/login?next=/area/2"
    assert _page_language(anonymous, "/login") == "en"


def test_a_signed_in_user_s_choice_is_kept_in_the_account_and_wins_over_the_browser(app, client_as):
    staff = client_as("staff")
    assert _page_language(staff, "/", **{"Accept-Language": "en"}) == "en"
    staff.post("/language", data={"language": "zh_CN"}, headers={"Referer": "http://localhost/building/1?unit=3"})
    with database(app).connect() as conn:
        assert conn.execute(select(User.language).where(User.username == "staff")).scalar() == "zh_CN"
    fresh = client_as("staff")
    assert _page_language(fresh, "/", **{"Accept-Language": "en"}) == "zh-CN"


@pytest.mark.parametrize("choice", ["fr", "", "zh_CN'--"])
def test_an_unknown_language_is_refused_and_changes_nothing(app, client_as, choice):
    staff = client_as("staff")
    assert staff.post("/language", data={"language": choice}).status_code == 400
    with database(app).connect() as conn:
        assert conn.execute(select(User.language).where(User.username == "staff")).scalar() is None
    assert "language=" not in staff.get("/login").headers.get("Set-Cookie", "")


def test_the_switch_never_leads_to_another_site(anonymous):
    switched = anonymous.post("/language", data={"language": "en", "next": "https://evil.example/x"})
    assert switched.headers["Location"] == "/x"


def test_the_switch_in_the_top_bar_names_the_other_language_in_that_language(app, client_as):
    staff = client_as("staff")
    layout = staff.get("/_dash-layout").get_data(as_text=True)
    assert '"lang": "en"' in layout.replace('":"', '": "') and "English" in layout


@pytest.mark.parametrize("stored, local_text_en, local_text_zh", [
    (dt.datetime(2026, 12, 3, 15, 30), "Dec 3, 2026 23:30", "2026年12月3日 23:30"),
    (dt.datetime(2026, 12, 3, 16, 30), "Dec 4, 2026 00:30", "2026年12月4日 00:30"),
])
def test_stored_times_are_shown_on_beijing_s_clock_in_each_language(app, stored, local_text_en, local_text_zh):
    with app.server.test_request_context(headers={"Accept-Language": "en"}):
        assert when(stored) == local_text_en
    with app.server.test_request_context(headers={"Accept-Language": "zh-CN"}):
        assert when(stored) == local_text_zh


def test_the_configured_time_zone_is_the_one_shown(app):
    app.server.config["TIMEZONE"] = "Europe/London"
    with app.server.test_request_context(headers={"Accept-Language": "en"}):
        assert when(dt.datetime(2026, 12, 3, 23, 30)) == "Dec 3, 2026 23:30"


def test_outside_a_request_text_stays_in_the_catalogs_source_language():
    assert language() == "en" and when(dt.date(2020, 3, 1)) == "Mar 1, 2020" and when(None) == "—"


def test_a_data_layer_message_is_shown_translated_with_its_labels_in_the_reader_s_language(app):
    _values, errors = typed({"status": "nonsense", "residents": "many"}, CATALOGUES)
    assert isinstance(errors["status"], Text) and errors["residents"] == "a whole number"
    refused = Text("%(status)s does not apply to a “%(use)s” unit", status=CATALOGUES.statuses["healthy"],
                   use=CATALOGUES.uses["firm"])
    assert refused == "Healthy household does not apply to a “Firm” unit"
    with app.server.test_request_context(headers={"Accept-Language": "zh-CN"}):
        assert translated(errors["status"]) == "请从列表中选择状态"
        assert translated(refused) == "“健康住户”不适用于“企业”房间"
    with app.server.test_request_context(headers={"Accept-Language": "en"}):
        assert translated(refused) == refused
