"""The fixed values the code relies on, each with its labels in both languages in one place, as the status catalogue
keeps its own: roles, change sources, area kinds and building uses. (Statuses and unit uses are tables: their labels
live in the database.)"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    """A stored value and what people read for it."""

    value: str
    label_en: str
    label_zh: str


def _terms(*rows: tuple[str, str, str]) -> dict[str, Term]:
    """Terms by value, in the order given."""
    return {row[0]: Term(*row) for row in rows}


ROLES = _terms(("admin", "administrator", "管理员"), ("staff", "workstation staff", "工作站人员"),
               ("leader", "leader", "领导"), ("viewer", "viewer", "查看人员"))
SOURCES = _terms(
    ("manual", "by hand", "手工录入"), ("import", "ledger import", "台账导入"), ("rule", "automatic rule", "自动规则")
)
AREA_KINDS = _terms(("city", "City", "市"), ("district", "District", "区"), ("subdistrict", "Sub-district", "街道"),
                    ("workstation", "Workstation", "楼宇工作站"), ("community", "Community", "社区"))
BUILDING_USES = _terms(("residential", "Residential", "住宅"), ("commercial", "Commercial", "商务楼宇"),
                       ("mixed", "Commercial-residential", "商住楼宇"))

# The editable fields of a unit, as messages name them.
FIELDS = _terms(("status", "status", "状态"), ("use", "use", "使用性质"),
                ("occupant_name", "occupant", "住户/单位名称"),
                ("residents", "residents", "居住人数"), ("staff", "staff", "员工人数"),
                ("contact_phone", "phone", "联系电话"), ("quarantine_start", "quarantine start", "隔离开始"),
                ("quarantine_end", "quarantine end", "隔离结束"), ("note", "note", "备注"),
                ("head_count", "head count", "人数"))

# The unit use that is both a firm and a home (企住一体): the grid marks its units in bold, underlined.
MIXED_USE = "mixed"


def label(terms: dict[str, Term], value: str, language: str = "en") -> str:
    """What people read for a value in a language; an unknown value (old data) as it is stored."""
    term = terms.get(value)
    return value if term is None else (term.label_zh if language == "zh" else term.label_en)
