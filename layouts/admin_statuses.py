"""The status catalogue editor for administrators: the list of statuses and the form of one."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import ids
from dashboard.i18n import _, label, number, text_code, when
from data.catalogue import PATTERNS
from data.colours import contrast_ratio, ink, safe_colour
from layouts.common import status_chip

NEW = "new"


def page(statuses: list[dict], counts: dict[str, int], uses: list[dict], editing: dict | None,
         adding: bool) -> html.Div:
    """The catalogue with each status's use, and the form of the status being edited or added."""
    return html.Div([
        html.H1(_("Status catalogue"), className="h3"),
        html.P(_("Statuses in use are never deleted: retire one to stop offering it. Units and history keep it."),
               className="text-muted small"),
        dcc.Link(_("Add a status"), href=f"/admin/statuses?code={NEW}", id=ids.STATUS_ADD,
                 className="btn btn-outline-primary btn-sm mb-2"),
        html.Div(status_table(statuses, counts, uses), id=ids.STATUS_LIST),
        form(editing, statuses, uses) if editing is not None or adding else None,
    ], className="admin-statuses")


def status_table(statuses: list[dict], counts: dict[str, int], uses: list[dict]) -> dbc.Table:
    """One row per status: its chip, code, labels, uses, rules, units and whether it is retired."""
    names = {use["code"]: label(use) for use in uses}
    head = html.Thead(html.Tr([html.Th(name, scope="col") for name in (
        _("Status"), _("Code"), _("Chinese label"), _("English label"), _("Applies to"), _("Rules"), _("Units"),
        _("Offered"), "")]))
    return dbc.Table([head, html.Tbody([_row(s, counts.get(s["code"], 0), names) for s in statuses])],
                     size="sm", hover=True, responsive=True, className="status-table align-middle")


def _row(status: dict, count: int, names: dict[str, str]) -> html.Tr:
    """A status's row."""
    return html.Tr([
        html.Td(status_chip(status)), html.Td(html.Code(status["code"])), html.Td(status["label_zh"]),
        html.Td(status["label_en"]), html.Td(" / ".join(names.get(use, use) for use in status["applies_to"])),
        html.Td(rules_text(status)), html.Td(number(count)),
        html.Td(_("Retired %(when)s", when=when(status["retired_at"])) if status["retired_at"] else _("Yes")),
        html.Td(dcc.Link(_("Edit"), href=f"/admin/statuses?code={status['code']}", className="status-edit-link")),
    ], className="status-retired text-muted" if status["retired_at"] else None, **{"data-status": status["code"]})


def rules_text(status: dict) -> str:
    """A status's rules in words: dated, door-knock."""
    rules = []
    if status["requires_dates"]:
        rules.append(_("Dated, %(days)s days by default", days=status["default_days"]))
    if status["door_knock"]:
        rules.append(_("Door-knock list"))
    return "; ".join(rules) or "—"


def form(status: dict | None, statuses: list[dict], uses: list[dict]) -> dbc.Card:
    """The form of one status (None: a new one, whose code is asked for)."""
    values = status or {"code": "", "label_zh": "", "label_en": "", "color": "#9E9E9E", "text_code": "",
                        "text_code_zh": "", "pattern": "solid", "door_knock": False, "requires_dates": False,
                        "default_days": None, "expires_to": None, "applies_to": [u["code"] for u in uses],
                        "sort_order": max((s["sort_order"] for s in statuses), default=0) + 10, "retired_at": None}
    title = _("Edit %(status)s", status=label(status)) if status else _("New status")
    return dbc.Card(dbc.CardBody([
        html.H2(title, className="h5"),
        dcc.Store(id=ids.STATUS_EDITING, data=status["code"] if status else None),
        dbc.Row([
            _field("code", _("Code (lowercase letters, digits, underscore)"),
                   dbc.Input(id=ids.status_field("code"), value=values["code"], disabled=status is not None,
                             maxLength=32, size="sm")),
            _text("label_zh", _("Chinese label"), values, 100),
            _text("label_en", _("English label"), values, 100),
        ]),
        dbc.Row([
            _field("color", _("Colour (#RRGGBB)"), dbc.Input(id=ids.status_field("color"), value=values["color"],
                                                           maxLength=7, size="sm")),
            _text("text_code_zh", _("Chinese text code"), values, 4),
            _text("text_code", _("Latin text code"), values, 4),
            _field("pattern", _("Pattern"), dbc.Select(
                id=ids.status_field("pattern"), value=values["pattern"], size="sm",
                options=[{"label": _(name), "value": code} for code, name in PATTERNS.items()])),
        ]),
        html.Div(preview(values), id=ids.STATUS_PREVIEW, className="mb-2", **{"aria-live": "polite"}),
        _rules(values, statuses, uses),
        dbc.Alert(id=ids.STATUS_FEEDBACK, is_open=False, className="mt-2"),
        html.Div(buttons(status), id=ids.STATUS_ACTIONS, className="d-flex gap-2 mt-2"),
    ]), className="status-form mt-3")


