"""Seven-segment digits, as meters, clocks and scales display them.

MNIST and matplotlib's fonts hold no segment glyphs: a classifier trained on them
misreads 6–10% of the glyphs of unseen display styles even one at a time (bold
segment 0s as 8s), against under 1% once it has seen other styles.
This module draws them: :func:`segment_polygons` gives a digit's segments as
polygons, :func:`draw_segment_digit` fills them into an image, and
:func:`segment_digits` renders training crops the way :mod:`classifiers.ml.fonts`
renders a font's digits (the ``segments`` data source).

They are not in the default training data: a model trained with them reads the
corners of form boxes as 7s and 4s (a segment 7 is an L): the benchmark's 80 check
images of forms read 67.5% → 63.7% exact (see the README). Train a model for meters
with ``train_classifier --data bundled --data segments``.

A :class:`SegmentStyle` is what a "font" is to printed text: stroke thickness, the
gap between segments, the shape of a segment's ends, the digit's width and whether
6, 7 and 9 carry their optional segments. :data:`TRAIN_STYLES` and
:data:`HELDOUT_STYLES` are disjoint, so displays in held-out styles measure unseen
glyphs.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace

import cv2
import numpy as np

from classifiers.ml.fonts import HELDOUT_SIZES, SUBSETS, TRAIN_SIZES, render_digits

#   a
# f   b
#   g
# e   c
#   d
SEGMENTS = {
    0: "abcdef",
    1: "bc",
    2: "abged",
    3: "abgcd",
    4: "fgbc",
    5: "afgcd",
    6: "afgedc",
    7: "abc",
    8: "abcdefg",
    9: "abcdfg",
}
# Each segment's ends on a unit cell: x in [0, 1] (the digit's width), y in [0, 1] (its height).
_ENDS = {
    "a": ((0.0, 0.0), (1.0, 0.0)),
    "b": ((1.0, 0.0), (1.0, 0.5)),
    "c": ((1.0, 0.5), (1.0, 1.0)),
    "d": ((0.0, 1.0), (1.0, 1.0)),
    "e": ((0.0, 0.5), (0.0, 1.0)),
    "f": ((0.0, 0.0), (0.0, 0.5)),
    "g": ((0.0, 0.5), (1.0, 0.5)),
}
END_SHAPES = ("pointed", "square")
_SUBPIXEL = 4  # cv2.fillPoly shift bits = 2


@dataclass(frozen=True)
class SegmentStyle:
    """How a display draws its digits.

    Attributes
    ----------
    thickness : float
        Segment thickness as a fraction of the digit's height.
    gap : float
        Space between neighbouring segments, as a fraction of the thickness (0: they meet).
    ends : ``"pointed"`` or ``"square"``
        Hexagonal (LCD) or rectangular segments.
    width : float
        The digit's width as a fraction of its height.
    tails : bool
        6 with its top bar and 9 with its bottom bar (most meters), else without.
    seven_hook : bool
        7 with its upper left segment (some clocks and calculators).
    """

    name: str
    thickness: float
    gap: float
    ends: str
    width: float
    tails: bool = True
    seven_hook: bool = False

    def __post_init__(self) -> None:
        if self.ends not in END_SHAPES:
            raise ValueError(f"segment ends must be one of {END_SHAPES}, got {self.ends!r}")

    def segments(self, digit: int) -> str:
        """The lit segments of ``digit`` in this style."""
        lit = SEGMENTS[int(digit)]
        if not self.tails and digit in (6, 9):
            lit = lit.replace("a" if digit == 6 else "d", "")
        if self.seven_hook and digit == 7:
            lit += "f"
        return lit


TRAIN_STYLES = (
    SegmentStyle("lcd-thin", thickness=0.09, gap=0.3, ends="pointed", width=0.5),
    SegmentStyle("lcd", thickness=0.13, gap=0.35, ends="pointed", width=0.55),
    SegmentStyle("lcd-bold", thickness=0.19, gap=0.2, ends="pointed", width=0.6),
    SegmentStyle("led", thickness=0.12, gap=0.2, ends="square", width=0.55, tails=False),
    SegmentStyle("led-joined", thickness=0.16, gap=0.0, ends="square", width=0.55),
    SegmentStyle("clock", thickness=0.12, gap=0.15, ends="pointed", width=0.5, tails=False, seven_hook=True),
)
HELDOUT_STYLES = (
    SegmentStyle("meter", thickness=0.11, gap=0.45, ends="pointed", width=0.52),
    SegmentStyle("meter-bold", thickness=0.14, gap=0.15, ends="square", width=0.58),
    SegmentStyle("calculator", thickness=0.1, gap=0.1, ends="pointed", width=0.55, tails=False),
)


def segment_polygons(digit: int, style: SegmentStyle, height: float, *, slant: float = 0.0) -> list[np.ndarray]:
    """The polygons of ``digit``'s lit segments, in pixels, the cell's top-left at (0, 0).

    ``slant`` leans the digit right by ``slant × height`` at its top (displays lean ~0.1).
    """
    if not 0 <= int(digit) <= 9:
        raise ValueError(f"digit must be 0-9, got {digit!r}")
    h, w = float(height), float(height) * style.width
    t = style.thickness * h
    half = t / 2.0
    polys = []
    for name in style.segments(int(digit)):
        (x0, y0), (x1, y1) = _ENDS[name]
        a = np.array([x0 * w, y0 * h])
        b = np.array([x1 * w, y1 * h])
        u = (b - a) / np.linalg.norm(b - a)
        n = np.array([-u[1], u[0]])
        if style.ends == "pointed":  # a hexagon: its tips meet the next segment's at the corners
            a, b = a + u * style.gap * t, b - u * style.gap * t
            pts = [a, a + (u + n) * half, b + (n - u) * half, b, b - (u + n) * half, a + (u - n) * half]
        else:  # a rectangle: with no gap, each runs half its thickness past the corner
            inset = half + style.gap * t if style.gap else -half
            a, b = a + u * inset, b - u * inset
            pts = [a + n * half, b + n * half, b - n * half, a - n * half]
        poly = np.array(pts, np.float64)
        poly[:, 0] += slant * (h - poly[:, 1]) + half  # lean, and keep the left stroke inside the cell
        poly[:, 1] += half
        polys.append(poly)
    return polys


def draw_segment_digit(
    image: np.ndarray,
    digit: int,
    style: SegmentStyle,
    origin: tuple[float, float],
    height: float,
    *,
    value: int | tuple[int, ...] = 255,
    slant: float = 0.0,
) -> None:
    """Fill ``digit`` into ``image`` in place (anti-aliased), its cell's top-left at ``origin``."""
    ox, oy = origin
    polys = [
        np.round((p + (ox, oy)) * _SUBPIXEL).astype(np.int32)
        for p in segment_polygons(digit, style, height, slant=slant)
    ]
    cv2.fillPoly(image, polys, value, lineType=cv2.LINE_AA, shift=2)


