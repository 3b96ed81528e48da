"""The status catalogue's commands for administrators: add a status (another campaign's), change its labels, colour,
text codes, pattern and rules, retire it when no longer offered, delete one that was never used. Each validates
everything first, raises StructureRefused, writes in the caller's transaction and records the change.

Counts and rollups are keyed by status code, which never changes here, and nothing maintained depends on a label, a
colour or a rule (read-time figures such as household shares read the catalogue), so no command needs a recount."""
from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import Connection, delete, exists, func, insert, or_, select, update

from data import queries
from data.changes import ChangeContext
from data.i18n import N_, Text
from data.models import AreaCount, AreaDailyDelta, Building, BuildingStatusCount, Status, Unit, UnitChange
from data.structure import StructureRefused, record
from data.validation import MAX_QUARANTINE_DAYS

CODE = re.compile(r"^[a-z0-9_]{1,32}$")
COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")
# The patterns assets/grid.css draws (.pat-outline, .pat-hatched, .pat-dotted); solid is the plain colour.
PATTERNS = {"solid": N_("Solid"), "outline": N_("Outline"), "hatched": N_("Hatched"), "dotted": N_("Dotted")}
EDITABLE = ("label_zh", "label_en", "color", "text_code", "text_code_zh", "pattern", "door_knock", "requires_dates",
            "default_days", "expires_to", "applies_to", "sort_order")
MAX_LABEL, MAX_TEXT_CODE, MAX_SORT = 100, 4, 1_000_000
# Field names for refusals, in both languages as the vocabulary keeps them (a message fills in the reader's).
FIELD_NAMES = {name: {"label_en": en, "label_zh": zh} for name, en, zh in (
    ("label_zh", "Chinese label", "中文名称"), ("label_en", "English label", "英文名称"),
    ("text_code", "Latin text code", "英文代码"), ("text_code_zh", "Chinese text code", "中文代码"),
    ("sort_order", "sort order", "排序"), ("default_days", "default number of days", "默认天数"))}


def add_status(conn: Connection, ctx: ChangeContext, code, values: dict) -> dict:
    """Add a status with a new code (lowercase letters, digits, underscore); returns it as stored."""
    code = code.strip() if isinstance(code, str) else ""
    if not CODE.match(code):
        raise StructureRefused(Text(N_("A status code is 1 to 32 lowercase letters, digits or underscores.")))
    catalogue = _catalogue(conn)
    if code in catalogue:
        raise StructureRefused(Text(N_("There is already a status “%(code)s”."), code=code))
    row = {"code": code, "unoccupied": False, **_checked(conn, catalogue, code, values)}
    conn.execute(insert(Status).values(**row))
    record(conn, ctx, "status.add", "status", code, None, row)
    _redraw_everywhere(conn)
    return _catalogue(conn)[code]


def change_status(conn: Connection, ctx: ChangeContext, code: str, values: dict) -> dict:
    """Change a status's labels, colour, text codes, pattern and rules; returns it as stored."""
    catalogue = _catalogue(conn)
    current = _existing(catalogue, code)
    wanted = _checked(conn, catalogue, code, values)
    _check_users_keep_fitting(conn, catalogue, current, wanted)
    before = {name: current[name] for name in EDITABLE if current[name] != wanted[name]}
    if before:
        conn.execute(update(Status).where(Status.code == code).values(**wanted))
        record(conn, ctx, "status.change", "status", code, before, {name: wanted[name] for name in before})
        _redraw_everywhere(conn)
    return _catalogue(conn)[code]


def retire_status(conn: Connection, ctx: ChangeContext, code: str) -> dict:
    """Stop offering a status (units and history keep it); refused while a status expires to it or while a use would
    be left without any status."""
    catalogue = _catalogue(conn)
    current = _existing(catalogue, code)
    if current["retired_at"] is not None:
        raise StructureRefused(Text(N_("%(status)s is already retired."), status=current))
    _check_not_followed(catalogue, current)
    active = [s for s in catalogue.values() if s["retired_at"] is None and s["code"] != code]
    for use in current["applies_to"]:
        if not any(use in s["applies_to"] for s in active):
            raise StructureRefused(Text(N_("%(status)s is the last status for “%(use)s” units: add another first."),
                                        status=current, use=queries.catalogues(conn).uses.get(use, use)))
    return _set_retired(conn, ctx, current, ctx.at, "status.retire")


def restore_status(conn: Connection, ctx: ChangeContext, code: str) -> dict:
    """Offer a retired status again."""
    current = _existing(_catalogue(conn), code)
    if current["retired_at"] is None:
        raise StructureRefused(Text(N_("%(status)s is not retired."), status=current))
    return _set_retired(conn, ctx, current, None, "status.restore")