def _field(name: str, text: str, control, width: int = 3) -> dbc.Col:
    """A labelled control."""
    return dbc.Col([dbc.Label(text, html_for=ids.status_field(name), className="small mb-0"), control],
                   md=width, className="mb-2")


def _text(name: str, text: str, values: dict, most: int) -> dbc.Col:
    """A labelled text input for one field."""
    return _field(name, text, dbc.Input(id=ids.status_field(name), value=values[name], maxLength=most, size="sm"))


def _rules(values: dict, statuses: list[dict], uses: list[dict]) -> html.Div:
    """Uses, order, door-knock and the dated-status rules."""
    targets = [s for s in statuses if not s["retired_at"] and not s["requires_dates"] and s["code"] != values["code"]]
    return html.Div([
        dbc.Row([
            _field("applies_to", _("Applies to"), dbc.Checklist(
                id=ids.status_field("applies_to"), value=values["applies_to"], inline=True,
                options=[{"label": label(use), "value": use["code"]} for use in uses])),
            _field("sort_order", _("Sort order"), dbc.Input(id=ids.status_field("sort_order"), type="number",
                                                            value=values["sort_order"], step=1, size="sm"), 2),
            _field("door_knock", _("Door-knock"), dbc.Checkbox(
                id=ids.status_field("door_knock"), value=bool(values["door_knock"]),
                label=_("Goes on the door-knock list after waiting too long"))),
        ]),
        dbc.Row([
            _field("requires_dates", _("Dated status"), dbc.Checkbox(
                id=ids.status_field("requires_dates"), value=bool(values["requires_dates"]),
                label=_("Needs a start and an end date"))),
            _field("default_days", _("Default number of days"), dbc.Input(
                id=ids.status_field("default_days"), type="number", min=1, step=1, value=values["default_days"],
                size="sm"), 2),
            _field("expires_to", _("Once ended, waits to be confirmed as"), dbc.Select(
                id=ids.status_field("expires_to"), value=values["expires_to"] or "", size="sm",
                options=[{"label": _("(nothing)"), "value": ""}]
                + [{"label": f"{text_code(s)} · {label(s)}", "value": s["code"]} for s in targets])),
        ]),
    ])


def buttons(status: dict | None) -> list:
    """Save; for an existing status retire or offer again, and delete (refused when it was ever used). All are always
    there, the ones that do not apply hidden, so that the form's callback always has its inputs."""
    existing, retired = status is not None, bool(status and status["retired_at"])
    return [
        dbc.Button(_("Save"), id=ids.STATUS_SAVE, color="primary", size="sm", n_clicks=0),
        dbc.Button(_("Retire"), id=ids.STATUS_RETIRE, color="warning", size="sm", n_clicks=0,
                   className=None if existing and not retired else "d-none"),
        dbc.Button(_("Offer again"), id=ids.STATUS_RESTORE, color="secondary", size="sm", n_clicks=0,
                   className=None if retired else "d-none"),
        dbc.Button(_("Delete (never used only)"), id=ids.STATUS_DELETE, color="danger", outline=True, size="sm",
                   n_clicks=0, className=None if existing else "d-none"),
        dcc.Link(_("Close"), href="/admin/statuses", className="btn btn-link btn-sm"),
    ]


def preview(values: dict) -> html.Div:
    """How a cell of the status looks: its chip with the ink chosen for the colour, and that contrast."""
    colour = safe_colour(values.get("color"))
    sample = {**values, "color": colour, "pattern": values.get("pattern") if values.get("pattern") in PATTERNS
              else "solid", "label_zh": values.get("label_zh") or "—", "label_en": values.get("label_en") or "—",
              "text_code": values.get("text_code") or "?", "text_code_zh": values.get("text_code_zh") or "?"}
    ratio = contrast_ratio(ink(colour), colour)
    return html.Div([
        html.Span(_("Preview:"), className="small me-2"),
        html.Span(status_chip(sample), className="status-preview-chip", **{"data-ink": ink(colour)}),
        html.Span(_("Text colour chosen for contrast %(ratio)s:1 (at least 4.5:1)", ratio=f"{ratio:.1f}"),
                  className="small text-muted ms-2"),
    ], className="d-flex align-items-center")


def feedback(message: str, good: bool) -> dict:
    """The alert's properties after an action."""
    return {"children": message, "color": "success" if good else "danger", "is_open": True}
