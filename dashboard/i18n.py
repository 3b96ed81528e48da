"""The interface in the reader's language: catalog text, labels and text codes from the data, and times, dates and
numbers written as people of that language write them, in the configured time zone."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from babel import dates, numbers
from flask import current_app, has_app_context, has_request_context
from flask_babel import get_locale
from flask_babel import gettext as _gettext
from flask_babel import ngettext as _ngettext

from data.days import DEFAULT_TIMEZONE
from data.i18n import Text, fill, in_language

LANGUAGES = {"zh_CN": "中文", "en": "English"}
DEFAULT_LANGUAGE = "zh_CN"
# Outside a request (the CLI, plain-function tests) text stays in the catalogs' source language.
SOURCE_LANGUAGE = "en"


def language() -> str:
    """The language of the request being answered: zh_CN or en."""
    locale = get_locale() if has_request_context() else None
    return DEFAULT_LANGUAGE if locale is not None and locale.language == "zh" else SOURCE_LANGUAGE


def html_lang() -> str:
    """The language as an HTML lang attribute (zh-CN, en)."""
    return language().replace("_", "-")


def _(message: str, **values) -> str:
    """A catalog message in the reader's language, with %(name)s values filled in."""
    return _gettext(message, **values)


def ngettext(singular: str, plural: str, num: int, **values) -> str:
    """A catalog message whose form depends on a number (English has two, Chinese one)."""
    return _ngettext(singular, plural, num, **values)


def translated(message: str) -> str:
    """A message from the data layer in the reader's language: a Text with its values, or a plain catalog message."""
    if isinstance(message, Text):
        return fill(_gettext(message.template), message.values, language())
    return _gettext(message)


def label(record) -> str:
    """A record's label (status, use, area kind, role...) in the reader's language."""
    return in_language(record, language())


def text_code(status: dict) -> str:
    """A status's short text code in the reader's language (健 or H)."""
    return status["text_code_zh"] if language().startswith("zh") else status["text_code"]


def timezone() -> ZoneInfo:
    """The configured time zone of the tool's users."""
    return ZoneInfo(current_app.config["TIMEZONE"] if has_app_context() else DEFAULT_TIMEZONE)


def shown(value):
    """A value for display: data as it is, a data-layer message (such as a hidden name) translated."""
    return translated(value) if isinstance(value, Text) else value


def local(moment: dt.datetime) -> dt.datetime:
    """A stored time (naive UTC) as the clock on the user's wall shows it."""
    return moment.replace(tzinfo=dt.UTC).astimezone(timezone()) if moment.tzinfo is None else moment.astimezone(
        timezone())


def when(value: dt.datetime | dt.date | None) -> str:
    """A stored time in local time, or a date, as people of the reader's language write it; a dash for none."""
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        moment = local(value)
        return f"{when(moment.date())} {dates.format_skeleton('Hm', moment.time(), locale=language())}"
    return dates.format_skeleton("yMMMd", value, locale=language())


def number(value: int | float) -> str:
    """A number with the reader's grouping."""
    return numbers.format_decimal(value, locale=language())
