"""The ledger (台账) import page: an area and a file, what the import would do (counts, columns, problems, units to
create and change, rows skipped), Apply, and Undo after it. Long lists show their first SHOWN_ROWS rows only."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import ids
from dashboard.i18n import _, label, ngettext, number, translated
from data.i18n import N_
from data.ledger import ImportReport, NewUnit, Preview
from data.ledger_columns import FIELD_LABELS, FIELDS, header_key
from data.ledger_files import MAX_BYTES, MB
from data.validation import Catalogues
from data.vocabulary import FIELDS as FIELD_TERMS

SHOWN_ROWS = 300
IGNORE = "ignore"
# .xls too, and files above the limit up to a point: the server says why it cannot read them, where the browser
# would drop them without a word.
ACCEPTED = ".xlsx,.xlsm,.csv,.txt,.xls"
UPLOAD_LIMIT = 4 * MAX_BYTES
COUNTS = (("buildings", N_("buildings to create")), ("entrances", N_("entrances to create")),
          ("floors", N_("floors to create")), ("units", N_("units to create")), ("changed", N_("units to change")),
          ("unchanged", N_("rows unchanged")), ("skipped", N_("rows skipped")), ("problems", N_("problems")))
NOTHING = "—"


def page(areas: list[dict], chosen: int | None) -> html.Div:
    """The whole page: the form, the preview, Apply, and what the import did."""
    return html.Div([
        html.H1(_("Import a ledger"), className="h3"),
        html.P(_("Upload the workstation's ledger: the page shows what the import would create and change, and every "
                 "problem, before anything is written. Nothing changes until you press Apply."),
               className="text-muted"),
        form(areas, chosen),
        html.Div(id=ids.IMPORT_PREVIEW, className="mt-3", **{"aria-live": "polite"}),
        actions(),
        html.Div(id=ids.IMPORT_RESULT, className="mt-3", **{"aria-live": "polite"}),
        html.Div(id=ids.IMPORT_UNDO_MESSAGE, **{"aria-live": "polite"}),
        dcc.Store(id=ids.IMPORT_MAPPING, data={}),
        dcc.Store(id=ids.IMPORT_SHOWN_COLUMNS, data=[]),
        dcc.Store(id=ids.IMPORT_DIGEST),
        dcc.Store(id=ids.IMPORT_BATCH),
    ], className="ledger-import")


def form(areas: list[dict], chosen: int | None) -> dbc.Row:
    """The area to import into and the file."""
    return dbc.Row([
        dbc.Col([
            dbc.Label(_("Area"), html_for=ids.IMPORT_AREA),
            dbc.Select(id=ids.IMPORT_AREA, value=str(chosen) if chosen else None,
                       options=[{"label": area["name"], "value": str(area["id"])} for area in areas],
                       placeholder=_("Choose the area to import into")),
        ], md=5),
        dbc.Col([
            html.Div(_("Ledger file"), className="form-label", id=ids.IMPORT_UPLOAD_LABEL),
            dcc.Upload(
                html.Div(_("Drop the ledger here, or click to choose a file.")),
                id=ids.IMPORT_UPLOAD, accept=ACCEPTED, max_size=UPLOAD_LIMIT, multiple=False,
                className="import-upload", className_active="import-upload active",
                className_reject="import-upload rejected"),
            dbc.FormText(_("An .xlsx or .csv file of at most %(size)s MB. The header row is found by itself; "
                           "Chinese and English headers are read.", size=number(MAX_BYTES // MB))),
        ], md=7),
    ], className="g-3")


def actions() -> html.Div:
    """Apply (enabled by a preview without problems that does something), and keeping the column choices."""
    return html.Div([
        dbc.Checkbox(id=ids.IMPORT_KEEP, value=False, label=_("Keep these column choices for this area")),
        dbc.Button(_("Apply"), id=ids.IMPORT_APPLY, color="primary", disabled=True, n_clicks=0),
    ], className="d-flex flex-wrap align-items-center gap-3 mt-3 import-actions")


def preview(found: Preview, filename: str, catalogues: Catalogues) -> html.Div:
    """What the import would do: the header found, the counts, every problem (up to SHOWN_ROWS), the columns, what is
    created and changed, and the rows skipped."""
    return html.Div([
        _header_found(found, filename),
        counts(found),
        _verdict(found),
        _unread(found),
        _section(_("Problems"), problems_table(found.problems, ids.IMPORT_PROBLEMS), found.problems),
        columns(found) if found.columns else None,
        _section(_("To create"), _created_table(found.created), found.created),
        _section(_("Units to create"), _new_units_table(found.created, catalogues), found.created),
        _section(_("To change"), _changes_table(found, catalogues), found.changes),
        _section(_("Rows skipped"), _skipped_table(found), found.skipped),
    ], className="import-preview")


def can_apply(found: Preview) -> bool:
    """Whether a preview may be applied: no problem, and something to create or change."""
    return not found.problems and bool(found.created or found.changes)


def _header_found(found: Preview, filename: str) -> html.P:
    """Which file was read and where its header row is."""
    if found.header_row is None:
        return html.P(_("%(file)s: no header row found.", file=filename), className="mb-2 import-header")
    return html.P(_("%(file)s: header found at row %(row)s.", file=filename, row=found.header_row),
                  className="mb-2 import-header", **{"data-row": found.header_row})


def counts(found: Preview) -> html.Ul:
    """The counts at a glance, each a badge marked with its kind."""
    values = {**found.counts, "unchanged": found.unchanged, "skipped": len(found.skipped),
              "problems": len(found.problems)}
    return html.Ul([html.Li([html.Span(number(values[key]), className=f"badge {_badge_colour(key, values[key])}"),
                             " ", _(text)], className=f"import-count import-count-{key}",
                            **{"data-count": values[key]})
                    for key, text in COUNTS], className="list-inline import-counts mb-2", id=ids.IMPORT_COUNTS)


def _badge_colour(key: str, value: int) -> str:
    """A count's badge colour: problems red (green when none), rows to write blue, the rest grey."""
    if key == "problems":
        return "text-bg-danger" if value else "text-bg-success"
    return "text-bg-primary" if value and key not in ("unchanged", "skipped") else "text-bg-secondary"


