"""Checking and cleaning edited values: each error is named by its field, and nothing is saved while any remains."""
from __future__ import annotations

import datetime as dt
import re

from data.models import UNIT_USES

TEXT_LIMITS = {"occupant_name": 200, "contact_phone": 40, "note": 2000}
PHONE = re.compile(r"^[0-9+()\- ]*$")
MAX_HEAD_COUNT = 100_000
DATE_FIELDS = ("quarantine_start", "quarantine_end")


class InvalidEdit(ValueError):
    """Some values are not acceptable: errors by unit id, then by field."""

    def __init__(self, errors: dict[int, dict[str, str]]):
        super().__init__("; ".join(f"unit {u}: {f}: {m}" for u, fields in errors.items() for f, m in fields.items()))
        self.errors = errors


def clean(row: dict, raw: dict, catalogue: dict[str, dict]) -> tuple[dict, dict[str, str]]:
    """Typed values of the given fields and errors by field, checked against the unit as it would become."""
    values, errors = {}, {}
    for name, value in raw.items():
        try:
            values[name] = _CLEANERS[name](value, catalogue) if name in _CLEANERS else _refuse(name)
        except ValueError as problem:
            errors[name] = str(problem)
    if not {"status", "use"} & errors.keys():
        _check_status_fits_use(row, values, catalogue, errors)
    if not {"status", *DATE_FIELDS} & errors.keys():
        _check_dates(row, values, catalogue, errors)
    return values, errors


def _refuse(name: str):
    """Fields that no edit may set."""
    raise ValueError(f"{name} cannot be edited")


def _status(value, catalogue: dict[str, dict]) -> str:
    """A status code of the catalogue."""
    if value not in catalogue:
        raise ValueError("choose a status from the list")
    return value


def _use(value, _catalogue) -> str:
    """Home, firm or both."""
    if value not in UNIT_USES:
        raise ValueError("choose home, firm or mixed")
    return value


def _text(limit: int):
    """A cleaner for free text up to a length."""
    def text(value, _catalogue) -> str:
        cleaned = "" if value is None else str(value).strip()
        if len(cleaned) > limit:
            raise ValueError(f"at most {limit} characters")
        return cleaned
    return text


def _phone(value, catalogue) -> str:
    """Digits, spaces, +, - and parentheses."""
    cleaned = _text(TEXT_LIMITS["contact_phone"])(value, catalogue)
    if not PHONE.match(cleaned):
        raise ValueError("only digits, spaces, + - ( )")
    return cleaned


def _head_count(value, _catalogue) -> int:
    """A whole number of people."""
    try:
        number = int(str(value).strip()) if not isinstance(value, bool) else None
    except ValueError:
        number = None
    if number is None or not 0 <= number <= MAX_HEAD_COUNT:
        raise ValueError(f"a whole number from 0 to {MAX_HEAD_COUNT}")
    return number


def _date(value, _catalogue) -> dt.date | None:
    """An ISO date (YYYY-MM-DD), or nothing."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise ValueError("a date like 2020-03-01") from None


_CLEANERS = {
    "status": _status, "use": _use, "occupant_name": _text(TEXT_LIMITS["occupant_name"]), "contact_phone": _phone,
    "head_count": _head_count, "note": _text(TEXT_LIMITS["note"]), "quarantine_start": _date, "quarantine_end": _date,
}


def _check_status_fits_use(row: dict, values: dict, catalogue: dict[str, dict], errors: dict) -> None:
    """A status applies only to the uses the catalogue names (no 'reopened' for a home)."""
    if "status" not in values and "use" not in values:
        return
    status, use = catalogue[values.get("status", row["status"])], values.get("use", row["use"])
    if use not in status["applies_to"]:
        errors["status"] = f"{status['label_en']} does not apply to a {use} unit"


def _check_dates(row: dict, values: dict, catalogue: dict[str, dict], errors: dict) -> None:
    """A dated status needs a start and an end not before it (the end defaults); other statuses carry no dates."""
    status = catalogue[values.get("status", row["status"])]
    if not status["requires_dates"]:
        if "status" in values:
            values.update(quarantine_start=None, quarantine_end=None)
        return
    start = values.get("quarantine_start", row["quarantine_start"])
    end = values.get("quarantine_end", row["quarantine_end"])
    if start is None:
        errors["quarantine_start"] = f"required for {status['label_en']}"
    elif end is None:
        values["quarantine_end"] = start + dt.timedelta(days=status["default_days"] or 0)
    elif end < start:
        errors["quarantine_end"] = "ends before it starts"
