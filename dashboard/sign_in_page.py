"""The sign-in page, also as the answer to a wrong password and to too many attempts: plain HTML in the app's
Bootstrap look, with all its words in TEXT (one place, to translate)."""
from __future__ import annotations

import datetime as dt
import math
from zoneinfo import ZoneInfo

from flask import render_template_string

TEXT = {
    "lang": "en",
    "title": "Sign in · 楼盘图",
    "heading": "楼盘图 · Building status",
    "user_name": "User name",
    "password": "Password",
    "sign_in": "Sign in",
    "wrong": "Wrong user name or password.",
    "too_many": "Too many sign-in attempts. Try again in {minutes} minute(s), after {time}.",
}

PAGE = """<!doctype html>
<html lang="{{ text.lang }}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ text.title }}</title><link rel="stylesheet" href="/assets/bootstrap.min.css"></head>
<body class="bg-light"><main class="container" style="max-width: 24rem; margin-top: 12vh">
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
    return render_template_string(PAGE, text=TEXT, username=username, next=next_page, message=message)


def wrong_password() -> dict:
    """The message for a failed sign-in: the same for an unknown user as for a wrong password."""
    return {"kind": "danger", "reason": "wrong", "text": TEXT["wrong"], "wait": None}


def too_many(wait: int, timezone: str, now: dt.datetime | None = None) -> dict:
    """The message for a refused attempt: in how many minutes, and after which local time (the next whole minute), to
    try again."""
    then = (now or dt.datetime.now(dt.UTC)).astimezone(ZoneInfo(timezone)) + dt.timedelta(seconds=wait, minutes=1)
    text = TEXT["too_many"].format(minutes=max(1, math.ceil(wait / 60)), time=then.strftime("%H:%M"))
    return {"kind": "warning", "reason": "too-many", "text": text, "wait": wait}
