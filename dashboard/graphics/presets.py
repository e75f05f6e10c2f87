"""The one table of export sizes: every size offered anywhere is one row here.

The command line's `--size` choices, the Campaign page's options, the renderer
(viewport, PDF page) and the tests all read this table, so adding a size is
adding a row. Sizes are CSS pixels; print pages are laid out at 96 px per inch,
so US Letter is 816 x 1056 and A4 is 794 x 1123.

Type sizes are ranges: a title is set at the largest size in `title_px` that
fits its box; if it does not fit at the smallest, the export fails and says
which text is too long. No text on the graphic is ever smaller than
`text_min_px`: 28 px titles and 18 px small print on 1080-wide social images,
and 10 pt (13.3 px) small print on paper.
"""
from __future__ import annotations

from dataclasses import dataclass

PT = 96 / 72  # CSS pixels per point


@dataclass(frozen=True)
class Preset:
    name: str
    width: int
    height: int
    group: str  # "social" (screens) or "print" (paper)
    label: str
    title_px: tuple[float, float]  # (smallest, largest) title size
    text_min_px: float  # the smallest text allowed anywhere on the graphic
    page: str | None = None  # the paper size a PDF of this preset is printed on (CSS `size`)

    @property
    def size(self) -> tuple[int, int]:
        return self.width, self.height

    @property
    def option_label(self) -> str:
        return f"{self.label} {self.width}×{self.height}" if self.group == "social" else f"{self.label} (print)"


PRESETS: tuple[Preset, ...] = (
    Preset("square", 1080, 1080, "social", "Square", (28, 72), 18),
    Preset("portrait", 1080, 1350, "social", "Portrait", (28, 76), 18),
    Preset("landscape", 1200, 675, "social", "Landscape", (28, 60), 18),
    Preset("link", 1200, 628, "social", "Link preview", (28, 56), 18),
    Preset("story", 1080, 1920, "social", "Story", (28, 84), 18),
    Preset("letter", 816, 1056, "print", "US Letter", (20 * PT, 36 * PT), 10 * PT, "8.5in 11in"),
    Preset("a4", 794, 1123, "print", "A4", (20 * PT, 36 * PT), 10 * PT, "210mm 297mm"),
)
BY_NAME: dict[str, Preset] = {p.name: p for p in PRESETS}
FORMATS: tuple[str, ...] = ("png", "svg", "pdf", "html")


def names(group: str | None = None) -> tuple[str, ...]:
    """Preset names in table order, optionally of one group."""
    return tuple(p.name for p in PRESETS if group is None or p.group == group)


def get(name: str) -> Preset:
    if name not in BY_NAME:
        raise KeyError(f"unknown size '{name}'; choose one of {', '.join(BY_NAME)}")
    return BY_NAME[name]


SOCIAL = names("social")
PRINT = names("print")
