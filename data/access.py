"""Who may do what where: one authorize function, and redaction of personal data for those who may not see it."""
from __future__ import annotations

from data.accounts import Account
from data.queries import path_ids

PERMISSIONS = {
    "admin": {"view", "view_personal", "edit", "admin"},
    "staff": {"view", "view_personal", "edit"},
    "leader": {"view"},
    "viewer": {"view"},
}
PERSONAL_FIELDS = ("occupant_name", "contact_phone")
HIDDEN = "(hidden)"


def authorize(user: Account | None, action: str, target: dict | None = None) -> bool:
    """May this user do this action, on this target (anything with an `area_path`) or in general?"""
    if user is None or action not in PERMISSIONS.get(user.role, ()):
        return False
    return user.role == "admin" or target is None or in_scope(user, target["area_path"])


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


def redact_unit(unit: dict) -> dict:
    """A copy of a unit without the occupant's name and with a masked phone number."""
    return {**unit, "occupant_name": HIDDEN if unit["occupant_name"] else "", "contact_phone": mask_phone(unit["contact_phone"])}


def redact_change(change: dict) -> dict:
    """A copy of a change row whose before and after values hide personal fields."""
    return {**change, "data_before": _redact_values(change["data_before"]), "data_after": _redact_values(change["data_after"])}


def _redact_values(values: dict) -> dict:
    """Personal fields replaced: names hidden, phones masked."""
    hidden = {"occupant_name": HIDDEN if values.get("occupant_name") else values.get("occupant_name"),
              "contact_phone": mask_phone(values.get("contact_phone") or "")}
    return {name: hidden[name] if name in PERSONAL_FIELDS else value for name, value in values.items()}
