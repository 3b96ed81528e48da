"""Tables of the unit-status database (SQLAlchemy 2 typed declarative)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

UNIT_USES = ("home", "firm", "mixed")
BUILDING_USES = ("residential", "commercial", "mixed")


class Base(DeclarativeBase):
    """Declarative base with constraint names stable across SQLite and PostgreSQL."""

    metadata = MetaData(naming_convention=NAMING)


class Area(Base):
    """A node of the area tree: district > subdistrict > workstation or community."""

    __tablename__ = "areas"
    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"))
    kind: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    # Materialised path "/1/7/42/": a subtree is one indexed prefix match.
    path: Mapped[str] = mapped_column(String(500), index=True)
    depth: Mapped[int] = mapped_column(Integer, default=0)
    # An area with buildings or users is retired, never deleted: kept for history, hidden from lists.
    retired_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class Building(Base):
    """A building; `revision` increases with every change to any of its units."""

    __tablename__ = "buildings"
    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300), default="")
    use: Mapped[str] = mapped_column(String(16))
    revision: Mapped[int] = mapped_column(Integer, default=0)


class Entrance(Base):
    """A stairwell (单元) of a building, with its own floors and unit numbering."""

    __tablename__ = "entrances"
    __table_args__ = (UniqueConstraint("building_id", "position"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"))
    name: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer)


class Floor(Base):
    """A floor of an entrance: a text label (B1, 5, 3A) and its physical level for ordering."""

    __tablename__ = "floors"
    __table_args__ = (UniqueConstraint("entrance_id", "level"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    entrance_id: Mapped[int] = mapped_column(ForeignKey("entrances.id"))
    label: Mapped[str] = mapped_column(String(16))
    level: Mapped[int] = mapped_column(Integer)


class Status(Base):
    """One entry of the status catalogue: value, labels, colour and text code live together."""

    __tablename__ = "statuses"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    label_zh: Mapped[str] = mapped_column(String(100))
    label_en: Mapped[str] = mapped_column(String(100))
    color: Mapped[str] = mapped_column(String(7))
    text_code: Mapped[str] = mapped_column(String(4))
    text_code_zh: Mapped[str] = mapped_column(String(4), server_default="?")
    pattern: Mapped[str] = mapped_column(String(16), default="solid")
    sort_order: Mapped[int] = mapped_column(Integer)
    applies_to: Mapped[list[str]] = mapped_column(JSON)
    # A dated status (home quarantine) needs a start and an end; the end defaults to start + default_days,
    # and once it has passed the unit waits for someone to confirm `expires_to`.
    requires_dates: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    default_days: Mapped[int | None] = mapped_column(Integer)
    expires_to: Mapped[str | None] = mapped_column(String(32))
    # Units in a door-knock status (unverified) go on the door-knock list once they have waited too long.
    door_knock: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # An unoccupied status (vacant) means nobody lives or works there: no occupant, no residents, no staff.
    unoccupied: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # A status no longer offered (units and history may still name it): never deleted.
    retired_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class UnitUse(Base):
    """One use a unit can have (home, firm, both): value, labels and the plausible head counts live together."""

    __tablename__ = "unit_uses"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    label_zh: Mapped[str] = mapped_column(String(100))
    label_en: Mapped[str] = mapped_column(String(100))
    max_residents: Mapped[int] = mapped_column(Integer)
    max_staff: Mapped[int] = mapped_column(Integer)
    sort_order: Mapped[int] = mapped_column(Integer)


class Unit(Base):
    """A unit (户/房间): one cell of a building's grid."""

    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("floor_id", "position"), Index(None, "status", "building_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"), index=True)
    entrance_id: Mapped[int] = mapped_column(ForeignKey("entrances.id"))
    floor_id: Mapped[int] = mapped_column(ForeignKey("floors.id"))
    position: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(32))
    use: Mapped[str] = mapped_column(String(16))
    occupant_name: Mapped[str] = mapped_column(String(200), default="")
    # Household members and a firm's staff apart: only residents count in home-quarantine figures.
    residents: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    staff: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    status: Mapped[str] = mapped_column(ForeignKey("statuses.code"))
    status_since: Mapped[dt.datetime] = mapped_column(DateTime)
    quarantine_start: Mapped[dt.date | None] = mapped_column(Date)
    quarantine_end: Mapped[dt.date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    verified_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    verified_by: Mapped[str | None] = mapped_column(String(100))
    verified_source: Mapped[str | None] = mapped_column(String(32))
    # A unit merged away or removed with its floor, kept for its history: hidden from the grid, out of the counts.
    retired_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class UnitChange(Base):
    """An append-only record of one change to a unit (NetBox ObjectChange-like)."""

    __tablename__ = "unit_changes"
    __table_args__ = (Index(None, "unit_id", "changed_at"), Index(None, "building_id", "changed_at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"))
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(16))
    batch_id: Mapped[str] = mapped_column(String(36), index=True)
    request_id: Mapped[str | None] = mapped_column(String(36))
    status_before: Mapped[str | None] = mapped_column(String(32))
    status_after: Mapped[str | None] = mapped_column(String(32))
    unit_version: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(String(500))
    data_before: Mapped[dict] = mapped_column(JSON)
    data_after: Mapped[dict] = mapped_column(JSON)