def _verdict(found: Preview) -> dbc.Alert:
    """What the user can do next: fix the problems, apply, or nothing at all."""
    if found.problems:
        return dbc.Alert(_("Fix the rows listed under Problems in the file and upload it again: nothing can be "
                           "applied while there are problems."), color="danger", className="py-2 import-verdict")
    if not can_apply(found):
        return dbc.Alert(_("Nothing to apply: every row matches what is stored."), color="secondary",
                         className="py-2 import-verdict")
    return dbc.Alert(_("Check what follows, then press Apply. Nothing is written before."), color="info",
                     className="py-2 import-verdict")


def _unread(found: Preview) -> dbc.Alert | None:
    """A warning naming the columns with a header that are not read (a status or name column under a header no one
    foresaw would otherwise be left out without a word)."""
    titles = unread_columns(found)
    if not titles:
        return None
    return dbc.Alert(_("These columns are not read: %(columns)s. If one holds a field, choose it under Columns read.",
                       columns=_(", ").join(titles)), color="warning", className="py-2 import-unread")


def unread_columns(found: Preview) -> list[str]:
    """The titles of the columns that have a header and are not read."""
    return [column.title for column in found.columns if column.title and column.field is None]


def columns(found: Preview) -> html.Details:
    """Each column of the file and the field it is read as, to correct (open when no row could be read); the preview
    is made again on a change."""
    rows = [html.Tr([html.Td(column.title, className="align-middle"),
                     html.Td(html.Label([html.Span(column.title, className="visually-hidden"), dbc.Select(
                         id=ids.import_column(column.index), value=column.field or IGNORE, options=field_options(),
                         size="sm", className="import-column-field")], className="w-100"),
                             **{"data-column": column.index, "data-field": column.field or IGNORE})])
            for column in found.columns if column.title]
    return html.Details([
        html.Summary(_("Columns read (%(num)s): correct a column read wrongly", num=number(len(rows))),
                     className="h5"),
        dbc.Table([html.Thead(html.Tr([html.Th(_("Column in the file")), html.Th(_("Read as"))])),
                   html.Tbody(rows)], size="sm", bordered=True, className="import-columns mt-2", style={
                       "maxWidth": "40rem"}),
    ], open=not found.rows or bool(unread_columns(found)), className="mt-3")


