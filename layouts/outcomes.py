"""What a user reads after a write (save, undo, bulk edit, confirmation): done, or refused and why. The one place
that turns the data layer's refusals into messages; each message carries the class `outcome-KIND`, a stable marker
for tests and scripts whatever the language."""
from __future__ import annotations

import dash_bootstrap_components as dbc

from dashboard.i18n import _, ngettext, translated, when
from data.changes import NotAllowed, StaleEdit, UndoRefused, UnknownBatch, UnknownUnit
from data.i18n import N_
from data.quarantine import NotEnded
from data.validation import InvalidEdit

REFUSALS = (NotAllowed, UnknownUnit, UnknownBatch, StaleEdit, UndoRefused, InvalidEdit, NotEnded)
NOT_DONE = {"save": N_("Not saved: %(reason)s."), "undo": N_("Not undone: %(reason)s."),
            "bulk": N_("Nothing applied: %(reason)s."), "confirm": N_("Not confirmed: %(reason)s.")}
NOT_REDRAWN = N_("The page could not be redrawn (the database stopped answering): reload it in a moment.")
PROBLEMS_SHOWN = 8


def notice(kind: str, text: str, colour: str) -> dbc.Alert:
    """A short message in the panel column, marked with its kind."""
    return dbc.Alert(text, color=colour, className=f"small py-2 outcome outcome-{kind}", dismissable=True)


def done(action: str, redrawn: bool = True, count: int = 1, label: str = "") -> dbc.Alert:
    """A committed write; with a warning when the page could not be redrawn after it."""
    text = _done_text(action, count, label)
    return (
        notice("done", text, "success") if redrawn
        else notice("done-not-redrawn", _("%(done)s %(problem)s", done=text, problem=_(NOT_REDRAWN)), "warning")
    )


def _done_text(action: str, count: int, label: str) -> str:
    """What a committed write did, in words."""
    if action == "undo":
        return ngettext("Undone: %(num)s unit is as before the batch.",
                        "Undone: %(num)s units are as before the batch.", count)
    if action == "bulk":
        return ngettext("Applied to %(num)s unit.", "Applied to %(num)s units.", count)
    return _("Confirmed %(unit)s.", unit=label) if action == "confirm" else _("Saved.")


def refused(action: str, refusal: Exception) -> dbc.Alert:
    """A write the data layer refused: what was not done, and why."""
    kind, reason, colour = _reason(refusal)
    return notice(kind, _(NOT_DONE[action], reason=reason), colour)


def first_step(text: str) -> dbc.Alert:
    """A request that cannot act yet (nothing selected, no status chosen): what to do first."""
    return notice("first-step", text, "secondary")


def _reason(refusal: Exception) -> tuple[str, str, str]:
    """The kind, the reason in words and the colour of a refusal."""
    if isinstance(refusal, (NotAllowed, UnknownUnit, UnknownBatch)):
        return "not-allowed", _("you may not change this here"), "danger"
    if isinstance(refusal, UndoRefused):
        return "changed-later", _changed_after(refusal), "warning"
    if isinstance(refusal, StaleEdit):
        return "stale", _stale(refusal), "warning"
    if isinstance(refusal, InvalidEdit):
        return "invalid", _problems(refusal), "danger"
    if isinstance(refusal, NotEnded):
        return "not-ended", _("the quarantine of %(unit)s has not ended", unit=refusal.label), "warning"
    raise TypeError(f"not a refusal: {refusal!r}")


def _stale(refusal: StaleEdit) -> str:
    """Why an edit came too late: who changed which units since the form was shown."""
    names = _(", ").join(sorted({_("%(unit)s (%(actor)s)", unit=c["label"], actor=c["actor"]) for c in refusal.later}))
    if not names:
        return _("changed since it was shown; look again")
    return _("changed since it was shown: %(changes)s; look again", changes=names)


def _changed_after(refusal: UndoRefused) -> str:
    """Why a batch cannot be undone: the units changed after it (who, when), or the reason given."""
    later = _(", ").join(
        _("%(unit)s (%(actor)s, %(time)s)", unit=c["label"], actor=c["actor"], time=when(c["changed_at"]))
        for c in refusal.later
    )
    if later or refusal.invalid is None:
        return _("these units changed after that batch: %(changes)s", changes=later or "—")
    return _("the earlier values are no longer valid: %(problems)s", problems=_problems(refusal.invalid))


def _problems(invalid: InvalidEdit) -> str:
    """The first few refused units, each with its problems."""
    shown = list(invalid.errors.items())[:PROBLEMS_SHOWN]
    return _("; ").join(
        _("%(unit)s: %(problems)s", unit=invalid.labels.get(unit_id, unit_id),
          problems=_(", ").join(translated(error) for error in errors.values()))
        for unit_id, errors in shown
    )