def delete_status(conn: Connection, ctx: ChangeContext, code: str) -> None:
    """Delete a status that no unit has and no history names (a mistaken addition); any other is only retired."""
    catalogue = _catalogue(conn)
    current = _existing(catalogue, code)
    if in_use(conn, code):
        raise StructureRefused(Text(N_("%(status)s is used by units or their history: retire it instead."),
                                    status=current))
    _check_not_followed(catalogue, current)
    # Rows with a zero count may remain where counts were once bumped and undone; they hold nothing.
    for model, column in ((BuildingStatusCount, BuildingStatusCount.count), (AreaCount, AreaCount.units),
                          (AreaDailyDelta, AreaDailyDelta.delta)):
        conn.execute(delete(model).where(model.status == code, column == 0))
    conn.execute(delete(Status).where(Status.code == code))
    record(conn, ctx, "status.delete", "status", code, _jsonable(current), None)
    _redraw_everywhere(conn)


def in_use(conn: Connection, code: str) -> bool:
    """Whether any unit (retired ones included), change history or count names the status."""
    return conn.execute(select(
        exists().where(Unit.status == code)
        | exists().where(or_(UnitChange.status_before == code, UnitChange.status_after == code))
        | exists().where(BuildingStatusCount.status == code, BuildingStatusCount.count != 0)
        | exists().where(AreaCount.status == code, AreaCount.units != 0)
        | exists().where(AreaDailyDelta.status == code, AreaDailyDelta.delta != 0)
    )).scalar()


def units_by_status(conn: Connection) -> dict[str, int]:
    """How many units (not retired) have each status now."""
    grouped = select(Unit.status, func.count()).where(Unit.retired_at.is_(None)).group_by(Unit.status)
    return dict(conn.execute(grouped).all())


def _catalogue(conn: Connection) -> dict[str, dict]:
    """Every status, retired ones included, by code."""
    return {status["code"]: status for status in queries.statuses(conn)}


def _existing(catalogue: dict[str, dict], code) -> dict:
    """The status with a code, or a refusal."""
    if not isinstance(code, str) or code not in catalogue:
        raise StructureRefused(Text(N_("There is no status “%(code)s”."), code=str(code)))
    return catalogue[code]


def _set_retired(conn: Connection, ctx: ChangeContext, current: dict, at: dt.datetime | None, action: str) -> dict:
    """Set or clear a status's retirement and record it."""
    conn.execute(update(Status).where(Status.code == current["code"]).values(retired_at=at))
    record(conn, ctx, action, "status", current["code"], {"retired_at": _iso(current["retired_at"])},
           {"retired_at": _iso(at)})
    _redraw_everywhere(conn)
    return _catalogue(conn)[current["code"]]


def _redraw_everywhere(conn: Connection) -> None:
    """Bump every building's revision: open building pages poll it and redraw their grid and legend with the
    catalogue as it now is (one cheap UPDATE at sub-district scale)."""
    conn.execute(update(Building).values(revision=Building.revision + 1))


def _check_not_followed(catalogue: dict[str, dict], current: dict) -> None:
    """Refuse while another status expires to this one (its units would wait for a status no longer offered)."""
    followed = [s for s in catalogue.values() if s["expires_to"] == current["code"] and s["code"] != current["code"]]
    if followed:
        raise StructureRefused(Text(N_("%(other)s expires to %(status)s: change that first."),
                                    other=followed[0], status=current))


def _checked(conn: Connection, catalogue: dict[str, dict], code: str, values: dict) -> dict:
    """The editable fields cleaned and checked against the rest of the catalogue, or a refusal naming the first
    problem."""
    others = {other: s for other, s in catalogue.items() if other != code}
    wanted = {
        "label_zh": _label(values.get("label_zh"), FIELD_NAMES["label_zh"]),
        "label_en": _label(values.get("label_en"), FIELD_NAMES["label_en"]),
        "color": _colour(values.get("color")),
        "text_code": _text_code(values.get("text_code"), FIELD_NAMES["text_code"]),
        "text_code_zh": _text_code(values.get("text_code_zh"), FIELD_NAMES["text_code_zh"]),
        "pattern": _pattern(values.get("pattern")),
        "door_knock": bool(values.get("door_knock")),
        "sort_order": _whole(values.get("sort_order"), -MAX_SORT, MAX_SORT, FIELD_NAMES["sort_order"]),
        "applies_to": _uses(conn, values.get("applies_to")),
        **_dates(values, others),
    }
    _check_unique(others, wanted)
    return wanted


def _label(value, field: dict) -> str:
    """A label: some text, at most MAX_LABEL characters."""
    text = value.strip() if isinstance(value, str) else ""
    if not text or len(text) > MAX_LABEL:
        raise StructureRefused(Text(N_("The %(field)s needs 1 to %(most)s characters."), field=field, most=MAX_LABEL))
    return text


