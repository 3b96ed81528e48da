"""What a user reads after a write (save, undo, bulk edit, confirmation): done, or refused and why. The one place
that turns the data layer's refusals into messages; each message carries the class `outcome-KIND`, a stable marker
for tests and scripts whatever the language."""
from __future__ import annotations

import dash_bootstrap_components as dbc

from data.changes import NotAllowed, StaleEdit, UndoRefused, UnknownBatch, UnknownUnit
from data.quarantine import NotEnded
from data.validation import InvalidEdit
from layouts.common import when

REFUSALS = (NotAllowed, UnknownUnit, UnknownBatch, StaleEdit, UndoRefused, InvalidEdit, NotEnded)
NOT_DONE = {"save": "Not saved", "undo": "Not undone", "bulk": "Nothing applied", "confirm": "Not confirmed"}
DONE = {"save": "Saved.", "undo": "Undone: {count} unit(s) restored.", "bulk": "Applied to {count} unit(s).",
        "confirm": "Confirmed {label}."}
NOT_REDRAWN = "The page could not be redrawn (the database stopped answering): reload it in a moment."
PROBLEMS_SHOWN = 8


def notice(kind: str, text: str, colour: str) -> dbc.Alert:
    """A short message in the panel column, marked with its kind."""
    return dbc.Alert(text, color=colour, className=f"small py-2 outcome outcome-{kind}", dismissable=True)


def done(action: str, redrawn: bool = True, count: int = 1, label: str = "") -> dbc.Alert:
    """A committed write; with a warning when the page could not be redrawn after it."""
    text = DONE[action].format(count=count, label=label)
    return (
        notice("done", text, "success") if redrawn else notice("done-not-redrawn", f"{text} {NOT_REDRAWN}", "warning")
    )


def refused(action: str, refusal: Exception) -> dbc.Alert:
    """A write the data layer refused: what was not done, and why."""
    kind, reason, colour = _reason(refusal)
    return notice(kind, f"{NOT_DONE[action]}: {reason}.", colour)


def first_step(text: str) -> dbc.Alert:
    """A request that cannot act yet (nothing selected, no status chosen): what to do first."""
    return notice("first-step", text, "secondary")


def _reason(refusal: Exception) -> tuple[str, str, str]:
    """The kind, the reason in words and the colour of a refusal."""
    if isinstance(refusal, (NotAllowed, UnknownUnit, UnknownBatch)):
        return "not-allowed", "you may not change this here", "danger"
    if isinstance(refusal, UndoRefused):
        return "changed-later", _changed_after(refusal), "warning"
    if isinstance(refusal, StaleEdit):
        names = ", ".join(sorted({f"{change['label']} ({change['actor']})" for change in refusal.later}))
        return "stale", f"changed since it was shown{': ' + names if names else ''}; look again", "warning"
    if isinstance(refusal, InvalidEdit):
        return "invalid", _problems(refusal), "danger"
    if isinstance(refusal, NotEnded):
        return "not-ended", f"the quarantine of {refusal.label} has not ended", "warning"
    raise TypeError(f"not a refusal: {refusal!r}")


def _changed_after(refusal: UndoRefused) -> str:
    """Why a batch cannot be undone: the units changed after it (who, when), or the reason given."""
    later = ", ".join(f"{c['label']} ({c['actor']}, {when(c['changed_at'])})" for c in refusal.later)
    return f"these units changed after that batch: {later}" if later else str(refusal)


def _problems(invalid: InvalidEdit) -> str:
    """The first few refused units, each with its problems."""
    shown = list(invalid.errors.items())[:PROBLEMS_SHOWN]
    return "; ".join(
        f"{invalid.labels.get(unit_id, unit_id)}: {', '.join(errors.values())}" for unit_id, errors in shown
    )
