"""The building's recent changes, one line per batch with its field changes, and undo (after a confirmation) for
editors."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from dashboard import ids
from dashboard.i18n import _, label, ngettext, when
from data.i18n import N_
from data.validation import Catalogues
from layouts.unit_panel import NEW, field_changes, field_label, source_label, unit_name

MAX_NAMES = 6
MAX_DETAILS = 50
MORE_NAMES = " …"
# What a retired unit became (it has no status any more).
RETIRED = N_("retired")


def recent(batches: list[dict], catalogues: Catalogues, can_undo: bool, past: bool = False) -> html.Div:
    """Newest batches first: when, who, how many units, what changed, and each unit's field changes on demand;
    `past` when the batches are those of past days rather than the latest."""
    if not batches:
        text = _("No changes on the days shown.") if past else _("No changes yet.")
        return html.P(text, className="text-muted small")
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
                            f"{when(batch['changed_at'])} · {batch['actor']} · {source_label(batch['source'])}",
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
    names = _(", ").join(unit_name(c) for c in changes[:MAX_NAMES]) + (MORE_NAMES if count > MAX_NAMES else "")
    fields = dict.fromkeys(field_label(name) for c in changes for name in c["data_after"])
    what = _("; ").join(
        f"{_label(catalogues, before, NEW)} → {_label(catalogues, after, RETIRED)}" for before, after in batch["moves"]
    )
    what = what or _("%(fields)s changed", fields=_(", ").join(fields))
    return ngettext("%(num)s unit %(names)s: %(what)s", "%(num)s units %(names)s: %(what)s", count, names=names,
                    what=what)


def _details(batch: dict, catalogues: Catalogues) -> html.Details:
    """The batch in one line, opening to each unit's field changes, before → after."""
    shown = batch["changes"][:MAX_DETAILS]
    items = [
        html.Li(
            [
                html.B(unit_name(c)),
                ": ",
                _("; ").join(text for _name, text in field_changes(c, catalogues)) or _("nothing changed"),
            ],
            **{"data-unit": c["unit_id"]},
        )
        for c in shown
    ]
    if batch["count"] > len(shown):
        more = batch["count"] - len(shown)
        items.append(html.Li(ngettext("… and %(num)s more unit", "… and %(num)s more units", more)))
    return html.Details([html.Summary(_summary(batch, catalogues)), html.Ul(items, className="mb-1 ps-3")],
                        className="batch-details")


def _undo(batch: dict) -> html.Details:
    """Undo in two steps: the first click asks, naming who changed how many units when; the second undoes."""
    question = ngettext(
        "Undo the change %(actor)s made at %(when)s to %(num)s unit? It gets back its earlier values.",
        "Undo the change %(actor)s made at %(when)s to %(num)s units? Each unit gets back its earlier values.",
        batch["count"], actor=batch["actor"], when=when(batch["changed_at"]),
    )
    return html.Details(
        [
            html.Summary(_("Undo"), className="link-primary"),
            html.Div(
                [
                    html.Div(question),
                    dbc.Button(
                        _("Yes, undo it"), id=ids.undo_button(batch["batch_id"]), size="sm", color="danger",
                        className="mt-1",
                    ),
                ],
                className="undo-confirm alert alert-warning text-start py-1 px-2 mb-1",
            ),
        ],
        className="undo-step text-end flex-shrink-0",
        style={"maxWidth": "22rem"},
    )


def _label(catalogues: Catalogues, code: str | None, missing: str) -> str:
    """A status code as its label in the reader's language; no status (before a unit was made, after it was retired)
    in words."""
    return label(catalogues.statuses[code]) if code in catalogues.statuses else _(missing)
