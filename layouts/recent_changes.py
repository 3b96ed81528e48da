"""The building's recent changes, one line per batch, with undo for editors."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from dashboard import ids
from layouts.common import when
from layouts.unit_panel import SOURCE_LABELS

MAX_LABELS = 6


def recent(batches: list[dict], statuses: dict[str, dict], can_undo: bool) -> html.Div:
    """Newest batches first: when, who, how many units, what changed."""
    if not batches:
        return html.P("No changes yet.", className="text-muted small")
    return html.Ol([_batch(batch, statuses, can_undo) for batch in batches], className="list-unstyled small recent-list")


def _batch(batch: dict, statuses: dict[str, dict], can_undo: bool) -> html.Li:
    """One batch: its moves and the units it touched."""
    labels = ", ".join(batch["labels"][:MAX_LABELS]) + (" …" if len(batch["labels"]) > MAX_LABELS else "")
    moves = "; ".join(f"{_label(statuses, before)} → {_label(statuses, after)}" for before, after in batch["moves"]) or "details"
    undo = dbc.Button("Undo", id=ids.undo_button(batch["batch_id"]), size="sm", color="link", className="p-0 ms-2") if can_undo else None
    return html.Li([
        html.Span(f"{when(batch['changed_at'])} · {batch['actor']} · {SOURCE_LABELS.get(batch['source'], batch['source'])}",
                  className="text-muted"),
        html.Div([f"{len(batch['labels'])} unit(s) {labels}: {moves}", undo]),
        html.Div(f"“{batch['comment']}”", className="fst-italic") if batch["comment"] else None,
    ], className="mb-1")


def _label(statuses: dict[str, dict], code: str | None) -> str:
    """A status code as its English label."""
    return statuses[code]["label_en"] if code in statuses else "new"