def _colour(value) -> str:
    """A #RRGGBB colour, upper case."""
    if not isinstance(value, str) or not COLOUR.match(value.strip()):
        raise StructureRefused(Text(N_("The colour is written #RRGGBB, for example #2E7D32.")))
    return value.strip().upper()


def _text_code(value, field: dict) -> str:
    """A short code shown in each cell beside the colour: 1 to MAX_TEXT_CODE characters."""
    text = value.strip() if isinstance(value, str) else ""
    if not text or len(text) > MAX_TEXT_CODE:
        raise StructureRefused(Text(N_("The %(field)s needs 1 to %(most)s characters."), field=field,
                                    most=MAX_TEXT_CODE))
    return text


def _pattern(value) -> str:
    """One of the patterns the grid draws."""
    if value not in PATTERNS:
        raise StructureRefused(Text(N_("Choose one of the patterns offered.")))
    return value


def _whole(value, least: int, most: int, field: dict) -> int:
    """A whole number within bounds (a digit string is read as one)."""
    number = int(value) if isinstance(value, str) and re.fullmatch(r"-?\d{1,9}", value.strip()) else value
    if isinstance(number, bool) or not isinstance(number, int) or not least <= number <= most:
        raise StructureRefused(Text(N_("The %(field)s is a whole number from %(least)s to %(most)s."), field=field,
                                    least=least, most=most))
    return number


def _uses(conn: Connection, value) -> list[str]:
    """The unit uses the status applies to: at least one, each in the catalogue, in catalogue order."""
    known = [use["code"] for use in queries.unit_uses(conn)]
    chosen = set(value) if isinstance(value, (list, tuple)) else set()
    if not chosen or not chosen <= set(known):
        raise StructureRefused(Text(N_("Choose the uses the status applies to (at least one).")))
    return [use for use in known if use in chosen]


def _dates(values: dict, others: dict[str, dict]) -> dict:
    """The dated-status rules: a dated status has default days and may expire to an undated, offered status."""
    if not values.get("requires_dates"):
        return {"requires_dates": False, "default_days": None, "expires_to": None}
    days = _whole(values.get("default_days"), 1, MAX_QUARANTINE_DAYS, FIELD_NAMES["default_days"])
    follows = values.get("expires_to") or None
    if follows is not None:
        target = others.get(follows)
        if target is None or target["retired_at"] is not None or target["requires_dates"]:
            raise StructureRefused(Text(N_("A dated status expires to another status in use that carries no dates.")))
        missing = set(values.get("applies_to") or ()) - set(target["applies_to"])
        if missing:
            raise StructureRefused(Text(N_("%(status)s does not apply to every use this status applies to."),
                                        status=target))
    return {"requires_dates": True, "default_days": days, "expires_to": follows}


def _check_unique(others: dict[str, dict], wanted: dict) -> None:
    """Labels and codes name one status only (the ledger import reads a status by any of them), and so do the text
    codes shown in the cells."""
    names = {other_name: s for s in others.values() for other_name in (s["code"], s["label_zh"], s["label_en"])}
    for name in (wanted["label_zh"], wanted["label_en"]):
        if name in names:
            raise StructureRefused(Text(N_("“%(name)s” already names %(status)s."), name=name, status=names[name]))
    for field in ("text_code", "text_code_zh"):
        taken = next((s for s in others.values() if s[field] == wanted[field]), None)
        if taken is not None:
            raise StructureRefused(Text(N_("%(status)s already uses the text code “%(code)s”."), code=wanted[field],
                                        status=taken))


def _check_users_keep_fitting(conn: Connection, catalogue: dict[str, dict], current: dict, wanted: dict) -> None:
    """Units in the status, and statuses expiring to it, must still fit it: its dates rule cannot change under them,
    and it cannot stop applying to their uses."""
    code = current["code"]
    uses = set(conn.execute(select(Unit.use).where(Unit.status == code).distinct()).scalars())
    dropped = uses - set(wanted["applies_to"])
    if dropped:
        use = sorted(dropped)[0]
        raise StructureRefused(Text(N_("Units with this status are “%(use)s”: keep that use."),
                                    use=queries.catalogues(conn).uses.get(use, use)))
    if uses and wanted["requires_dates"] != current["requires_dates"]:
        raise StructureRefused(Text(N_("Units have this status: whether it carries dates cannot change now.")))
    for other in catalogue.values():
        if other["expires_to"] == code and other["code"] != code:
            if wanted["requires_dates"] or set(other["applies_to"]) - set(wanted["applies_to"]):
                raise StructureRefused(Text(N_("%(other)s expires to this status: it must stay undated and apply to "
                                               "its uses."), other=other))


def _jsonable(row: dict) -> dict:
    """A status row for the record (dates as ISO text)."""
    return {**row, "retired_at": _iso(row.get("retired_at"))}


def _iso(moment: dt.datetime | None) -> str | None:
    """A moment as ISO text, None as None."""
    return moment.isoformat() if moment is not None else None
