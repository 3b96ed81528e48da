"""The sign-in page, also as the answer to a wrong password and to too many attempts: plain HTML in the app's
Bootstrap look, in the reader's language, with the language switch."""
from __future__ import annotations

import datetime as dt
import math
from zoneinfo import ZoneInfo

from flask import render_template_string

from dashboard.i18n import LANGUAGES, _, html_lang, language, ngettext


def _words() -> dict:
    """The page's words in the reader's language."""
    other = next(code for code in LANGUAGES if code != language())
    return {"lang": html_lang(), "title": _("Sign in · Building status"), "heading": _("Building status"),
            "user_name": _("User name"), "password": _("Password"), "sign_in": _("Sign in"),
            "other_language": other, "other_lang": other.replace("_", "-"), "other_name": LANGUAGES[other]}


PAGE = """<!doctype html>
<html lang="{{ text.lang }}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ text.title }}</title><link rel="stylesheet" href="/assets/bootstrap.min.css"></head>
<body class="bg-light"><main class="container" style="max-width: 24rem; margin-top: 12vh">
<form method="post" action="/language" class="text-end mb-2"><button id="language-switch" type="submit"
 class="btn btn-outline-dark btn-sm" name="language" value="{{ text.other_language }}"
 lang="{{ text.other_lang }}">{{ text.other_name }}</button></form>
<h1 class="h4 mb-3">{{ text.heading }}</h1>
{% if message -%}
<div id="sign-in-message" class="alert alert-{{ message.kind }}" role="alert" data-reason="{{ message.reason }}"
{%- if message.wait %} data-retry-after="{{ message.wait }}"{% endif %}>{{ message.text }}</div>{% endif %}
<form method="post" action="/login" class="card card-body gap-2">
<label class="form-label mb-0" for="username">{{ text.user_name }}</label>
<input class="form-control" id="username" name="username" autocomplete="username" value="{{ username }}"
 required autofocus>
<label class="form-label mb-0" for="password">{{ text.password }}</label>
<input class="form-control" id="password" name="password" type="password" autocomplete="current-password" required>
<input type="hidden" name="next" value="{{ next }}">
<button class="btn btn-primary mt-2" type="submit">{{ text.sign_in }}</button>
</form></main></body></html>"""


def sign_in_page(username: str = "", next_page: str = "/", message: dict | None = None) -> str:
    """The form, with the name typed so far, where to go after, and a message above it if any."""
    return render_template_string(PAGE, text=_words(), username=username, next=next_page, message=message)


def wrong_password() -> dict:
    """The message for a failed sign-in: the same for an unknown user as for a wrong password."""
    return {"kind": "danger", "reason": "wrong", "text": _("Wrong user name or password."), "wait": None}


def too_many(wait: int, timezone: str, now: dt.datetime | None = None) -> dict:
    """The message for a refused attempt: in how many minutes, and after which local time (the next whole minute), to
    try again."""
    then = (now or dt.datetime.now(dt.UTC)).astimezone(ZoneInfo(timezone)) + dt.timedelta(seconds=wait, minutes=1)
    text = ngettext("Too many sign-in attempts. Try again in %(num)s minute, after %(time)s.",
                    "Too many sign-in attempts. Try again in %(num)s minutes, after %(time)s.",
                    max(1, math.ceil(wait / 60)), time=then.strftime("%H:%M"))
    return {"kind": "warning", "reason": "too-many", "text": text, "wait": wait}