def field_options() -> list[dict]:
    """The fields a column can hold, in the reader's language, and ignoring it."""
    return [{"label": _(FIELD_LABELS[name]), "value": name} for name in FIELDS] + [
        {"label": _("(ignore this column)"), "value": IGNORE}]


def shown_columns(found: Preview) -> list[list]:
    """The columns the preview shows, as [position, header key, field or None] (to tell a correction from the
    preview's own choice)."""
    return [[column.index, header_key(column.title), column.field] for column in found.columns if column.title]


def _section(title: str, table, items) -> html.Section | None:
    """A titled list of the preview; nothing when it is empty."""
    if not items:
        return None
    return html.Section([html.H2([title, " ", html.Span(number(len(items)), className="badge text-bg-light")],
                                 className="h5 mt-3"), table])


def problems_table(problems, table_id: str | None = None) -> html.Div:
    """Every problem (up to SHOWN_ROWS) by sheet row and column, in the reader's language."""
    rows = [html.Tr([html.Td(number(problem.row)), html.Td(problem.column or NOTHING),
                     html.Td(translated(problem.message))], className="import-problem",
                    **{"data-row": problem.row}) for problem in problems[:SHOWN_ROWS]]
    return _table([_("Row"), _("Column"), _("Problem")], rows, len(problems), table_id, "import-problems")


def _created_table(created: tuple[NewUnit, ...]) -> html.Div:
    """The units to create, by building: new or existing, how many new entrances, floors and units, which rows."""
    groups = by_building(created)
    rows = [html.Tr([html.Td(group["name"]), html.Td(_building_badge(group["new"])),
                     html.Td(number(len(group["entrances"]))), html.Td(number(len(group["floors"]))),
                     html.Td(number(group["units"])), html.Td(_rows_span(group["rows"]))],
                    className="import-created", **{"data-building": group["name"]})
            for group in groups[:SHOWN_ROWS]]
    headers = [_("Building"), _("Building is"), _("New entrances"), _("New floors"), _("New units"), _("Rows")]
    return _table(headers, rows, len(groups), ids.IMPORT_CREATED, "import-created-table")


def _new_units_table(created: tuple[NewUnit, ...], catalogues: Catalogues) -> html.Div:
    """Each unit to create as it will be read: its place, use and status, to check before applying."""
    rows = [html.Tr([html.Td(number(unit.row)), html.Td(unit.building), html.Td(unit.entrance), html.Td(unit.floor),
                     html.Td(unit.unit), html.Td(label(catalogues.uses.get(unit.use, {"label_en": unit.use,
                                                                                       "label_zh": unit.use}))),
                     html.Td(label(catalogues.statuses.get(unit.status, {"label_en": unit.status,
                                                                         "label_zh": unit.status})))],
                    className="import-new-unit", **{"data-row": unit.row})
            for unit in created[:SHOWN_ROWS]]
    headers = [_("Row"), _("Building"), _("Entrance"), _("Floor"), _("Unit"), _("Use"), _("Status")]
    return _table(headers, rows, len(created), ids.IMPORT_NEW_UNITS, "import-new-units-table")


def by_building(created: tuple[NewUnit, ...]) -> list[dict]:
    """The new units summed up by building, in the order the sheet first names them."""
    groups: dict[str, dict] = {}
    for unit in created:
        group = groups.setdefault(unit.building, {"name": unit.building, "new": unit.new_building, "units": 0,
                                                  "entrances": set(), "floors": set(), "rows": [unit.row, unit.row]})
        group["units"] += 1
        group["entrances"] |= {unit.entrance} if unit.new_entrance else set()
        group["floors"] |= {(unit.entrance, unit.floor)} if unit.new_floor else set()
        group["rows"] = [min(group["rows"][0], unit.row), max(group["rows"][1], unit.row)]
    return list(groups.values())


def _building_badge(new: bool) -> html.Span:
    """Whether a building is created or already there."""
    if new:
        return html.Span(_("new"), className="badge text-bg-primary import-new-building")
    return html.Span(_("already there"), className="badge text-bg-secondary import-existing-building")


def _rows_span(rows: list[int]) -> str:
    """The first and last sheet row of a group."""
    first, last = rows
    return number(first) if first == last else _("%(first)s to %(last)s", first=number(first), last=number(last))


