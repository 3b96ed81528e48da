"""The access log: each view of unmasked personal data, and every structural change administrators made."""
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import ids
from dashboard.i18n import _, label, when
from data.i18n import N_
from data.vocabulary import ROLES
from layouts.unit_panel import unit_name

TITLE = N_("Access log")
EXPLANATION = N_("Every view of a unit's unmasked occupant name and phone number.")
HEADINGS = (N_("When"), N_("User"), N_("Building"), N_("Unit"))
NOBODY = N_("Nobody has viewed personal data yet.")
ACTIONS_TITLE = N_("Administrators' actions")
ACTION_HEADINGS = (N_("When"), N_("User"), N_("Action"), N_("What changed"))
NO_ACTIONS = N_("No administrator has changed anything yet.")
ACTIONS = {"user.add": N_("User added"), "user.role": N_("Role changed"), "user.areas": N_("Areas changed"),
           "user.disable": N_("User disabled"), "user.one_time_password": N_("One-time password set"),
           "user.password": N_("Own password changed"), "area.add": N_("Area added"),
           "area.rename": N_("Area renamed"), "area.move": N_("Area moved"), "area.retire": N_("Area retired"),
           "area.delete": N_("Area deleted"), "building.create": N_("Building created"),
           "building.move": N_("Building moved"), "unit.rename": N_("Unit renamed"), "status.add": N_("Status added"),
           "status.change": N_("Status changed"), "status.retire": N_("Status retired"),
           "status.restore": N_("Status offered again"), "status.delete": N_("Status deleted")}
# What a record says of a password (never the password): a one-time one set by an administrator, or the user's own.
PASSWORDS = {"one-time": N_("one-time"), "own": N_("chosen by the user"), "operator": N_("set on the server")}
FIELDS = {"username": N_("user"), "role": N_("role"), "areas": N_("areas"), "active": N_("active"),
          "password": N_("password")}


def page(rows: list[dict], actions: list[dict] = (), area_names: dict[int, str] | None = None) -> html.Div:
    """A table of views, newest first; each unit named with its building and entrance, and linked to its grid."""
    body = [html.Tr([html.Td(when(row["viewed_at"])), html.Td(row["username"]), html.Td(row["building_name"]),
                     html.Td(dcc.Link(unit_name(row), href=f"/building/{row['building_id']}?unit={row['unit_id']}"))])
            for row in rows]
    return html.Div([
        html.H1(_(TITLE), className="h3"),
        html.P(_(EXPLANATION), className="text-muted"),
        dbc.Table([html.Thead(html.Tr([html.Th(_(heading)) for heading in HEADINGS])), html.Tbody(body)],
                  size="sm", striped=True, className="access-log") if rows else dbc.Alert(_(NOBODY), color="secondary"),
        actions_table(actions, area_names or {}),
    ])


def actions_table(actions: list[dict], area_names: dict[int, str]) -> html.Div:
    """The administrators' recorded actions, newest first: when, who, what and the values that changed."""
    body = [html.Tr([html.Td(when(row["changed_at"])), html.Td(row["actor"]),
                     html.Td(_action_name(row["action"])),
                     html.Td(changes_text(row["data_before"], row["data_after"], area_names))]) for row in actions]
    return html.Div([
        html.H2(_(ACTIONS_TITLE), className="h4 mt-4"),
        dbc.Table([html.Thead(html.Tr([html.Th(_(heading)) for heading in ACTION_HEADINGS])), html.Tbody(body)],
                  size="sm", striped=True, className="actions-log") if actions
        else dbc.Alert(_(NO_ACTIONS), color="secondary"),
    ], id=ids.ACTIONS_LOG)


def _action_name(action: str) -> str:
    """An action in words (an unknown one, from a newer version, as recorded)."""
    name = ACTIONS.get(action)
    return _(name) if name else action


def changes_text(before: dict | None, after: dict | None, area_names: dict[int, str]) -> str:
    """The values that differ between before and after: "user: bo; role: staff → leader; areas: A → A, B"."""
    before, after = before or {}, after or {}
    names = [*after, *(name for name in before if name not in after)]
    return _("; ").join(_change(name, before.get(name), after.get(name), area_names) for name in names
                        if before.get(name) != after.get(name) or name == "username")


def _change(name: str, old, new, area_names: dict[int, str]) -> str:
    """One value's change, its field named in the reader's language."""
    field = _(FIELDS[name]) if name in FIELDS else name
    if old is None or old == new:
        return _("%(field)s: %(value)s", field=field, value=_value(name, new, area_names))
    return _("%(field)s: %(old)s → %(new)s", field=field, old=_value(name, old, area_names),
             new=_value(name, new, area_names))


def _value(name: str, value, area_names: dict[int, str]) -> str:
    """A recorded value for reading: a role by its label, areas by their names, yes or no for a flag."""
    if name == "role" and value in ROLES:
        return label(ROLES[value])
    if name == "password" and value in PASSWORDS:
        return _(PASSWORDS[value])
    if name == "areas" and isinstance(value, list):
        return _(", ").join(area_names.get(area, str(area)) for area in value) or "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return "—" if value is None else str(value)
