"""The unit edit form: every editable field, its error next to it, and the conflict report."""
from __future__ import annotations

import datetime as dt

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import ids
from layouts.common import USE_LABELS, when
from layouts.unit_panel import FIELD_LABELS

INPUT_TYPES = {"head_count": "number", "contact_phone": "tel", "quarantine_start": "date", "quarantine_end": "date"}


def form(unit: dict, statuses: list[dict], values: dict | None = None, errors: dict | None = None,
         seen_version: int | None = None) -> html.Div:
    """The edit form of a unit, filled with `values` (the user's input) or the unit's own; statuses show their uses."""
    values, errors = values or _values_of(unit), errors or {}
    options = [{"label": f"{s['text_code']} · {s['label_en']} · {s['label_zh']} ({'/'.join(s['applies_to'])})", "value": s["code"]}
               for s in statuses]
    uses = [{"label": label, "value": use} for use, label in USE_LABELS.items()]
    return html.Div([
        _row("status", dbc.Select(id=ids.edit_field("status"), options=options, value=values["status"],
                                  invalid="status" in errors, size="sm"), errors),
        _row("use", dbc.Select(id=ids.edit_field("use"), options=uses, value=values["use"], invalid="use" in errors, size="sm"), errors),
        *[_row(name, dbc.Input(id=ids.edit_field(name), type=INPUT_TYPES.get(name, "text"), value=values[name],
                               invalid=name in errors, debounce=True, size="sm"), errors)
          for name in ("occupant_name", "head_count", "contact_phone", "quarantine_start", "quarantine_end")],
        _row("note", dbc.Textarea(id=ids.edit_field("note"), value=values["note"], rows=2, invalid="note" in errors, size="sm"), errors),
        dbc.Button("Save", id=ids.EDIT_SAVE, color="primary", size="sm", className="mt-1"),
        dcc.Store(id=ids.EDIT_SEEN, data={"unit": unit["id"], "version": unit["version"] if seen_version is None else seen_version}),
    ], className="edit-form small")


def _row(name: str, control, errors: dict) -> html.Div:
    """A labelled control with its error under it."""
    label = FIELD_LABELS.get(name, name).capitalize()
    feedback = dbc.FormFeedback(errors.get(name, ""), type="invalid") if name in errors else None
    return html.Div([dbc.Label(label, html_for=control.id, className="mb-0"), control, feedback], className="mb-1")


def _values_of(unit: dict) -> dict:
    """The form's values taken from a unit (dates as ISO text, as date inputs hold them)."""
    return {name: unit[name].isoformat() if isinstance(unit[name], dt.date) else unit[name] for name in ids.EDIT_FIELDS}


def conflict(later: list[dict]) -> dbc.Alert:
    """Who changed the unit since the user loaded it, and how to re-apply their input."""
    return dbc.Alert([
        html.B("Someone saved this unit after you opened it: "),
        html.Ul([html.Li(f"{when(c['changed_at'])} · {c['actor']}: {_change_text(c)}") for c in later], className="mb-1"),
        "Your input is still in the form: check it against their change and press Save again to apply it.",
    ], color="warning", className="small conflict")


def _change_text(change: dict) -> str:
    """A change row in words."""
    return ", ".join(f"{FIELD_LABELS.get(name, name)} {change['data_before'].get(name)} → {value}"
                     for name, value in change["data_after"].items()) or "no visible change"
