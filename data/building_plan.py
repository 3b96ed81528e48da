"""A building from a template in a few fields: its entrances, floors and numbered units, checked, without a database
(the admin page previews it, data.buildings.create_building saves it, the ledger import will build through it)."""
from __future__ import annotations

import re
import string
from dataclasses import dataclass, field

from data.i18n import N_, Text
from data.structure import StructureRefused
from data.vocabulary import BUILDING_USES

MAX_CELLS = 10_000
MAX_FLOORS = 300
MAX_ENTRANCES = 26
MAX_UNITS_PER_FLOOR = 99
NAME_LENGTH, ADDRESS_LENGTH, ENTRANCE_LENGTH, LABEL_LENGTH = 200, 300, 100, 32
# Floor label × 100 + n: 1201 on floor 12, B101 on B1; {entrance} is the entrance's number (1, 2...).
DEFAULT_PATTERN = "{floor}{n:02d}"
PATTERN_FIELDS = {"floor", "n", "entrance"}
UNIT_USE_OF_BUILDING = {"residential": "home", "commercial": "firm", "mixed": "mixed"}
FLOOR_LABEL = re.compile(r"^(B?)(\d{1,4})$", re.IGNORECASE)
# A number's width only (02d, 3): a wider one could make huge labels before their length is checked.
PATTERN_SPEC = re.compile(r"^0?\d?d?$")
RANGE = re.compile(r"^(B?\d{1,4})(?:\s*[-~–至到]\s*(B?\d{1,4}))?$", re.IGNORECASE)


@dataclass(frozen=True)
class FloorRange:
    """Units per floor (in each entrance named, or all) on the floors from low to high (labels as numbers: -1 is
    B1); a later range overrides an earlier one where they overlap."""

    low: int
    high: int
    units: int
    use: str | None = None
    entrances: tuple[str, ...] = ()


@dataclass(frozen=True)
class Template:
    """What an administrator types: entrances by count or by names, floors lowest..highest (-2 is B2) without the
    skipped labels, `units` per floor in each entrance unless a range says otherwise, and a numbering pattern."""

    name: str
    address: str = ""
    use: str = "residential"
    entrances: int | tuple[str, ...] = 1
    lowest: int = 1
    highest: int = 1
    skip: tuple[int, ...] = ()
    units: int = 1
    ranges: tuple[FloorRange, ...] = ()
    pattern: str = DEFAULT_PATTERN


@dataclass(frozen=True)
class UnitPlan:
    """A unit to create: its column in its entrance (from 0), its label, its use, and checked values to start with
    (a ledger's; none: empty and unverified)."""

    position: int
    label: str
    use: str
    values: dict = field(default_factory=dict)


@dataclass(frozen=True)
class FloorPlan:
    """A floor of an entrance: its label (B1, 12) and level (its height order: B1 is -1, the first floor 1)."""

    label: str
    level: int
    units: tuple[UnitPlan, ...]


@dataclass(frozen=True)
class EntrancePlan:
    """An entrance (单元) and its floors, lowest first."""

    name: str
    position: int
    floors: tuple[FloorPlan, ...]


@dataclass(frozen=True)
class BuildingPlan:
    """A checked building, ready to preview or save."""

    name: str
    address: str
    use: str
    entrances: tuple[EntrancePlan, ...]

    @property
    def cells(self) -> int:
        """How many units the plan makes."""
        return sum(len(floor.units) for entrance in self.entrances for floor in entrance.floors)


def refuse(template: str, **values) -> StructureRefused:
    """A refusal with its message for people."""
    return StructureRefused(Text(template, **values))


def floor_label(number: int) -> str:
    """The label of a floor number: B2 for -2, 12 for 12."""
    return f"B{-number}" if number < 0 else str(number)


