"""Difficulty tiers: how each kind of benchmark image is drawn.

========  ==========================================================================
tier      what it holds
========  ==========================================================================
clean     one line of handwritten digits, scan-like (white paper, faint noise)
printed   1–3 lines typeset in DejaVu / STIX / Computer Modern (matplotlib's fonts)
lines     2–3 handwritten lines on ruled, squared or plain paper, slanted ±30°
photo     paper photographed on a desk: perspective, objects and paper edge, light
          gradient, shadow, noise, blur, JPEG, sometimes pencil-grey ink
scale     a single digit filling the frame, 1–3 digits 150–300 px tall, or small
          digits (24–60 px) in a 2000–3000 px photo
hard      touching digits + ruled/grid paper + slant + pencil + the photo effects
forms     1–2 fields of a form, one handwritten digit per cell: a box per digit or a
          comb (a frame with dividers), printed black, grey or coloured; scanned or
          photographed
========  ==========================================================================

Every line holds 1–10 digits. Images are about 640×480 (sometimes portrait) except
in ``scale``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import cv2
import numpy as np

from .bank import DigitBank, available_fonts, printed_glyph
from .render import (
    Style,
    background,
    camera,
    compose_block,
    compose_form,
    draw_rules,
    fit_block,
    lighting,
    paint,
    place_matrix,
    random_homography,
    random_ink,
    random_paper,
    rotated_size,
    shadow,
)

TIERS = ("clean", "printed", "lines", "photo", "scale", "hard", "forms")


@dataclass
class Sample:
    image: np.ndarray  # (H, W, 3) uint8 RGB
    text: str  # lines joined by "\n"
    tier: str
    meta: dict[str, Any] = field(default_factory=dict)


def random_lines(rng: np.random.Generator, n_lines: int, *, max_len: int = 10) -> list[str]:
    return ["".join(str(d) for d in rng.integers(0, 10, int(rng.integers(1, max_len + 1)))) for _ in range(n_lines)]


def _size(rng: np.random.Generator, portrait_prob: float = 0.25) -> tuple[int, int]:
    w, h = int(rng.integers(600, 681)), int(rng.integers(450, 511))
    return (h, w) if rng.uniform() < portrait_prob else (w, h)


def _loguniform(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(np.exp(rng.uniform(np.log(lo), np.log(hi))))


def _n_lines(rng: np.random.Generator, choices=(1, 2, 3), p=(0.5, 0.3, 0.2)) -> int:
    return int(rng.choice(choices, p=p))


def _handwriting(bank: DigitBank, rng: np.random.Generator):
    weight = float(rng.uniform(0, 1))  # one pen per image

    def glyph(d: int, h: float) -> np.ndarray:
        return bank.glyph(rng, d, h, weight=float(np.clip(weight + rng.uniform(-0.15, 0.15), 0, 1)))

    return glyph


def _typewriter(rng: np.random.Generator):
    fonts = available_fonts()
    if not fonts:
        raise RuntimeError("no matplotlib fonts found for the printed tier")
    font = fonts[int(rng.integers(len(fonts)))]

    def glyph(d: int, h: float) -> np.ndarray:
        return printed_glyph(d, h, font)

    return glyph, font.rsplit("/", 1)[-1]


@dataclass
class _Text:
    lines: list[str]
    glyph: Any
    height: float
    angle: float = 0.0
    handwritten: bool = True
    touch_prob: float = 0.0
    gap: tuple[float, float] = (0.2, 0.6)
    pad: float | None = None
    form: str | None = None  # "boxes" or "comb": the digits are written in a form's cells


def _text_layer(
    rng: np.random.Generator,
    size: tuple[int, int],
    spec: _Text,
    style: Style,
    region: tuple[float, float, float, float],
    margin: float,
) -> tuple[np.ndarray, np.ndarray, dict[str, Any], np.ndarray]:
    """Ink and rule alphas for the page, meta, and the 4 corners of the text block (page px)."""
    w, h = size
    if spec.form:
        block = compose_form(rng, spec.lines, spec.glyph, spec.height, comb=spec.form == "comb")
    else:
        block = compose_block(
            rng,
            spec.lines,
            spec.glyph,
            spec.height,
            gap=spec.gap,
            touch_prob=spec.touch_prob,
            handwritten=spec.handwritten,
            pad=spec.pad,
        )
    rx0, ry0, rx1, ry1 = region
    mx, my = margin * (rx1 - rx0), margin * (ry1 - ry0)
    block, _ = fit_block(block, spec.angle, (rx1 - rx0 - 2 * mx, ry1 - ry0 - 2 * my))
    rw, rh = rotated_size(block.alpha.shape, spec.angle)
    lo_x, hi_x = rx0 + mx + rw / 2, rx1 - mx - rw / 2
    lo_y, hi_y = ry0 + my + rh / 2, ry1 - my - rh / 2
    cx = float(rng.uniform(lo_x, hi_x)) if hi_x > lo_x else (rx0 + rx1) / 2
    cy = float(rng.uniform(lo_y, hi_y)) if hi_y > lo_y else (ry0 + ry1) / 2
    m = place_matrix(block, spec.angle, 1.0, (cx, cy))
    ink = cv2.warpAffine(block.alpha, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=0)
    if block.frames is not None:  # the form's boxes take the place of rules
        rules = cv2.warpAffine(block.frames, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=0)
    else:
        rules = draw_rules((w, h), m, block, style, rng)
    bh, bw = block.alpha.shape
    corners = np.array([[0, 0, 1], [bw, 0, 1], [bw, bh, 1], [0, bh, 1]], np.float64) @ m.T
    meta = {
        "digit_height": round(float(block.height), 1),
        "angle": round(float(spec.angle), 1),
        "touching": block.n_touching,
    }
    return ink, rules, meta, corners


def _flat_page(rng, size, spec: _Text, style: Style, *, margin=0.05, noise=(0.0, 3.0), blur=(0.0, 0.6), jpeg_prob=0.5):
    ink, rules, meta, _ = _text_layer(rng, size, spec, style, (0, 0, *size), margin)
    img = paint(rng, size, ink, rules, style)
    img *= lighting(rng, size, float(rng.uniform(0.88, 0.98)), 1.02)[..., None]
    jpeg = int(rng.integers(70, 96)) if rng.uniform() < jpeg_prob else None
    out = camera(rng, img, noise=float(rng.uniform(*noise)), blur=float(rng.uniform(*blur)), jpeg=jpeg)
    return out, meta


def _photo(
    rng,
    size,
    spec: _Text,
    style: Style,
    *,
    perspective=(0.02, 0.08),
    light_low=(0.45, 0.85),
    shadow_prob=0.6,
    noise=(2.0, 9.0),
    blur=(0.3, 1.4),
    jpeg=(35, 85),
):
    """Paper on a desk, photographed: perspective, clutter, paper edge, light, shadow, camera."""
    w, h = size
    inset = rng.uniform(-0.1, 0.2, 4) * np.array([w, h, w, h])
    # some sides beyond the frame (paper edge only partly visible)
    px0, py0, px1, py1 = inset[0], inset[1], w - inset[2], h - inset[3]
    region = (max(px0, 0.0), max(py0, 0.0), min(px1, float(w)), min(py1, float(h)))
    ink, rules, meta, corners = _text_layer(rng, size, spec, style, region, 0.08)
    page = paint(rng, size, ink, rules, style)
    mask = np.zeros((h, w), np.float32)
    cv2.rectangle(mask, (int(px0), int(py0)), (int(px1), int(py1)), 1.0, -1)
    strength = float(rng.uniform(*perspective))
    for _ in range(4):  # keep the whole text block inside the frame
        hom = random_homography(rng, size, strength)
        warped = cv2.perspectiveTransform(corners[None, :, :2].astype(np.float32), hom)[0]
        if (warped >= 2).all() and (warped[:, 0] <= w - 2).all() and (warped[:, 1] <= h - 2).all():
            break
        strength /= 2
    else:
        hom = np.eye(3)
    page = cv2.warpPerspective(page, hom, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    mask = cv2.warpPerspective(mask, hom, (w, h), flags=cv2.INTER_LINEAR, borderValue=0)
    bg = background(rng, size)
    # drop shadow of the sheet on the desk
    k = max(3, int(min(w, h) * 0.03) | 1)
    drop = cv2.GaussianBlur(np.roll(mask, (int(k * 0.4), int(k * 0.4)), axis=(0, 1)), (k, k), 0)
    bg *= (1 - 0.5 * drop)[..., None]
    page -= bg
    page *= mask[..., None]
    page += bg  # page where the sheet is, desk elsewhere
    img = page
    light = lighting(rng, size, float(rng.uniform(*light_low)))
    shaded = rng.uniform() < shadow_prob
    if shaded:
        light *= shadow(rng, size, float(rng.uniform(0.25, 0.55)))
    img *= light[..., None]
    q = int(rng.integers(*jpeg))
    out = camera(rng, img, noise=float(rng.uniform(*noise)), blur=float(rng.uniform(*blur)), jpeg=q)
    meta.update({"perspective": round(strength, 3), "shadow": shaded, "jpeg": q})
    return out, meta


def _style(rng, *, ruling_p=(1.0, 0.0, 0.0), pencil_prob=0.0) -> Style:
    ink, strength, texture = random_ink(rng, pencil_prob=pencil_prob)
    ruling = str(rng.choice(["plain", "ruled", "grid"], p=ruling_p))
    blue = rng.uniform() < 0.7
    rule_color = (
        (float(rng.uniform(140, 190)), float(rng.uniform(170, 210)), float(rng.uniform(210, 240)))
        if blue
        else (float(rng.uniform(150, 200)),) * 3
    )
    return Style(
        paper=random_paper(rng),
        ink=ink,
        ink_strength=strength,
        ink_texture=texture,
        ruling=ruling,
        rule_color=rule_color,
        rule_strength=float(rng.uniform(0.4, 0.9)) if ruling == "ruled" else float(rng.uniform(0.3, 0.7)),
        rule_px=int(rng.choice([1, 1, 2])),
        margin_line=bool(rng.uniform() < 0.3),
    )


def _tier_clean(rng, bank):
    size = _size(rng)
    lines = random_lines(rng, 1)
    spec = _Text(lines, _handwriting(bank, rng), _loguniform(rng, 20, 100), float(rng.uniform(-3, 3)))
    style = _style(rng)
    style = replace(style, paper=(float(rng.uniform(238, 252)),) * 3, ink_strength=1.0, ink_texture=0.0)
    img, meta = _flat_page(rng, size, spec, style)
    return img, lines, meta


def _tier_printed(rng, bank):
    size = _size(rng)
    lines = random_lines(rng, _n_lines(rng))
    glyph, font = _typewriter(rng)
    spec = _Text(lines, glyph, _loguniform(rng, 16, 90), float(rng.uniform(-5, 5)), handwritten=False, gap=(0.12, 0.4))
    style = _style(rng, ruling_p=(0.8, 0.1, 0.1))
    style = replace(style, ink=(float(rng.uniform(5, 40)),) * 3, ink_strength=1.0, ink_texture=0.0)
    img, meta = _flat_page(rng, size, spec, style, noise=(0.0, 5.0), blur=(0.0, 0.9))
    meta["font"] = font
    return img, lines, meta


def _tier_lines(rng, bank):
    size = _size(rng)
    lines = random_lines(rng, int(rng.integers(2, 4)))
    angle = float(rng.uniform(-30, 30)) if rng.uniform() < 0.6 else float(rng.uniform(-8, 8))
    spec = _Text(lines, _handwriting(bank, rng), _loguniform(rng, 22, 70), angle)
    style = _style(rng, ruling_p=(0.2, 0.45, 0.35), pencil_prob=0.15)
    img, meta = _flat_page(rng, size, spec, style, noise=(0.0, 4.0), blur=(0.0, 0.8))
    meta["ruling"] = style.ruling
    return img, lines, meta


def _tier_photo(rng, bank):
    size = _size(rng)
    lines = random_lines(rng, _n_lines(rng))
    spec = _Text(lines, _handwriting(bank, rng), _loguniform(rng, 22, 80), float(rng.uniform(-12, 12)))
    style = _style(rng, ruling_p=(0.5, 0.3, 0.2), pencil_prob=0.3)
    img, meta = _photo(rng, size, spec, style)
    meta["ruling"] = style.ruling
    return img, lines, meta


def _tier_scale(rng, bank, kind: str | None = None):
    kind = kind or str(rng.choice(["fill", "big", "small"]))
    style = _style(rng, ruling_p=(0.8, 0.1, 0.1), pencil_prob=0.1)
    glyph = _handwriting(bank, rng)
    if kind == "fill":
        size = _size(rng)
        lines = random_lines(rng, 1, max_len=1)
        spec = _Text(lines, glyph, min(size) * float(rng.uniform(0.7, 0.92)), float(rng.uniform(-6, 6)), pad=2)
        img, meta = _flat_page(rng, size, spec, style, margin=0.02, noise=(0.0, 5.0), blur=(0.0, 1.5))
    elif kind == "big":
        size = _size(rng, portrait_prob=0.0)
        height = float(rng.uniform(150, 300))
        max_digits = max(1, min(3, int(size[0] / (height * 0.9))))
        lines = random_lines(rng, 1, max_len=max_digits)
        spec = _Text(lines, glyph, height, float(rng.uniform(-6, 6)))
        img, meta = _flat_page(rng, size, spec, style, margin=0.02, noise=(0.0, 5.0), blur=(0.0, 1.5))
    else:
        long_side = int(rng.integers(2000, 3001))
        size = (long_side, int(long_side * 0.75)) if rng.uniform() < 0.7 else (int(long_side * 0.75), long_side)
        lines = random_lines(rng, _n_lines(rng))
        spec = _Text(lines, glyph, float(rng.uniform(24, 60)), float(rng.uniform(-8, 8)))
        img, meta = _photo(rng, size, spec, style, light_low=(0.6, 0.9), noise=(1.0, 6.0), blur=(0.3, 1.2))
    meta["kind"] = kind
    return img, lines, meta


def _tier_hard(rng, bank):
    size = _size(rng)
    lines = random_lines(rng, _n_lines(rng))
    angle = float(rng.uniform(-25, 25))
    spec = _Text(lines, _handwriting(bank, rng), _loguniform(rng, 22, 70), angle, touch_prob=0.5, gap=(0.1, 0.5))
    style = _style(rng, ruling_p=(0.3, 0.4, 0.3), pencil_prob=0.4)
    img, meta = _photo(
        rng,
        size,
        spec,
        style,
        perspective=(0.03, 0.1),
        light_low=(0.4, 0.75),
        shadow_prob=0.7,
        noise=(3, 12),
        blur=(0.5, 1.6),
        jpeg=(30, 70),
    )
    meta["ruling"] = style.ruling
    return img, lines, meta


def _tier_forms(rng, bank):
    size = _size(rng)
    lines = random_lines(rng, _n_lines(rng, (1, 2), (0.6, 0.4)))
    form = str(rng.choice(["boxes", "comb"]))
    spec = _Text(lines, _handwriting(bank, rng), _loguniform(rng, 24, 60), float(rng.uniform(-4, 4)), form=form)
    style = _style(rng, pencil_prob=0.1)
    printed = [(float(rng.uniform(20, 90)),) * 3, (60.0, 90.0, 200.0), (200.0, 60.0, 60.0), (40.0, 140.0, 80.0)]
    style = replace(
        style,
        ruling="form",  # paint() draws the frames as it draws rules
        rule_color=printed[int(rng.integers(len(printed)))],
        rule_strength=float(rng.uniform(0.7, 1.0)),
    )
    if rng.uniform() < 0.5:
        img, meta = _flat_page(rng, size, spec, style)
    else:
        img, meta = _photo(rng, size, spec, style, perspective=(0.02, 0.06), shadow_prob=0.4, noise=(2.0, 7.0))
    meta["form"] = form
    return img, lines, meta


_TIER_FNS = {
    "clean": _tier_clean,
    "printed": _tier_printed,
    "lines": _tier_lines,
    "photo": _tier_photo,
    "scale": _tier_scale,
    "hard": _tier_hard,
    "forms": _tier_forms,
}


def render_sample(rng: np.random.Generator, tier: str, digit_bank: DigitBank, *, kind: str | None = None) -> Sample:
    """One labelled image of ``tier`` with its metadata (sizes, angle, touching pairs …).

    ``kind`` forces the sub-kind of the ``scale`` tier (``fill``, ``big``, ``small``).
    """
    try:
        fn = _TIER_FNS[tier]
    except KeyError:
        raise ValueError(f"unknown tier {tier!r}; choose from {', '.join(TIERS)}") from None
    img, lines, meta = fn(rng, digit_bank, kind) if kind else fn(rng, digit_bank)
    return Sample(img, "\n".join(lines), tier, meta)


def make_sample(rng: np.random.Generator, tier: str, digit_bank: DigitBank) -> tuple[np.ndarray, str]:
    """``(image uint8 RGB (H, W, 3), text)`` with lines of the text joined by ``"\\n"``."""
    sample = render_sample(rng, tier, digit_bank)
    return sample.image, sample.text


def make_blank(rng: np.random.Generator, kind: str = "photo", size: tuple[int, int] = (640, 480)) -> np.ndarray:
    """An image without digits: ``plain``, ``ruled``, ``grid`` paper or a ``photo`` of an empty sheet."""
    ruling = {"plain": (1.0, 0.0, 0.0), "ruled": (0.0, 1.0, 0.0), "grid": (0.0, 0.0, 1.0)}.get(kind, (0.4, 0.3, 0.3))
    style = _style(rng, ruling_p=ruling)
    w, h = size
    # A dummy text layer gives the rules their geometry; its ink is dropped.
    spec = _Text(["0"], lambda d, hh: np.zeros((int(hh), int(hh * 0.6)), np.float32), 40.0, float(rng.uniform(-5, 5)))
    if kind == "photo":
        img, _ = _photo(rng, size, spec, style)
        return img
    _, rules, _, _ = _text_layer(rng, size, spec, style, (0, 0, w, h), 0.05)
    img = paint(rng, size, np.zeros((h, w), np.float32), rules, style)
    return camera(rng, img, noise=float(rng.uniform(0, 4)), jpeg=85)


def make_note(rng: np.random.Generator, margin: int, size: tuple[int, int] = (640, 480)) -> tuple[np.ndarray, str]:
    """A sticky note on a dark desk with a number written ``margin`` px from two of its edges.

    A square 150–320 px sheet; the number (1–3 printed-stroke digits, as large as the note
    allows) hugs one of its corners. Returns ``(image uint8 grey, text)``.
    """
    from recognizer.vision.synthetic import render_text

    w, h = size
    side = int(rng.integers(150, 320))
    img = np.full((h, w), 60, np.float32) + rng.normal(0, 8, (h, w))
    x0, y0 = int(rng.integers(20, w - side - 20)), int(rng.integers(20, h - side - 20))
    img[y0 : y0 + side, x0 : x0 + side] = 225
    img = np.clip(img, 0, 255).astype(np.uint8)
    text = ("7", "40", "318")[int(rng.integers(3))]
    height = int(min(side - 2 * margin, (side - 2 * margin) / (0.75 * len(text))) * 0.9)
    thickness = max(3, height // 12)
    _, probe = render_text(
        np.full((900, 900), 255, np.uint8), text, origin=(100, 100 + height), height=height, thickness=thickness
    )
    left, right = min(b[0] for b in probe) - 100, max(b[0] + b[2] for b in probe) - 100
    top, bottom = min(b[1] for b in probe) - 100 - height, max(b[1] + b[3] for b in probe) - 100 - height
    corner = int(rng.integers(4))  # top-left, top-right, bottom-left, bottom-right
    ox = x0 + margin - left if corner in (0, 2) else x0 + side - margin - right
    oy = y0 + margin - top if corner in (0, 1) else y0 + side - margin - bottom
    img, _ = render_text(img, text, origin=(ox, oy), height=height, thickness=thickness)
    return img, text


def make_dense(
    rng: np.random.Generator, digit_bank: DigitBank, *, n_lines: int = 10, per_line: int = 20, size=(1600, 1200)
) -> tuple[np.ndarray, str]:
    """A scan with ``n_lines × per_line`` handwritten digits (200 by default)."""
    lines = ["".join(str(d) for d in rng.integers(0, 10, per_line)) for _ in range(n_lines)]
    spec = _Text(lines, _handwriting(digit_bank, rng), 45.0, float(rng.uniform(-2, 2)))
    style = replace(_style(rng), ink_strength=1.0, ink_texture=0.0)
    img, _ = _flat_page(rng, size, spec, style, margin=0.03)
    return img, "\n".join(lines)
