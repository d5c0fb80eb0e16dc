"""Cover art for a course that has no uploaded cover: an SVG pattern derived
from its first sector and its title, so the catalogue is never a wall of text.

The same course always gets the same cover (the colours follow the sector, the
pattern and its details follow the title); nothing is stored. The art is
decorative: the course title beside it says what it is."""

import functools
import hashlib
import random
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH, HEIGHT = 480, 252  # 40:21, the ratio of the uploaded covers' crops


@dataclass(frozen=True)
class Palette:
    ground: str
    middle: str
    light: str
    spark: str


# Deep grounds with a lighter tone and a spark: each reads as one family.
PALETTES = [
    Palette("#16285c", "#2f56b0", "#8fb0f0", "#ffbf47"),  # indigo
    Palette("#0e3b43", "#1f7a7a", "#86d0c4", "#ffd166"),  # teal
    Palette("#3b1646", "#7a3b8f", "#d3a6e0", "#ffcf70"),  # plum
    Palette("#4a1d0c", "#a8410b", "#f3b38a", "#ffe29a"),  # ember
    Palette("#13361f", "#2e7d4a", "#9ad3a8", "#f6d55c"),  # forest
    Palette("#1f2430", "#4a5a78", "#a9b8d6", "#ff9f6b"),  # slate
    Palette("#3d0f24", "#8c2350", "#d98fae", "#ffd37a"),  # wine
    Palette("#0b3554", "#1d6fa3", "#8cc8ec", "#ffbf47"),  # sky
]


def _number(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def palette_for(sector_slug: str) -> Palette:
    return PALETTES[_number(f"sector:{sector_slug}") % len(PALETTES)]


def _circles(rng, p):
    shapes = []
    step = rng.choice([48, 56, 64])
    for x in range(step // 2, WIDTH + step, step):
        for y in range(step // 2, HEIGHT + step, step):
            r = rng.uniform(0.2, 0.44) * step
            fill = rng.choice([p.middle, p.middle, p.middle, p.light])
            shapes.append(("circle", {"cx": x, "cy": y, "r": round(r, 1), "fill": fill}))
    x, y = rng.randrange(step, WIDTH - step, step), rng.randrange(step // 2, HEIGHT, step)
    shapes.append(
        ("circle", {"cx": x + step // 2, "cy": y, "r": round(step * 0.42, 1), "fill": p.spark})
    )
    return shapes


def _arcs(rng, p):
    cx, cy = rng.choice([(0, HEIGHT), (WIDTH, HEIGHT), (0, 0), (WIDTH, 0)])
    shapes = []
    colours = [p.middle, p.light, p.middle, p.ground]
    for i, r in enumerate(range(520, 20, -rng.choice([36, 44, 52]))):
        shapes.append(("circle", {"cx": cx, "cy": cy, "r": r, "fill": colours[i % len(colours)]}))
    shapes.append(
        (
            "circle",
            {"cx": rng.randint(300, 420), "cy": rng.randint(50, 110), "r": 22, "fill": p.spark},
        )
    )
    return shapes


def _bands(rng, p):
    shapes = []
    width = rng.choice([28, 36, 44])
    colours = [p.middle, p.ground, p.light, p.ground]
    for i, x in enumerate(range(-HEIGHT, WIDTH + HEIGHT, width)):
        d = f"M{x} 0h{width}l{-HEIGHT} {HEIGHT}h{-width}z"
        shapes.append(("path", {"d": d, "fill": colours[i % len(colours)], "opacity": "0.9"}))
    x = rng.randint(40, WIDTH - 120)
    shapes.append(
        (
            "rect",
            {
                "x": x,
                "y": rng.randint(40, 140),
                "width": 72,
                "height": 72,
                "rx": 36,
                "fill": p.spark,
            },
        )
    )
    return shapes


def _ridges(rng, p):
    shapes = []
    colours = [p.middle, p.light, p.middle, p.ground]
    for i, base in enumerate(range(90, HEIGHT + 60, 44)):
        points = [(0, HEIGHT)]
        for x in range(0, WIDTH + 60, 60):
            points.append((x, base + rng.randint(-34, 20)))
        points.append((WIDTH, HEIGHT))
        d = "M" + " L".join(f"{x} {y}" for x, y in points) + "Z"
        shapes.append(("path", {"d": d, "fill": colours[i % len(colours)]}))
    shapes.insert(
        0, ("circle", {"cx": rng.randint(60, WIDTH - 60), "cy": 62, "r": 30, "fill": p.spark})
    )
    return shapes


PATTERNS = [_circles, _arcs, _bands, _ridges]


@functools.lru_cache(maxsize=4096)
def cover_svg(title: str, sector_slug: str, css_class: str = "") -> SafeString:
    """The cover as inline SVG markup (decorative: hidden from screen readers).
    The same arguments always draw the same cover: each is drawn once per
    process (a catalogue page draws twelve, ~3 ms each)."""
    palette = palette_for(sector_slug)
    seed = _number(f"title:{title}")
    rng = random.Random(seed)
    shapes = PATTERNS[seed % len(PATTERNS)](rng, palette)
    body = format_html_join(
        "",
        "<{} {}/>",
        ((tag, format_html_join(" ", '{}="{}"', attrs.items())) for tag, attrs in shapes),
    )
    return format_html(
        '<svg class="{}" viewBox="0 0 {} {}" width="{}" height="{}" '
        'preserveAspectRatio="xMidYMid slice" '
        'aria-hidden="true" focusable="false"><rect width="{}" height="{}" fill="{}"/>{}</svg>',
        css_class,
        WIDTH,
        HEIGHT,
        WIDTH,
        HEIGHT,
        WIDTH,
        HEIGHT,
        palette.ground,
        body,
    )


def course_cover(course, css_class: str = "") -> SafeString:
    """The generated cover of a course page: its first sector by name, or none."""
    sectors = sorted(course.sectors.all(), key=lambda sector: sector.name)
    return cover_svg(course.title, sectors[0].slug if sectors else "", css_class)
