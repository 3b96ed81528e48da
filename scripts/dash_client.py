"""Callback requests as dash-renderer sends them, and reading their answers (for tests and benchmarks)."""
from __future__ import annotations

import json

from dash.development.base_component import Component

from dashboard import ids


def post_callback(client, outputs: list[tuple], inputs: list[tuple], state: list[tuple] = (), headers=None):
    """POST /_dash-update-component as dash-renderer does; returns the response."""
    def props(items):
        return [{"id": i, "property": p, "value": v} for i, p, *rest in items for v in (rest or [None])]

    output_ids = [{"id": i, "property": p} for i, p in outputs]
    output = (
        (".." + "...".join(f"{i}.{p}" for i, p in outputs) + "..")
        if len(outputs) > 1
        else f"{outputs[0][0]}.{outputs[0][1]}"
    )
    body = {"output": output, "outputs": output_ids if len(outputs) > 1 else output_ids[0],
            "inputs": props(inputs), "state": props(state), "changedPropIds": [f"{inputs[0][0]}.{inputs[0][1]}"]}
    return post_json(client, body, **(headers or {}))


def open_page(client, path: str, search: str = ""):
    """The page layout the pages router returns for a URL, as JSON."""
    client.get("/")
    response = post_callback(client, [("_pages_content", "children"), ("_pages_store", "data")],
                             [("_pages_location", "pathname", path), ("_pages_location", "search", search)])
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_json()["response"]["_pages_content"]["children"]


def callback_request(key: str, entry: dict, value_for) -> dict:
    """The JSON body dash-renderer would send for a callback of app.callback_map."""
    names = key[2:-2].split("...") if key.startswith("..") else [key]
    outputs = [dict(zip(("id", "property"), name.rsplit(".", 1), strict=False)) for name in names]
    def items(kind):
        return [_item(i, value_for(i["id"], i["property"])) for i in entry[kind]]
    first = entry["inputs"][0]
    return {"output": key, "outputs": outputs if len(outputs) > 1 else outputs[0], "inputs": items("inputs"),
            "state": items("state"), "changedPropIds": [f"{first['id']}.{first['property']}"]}


def _item(spec: dict, value):
    """One input or state of a request; a pattern-matching ALL one lists (component id, value) pairs, none by
    default."""
    if spec["id"].startswith("{"):
        pairs = value if isinstance(value, list) else []
        return [{"id": component, "property": spec["property"], "value": v} for component, v in pairs]
    return {"id": spec["id"], "property": spec["property"], "value": value}


def post_json(client, body: dict, **headers):
    """POST a callback body."""
    return client.post("/_dash-update-component", data=json.dumps(body),
                       headers={"Content-Type": "application/json", **headers})


def edit_request(callback_map: dict, unit: dict, building_id: int, version: int | None = None,
                 choices: dict[str, str | None] | None = None, **changes) -> dict:
    """The body of a Save of a unit's edit form with some fields changed, at the version the editor saw; `choices`
    answers the conflicts the form shows (field: theirs, yours or None)."""
    values = {
        name: unit[name].isoformat() if hasattr(unit[name], "isoformat") else unit[name] for name in ids.EDIT_FIELDS
    }
    values.update(changes)
    by_id = {ids.edit_field(name): value for name, value in values.items()}
    choices = choices or {}
    seen = {"unit": unit["id"], "version": unit["version"] if version is None else version,
            "conflicts": {name: {} for name in choices}}
    key, entry = next((k, e) for k, e in callback_map.items() if e["inputs"][0]["id"] == ids.EDIT_SAVE)
    def value_for(component, prop):
        if component.startswith("{"):
            return [
                (ids.conflict_choice(name), ids.conflict_choice(name) if prop == "id" else c)
                for name, c in choices.items()
            ]
        return {ids.EDIT_SAVE: 1, ids.EDIT_SEEN: seen, ids.BUILDING_ID: building_id}.get(
            component, by_id.get(component)
        )

    return callback_request(key, entry, value_for)


def walk(node):
    """Every component, JSON component, list and scalar in a tree."""
    yield node
    if isinstance(node, (list, tuple)):
        for child in node:
            yield from walk(child)
    elif isinstance(node, Component):
        yield from walk(getattr(node, "children", None))
    elif isinstance(node, dict) and "props" in node:
        yield from walk(node["props"].get("children"))


def text_of(node) -> str:
    """All text in a tree, joined by spaces."""
    return " ".join(
        str(part) for part in walk(node) if isinstance(part, (str, int, float)) and not isinstance(part, bool)
    )


def by_id(node, wanted):
    """The component with an id in a tree (components or JSON)."""
    for part in walk(node):
        if isinstance(part, Component) and getattr(part, "id", None) == wanted:
            return part
        if isinstance(part, dict) and part.get("props", {}).get("id") == wanted:
            return part
    raise LookupError(wanted)
