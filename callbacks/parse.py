"""Parsing of values that arrive from URLs and callback requests (which can be forged)."""
from __future__ import annotations

import datetime as dt


def positive_int(value) -> int | None:
    """The value as a positive integer, or None for anything else."""
    if isinstance(value, bool):
        return None
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def parse_day(value) -> dt.date | None:
    """A YYYY-MM-DD date from a URL, or None."""
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None
