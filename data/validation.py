"""Checking and cleaning edited values: each error is named by its field, and nothing is saved while any remains.

Every write path (the edit form, bulk edits, confirmations, ledger imports, undo) goes through these rules, in two
steps: `typed` checks each value on its own; `check` checks the unit as it would become (status against use, dates
against the status and today, head counts against the use's plausible range, nobody in an unoccupied unit).
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from data.i18n import N_, Text
from data.vocabulary import FIELDS

EDIT_FIELDS = ("status", "use", "occupant_name", "residents", "staff", "contact_phone", "quarantine_start",
               "quarantine_end", "note")
TEXT_LIMITS = {"occupant_name": 200, "note": 2000}
DATE_FIELDS = ("quarantine_start", "quarantine_end")
COUNT_FIELDS = {"residents": "max_residents", "staff": "max_staff"}
OCCUPANT_FIELDS = ("occupant_name", "residents", "staff")
MAX_QUARANTINE_DAYS = 366
WHOLE_NUMBER = N_("a whole number")
A_DATE = N_("a date like 2020-03-01")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MOBILE = re.compile(r"^1[3-9]\d{9}$")
# Area code (3 or 4 digits starting with 0) and a 7- or 8-digit number: 10 to 12 digits in all.
LANDLINE = re.compile(r"^0\d{9,11}$")
EXTENSION = re.compile(r"(?:转|分机|ext\.?|x|#)(\d{1,6})$", re.IGNORECASE)
NOT_A_PHONE = N_(
    "not a phone number: enter a mobile like 13800138000, or a landline with its area code like 010-68881234 "
    "(extension: 010-68881234转123)"
)


class InvalidEdit(ValueError):
    """Some values are not acceptable: errors by unit id, then by field; `yours` holds the valid values each edit set,
    `labels` the refused units' labels."""

    def __init__(self, errors: dict[int, dict[str, str]], yours: dict[int, dict] | None = None,
                 labels: dict[int, str] | None = None):
        super().__init__("; ".join(f"unit {u}: {f}: {m}" for u, fields in errors.items() for f, m in fields.items()))
        self.errors, self.yours, self.labels = errors, yours or {}, labels or {}


@dataclass(frozen=True)
class Catalogues:
    """The status catalogue and the unit uses, by code: what a value may be."""

    statuses: dict[str, dict]
    uses: dict[str, dict]

    @classmethod
    def of(cls, statuses: list[dict], uses: list[dict]) -> Catalogues:
        """The catalogues from lists of statuses and uses, each with its code."""
        return cls({status["code"]: status for status in statuses}, {use["code"]: use for use in uses})


def typed(raw: dict, catalogues: Catalogues) -> tuple[dict, dict[str, str]]:
    """Each given field's value cleaned on its own, and errors by field (unknown fields are refused)."""
    values, errors = {}, {}
    for name, value in raw.items():
        try:
            values[name] = _CLEANERS[name](value, catalogues) if name in _CLEANERS else _refuse(name)
        except ValueError as problem:
            errors[name] = problem.args[0]
    return values, errors


def check(row: dict, values: dict, catalogues: Catalogues, today: dt.date) -> tuple[dict, dict[str, str]]:
    """The values to write (with what follows from them: a default end date, dates cleared off a status that has
    none) and errors by field, checking the unit as it would become against the rules the edit touches."""
    values, errors = dict(values), {}
    _check_status_offered(row, values, catalogues, errors)
    _check_status_fits_use(row, values, catalogues, errors)
    _check_dates(row, values, catalogues, today, errors)
    _check_counts(row, values, catalogues, errors)
    _check_unoccupied(row, values, catalogues, errors)
    return values, errors


def clean(row: dict, raw: dict, catalogues: Catalogues, today: dt.date) -> tuple[dict, dict[str, str]]:
    """`typed` then `check`: the values to write and every error by field."""
    values, errors = typed(raw, catalogues)
    checked, problems = check(row, values, catalogues, today)
    return checked, {**problems, **errors}


def _refuse(name: str):
    """Fields that no edit may set."""
    raise ValueError(Text(N_("%(field)s cannot be edited"), field=FIELDS.get(name, name)))


