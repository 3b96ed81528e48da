"""What every structural command shares (areas, buildings, floors, units, users, the catalogue): one record per
change, with who, when, under which request, and the data before and after; and the refusal they raise."""
from __future__ import annotations

from sqlalchemy import Connection, insert, select

from data.changes import ChangeContext
from data.i18n import Text
from data.models import StructureChange


class StructureRefused(ValueError):
    """A structural command that cannot be carried out; its message (a data.i18n.Text) says why, and nothing was
    changed."""

    def __init__(self, message: Text):
        super().__init__(message)
        self.message = message


def record(conn: Connection, ctx: ChangeContext, action: str, subject: str, subject_id, before: dict | None,
           after: dict | None) -> None:
    """Record one structural change (action such as "area.rename", subject such as "area") in the same
    transaction as the change itself."""
    conn.execute(insert(StructureChange).values(
        changed_at=ctx.at, actor=ctx.actor.username, request_id=ctx.request_id, action=action, subject=subject,
        subject_id=str(subject_id), data_before=before or {}, data_after=after or {},
    ))


def recent(conn: Connection, limit: int = 500) -> list[dict]:
    """The newest structural changes (the administrators' actions), newest first."""
    return [dict(row._mapping) for row in conn.execute(
        select(StructureChange.__table__).order_by(StructureChange.changed_at.desc(), StructureChange.id.desc())
        .limit(limit))]