def render_segment_glyph(digit: int, style: SegmentStyle, size: int) -> np.ndarray:
    """White-on-black ``uint8`` image of one segment digit about ``0.7 × size`` tall, with a
    margin for later warps (the canvas :func:`classifiers.ml.fonts.render_glyph` gives)."""
    side = 3 * int(size)
    canvas = np.zeros((side, side), np.uint8)
    height = 0.7 * size
    width = height * (style.width + style.thickness)
    draw_segment_digit(canvas, digit, style, ((side - width) / 2, (side - height) / 2), height)
    return canvas


def segment_styles(subset: str = "all") -> tuple[SegmentStyle, ...]:
    """The display styles of ``subset`` (``"all"``, ``"train"`` or ``"heldout"``)."""
    if subset not in SUBSETS:
        raise ValueError(f"segment style subset must be one of {SUBSETS}, got {subset!r}")
    return {"all": TRAIN_STYLES + HELDOUT_STYLES, "train": TRAIN_STYLES, "heldout": HELDOUT_STYLES}[subset]


# Displays are photographed large: a digit 60–140 px tall scaled down to the crop keeps
# thin, crisp segments, where one rendered at a font's sizes blurs to thick strokes. So
# the glyphs are also rendered large (a digit 56–77 px tall), and each variant's segments
# are 0.7–1.3 × its style's thickness. Without them the README's model for meters (with
# its two augmented copies, which blur and thicken further) read the thin 8s of large
# displays as 0s.
SEGMENT_SIZES = {"train": (*TRAIN_SIZES, 80, 110), "heldout": (*HELDOUT_SIZES, 70, 96)}
SEGMENT_SIZES["all"] = tuple(sorted(SEGMENT_SIZES["train"] + SEGMENT_SIZES["heldout"]))
THICKNESS_RANGE = (0.7, 1.3)


@functools.lru_cache(maxsize=8)
def _rendered(subset: str, n_variants: int, seed: int) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    styles = segment_styles(subset)
    return render_digits(styles, [s.name for s in styles], _style_glyph, SEGMENT_SIZES[subset], n_variants, seed)


def _style_glyph(digit: int, style: SegmentStyle, size: int, rng: np.random.Generator) -> np.ndarray:
    thickness = style.thickness * float(rng.uniform(*THICKNESS_RANGE))
    return render_segment_glyph(digit, replace(style, thickness=thickness), size)


def segment_digits(
    subset: str = "all", *, n_variants: int = 12, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Rendered seven-segment digits, varied as printed ones are (slant, turn, width,
    binarisation; :func:`classifiers.ml.fonts.vary`).

    Returns
    -------
    crops : (N, 28, 28) float32, labels : (N,) int64, styles : N style names
    """
    crops, labels, names = _rendered(subset, int(n_variants), int(seed))
    return crops.copy(), labels.copy(), list(names)