def plan_building(template: Template, unit_uses: set[str]) -> BuildingPlan:
    """The building a template describes, or StructureRefused saying what is wrong with it."""
    _check_building(template)
    names = entrance_names(template.entrances)
    floors = _floor_numbers(template)
    ranges = _ranges(template, names, unit_uses)
    widths = {(name, number): _rule(ranges, name, number) for name in names for number in floors}
    cells = sum(rule.units for rule in widths.values() if rule)
    if cells > MAX_CELLS:
        raise refuse(N_("This plan makes %(cells)s units; a building may have at most %(max)s."),
                     cells=cells, max=MAX_CELLS)
    if cells == 0:
        raise refuse(N_("This plan makes no units: give the floors some units."))
    check_pattern(template.pattern)
    entrances = tuple(_entrance(template, names, index, floors, widths) for index in range(len(names)))
    return BuildingPlan(template.name.strip(), template.address.strip(), template.use, entrances)


def _check_building(template: Template) -> None:
    """The name, address and use."""
    if not template.name.strip():
        raise refuse(N_("Give the building a name."))
    if len(template.name.strip()) > NAME_LENGTH or len(template.address.strip()) > ADDRESS_LENGTH:
        raise refuse(N_("The name may have at most %(name)s characters and the address %(address)s."),
                     name=NAME_LENGTH, address=ADDRESS_LENGTH)
    if template.use not in BUILDING_USES:
        raise refuse(N_("Unknown building use: %(use)s."), use=template.use)


def entrance_names(entrances: int | tuple[str, ...]) -> tuple[str, ...]:
    """The entrances' names: given, or 1单元, 2单元... for a count."""
    names = tuple(f"{n}单元" for n in range(1, entrances + 1)) if isinstance(entrances, int) else tuple(
        name.strip() for name in entrances)
    if not names or not all(names):
        raise refuse(N_("Give at least one entrance, by number or by names."))
    if len(names) > MAX_ENTRANCES or any(len(name) > ENTRANCE_LENGTH for name in names):
        raise refuse(N_("A building may have at most %(max)s entrances, each name at most %(length)s characters."),
                     max=MAX_ENTRANCES, length=ENTRANCE_LENGTH)
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise refuse(N_("Two entrances have the same name: %(name)s."), name=twice[0])
    return names


def _floor_numbers(template: Template) -> list[int]:
    """The floor numbers from lowest to highest, without 0 and the skipped ones."""
    lowest, highest = template.lowest, template.highest
    if 0 in (lowest, highest):
        raise refuse(N_("There is no floor 0: the first basement is B1 and the ground floor 1."))
    if lowest > highest:
        raise refuse(N_("The lowest floor (%(lowest)s) is above the highest (%(highest)s)."),
                     lowest=floor_label(lowest), highest=floor_label(highest))
    if highest - lowest + 1 > MAX_FLOORS:
        raise refuse(N_("A building may have at most %(max)s floors."), max=MAX_FLOORS)
    numbers = [n for n in range(lowest, highest + 1) if n != 0 and n not in template.skip]
    if not numbers:
        raise refuse(N_("Every floor is skipped."))
    return numbers


def _ranges(template: Template, names: tuple[str, ...], unit_uses: set[str]) -> list[FloorRange]:
    """The floor ranges, checked, after the whole-building default."""
    default_use = UNIT_USE_OF_BUILDING[template.use]
    if not 0 <= template.units <= MAX_UNITS_PER_FLOOR:
        raise refuse(N_("Units per floor must be from 1 to %(max)s (0: only where a floor range gives some)."),
                     max=MAX_UNITS_PER_FLOOR)
    ranges = [FloorRange(template.lowest, template.highest, template.units)] + list(template.ranges)
    for rule in ranges[1:]:
        _check_range(rule, template, names, unit_uses)
    return [FloorRange(r.low, r.high, r.units, r.use or default_use, r.entrances or names) for r in ranges]


