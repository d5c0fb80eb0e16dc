"""The brand an admin sets (Settings → Brand): colour checks and the small
stylesheet that carries the colours to every page.

Brand colours are text colours too (links, buttons with white text), so a
colour is accepted only if it keeps WCAG 2.2's 4.5:1 against white."""

import hashlib
import re

from django.core.exceptions import ValidationError

HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
MIN_CONTRAST = 4.5
WHITE = "#ffffff"


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: str) -> float:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_ratio(first: str, second: str) -> float:
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def validate_text_colour(value: str) -> None:
    """A six-digit hex colour that white text and a white page both read against."""
    if not HEX_COLOUR.match(value or ""):
        raise ValidationError("Enter a colour as # and six hex digits, e.g. #23408e.")
    # White, and the pale tint of the colour that info callouts and chips sit on.
    ratio = min(contrast_ratio(value, WHITE), contrast_ratio(value, mix(value, WHITE, 0.9)))
    if ratio < MIN_CONTRAST:
        raise ValidationError(
            f"This colour has a contrast of {ratio:.1f}:1 with white or its own pale tint; "
            "at least "
            f"{MIN_CONTRAST}:1 is needed so text in it, and white text on it, can be read. "
            "Choose a darker shade."
        )


def mix(colour: str, other: str, share: float) -> str:
    """`colour` moved `share` (0–1) of the way towards `other`."""
    a = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    b = [int(other[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * share):02x}" for x, y in zip(a, b, strict=True))


def stylesheet(brand_colour: str, accent_colour: str) -> str:
    """The custom properties site.css reads the brand from."""
    return (
        ":root{"
        f"--color-brand:{brand_colour.lower()};"
        f"--color-brand-strong:{mix(brand_colour, '#000000', 0.35)};"
        f"--color-brand-soft:{mix(brand_colour, WHITE, 0.9)};"
        f"--color-accent:{accent_colour.lower()};"
        "}\n"
    )


def version(brand_colour: str, accent_colour: str) -> str:
    """Changes whenever the stylesheet does, so its URL can be cached for a year."""
    return hashlib.sha256(stylesheet(brand_colour, accent_colour).encode()).hexdigest()[:12]
