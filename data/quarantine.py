"""When a dated status (home quarantine) has ended: the catalogue names which statuses carry dates, which expire and
into what; these functions are the only readers of that rule (data.changes.confirm_ended applies it)."""
from __future__ import annotations

import datetime as dt


class NotEnded(Exception):
    """A confirmation of what follows a quarantine that has not ended (or has no end to wait for)."""

    def __init__(self, label: str):
        super().__init__(f"the quarantine of {label} has not ended")
        self.label = label


def dated_codes(statuses: list[dict]) -> set[str]:
    """Statuses that carry a start and an end date (home quarantine)."""
    return {status["code"] for status in statuses if status["requires_dates"]}


def expiring_codes(statuses: list[dict]) -> set[str]:
    """Dated statuses that another status follows once their end date has passed."""
    return {status["code"] for status in statuses if status["requires_dates"] and status["expires_to"]}


def has_ended(unit: dict, expiring: set[str], today: dt.date) -> bool:
    """True when the unit is in an expiring status whose end date is before today (the local day)."""
    return unit["status"] in expiring and unit["quarantine_end"] is not None and unit["quarantine_end"] < today


def ended_units(units: list[dict], statuses: list[dict], today: dt.date) -> list[dict]:
    """Units whose quarantine has ended: someone must confirm the status that follows."""
    expiring = expiring_codes(statuses)
    return [unit for unit in units if has_ended(unit, expiring, today)]
