"""Printed digits rendered from the TrueType fonts that ship inside matplotlib.

MNIST holds handwriting only, so a model trained on it misreads typeset digits (a
closed 6 looks like a 0 or 5, a serif 1 like a 2, an open 4 like a 1). This module
renders 0–9 in matplotlib's DejaVu, STIX and Computer Modern fonts, varying size,
weight (extra stroke or erosion), slant, small rotations, width and binarisation,
and passes every glyph through :func:`~classifiers.ml.crops.normalize_crop`, so the
crops look like the recognizer's (which are normalised binary masks or grey patches).

The font files are split once, by file, into :data:`TRAIN_FONTS` and
:data:`HELDOUT_FONTS` (every family has styles on both sides; no Computer Modern
sans or typewriter in training), and the sizes into :data:`TRAIN_SIZES` and
:data:`HELDOUT_SIZES`, so ``printed_dataset("heldout")`` measures unseen fonts at
unseen sizes. ``printed_dataset("all")`` uses every font and size (what ships).

Rendering is deterministic in ``seed`` and takes about a second for 2,500 digits.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from classifiers.ml.crops import CROP_SIZE, normalize_crop

# Files with real 0-9 glyphs (cmmi10 has old-style figures, cmsy/cmex symbols, the
# STIX "NonUni"/size variants and the Display fonts have no digits).
TRAIN_FONTS = (
    "DejaVuSans.ttf",
    "DejaVuSans-Oblique.ttf",
    "DejaVuSans-BoldOblique.ttf",
    "DejaVuSansMono.ttf",
    "DejaVuSansMono-Bold.ttf",
    "DejaVuSansMono-BoldOblique.ttf",
    "DejaVuSerif.ttf",
    "DejaVuSerif-Bold.ttf",
    "DejaVuSerif-BoldItalic.ttf",
    "STIXGeneral.ttf",
    "STIXGeneralBolIta.ttf",
    "cmr10.ttf",
    "cmb10.ttf",
    "cmti10.ttf",
)
HELDOUT_FONTS = (
    "DejaVuSans-Bold.ttf",
    "DejaVuSansMono-Oblique.ttf",
    "DejaVuSerif-Italic.ttf",
    "STIXGeneralBol.ttf",
    "STIXGeneralItalic.ttf",
    "cmss10.ttf",
    "cmtt10.ttf",
)
# Font sizes in px (the digit itself is about 0.7 of that tall).
TRAIN_SIZES = (14, 18, 24, 32, 44, 60)
HELDOUT_SIZES = (16, 21, 28, 38, 52)
SUBSETS = ("all", "train", "heldout")
DEFAULT_VARIANTS = 12  # renderings per (font, digit)
BINARY_FRACTION = 0.7


def font_dir() -> Path:
    """matplotlib's bundled TrueType directory."""
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


def font_files(subset: str = "all") -> list[Path]:
    """Existing font files of ``subset`` (``"all"``, ``"train"`` or ``"heldout"``)."""
    if subset not in SUBSETS:
        raise ValueError(f"font subset must be one of {SUBSETS}, got {subset!r}")
    names = {"all": TRAIN_FONTS + HELDOUT_FONTS, "train": TRAIN_FONTS, "heldout": HELDOUT_FONTS}[subset]
    base = font_dir()
    return [base / name for name in names if (base / name).is_file()]


def font_sizes(subset: str = "all") -> tuple[int, ...]:
    return {"all": tuple(sorted(TRAIN_SIZES + HELDOUT_SIZES)), "train": TRAIN_SIZES, "heldout": HELDOUT_SIZES}[subset]


@functools.lru_cache(maxsize=256)
def truetype(path: str, size: int):  # noqa: ANN202 - PIL type
    """The font file at ``path`` loaded at ``size`` px (PIL), cached: every renderer of printed
    text (training digits, the letter examples, the benchmark's pages) loads fonts here."""
    from PIL import ImageFont

    return ImageFont.truetype(path, size)