def _check_range(rule: FloorRange, template: Template, names: tuple[str, ...], unit_uses: set[str]) -> None:
    """One range: inside the building's floors, with 1 to 99 units, a known use and known entrances."""
    span = {"low": floor_label(rule.low), "high": floor_label(rule.high)}
    if rule.low > rule.high or rule.low < template.lowest or rule.high > template.highest:
        raise refuse(N_("Floors %(low)s to %(high)s are not within the building's floors %(lowest)s to %(highest)s."),
                     **span, lowest=floor_label(template.lowest), highest=floor_label(template.highest))
    if not 1 <= rule.units <= MAX_UNITS_PER_FLOOR:
        raise refuse(N_("Floors %(low)s to %(high)s: units per floor must be from 1 to %(max)s."),
                     **span, max=MAX_UNITS_PER_FLOOR)
    if rule.use is not None and rule.use not in unit_uses:
        raise refuse(N_("Unknown unit use: %(use)s."), use=rule.use)
    unknown = [name for name in rule.entrances if name not in names]
    if unknown:
        raise refuse(N_("There is no entrance named %(name)s."), name=unknown[0])


def _rule(ranges: list[FloorRange], entrance: str, number: int) -> FloorRange | None:
    """The last range that covers a floor of an entrance (None: the entrance has no such floor)."""
    covering = [r for r in ranges if r.low <= number <= r.high and entrance in r.entrances]
    return covering[-1] if covering and covering[-1].units else None


def check_pattern(pattern: str) -> None:
    """A numbering pattern uses only {floor}, {n} and {entrance}, with plain number widths that fit their values."""
    if not (pattern.strip() and _plain_fields(pattern) and _formats(pattern)):
        raise refuse(N_("The numbering pattern may use only {floor}, {n} and {entrance}, such as %(example)s."),
                     example=DEFAULT_PATTERN)


def _plain_fields(pattern: str) -> bool:
    """Every field of the pattern is a known name, with at most a small width and no conversion."""
    try:
        parts = list(string.Formatter().parse(pattern))
    except ValueError:
        return False
    return all(field is None or (field in PATTERN_FIELDS and not conversion and PATTERN_SPEC.match(spec or ""))
               for _text, field, spec, conversion in parts)


def _formats(pattern: str) -> bool:
    """The pattern formats a unit (a number format on the floor's label does not)."""
    try:
        pattern.format(floor="1", n=1, entrance=1)
    except (ValueError, IndexError, KeyError):
        return False
    return True


def _entrance(template: Template, names: tuple[str, ...], index: int, numbers: list[int],
              widths: dict[tuple[str, int], FloorRange | None]) -> EntrancePlan:
    """An entrance's floors and numbered units; two units of the entrance with the same label are refused."""
    name, floors = names[index], []
    for number in numbers:
        rule = widths[(name, number)]
        if rule is not None:
            floors.append(_floor(template, index, number, rule))
    labels = [unit.label for floor in floors for unit in floor.units]
    twice = sorted({text for text in labels if labels.count(text) > 1})
    if twice:
        raise refuse(N_("The numbering pattern gives two units of %(entrance)s the same number %(label)s."),
                     entrance=name, label=twice[0])
    return EntrancePlan(name, index, tuple(floors))


def _floor(template: Template, entrance: int, number: int, rule: FloorRange) -> FloorPlan:
    """A floor and its units, numbered by the pattern."""
    text = floor_label(number)
    units = []
    for position in range(rule.units):
        unit_label = template.pattern.format(floor=text, n=position + 1, entrance=entrance + 1)
        if not unit_label.strip() or len(unit_label) > LABEL_LENGTH:
            raise refuse(N_("The numbering pattern gives a unit number that is empty or longer than %(max)s "
                            "characters."), max=LABEL_LENGTH)
        units.append(UnitPlan(position, unit_label.strip(), rule.use))
    return FloorPlan(text, _level(number, template.skip), tuple(units))


def _level(number: int, skip: tuple[int, ...]) -> int:
    """A floor's height order: its number less the skipped numbers below it (a basement keeps its number)."""
    return number if number < 0 else number - sum(1 for s in set(skip) if 0 < s < number)


def parse_floor(text) -> int:
    """A floor number from what people type: 12, B1 (or b1) for -1; StructureRefused otherwise."""
    match = FLOOR_LABEL.match(str(text or "").strip())
    if not match or int(match.group(2)) == 0:
        raise refuse(N_("%(text)s is not a floor: write 1, 12 or B1."), text=str(text or ""))
    return -int(match.group(2)) if match.group(1) else int(match.group(2))