def _status(value, catalogues: Catalogues) -> str:
    """A status code of the catalogue."""
    if not isinstance(value, str) or value not in catalogues.statuses:
        raise ValueError(Text(N_("choose a status from the list")))
    return value


def _use(value, catalogues: Catalogues) -> str:
    """A use of the catalogue (home, firm or both)."""
    if not isinstance(value, str) or value not in catalogues.uses:
        raise ValueError(Text(N_("choose a use from the list")))
    return value


def _plain_text(value, limit: int) -> str:
    """Text up to a length, trimmed; no control characters that a database cannot store."""
    if value is not None and not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise ValueError(Text(N_("text expected")))
    cleaned = "" if value is None else str(value).strip()
    if "\x00" in cleaned:
        raise ValueError(Text(N_("contains a NUL character")))
    if len(cleaned) > limit:
        raise ValueError(Text(N_("at most %(limit)s characters"), limit=limit))
    return cleaned


def _text(limit: int):
    """A cleaner for free text up to a length."""
    def text(value, _catalogues) -> str:
        return _plain_text(value, limit)
    return text


def normalise_phone(text: str) -> str | None:
    """A Chinese mobile (11 digits) or a landline with area code and optional extension, without spaces and dashes
    (an extension is kept after 转); None when the text is no such number."""
    compact = re.sub(r"^(\+86|0086)-?", "", re.sub(r"[\s()（）]", "", text))
    marked = EXTENSION.search(compact)
    if marked:
        return _landline(compact[:marked.start()], marked.group(1))
    digits = compact.replace("-", "")
    if MOBILE.match(digits) or LANDLINE.match(digits):
        return digits
    main, _, extension = compact.rpartition("-")
    return _landline(main, extension) if main else None


def _landline(main: str, extension: str) -> str | None:
    """A landline with its extension (1 to 6 digits), or None."""
    digits = main.replace("-", "")
    return f"{digits}转{extension}" if LANDLINE.match(digits) and re.fullmatch(r"\d{1,6}", extension) else None


def _phone(value, _catalogues) -> str:
    """A phone number, normalised; or nothing."""
    text = _plain_text(value, 40)
    if not text:
        return ""
    number = normalise_phone(text)
    if number is None:
        raise ValueError(Text(NOT_A_PHONE))
    return number


def _count(value, _catalogues) -> int:
    """A whole number of people (the use's range is checked with the unit)."""
    if isinstance(value, bool) or isinstance(value, float) and not value.is_integer():
        raise ValueError(Text(WHOLE_NUMBER))
    try:
        number = int(str(value).strip()) if value not in (None, "") else 0
    except ValueError:
        raise ValueError(Text(WHOLE_NUMBER)) from None
    if number < 0:
        raise ValueError(Text(N_("0 or more")))
    return number


def _date(value, _catalogues) -> dt.date | None:
    """An ISO date (YYYY-MM-DD) from 1900 to 2100, or nothing."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        if not isinstance(value, str) or not ISO_DATE.match(value.strip()):
            raise ValueError(Text(A_DATE))
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(Text(A_DATE)) from None
    if not 1900 <= value.year <= 2100:
        raise ValueError(Text(N_("a date from 1900 to 2100")))
    return value


_CLEANERS = {
    "status": _status, "use": _use, "occupant_name": _text(TEXT_LIMITS["occupant_name"]), "contact_phone": _phone,
    "residents": _count, "staff": _count, "note": _text(TEXT_LIMITS["note"]), "quarantine_start": _date,
    "quarantine_end": _date,
}


def _after(row: dict, values: dict, name: str):
    """A field's value once the edit is applied."""
    return values.get(name, row[name])


def _check_status_offered(row: dict, values: dict, catalogues: Catalogues, errors: dict) -> None:
    """A retired status is no longer given to a unit (a unit that has it keeps it until changed)."""
    status = values.get("status", row["status"])
    if status != row["status"] and catalogues.statuses[status].get("retired_at") is not None:
        errors["status"] = Text(N_("%(status)s is no longer in use: choose another status"),
                                status=catalogues.statuses[status])