def render_glyph(digit: int, font_path: str | Path, size: int, *, stroke: int = 0) -> np.ndarray:
    """White-on-black ``uint8`` image of one digit, with a margin for later warps."""
    from PIL import Image, ImageDraw

    side = 3 * size + 4 * stroke
    canvas = Image.new("L", (side, side), 0)
    ImageDraw.Draw(canvas).text(
        (side // 2, side // 2),
        str(int(digit)),
        font=truetype(str(font_path), int(size)),
        fill=255,
        anchor="mm",
        stroke_width=int(stroke),
        stroke_fill=255,
    )
    return np.asarray(canvas)


def vary(glyph: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """One random rendering condition applied to ``glyph``: the normalised crop.

    Thinning (erosion) for large sizes, slant (shear −0.15…0.3), rotation ±6°,
    width ×0.8–1.2, and binarisation at a random threshold for :data:`BINARY_FRACTION`
    of the samples (the recognizer classifies binary masks).
    """
    img = glyph.astype(np.float32) / 255.0
    if size >= 32 and rng.random() < 0.2:
        thinner = cv2.erode(img, np.ones((2, 2), np.uint8))
        if thinner.sum() > 0.5 * img.sum():
            img = thinner
    h, w = img.shape
    angle = rng.uniform(-6.0, 6.0)
    shear = rng.uniform(-0.15, 0.3) if rng.random() < 0.6 else 0.0
    widen = rng.uniform(0.8, 1.2)
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    # Shear x by -shear * (y - cy) (positive = leaning right), then scale x about the centre.
    m = np.vstack([m, [0, 0, 1]])
    s = np.array([[widen, -shear * widen, shear * widen * h / 2 + (1 - widen) * w / 2], [0, 1, 0], [0, 0, 1]])
    warped = cv2.warpAffine(img, (s @ m)[:2], (w, h), flags=cv2.INTER_LINEAR)
    if rng.random() < BINARY_FRACTION:
        warped = (warped >= rng.uniform(0.3, 0.65)).astype(np.float32)
    return normalize_crop(warped)


Glyph = Callable[[int, Any, int, np.random.Generator], np.ndarray]
"""``glyph(digit, face, size, rng)``: a white-on-black ``uint8`` image of one digit in one face."""


def render_digits(
    faces: Sequence[Any], names: Sequence[str], glyph: Glyph, sizes: Sequence[int], n_variants: int, seed: int
) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """Every digit of every face ``n_variants`` times, sizes cycling, each varied by :func:`vary`.

    A face is what ``glyph`` draws from (a font file, a display style); ``names[i]`` names
    ``faces[i]`` in the returned list. Deterministic in ``seed``, face by face and digit by digit.
    """
    crops, labels, out_names = [], [], []
    for f_index, face in enumerate(faces):
        for digit in range(10):
            rng = np.random.default_rng([seed, f_index, digit])
            for v in range(n_variants):
                size = sizes[(v + f_index + digit) % len(sizes)]
                crops.append(vary(glyph(digit, face, size, rng), size, rng))
                labels.append(digit)
                out_names.append(names[f_index])
    if not crops:
        return np.zeros((0, CROP_SIZE, CROP_SIZE), np.float32), np.zeros(0, np.int64), ()
    return np.stack(crops).astype(np.float32), np.asarray(labels, np.int64), tuple(out_names)


def _font_glyph(digit: int, path: Path, size: int, rng: np.random.Generator) -> np.ndarray:
    stroke = int(round(rng.uniform(0.0, 0.05) * size)) if rng.random() < 0.5 else 0
    return render_glyph(digit, path, size, stroke=stroke)


@functools.lru_cache(maxsize=8)
def _rendered(subset: str, n_variants: int, seed: int) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    fonts = font_files(subset)
    return render_digits(fonts, [p.name for p in fonts], _font_glyph, font_sizes(subset), n_variants, seed)


def printed_digits(
    subset: str = "all", *, n_variants: int = DEFAULT_VARIANTS, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Rendered printed digits.

    Parameters
    ----------
    subset : ``"all"``, ``"train"`` or ``"heldout"``
        Which fonts and sizes (see the module docstring).
    n_variants : int
        Renderings per (font, digit); sizes cycle, the other conditions are random.
    seed : int

    Returns
    -------
    crops : (N, 28, 28) float32, labels : (N,) int64, fonts : N font file names
    """
    crops, labels, names = _rendered(subset, int(n_variants), int(seed))
    return crops.copy(), labels.copy(), list(names)