def parse_entrances(text) -> int | tuple[str, ...]:
    """Entrances as typed: a count (2) or names separated by commas."""
    text = str(text or "").strip()
    if text.isdigit():
        return int(text)
    return tuple(name.strip() for name in re.split(r"[,，、]", text) if name.strip())


def parse_skip(text) -> tuple[int, ...]:
    """Skipped floors as typed: 4, 13, 14 (or 4 13 14)."""
    return tuple(parse_floor(part) for part in re.split(r"[\s,，、]+", str(text or "").strip()) if part)


def parse_count(text) -> int:
    """A whole number of units as typed."""
    text = str(text if text is not None else "").strip()
    if not text.isdigit() or len(text) > 6:
        raise refuse(N_("Units per floor must be a whole number, not %(text)s."), text=text)
    return int(text)


def parse_ranges(text, unit_uses: dict[str, str]) -> tuple[FloorRange, ...]:
    """Floor ranges, one a line: `FROM-TO UNITS [USE] [ENTRANCE ...]`, such as `1-3 6 firm 商业裙楼`; a use by its
    code or any of its labels (`unit_uses` maps each to the code)."""
    return tuple(_parse_range(line.split(), unit_uses) for line in str(text or "").splitlines() if line.strip())


def _parse_range(words: list[str], unit_uses: dict[str, str]) -> FloorRange:
    """One line of floor ranges."""
    match = RANGE.match(words[0]) if words else None
    if match is None or len(words) < 2:
        raise refuse(N_("%(line)s is not a floor range: write FROM-TO UNITS, such as 1-3 6."), line=" ".join(words))
    low = parse_floor(match.group(1))
    high = parse_floor(match.group(2)) if match.group(2) else low
    rest = words[2:]
    use = unit_uses.get(rest[0]) if rest else None
    return FloorRange(low, high, parse_count(words[1]), use, tuple(rest[1:] if use else rest))


def use_names(uses: list[dict]) -> dict[str, str]:
    """Each unit use's code and labels (zh, en), mapped to its code, for what people type."""
    return {name: use["code"] for use in uses for name in (use["code"], use["label_en"], use["label_zh"])}


def template_from_form(values: dict, uses: list[dict]) -> Template:
    """A template from the form's text fields (name, address, use, entrances, lowest, highest, skip, units, ranges,
    pattern); StructureRefused for text that is not a floor, a number or a range."""
    return Template(
        name=str(values.get("name") or ""), address=str(values.get("address") or ""),
        use=str(values.get("use") or ""), entrances=parse_entrances(values.get("entrances")),
        lowest=parse_floor(values.get("lowest")), highest=parse_floor(values.get("highest")),
        skip=parse_skip(values.get("skip")), units=parse_count(values.get("units")),
        ranges=parse_ranges(values.get("ranges"), use_names(uses)),
        pattern=str(values.get("pattern") or DEFAULT_PATTERN),
    )


def preview_rows(plan: BuildingPlan, status: str, since) -> tuple[list[dict], list[dict], list[dict]]:
    """The plan's entrances, floors and units as the database would give them (ids counted from 1, every unit in one
    status since a moment), for drawing the grid before anything is saved."""
    entrances, floors, units = [], [], []
    for entrance in plan.entrances:
        entrances.append({"id": entrance.position + 1, "name": entrance.name, "position": entrance.position})
        for floor in entrance.floors:
            floors.append({"id": len(floors) + 1, "entrance_id": entrance.position + 1, "label": floor.label,
                           "level": floor.level})
            first = len(units) + 1
            units.extend({"id": first + n, "entrance_id": entrance.position + 1, "floor_id": len(floors),
                          "position": unit.position, "label": unit.label, "use": unit.use, "status": status,
                          "status_since": since, "residents": 0, "staff": 0, "version": 1, "quarantine_end": None}
                         for n, unit in enumerate(floor.units))
    return entrances, floors, units
