"""The building's recent changes, one line per batch with its field changes, and undo (after a confirmation) for
editors."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from dashboard import ids
from data.validation import Catalogues
from data.vocabulary import SOURCES, label
from layouts.common import when
from layouts.unit_panel import FIELD_LABELS, NEW, field_changes, unit_name

MAX_NAMES = 6
MAX_DETAILS = 50
NO_CHANGES = "No changes yet."
NO_CHANGES_THEN = "No changes on the days shown."
UNITS = "{count} unit(s) {names}: {what}"
MORE_NAMES = " …"
FIELDS_CHANGED = "{fields} changed"
MORE_DETAILS = "… and {count} more unit(s)"
NOTHING_CHANGED = "nothing changed"
UNDO = "Undo"
UNDO_QUESTION = "Undo the change {actor} made at {when} to {count} unit(s)? Each unit gets back its earlier values."
UNDO_CONFIRM = "Yes, undo it"


def recent(batches: list[dict], catalogues: Catalogues, can_undo: bool, past: bool = False) -> html.Div:
    """Newest batches first: when, who, how many units, what changed, and each unit's field changes on demand;
    `past` when the batches are those of past days rather than the latest."""
    if not batches:
        return html.P(NO_CHANGES_THEN if past else NO_CHANGES, className="text-muted small")
    return html.Ol(
        [_batch(batch, catalogues, can_undo) for batch in batches],
        className="list-unstyled small recent-list",
        style={"maxWidth": "60rem"},
    )


def _batch(batch: dict, catalogues: Catalogues, can_undo: bool) -> html.Li:
    """One batch: who and when, then its units and what changed (opening to each unit's field changes), its
    comment, and undo beside it."""
    return html.Li(
        html.Div(
            [
                html.Div(
                    [
                        html.Span(
                            f"{when(batch['changed_at'])} · {batch['actor']} · {label(SOURCES, batch['source'])}",
                            className="text-muted",
                        ),
                        _details(batch, catalogues),
                        html.Div(f"“{batch['comment']}”", className="fst-italic") if batch["comment"] else None,
                    ]
                ),
                _undo(batch) if can_undo else None,
            ],
            className="d-flex justify-content-between align-items-start gap-2",
        ),
        className="mb-2 batch",
        **{"data-batch": batch["batch_id"]},
    )


def _summary(batch: dict, catalogues: Catalogues) -> str:
    """How many units, the first few by name, and the status moves (or, without any, the fields changed in the units
    read)."""
    changes, count = batch["changes"], batch["count"]
    names = ", ".join(unit_name(c) for c in changes[:MAX_NAMES]) + (MORE_NAMES if count > MAX_NAMES else "")
    fields = dict.fromkeys(FIELD_LABELS.get(name, name) for c in changes for name in c["data_after"])
    what = "; ".join(f"{_label(catalogues, before)} → {_label(catalogues, after)}" for before, after in batch["moves"])
    return UNITS.format(count=count, names=names, what=what or FIELDS_CHANGED.format(fields=", ".join(fields)))


def _details(batch: dict, catalogues: Catalogues) -> html.Details:
    """The batch in one line, opening to each unit's field changes, before → after."""
    shown = batch["changes"][:MAX_DETAILS]
    items = [
        html.Li(
            [
                html.B(unit_name(c)),
                ": ",
                "; ".join(text for _, text in field_changes(c, catalogues)) or NOTHING_CHANGED,
            ],
            **{"data-unit": c["unit_id"]},
        )
        for c in shown
    ]
    if batch["count"] > len(shown):
        items.append(html.Li(MORE_DETAILS.format(count=batch["count"] - len(shown))))
    return html.Details([html.Summary(_summary(batch, catalogues)), html.Ul(items, className="mb-1 ps-3")],
                        className="batch-details")


def _undo(batch: dict) -> html.Details:
    """Undo in two steps: the first click asks, naming who changed how many units when; the second undoes."""
    question = UNDO_QUESTION.format(actor=batch["actor"], when=when(batch["changed_at"]), count=batch["count"])
    return html.Details(
        [
            html.Summary(UNDO, className="link-primary"),
            html.Div(
                [
                    html.Div(question),
                    dbc.Button(
                        UNDO_CONFIRM, id=ids.undo_button(batch["batch_id"]), size="sm", color="danger", className="mt-1"
                    ),
                ],
                className="undo-confirm alert alert-warning text-start py-1 px-2 mb-1",
            ),
        ],
        className="undo-step text-end flex-shrink-0",
        style={"maxWidth": "22rem"},
    )


def _label(catalogues: Catalogues, code: str | None) -> str:
    """A status code as its English label."""
    return catalogues.statuses[code]["label_en"] if code in catalogues.statuses else NEW
