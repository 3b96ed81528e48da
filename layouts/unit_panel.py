"""The unit detail panel: every field, and the history newest first."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from dashboard import ids
from data.validation import Catalogues
from data.vocabulary import MIXED_USE, SOURCES, label
from layouts.common import status_chip, when

FIELD_LABELS = {
    "status": "status",
    "use": "use",
    "occupant_name": "occupant",
    "residents": "residents",
    "staff": "staff",
    "head_count": "head count",
    "contact_phone": "phone",
    "quarantine_start": "quarantine start",
    "quarantine_end": "quarantine end",
    "note": "note",
}


def empty() -> dbc.Card:
    """The panel before any unit is chosen."""
    return dbc.Card(dbc.CardBody([
        html.H2("Unit details", className="h5"),
        html.P("Click a unit on the grid, or move with the arrow keys and press Enter.", className="text-muted mb-0"),
    ]))


def not_found(unit_id) -> dbc.Card:
    """The panel for a unit that is not in this building."""
    return dbc.Card(dbc.CardBody([
        html.H2("Unit not found", className="h5"),
        html.P(f"There is no unit {unit_id} in this building.", className="text-muted mb-0"),
    ]), color="warning", outline=True)


def panel(unit: dict, catalogues: Catalogues, history: list[dict], editor=None, notice=None) -> html.Div:
    """All fields of a unit (or, for editors, the edit form) and its history, under an optional notice."""
    status = catalogues.statuses[unit["status"]]
    title = html.Span(unit["label"], className="fw-bold" if unit["use"] == MIXED_USE else None)
    return html.Div(
        dbc.Card(
            [
                dbc.CardHeader(
                    html.H2(
                        [
                            "Unit ",
                            title,
                            html.Small(
                                f" · {unit['entrance_name']} · floor {unit['floor_label']}", className="text-muted"
                            ),
                        ],
                        className="h5 mb-0",
                    )
                ),
                dbc.CardBody(
                    [
                        notice,
                        html.Div(status_chip(status), className="mb-2"),
                        editor
                        if editor is not None
                        else html.Dl(_fields(unit, catalogues), className="row small mb-2 unit-fields"),
                        html.P(
                            f"Version {unit['version']} · last verified {_verified(unit)}",
                            id=ids.UNIT_VERIFIED,
                            className="small text-muted mb-0",
                        )
                        if editor is not None
                        else None,
                        html.H3("History", className="h6 mt-3"),
                        history_list(history, catalogues),
                    ]
                ),
            ]
        ),
        className="unit-card",
        **{"data-unit": unit["id"]},
    )


def _fields(unit: dict, catalogues: Catalogues) -> list:
    """Label/value pairs of a unit's fields."""
    quarantine = (
        f"{when(unit['quarantine_start'])} → {when(unit['quarantine_end'])}" if unit["quarantine_start"] else "—"
    )
    pairs = [
        ("Use", field_value("use", unit["use"], catalogues)), ("Status since", when(unit["status_since"])),
        ("Occupant", unit["occupant_name"] or "—"), ("Residents", unit["residents"]), ("Staff", unit["staff"]),
        ("Phone", unit["contact_phone"] or "—"), ("Quarantine", quarantine),
        ("Note", unit["note"] or "—"), ("Last verified", _verified(unit)), ("Version", unit["version"]),
    ]
    return [
        item
        for name, value in pairs
        for item in (html.Dt(name, className="col-5"), html.Dd(value, className="col-7 mb-1"))
    ]


def _verified(unit: dict) -> str:
    """When, by whom and how the unit was last verified."""
    if not unit["verified_at"]:
        return "never"
    how = label(SOURCES, unit["verified_source"])
    return f"{when(unit['verified_at'])} by {unit['verified_by']} ({how})"


NEW, EMPTY = "new", "—"


def history_list(history: list[dict], catalogues: Catalogues) -> html.Ol:
    """Change rows newest first: when, who, how, and what changed."""
    if not history:
        return html.P("No changes recorded.", className="text-muted small")
    return html.Ol([_history_item(change, catalogues) for change in history], className="list-unstyled small history")


def _history_item(change: dict, catalogues: Catalogues) -> html.Li:
    """One change: the status move as chips, then every other field before → after."""
    moves, statuses = [], catalogues.statuses
    if change["status_before"] != change["status_after"]:
        before = statuses.get(change["status_before"])
        moves = [status_chip(before, before["label_en"]) if before else html.Span(NEW), " → ",
                 status_chip(statuses[change["status_after"]], statuses[change["status_after"]]["label_en"])]
    others = [html.Div(text, className="field-change", **{"data-field": name})
              for name, text in field_changes(change, catalogues) if name != "status"]
    return html.Li([
        html.Div([html.Time(when(change["changed_at"])), f" · {change['actor']} · {label(SOURCES, change['source'])}"],
                 className="text-muted"),
        html.Div(moves + others),
        html.Div(f"“{change['comment']}”", className="fst-italic") if change.get("comment") else None,
    ], className="mb-2")


def field_changes(change: dict, catalogues: Catalogues) -> list[tuple[str, str]]:
    """Each field a change row set, as (field, "label: before → after") in words."""
    before = {"status": change["status_before"], **change["data_before"]}
    return [(name, f"{FIELD_LABELS.get(name, name)}: {field_value(name, before.get(name), catalogues)} → "
                   f"{field_value(name, value, catalogues)}") for name, value in change["data_after"].items()]


def field_value(name: str, value, catalogues: Catalogues) -> str:
    """A stored value in words: the catalogue's labels for statuses and uses, a dash for nothing."""
    if value is None or value == "":
        return EMPTY
    labelled = {"status": catalogues.statuses, "use": catalogues.uses}.get(name, {})
    return labelled[value]["label_en"] if value in labelled else str(value)


def unit_name(unit: dict) -> str:
    """A unit as people find it: its entrance and its label ("2单元 503")."""
    return f"{unit['entrance_name']} {unit['label']}"