class StructureChange(Base):
    """An append-only record of one structural change (an area, building, floor, unit, user or catalogue entry
    created, changed or retired): who, when, under which request, and the data before and after."""

    __tablename__ = "structure_changes"
    __table_args__ = (Index(None, "subject", "subject_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    actor: Mapped[str] = mapped_column(String(100))
    request_id: Mapped[str | None] = mapped_column(String(36))
    action: Mapped[str] = mapped_column(String(48))
    subject: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[str] = mapped_column(String(64))
    data_before: Mapped[dict] = mapped_column(JSON)
    data_after: Mapped[dict] = mapped_column(JSON)


class LedgerMapping(Base):
    """The ledger columns an area's importers corrected, for their next import: header key -> field (None: the
    column is ignored)."""

    __tablename__ = "ledger_mappings"
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), primary_key=True)
    columns: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_by: Mapped[str] = mapped_column(String(100))


class BuildingStatusCount(Base):
    """How many units of a building have a status, kept current with every change."""

    __tablename__ = "building_status_counts"
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"), primary_key=True)
    status: Mapped[str] = mapped_column(ForeignKey("statuses.code"), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class User(Base):
    """A person who signs in; what they may do comes from the role and their areas."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    # The interface language the user chose (zh_CN or en); None until they choose, so their browser's decides.
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)


class UserArea(Base):
    """An area whose whole subtree a user may see (and, for staff, edit)."""

    __tablename__ = "user_areas"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), primary_key=True)


class UserSession(Base):
    """A signed-in session; the cookie holds the token, the table only its hash."""

    __tablename__ = "user_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class PersonalDataView(Base):
    """One view of a unit's unmasked personal data: who, which unit, when."""

    __tablename__ = "personal_data_views"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    viewed_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)


class AreaCount(Base):
    """Units, residents and staff of an area's whole subtree by status and use, kept current with every change."""

    __tablename__ = "area_counts"
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), primary_key=True)
    status: Mapped[str] = mapped_column(ForeignKey("statuses.code"), primary_key=True)
    use: Mapped[str] = mapped_column(String(16), primary_key=True)
    units: Mapped[int] = mapped_column(Integer, default=0)
    residents: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    staff: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class AreaDailyDelta(Base):
    """Net change of units per status, per area subtree and local day: trends and "as of" counts without scanning."""

    __tablename__ = "area_daily_deltas"
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    status: Mapped[str] = mapped_column(ForeignKey("statuses.code"), primary_key=True)
    delta: Mapped[int] = mapped_column(Integer, default=0)
