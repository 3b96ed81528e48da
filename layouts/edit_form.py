"""The unit edit form: every editable field, its error next to it, and the conflict report with a choice per field."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import ids
from dashboard.i18n import _, label, text_code, translated
from data.validation import COUNT_FIELDS, DATE_FIELDS, OCCUPANT_FIELDS, TEXT_LIMITS, Catalogues
from layouts.unit_panel import field_label, field_value

INPUT_TYPES = {"residents": "number", "staff": "number", "contact_phone": "tel", "quarantine_start": "date",
               "quarantine_end": "date"}


@dataclass(frozen=True)
class FormState:
    """What a refused save leaves in the form: your values over the unit's current ones, errors by field, the version
    the form stands for (None: the unit's own) and the fields to choose on after a conflict."""

    yours: dict = field(default_factory=dict)
    errors: dict = field(default_factory=dict)
    seen_version: int | None = None
    conflicts: dict = field(default_factory=dict)


def form(unit: dict, statuses: list[dict], uses: list[dict], state: FormState | None = None) -> html.Div:
    """The edit form of a unit: its values with the user's on top; statuses show their uses; after a conflict, a
    choice between their value and yours for each field both changed."""
    state = state or FormState()
    values, errors = {**values_of(unit), **values_of(state.yours)}, state.errors
    limits = _count_limits(uses, values["use"])
    seen = {"unit": unit["id"], "version": unit["version"] if state.seen_version is None else state.seen_version,
            "conflicts": _jsonable(state.conflicts)}
    return html.Div(
        [
            conflict_choices(state.conflicts, Catalogues.of(statuses, uses)) if state.conflicts else None,
            _row(
                "status",
                dbc.Select(
                    id=ids.edit_field("status"),
                    options=_status_options(
                        [s for s in statuses if not s.get("retired_at") or s["code"] == unit["status"]], uses),
                    value=values["status"],
                    invalid="status" in errors,
                    size="sm",
                ),
                errors,
            ),
            _row(
                "use",
                dbc.Select(
                    id=ids.edit_field("use"),
                    options=[{"label": label(u), "value": u["code"]} for u in uses],
                    value=values["use"],
                    invalid="use" in errors,
                    size="sm",
                ),
                errors,
            ),
            *[_input_row(name, values, errors, limits) for name in OCCUPANT_FIELDS],
            _clear_occupant(statuses, values, errors),
            *[_input_row(name, values, errors, limits) for name in ("contact_phone", *DATE_FIELDS)],
            _note_row(values["note"], errors),
            dbc.Button(_("Save"), id=ids.EDIT_SAVE, color="primary", size="sm", className="mt-1"),
            dcc.Store(id=ids.EDIT_SEEN, data=seen),
        ],
        className="edit-form small",
    )


def _status_options(statuses: list[dict], uses: list[dict]) -> list[dict]:
    """Each status with its code, its label and the uses it applies to."""
    names = {u["code"]: label(u) for u in uses}
    return [
        {
            "label": f"{text_code(s)} · {label(s)} ({'/'.join(names.get(use, use) for use in s['applies_to'])})",
            "value": s["code"],
        }
        for s in statuses
    ]


def _count_limits(uses: list[dict], use: str) -> dict[str, int]:
    """The most residents and staff the unit's use allows (for the inputs' max)."""
    found = next((u for u in uses if u["code"] == use), None)
    return {name: found[limit] for name, limit in COUNT_FIELDS.items()} if found else {}


def _input_row(name: str, values: dict, errors: dict, limits: dict) -> html.Div:
    """A labelled input of one field (numbers between 0 and the use's limit)."""
    control = dbc.Input(
        id=ids.edit_field(name),
        type=INPUT_TYPES.get(name, "text"),
        value=values[name],
        invalid=name in errors,
        debounce=True,
        size="sm",
        min=0 if name in COUNT_FIELDS else None,
        max=limits.get(name),
    )
    return _row(name, control, errors)


def _row(name: str, control, errors: dict) -> html.Div:
    """A labelled control with its error under it."""
    text = field_label(name).capitalize()
    feedback = dbc.FormFeedback(translated(errors[name]), type="invalid") if name in errors else None
    return html.Div([dbc.Label(text, html_for=control.id, className="mb-0"), control, feedback], className="mb-1")


def _note_row(note: str, errors: dict) -> html.Div:
    """The note, with how many characters are left."""
    limit = TEXT_LIMITS["note"]
    textarea = dbc.Textarea(
        id=ids.edit_field("note"), value=note, rows=2, invalid="note" in errors, size="sm", maxLength=limit
    )
    return html.Div([_row("note", textarea, errors),
                     html.Small(note_left(note), id=ids.EDIT_NOTE_LEFT, className="text-muted note-left",
                                **{"data-limit": limit, "data-text": _("Characters left: %(count)s")})])


def note_left(note: str | None) -> str:
    """How many characters the note may still take."""
    return _("Characters left: %(count)s", count=TEXT_LIMITS["note"] - len(note or ""))


def _clear_occupant(statuses: list[dict], values: dict, errors: dict):
    """For an unoccupied status refused because someone is recorded there: a button that clears them."""
    status = next((s for s in statuses if s["code"] == values["status"]), {})
    if not status.get("unoccupied") or not set(OCCUPANT_FIELDS) & errors.keys():
        return None
    return dbc.Button(_("Clear occupant, residents and staff (%(status)s)", status=label(status).lower()),
                      id=ids.EDIT_CLEAR_OCCUPANT, color="warning", outline=True, size="sm", className="mb-1")


def values_of(unit: dict) -> dict:
    """The form's values of a unit's fields (dates as ISO text, as date inputs hold them)."""
    return _iso_dates({name: unit[name] for name in ids.EDIT_FIELDS if name in unit})


def _jsonable(conflicts: dict) -> dict:
    """Conflicts with dates as ISO text, to keep in the form's store."""
    return {name: _iso_dates(values) for name, values in conflicts.items()}


def _iso_dates(values: dict) -> dict:
    """The values as inputs hold them: dates as ISO text, text and numbers as they are, anything else (a refused
    value of a forged request) as text."""
    return {key: _input_value(value) for key, value in values.items()}


def _input_value(value):
    """One value as an input holds it."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return value
    return str(value)


def conflict_choices(conflicts: dict[str, dict], catalogues: Catalogues) -> dbc.Alert:
    """For each field that a colleague and you both changed: the original, their value and yours, and a choice."""
    return dbc.Alert([
        html.B(_("A colleague changed these fields after you opened the unit. Choose which value to keep:")),
        *[_conflict_row(name, values, catalogues) for name, values in conflicts.items()],
    ], color="warning", className="small conflict-choices")


def _conflict_row(name: str, values: dict, catalogues: Catalogues) -> html.Fieldset:
    """One field's original, their and your value, as a choice between theirs and yours."""
    words = {key: field_value(name, values.get(key), catalogues) for key in ("original", "theirs", "yours")}
    return html.Fieldset([
        html.Legend(field_label(name).capitalize(), className="h6 mb-0 mt-2"),
        html.Div(_("Original: %(value)s", value=words["original"]), className="text-muted"),
        dcc.RadioItems(id=ids.conflict_choice(name), options=[
            {"label": " " + _("Theirs: %(value)s", value=words["theirs"]), "value": "theirs"},
            {"label": " " + _("Yours: %(value)s", value=words["yours"]), "value": "yours"},
        ], value=None, labelClassName="d-block", className="conflict-choice"),
    ], **{"data-field": name})


def conflict_notice(later: list[dict]) -> dbc.Alert:
    """Who changed the unit since the user loaded it, before the choices."""
    actors = ", ".join(sorted({c["actor"] for c in later})) or _("a colleague")
    return dbc.Alert(
        _("Not saved: %(actors)s saved this unit after you opened it. Your other changes are kept in the form; "
          "choose a value for each field below and press Save again.", actors=actors),
        color="warning",
        className="small py-2 conflict",
    )