def _check_status_fits_use(row: dict, values: dict, catalogues: Catalogues, errors: dict) -> None:
    """A status applies only to the uses the catalogue names (no 'reopened' for a home)."""
    if not {"status", "use"} & values.keys():
        return
    status, use = catalogues.statuses[_after(row, values, "status")], _after(row, values, "use")
    if use not in status["applies_to"]:
        errors["status"] = Text(N_("%(status)s does not apply to a “%(use)s” unit"), status=status,
                                use=catalogues.uses[use])


def bulk_values(catalogues: Catalogues, status: str, start, end, clear_occupants: bool) -> dict:
    """What a bulk edit sets: the status, its dates if it has any, and for an unoccupied status, if asked, nobody."""
    chosen = catalogues.statuses.get(status, {})
    values = {"status": status}
    if chosen.get("requires_dates"):
        values.update(quarantine_start=start, quarantine_end=end)
    if chosen.get("unoccupied") and clear_occupants:
        values.update(occupant_name="", residents=0, staff=0)
    return values


def dated_labels(catalogues: Catalogues) -> dict:
    """The labels of the statuses that carry dates, in both languages, for messages."""
    dated = [s for s in catalogues.statuses.values() if s["requires_dates"]]
    return {f"label_{language}": separator.join(s[f"label_{language}"] for s in dated) or nothing
            for language, separator, nothing in (("en", ", ", "no status"), ("zh", "、", "无"))}


def _check_dates(row: dict, values: dict, catalogues: Catalogues, today: dt.date, errors: dict) -> None:
    """A dated status needs a start not after today and an end not before it (the end defaults); a status without
    dates refuses dates given for it, and drops the dates of the status it replaces."""
    status = catalogues.statuses[_after(row, values, "status")]
    if not status["requires_dates"]:
        for name in DATE_FIELDS:
            if values.get(name) is not None:
                errors[name] = Text(N_("only for %(dated)s: leave it empty for %(status)s"),
                                    dated=dated_labels(catalogues), status=status)
            elif row[name] is not None and ("status" in values or name in values):
                values[name] = None
        return
    if not {"status", *DATE_FIELDS} & values.keys():
        return
    start, end = _after(row, values, "quarantine_start"), _after(row, values, "quarantine_end")
    if start is None:
        errors["quarantine_start"] = Text(N_("required for %(status)s"), status=status)
    elif start > today and "quarantine_start" in values:
        errors["quarantine_start"] = Text(N_("cannot start after today (%(today)s)"), today=today.isoformat())
    elif end is None:
        values["quarantine_end"] = start + dt.timedelta(days=status["default_days"] or 0)
    elif end < start:
        errors["quarantine_end"] = Text(N_("ends before it starts"))
    elif (end - start).days > MAX_QUARANTINE_DAYS:
        errors["quarantine_end"] = Text(N_("at most %(days)s days after the start"), days=MAX_QUARANTINE_DAYS)


def _check_counts(row: dict, values: dict, catalogues: Catalogues, errors: dict) -> None:
    """Residents and staff within the plausible range of the unit's use, the limit named."""
    if not {"use", *COUNT_FIELDS} & values.keys():
        return
    use = catalogues.uses[_after(row, values, "use")]
    for name, limit_name in COUNT_FIELDS.items():
        number, limit = _after(row, values, name), use[limit_name]
        if number > limit:
            errors[name] = (Text(N_("a “%(use)s” unit has no %(field)s: enter 0"), use=use, field=FIELDS[name])
                            if limit == 0 else Text(N_("at most %(limit)s %(field)s in a “%(use)s” unit"),
                                                    limit=f"{limit:,}", field=FIELDS[name], use=use))


def _check_unoccupied(row: dict, values: dict, catalogues: Catalogues, errors: dict) -> None:
    """Nobody is in an unoccupied (vacant) unit: no occupant, no residents, no staff."""
    status = catalogues.statuses[_after(row, values, "status")]
    if not status.get("unoccupied") or not {"status", *OCCUPANT_FIELDS} & values.keys():
        return
    for name in OCCUPANT_FIELDS:
        if _after(row, values, name):
            errors.setdefault(name, Text(N_("a “%(status)s” unit has nobody in it: clear this field"),
                                         status=status))