def _changes_table(found: Preview, catalogues: Catalogues) -> html.Div:
    """Each field the import changes on an existing unit: row, unit, field, now and after."""
    rows = [html.Tr([html.Td(number(change.row)), html.Td(change.unit), html.Td(field_name(change.field)),
                     html.Td(value_text(change.field, change.before, catalogues)),
                     html.Td(value_text(change.field, change.after, catalogues))],
                    className="import-change", **{"data-row": change.row, "data-field": change.field})
            for change in found.changes[:SHOWN_ROWS]]
    headers = [_("Row"), _("Unit"), _("Field"), _("Now"), _("After the import")]
    return _table(headers, rows, len(found.changes), ids.IMPORT_CHANGES, "import-changes")


def field_name(name: str) -> str:
    """A unit field's name in the reader's language."""
    return label(FIELD_TERMS[name]) if name in FIELD_TERMS else _(FIELD_LABELS.get(name, name))


def value_text(name: str, value, catalogues: Catalogues) -> str:
    """A field's value as people read it: a status or use by its label, nothing as a dash."""
    if value is None or value == "":
        return NOTHING
    records = {"status": catalogues.statuses, "use": catalogues.uses}.get(name, {})
    return label(records[value]) if value in records else str(value)


def _skipped_table(found: Preview) -> html.Div:
    """The rows left out, and why."""
    rows = [html.Tr([html.Td(number(skipped.row)), html.Td(translated(skipped.reason))], className="import-skip",
                    **{"data-row": skipped.row}) for skipped in found.skipped[:SHOWN_ROWS]]
    return _table([_("Row"), _("Why")], rows, len(found.skipped), ids.IMPORT_SKIPPED, "import-skipped")


def _table(headers: list[str], rows: list, total: int, table_id: str | None, kind: str) -> html.Div:
    """A compact table of a list, and how many of its rows are not shown."""
    more = total - len(rows)
    return html.Div([
        dbc.Table([html.Thead(html.Tr([html.Th(text) for text in headers])), html.Tbody(rows)], size="sm",
                  striped=True, bordered=True, responsive=True, className=f"{kind} mb-1",
                  **({"id": table_id} if table_id else {})),
        html.P(ngettext("… and %(num)s more row, not shown.", "… and %(num)s more rows, not shown.", more),
               className="small text-muted import-more", **{"data-more": more}) if more > 0 else None,
    ])


def applied(report: ImportReport, area_id: int, buildings: list[dict]) -> dbc.Alert:
    """What the import did, links to the area and the buildings it touched, and Undo."""
    return dbc.Alert([
        html.P(_("Imported %(rows)s rows: %(created)s units created, %(changed)s changed, %(unchanged)s unchanged.",
                 rows=number(report.rows), created=number(report.created), changed=number(report.changed),
                 unchanged=number(report.unchanged)), className="mb-2"),
        html.P([dcc.Link(_("Open the area"), href=f"/area/{area_id}", className="alert-link import-area-link")],
               className="mb-1"),
        html.P(_("Buildings it created or changed:"), className="mb-0") if buildings else None,
        html.Ul([html.Li(dcc.Link(building["name"], href=f"/building/{building['id']}",
                                  className="import-building-link")) for building in buildings[:SHOWN_ROWS]],
                className="mb-2"),
        undo_step(),
    ], color="success", className="import-applied")


def undo_step() -> html.Details:
    """Undo in two steps, as on the building page: the first click asks, the second undoes."""
    return html.Details([
        html.Summary(_("Undo this import"), className="link-primary"),
        html.Div([
            html.Div(_("Undo this import? The units it created are retired, and the units it changed get back their "
                       "earlier values.")),
            dbc.Button(_("Yes, undo it"), id=ids.IMPORT_UNDO, size="sm", color="danger", className="mt-1",
                       n_clicks=0),
        ], className="undo-confirm alert alert-warning py-1 px-2 mb-0 mt-1"),
    ], className="import-undo-step")


def not_applied(problems) -> dbc.Alert:
    """An import refused at Apply: nothing changed, and every problem (up to SHOWN_ROWS)."""
    return dbc.Alert([html.P(_("Not applied, nothing changed:"), className="mb-2"), problems_table(problems)],
                     color="danger", className="import-refused")


def message(text: str, colour: str = "secondary") -> dbc.Alert:
    """A short message instead of a preview (no area chosen, a file that could not be received)."""
    return dbc.Alert(text, color=colour, className="py-2 import-message")
