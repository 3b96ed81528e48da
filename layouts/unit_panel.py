"""The unit detail panel: every field, and the history newest first."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from dashboard import ids
from dashboard.i18n import _, label, shown, when
from data.i18n import N_
from data.validation import Catalogues
from data.vocabulary import FIELDS, MIXED_USE, SOURCES
from layouts.common import status_chip


def field_label(name: str) -> str:
    """A field's name as people read it (lower case, for use inside a sentence)."""
    return label(FIELDS[name]) if name in FIELDS else name


def around(template: str, name: str, component) -> list:
    """A translated message as children, with a component where its %(name)s placeholder stands."""
    before, _placeholder, after = template.partition(f"%({name})s")
    return [before, component, after]


def empty() -> dbc.Card:
    """The panel before any unit is chosen."""
    return dbc.Card(dbc.CardBody([
        html.H2(_("Unit details"), className="h5"),
        html.P(_("Click a unit on the grid, or move with the arrow keys and press Enter."),
               className="text-muted mb-0"),
    ]))


def not_found(unit_id) -> dbc.Card:
    """The panel for a unit that is not in this building."""
    return dbc.Card(dbc.CardBody([
        html.H2(_("Unit not found"), className="h5"),
        html.P(_("There is no unit %(unit)s in this building.", unit=unit_id), className="text-muted mb-0"),
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
                            *around(_("Unit %(unit)s"), "unit", title),
                            html.Small(
                                " · " + _("%(entrance)s · floor %(floor)s", entrance=unit["entrance_name"],
                                          floor=unit["floor_label"]),
                                className="text-muted",
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
                            _("Version %(version)s · last verified %(verified)s", version=unit["version"],
                              verified=_verified(unit)),
                            id=ids.UNIT_VERIFIED,
                            className="small text-muted mb-0",
                        )
                        if editor is not None
                        else None,
                        html.H3(_("History"), className="h6 mt-3"),
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
        (_("Use"), field_value("use", unit["use"], catalogues)), (_("Status since"), when(unit["status_since"])),
        (_("Occupant"), shown(unit["occupant_name"]) or "—"), (_("Residents"), unit["residents"]),
        (_("Staff"), unit["staff"]),
        (_("Phone"), unit["contact_phone"] or "—"), (_("Quarantine"), quarantine),
        (_("Note"), unit["note"] or "—"), (_("Last verified"), _verified(unit)), (_("Version"), unit["version"]),
    ]
    return [
        item
        for name, value in pairs
        for item in (html.Dt(name, className="col-5"), html.Dd(value, className="col-7 mb-1"))
    ]


def _verified(unit: dict) -> str:
    """When, by whom and how the unit was last verified."""
    if not unit["verified_at"]:
        return _("never")
    return _("%(when)s by %(who)s (%(how)s)", when=when(unit["verified_at"]), who=unit["verified_by"],
             how=source_label(unit["verified_source"]))


def source_label(source: str) -> str:
    """How a change was made (by hand, ledger import, automatic rule) in the reader's language."""
    return label(SOURCES.get(source, source))


NEW, EMPTY = N_("new"), "—"


def history_list(history: list[dict], catalogues: Catalogues) -> html.Ol:
    """Change rows newest first: when, who, how, and what changed."""
    if not history:
        return html.P(_("No changes recorded."), className="text-muted small")
    return html.Ol([_history_item(change, catalogues) for change in history], className="list-unstyled small history")


def _history_item(change: dict, catalogues: Catalogues) -> html.Li:
    """One change: the status move as chips, then every other field before → after."""
    moves, statuses = [], catalogues.statuses
    if change["status_before"] != change["status_after"]:
        before = statuses.get(change["status_before"])
        moves = [status_chip(before) if before else html.Span(_(NEW)), " → ",
                 status_chip(statuses[change["status_after"]])]
    others = [html.Div(text, className="field-change", **{"data-field": name})
              for name, text in field_changes(change, catalogues) if name != "status"]
    return html.Li([
        html.Div([html.Time(when(change["changed_at"])), f" · {change['actor']} · {source_label(change['source'])}"],
                 className="text-muted"),
        html.Div(moves + others),
        html.Div(f"“{change['comment']}”", className="fst-italic") if change.get("comment") else None,
    ], className="mb-2")


def field_changes(change: dict, catalogues: Catalogues) -> list[tuple[str, str]]:
    """Each field a change row set, as (field, "label: before → after") in words."""
    before = {"status": change["status_before"], **change["data_before"]}
    return [(name, _("%(field)s: %(before)s → %(after)s", field=field_label(name),
                     before=field_value(name, before.get(name), catalogues),
                     after=field_value(name, value, catalogues)))
            for name, value in change["data_after"].items()]


def field_value(name: str, value, catalogues: Catalogues) -> str:
    """A stored value in words: the catalogue's labels for statuses and uses, a dash for nothing."""
    if value is None or value == "":
        return EMPTY
    labelled = {"status": catalogues.statuses, "use": catalogues.uses}.get(name, {})
    return label(labelled[value]) if value in labelled else str(shown(value))


def unit_name(unit: dict) -> str:
    """A unit as people find it: its entrance and its label ("2单元 503")."""
    return f"{unit['entrance_name']} {unit['label']}"
