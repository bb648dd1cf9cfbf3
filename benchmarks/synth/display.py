"""Seven-segment displays: the numbers on meters, clocks and scales.

Not a tier of the main table (its digits are not handwriting, and the table's history
is kept comparable); the benchmark reports them apart (``--n-display``). Digits are
drawn in the held-out segment styles (:data:`classifiers.ml.segments.HELDOUT_STYLES`),
which the classifier's ``fonts:train`` source does not hold.

=======  ========================================================================
kind     what it holds
=======  ========================================================================
lcd      dark segments on a grey-green panel, often with the unlit segments faintly
         visible, filling most of the frame
led      bright red, green or blue segments with a glow on a dark panel
meter    an LCD panel set in a meter's housing and photographed: a dark frame
         around the panel, perspective, uneven light, a shadow
=======  ========================================================================

4–8 digits (leading zeros kept, as meters show them), 25–140 px tall, upright or
leaning up to 0.15; sometimes a decimal point (not part of the text), blur, noise and
JPEG.
"""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np

from classifiers.ml.segments import HELDOUT_STYLES, SegmentStyle, draw_segment_digit

from .render import camera, lighting, random_homography, shadow

DISPLAY_KINDS = ("lcd", "led", "meter")


def _segment_layer(
    rng: np.random.Generator,
    size: tuple[int, int],
    text: str,
    style: SegmentStyle,
    origin: tuple[float, float],
    height: float,
    pitch: float,
    slant: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Coverage (0–1) of the lit segments and of every segment (the unlit ones show on LCDs)."""
    w, h = size
    lit = np.zeros((h, w), np.uint8)
    every = np.zeros((h, w), np.uint8)
    eight = replace(style, tails=True, seven_hook=False)
    x, y = origin
    point = int(rng.integers(1, len(text))) if rng.random() < 0.3 else None
    for i, ch in enumerate(text):
        draw_segment_digit(lit, int(ch), style, (x + i * pitch, y), height, slant=slant)
        draw_segment_digit(every, 8, eight, (x + i * pitch, y), height, slant=slant)
        if point == i + 1:  # a decimal point after this digit, as small as a segment is thick
            r = max(1, int(round(style.thickness * height * 0.55)))
            cx = int(
                round(x + i * pitch + height * (style.width + style.thickness) + 0.1 * (pitch - height * style.width))
            )
            cv2.circle(lit, (cx, int(round(y + height + 0.5 * style.thickness * height))), r, 255, -1, cv2.LINE_AA)
    return lit.astype(np.float32) / 255.0, every.astype(np.float32) / 255.0


def make_display(
    rng: np.random.Generator, kind: str | None = None, size: tuple[int, int] = (640, 480)
) -> tuple[np.ndarray, str, str]:
    """A photo of a seven-segment display: ``(image uint8 RGB, text, kind)``."""
    kind = kind or str(rng.choice(DISPLAY_KINDS, p=(0.4, 0.25, 0.35)))
    if kind not in DISPLAY_KINDS:
        raise ValueError(f"display kind must be one of {DISPLAY_KINDS}, got {kind!r}")
    w, h = size
    style = HELDOUT_STYLES[int(rng.integers(len(HELDOUT_STYLES)))]
    n = int(rng.integers(4, 9))
    text = "".join(str(d) for d in rng.integers(0, 10, n))
    slant = 0.0 if rng.random() < 0.4 else float(rng.uniform(0.05, 0.15))
    spacing = float(rng.uniform(0.2, 0.4))  # between cells, × the digit height
    cell = style.width + style.thickness + spacing
    room = 0.55 if kind == "meter" else 0.85  # share of the width the digits may take
    height = min(float(np.exp(rng.uniform(np.log(25), np.log(140)))), room * w / (n * cell + slant), 0.5 * h)
    pitch = height * cell
    span = n * pitch - spacing * height + slant * height
    x0 = float(rng.uniform(0.5, 1.5)) * (w - span) / 2
    y0 = float(rng.uniform(0.6, 1.4)) * (h - height) / 2
    lit, every = _segment_layer(rng, size, text, style, (x0, y0), height, pitch, slant)
    if kind == "led":
        panel = np.array(rng.uniform(15, 45, 3), np.float32)
        colour = np.array([(235, 50, 40), (60, 230, 90), (120, 190, 255)][int(rng.integers(3))], np.float32) * float(
            rng.uniform(0.8, 1.0)
        )
        glow = cv2.GaussianBlur(lit, (0, 0), max(1.0, 0.08 * height)) * float(rng.uniform(0.2, 0.5))
        cover = np.clip(lit + glow, 0, 1)[..., None]
        img = panel * (1 - cover) + colour * cover
    else:
        panel = np.array(
            [rng.uniform(150, 185), rng.uniform(165, 200), rng.uniform(130, 165)], np.float32
        )  # grey-green
        ink = float(rng.uniform(25, 70))
        img = np.broadcast_to(panel, (h, w, 3)).copy()
        if rng.random() < 0.6:  # the unlit segments, a shade darker than the panel
            img *= (1 - every * float(rng.uniform(0.03, 0.1)))[..., None]
        img = img * (1 - lit[..., None]) + ink * lit[..., None]
    if kind == "meter":
        img = _in_housing(rng, img, (x0, y0, span, height))
    img = img * lighting(rng, size, float(rng.uniform(0.7, 0.95)))[..., None]
    if kind != "led" and rng.random() < 0.4:
        img *= shadow(rng, size, float(rng.uniform(0.2, 0.45)))[..., None]
    out = camera(
        rng,
        img.astype(np.float32),
        noise=float(rng.uniform(0, 5)),
        blur=float(rng.uniform(0, 1.2)),
        jpeg=int(rng.integers(60, 95)) if rng.random() < 0.7 else None,
    )
    return out, text, kind


def _in_housing(rng: np.random.Generator, panel: np.ndarray, digits: tuple[float, float, float, float]) -> np.ndarray:
    """The panel cut to a window around the digits, in a meter's housing, seen slightly askew."""
    h, w = panel.shape[:2]
    x, y, span, height = digits
    mx, my = float(rng.uniform(0.15, 0.5)) * height, float(rng.uniform(0.2, 0.6)) * height
    x0, y0 = int(max(0, x - mx)), int(max(0, y - my))
    x1, y1 = int(min(w, x + span + mx)), int(min(h, y + height + my))
    housing = np.array([rng.uniform(40, 210)] * 3, np.float32) * np.array(rng.uniform(0.9, 1.1, 3), np.float32)
    img = np.broadcast_to(housing, (h, w, 3)).copy()
    frame = max(2, int(round(float(rng.uniform(0.03, 0.12)) * height)))
    dark = np.array([rng.uniform(10, 50)] * 3, np.float32)
    img[max(0, y0 - frame) : y1 + frame, max(0, x0 - frame) : x1 + frame] = dark
    img[y0:y1, x0:x1] = panel[y0:y1, x0:x1]
    warp = random_homography(rng, (w, h), 0.04)
    return cv2.warpPerspective(img, warp, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


__all__ = ["DISPLAY_KINDS", "make_display"]
