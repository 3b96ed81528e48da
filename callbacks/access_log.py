"""Access-log page glue: who saw whose personal data, for administrators."""
from dashboard.auth import current_account
from dashboard.extensions import reading
from data import queries, structure, users
from data.access import authorize
from data.accounts import access_log
from layouts import access_log as layout
from layouts.common import not_allowed


def page(**_query):
    """The newest views of unmasked personal data, each unit with its building and entrance, and the administrators'
    newest actions."""
    if not authorize(current_account(), "admin"):
        return not_allowed()
    with reading() as conn:
        rows = access_log(conn)
        places = queries.unit_places(conn, list({row["unit_id"] for row in rows}))
        actions, area_names = structure.recent(conn), users.area_names(conn)
    return layout.page([{**row, **places[row["unit_id"]]} for row in rows], actions, area_names)
