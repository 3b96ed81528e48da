"""Who may do what where: one authorize function, and redaction of personal data for those who may not see it."""
from __future__ import annotations

import re

from sqlalchemy import Connection

from data import queries
from data.accounts import Account
from data.i18n import N_, Text
from data.queries import path_ids

PERMISSIONS = {
    "admin": {"view", "view_personal", "edit", "admin"},
    "staff": {"view", "view_personal", "edit"},
    "leader": {"view"},
    "viewer": {"view"},
}
HIDDEN = Text(N_("(hidden)"))
# Numbers in free text (notes, comments) as people type them: digits split by spaces, dashes or dots, an identity card
# number ending in X; a match never starts or ends inside a longer number, and any other number of 11 digits or more
# (a mistyped phone or ID) is masked as a phone. Full-width characters are read as ASCII.
_GAP = r"[\s\-.]?"
PERSONAL_NUMBER = re.compile(
    r"(?<!\d)(?:"
    rf"(?P<id>\d(?:{_GAP}\d){{16}}{_GAP}[\dXx])(?![\dXx])"
    rf"|(?:\+?86{_GAP})?(?P<mobile>1[3-9]\d(?:{_GAP}\d){{8}})(?!\d)"
    rf"|(?P<landline>\(?0\d{{2,3}}\)?{_GAP}\d{{3,4}}{_GAP}\d{{4}}(?:\s?(?:转|分机|ext\.?|x){_GAP}\d{{1,6}})?)(?!\d)"
    rf"|(?P<long>\d(?:{_GAP}\d){{10,}})"
    r")"
)
FULL_WIDTH = str.maketrans("０１２３４５６７８９＋－．（）Ｘｘ", "0123456789+-.()Xx")


def authorize(user: Account | None, action: str, target: dict | None = None) -> bool:
    """May this user do this action, on this target (anything with an `area_path`) or in general?"""
    if user is None or action not in PERMISSIONS.get(user.role, ()):
        return False
    return user.role == "admin" or target is None or in_scope(user, target["area_path"])


def building_for(conn: Connection, user: Account | None, building_id: int | None, action: str = "view") -> dict | None:
    """The building if it exists and the user may do `action` on it, else None: the same answer for a building that
    does not exist and one outside the user's areas, so that nobody learns which exist."""
    found = queries.building(conn, building_id) if building_id else None
    return found if found is not None and authorize(user, action, found) else None


def area_for(conn: Connection, user: Account | None, area_id: int | None) -> dict | None:
    """The area if it exists and the user may see it, else None (the same answer for both)."""
    found = queries.area(conn, area_id) if area_id else None
    return found if found is not None and authorize(user, "view", {"area_path": found["path"]}) else None


def in_scope(user: Account, area_path: str) -> bool:
    """True when the path lies in one of the user's area subtrees."""
    return any(area_path.startswith(path) for path in user.area_paths)


def visible_ancestors(user: Account | None, path: str) -> set[int]:
    """The areas on a materialised path (the area and those above it) that the user may open."""
    ids = path_ids(path)
    return {area_id for depth, area_id in enumerate(ids)
            if authorize(user, "view", {"area_path": "/" + "/".join(map(str, ids[: depth + 1])) + "/"})}


def scope_paths(user: Account) -> tuple[str, ...] | None:
    """Area paths to filter lists by; None means everything (admins)."""
    return None if user.role == "admin" else user.area_paths


def mask_phone(phone: str) -> str:
    """138****1234 for a mobile; shorter numbers keep only their last two digits: never more than half is shown."""
    if not phone:
        return phone
    digits = [c for c in phone if c.isdigit()]
    if len(digits) >= 11:
        return f"{''.join(digits[:3])}****{''.join(digits[-4:])}"
    return "*" * max(len(digits) - 2, 4) + "".join(digits[-2:] if len(digits) >= 6 else [])


def mask_id_number(number: str) -> str:
    """110***********123X: an identity card number keeps its first 3 and last 4 characters."""
    characters = [c for c in number if c.isdigit() or c in "Xx"]
    return "".join(characters[:3]) + "*" * (len(characters) - 7) + "".join(characters[-4:])


def mask_free_text(text: str | None) -> str | None:
    """Free text with every phone number masked as the phone field is, and every identity card number masked."""
    if not text:
        return text
    plain, parts, end = text.translate(FULL_WIDTH), [], 0
    for match in PERSONAL_NUMBER.finditer(plain):
        parts += [text[end:match.start()], _masked_number(match)]
        end = match.end()
    return "".join(parts) + text[end:]


def _masked_number(match: re.Match) -> str:
    """The masked form of one number found in free text (a +86 before a mobile stays as typed)."""
    if match["id"]:
        return mask_id_number(match["id"])
    if match["mobile"]:
        return match[0][: match.start("mobile") - match.start()] + mask_phone(match["mobile"])
    return mask_phone(match["landline"] or match["long"])


def redact_unit(unit: dict) -> dict:
    """A copy of a unit without the occupant's name, with a masked phone number and a note with numbers masked."""
    return {
        **unit,
        "occupant_name": HIDDEN if unit["occupant_name"] else "",
        "contact_phone": mask_phone(unit["contact_phone"]),
        "note": mask_free_text(unit.get("note")),
    }


def redact_change(change: dict) -> dict:
    """A copy of a change row whose before and after values hide personal fields, and whose comment masks numbers."""
    return {
        **change,
        "data_before": _redact_values(change["data_before"]),
        "data_after": _redact_values(change["data_after"]),
        "comment": mask_free_text(change.get("comment")),
    }


def redact_batch(batch: dict) -> dict:
    """A copy of a batch of changes (queries.recent_batches) with its comment and every change redacted."""
    return {
        **batch,
        "comment": mask_free_text(batch["comment"]),
        "changes": [redact_change(c) for c in batch["changes"]],
    }


def _redact_values(values: dict) -> dict:
    """Personal fields replaced: names hidden, phones masked, numbers in the note masked."""
    hidden = {
        "occupant_name": HIDDEN if values.get("occupant_name") else values.get("occupant_name"),
        "contact_phone": mask_phone(values.get("contact_phone") or ""),
        "note": mask_free_text(values.get("note")),
    }
    return {name: hidden[name] if name in hidden else value for name, value in values.items()}
