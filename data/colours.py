"""Colours of the catalogue on screen and on paper: a catalogue colour checked, and the ink that reads on it."""
from __future__ import annotations

import re

# Black, not a softer dark grey: with white it gives any background at least 4.58:1 (WCAG AA asks 4.5:1).
DARK_INK, LIGHT_INK, UNKNOWN_COLOUR = "#000000", "#FFFFFF", "#BDBDBD"
HEX_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")


def safe_colour(color) -> str:
    """A catalogue colour if it is #RRGGBB, else a neutral grey (bad data must not break a page)."""
    return color if isinstance(color, str) and HEX_COLOUR.match(color) else UNKNOWN_COLOUR


def ink(color: str) -> str:
    """Dark or white text, whichever has the higher WCAG contrast on a background colour."""
    return max((DARK_INK, LIGHT_INK), key=lambda text: contrast_ratio(text, safe_colour(color)))


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2 contrast ratio of two colours, from 1 to 21."""
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _luminance(color: str) -> float:
    """WCAG relative luminance of a #RRGGBB colour."""
    channels = [int(color.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    red, green, blue = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue
