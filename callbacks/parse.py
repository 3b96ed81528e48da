"""Parsing of values that arrive from URLs and callback requests (which can be forged)."""
from __future__ import annotations

import datetime as dt
import re

from data.i18n import N_, Text

ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
WHOLE_NUMBER = re.compile(r"[0-9]{1,9}")
ID_TEXT = re.compile(r"[0-9]{1,10}")
# Keys are 32-bit integers on PostgreSQL: a larger id names nothing (and would make the query fail).
MAX_ID = 2**31 - 1
MAX_SHOWN = 40
SEARCH_LIMIT = 100
# What a refused address says (shown on the page, which then shows today).
NOT_A_DAY = N_("“%(value)s” (in ?%(name)s=) is not a date written YYYY-MM-DD: showing today instead.")
EARLIEST_DAY = dt.date(1900, 1, 1)
EARLY_DAY = N_("%(day)s is before the records of this tool can start (1900). Showing today instead.")
FUTURE_DAY = N_("%(day)s is after today: there is no past to show for it. Showing today instead.")
HALF_PERIOD = N_("Give both days, from and to, to list the changes between them. Showing today instead.")
BACKWARDS_PERIOD = N_("The period starts (%(first)s) after it ends (%(last)s). Showing today instead.")
NOT_A_COUNT = N_(
    "“%(value)s” (in ?%(name)s=) is not a whole number from 1 to %(maximum)s: showing %(default)s instead."
)


class BadAddress(ValueError):
    """A value of the page's address that cannot be used; the message says why and what is shown instead."""


def positive_int(value) -> int | None:
    """The value as an id: a whole number from 1 to the largest a database key holds, or None for anything else."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        return None
    text = str(value).strip()
    number = int(text) if ID_TEXT.fullmatch(text) else 0
    return number if 0 < number <= MAX_ID else None


def search_text(value) -> str:
    """A search box's text: text only, at most SEARCH_LIMIT characters, without control characters (a NUL byte would
    make PostgreSQL refuse the query)."""
    text = value if isinstance(value, str) else ""
    return "".join(ch for ch in text if ch.isprintable())[:SEARCH_LIMIT]


def parse_day(value) -> dt.date | None:
    """A date written exactly YYYY-MM-DD, or None."""
    if not isinstance(value, str) or not ISO_DAY.fullmatch(value):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def url_day(value, name: str, latest: dt.date | None = None) -> dt.date | None:
    """A day of the address: None when absent or empty; BadAddress when not a real day or after `latest`."""
    if value is None or value == "":
        return None
    day = parse_day(value)
    if day is None:
        raise BadAddress(Text(NOT_A_DAY, value=_shown(value), name=name))
    if latest is not None and day > latest:
        raise BadAddress(Text(FUTURE_DAY, day=day.isoformat()))
    if day < EARLIEST_DAY:
        raise BadAddress(Text(EARLY_DAY, day=day.isoformat()))
    return day


def url_period(first, last, latest: dt.date | None = None) -> tuple[dt.date, dt.date] | None:
    """`?from=&to=`: None when neither is given; both days, the first not after the last nor after `latest`, or
    BadAddress."""
    start, end = url_day(first, "from", latest), url_day(last, "to", latest)
    if start is None and end is None:
        return None
    if start is None or end is None:
        raise BadAddress(Text(HALF_PERIOD))
    if start > end:
        raise BadAddress(Text(BACKWARDS_PERIOD, first=start.isoformat(), last=end.isoformat()))
    return start, end


def url_count(value, name: str, default: int, maximum: int) -> int:
    """A whole number from 1 to `maximum` of the address, `default` when absent; BadAddress otherwise."""
    if value is None or value == "":
        return default
    number = int(value) if isinstance(value, str) and WHOLE_NUMBER.fullmatch(value) else 0
    if not 1 <= number <= maximum:
        raise BadAddress(Text(NOT_A_COUNT, value=_shown(value), name=name, maximum=maximum, default=default))
    return number


def _shown(value) -> str:
    """A refused value as it may be quoted back: text, and not too long."""
    text = value if isinstance(value, str) else " & ".join(map(str, value)) if isinstance(value, list) else str(value)
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN] + "…"

