"""A form's fields: handwritten numbers beside printed labels, two to a row at times.

Not a tier of the main table (whose history is kept comparable); the benchmark reports
it apart (``--n-fields``). Each page holds two or three rows of fields; a row holds one
field, or two far enough apart to be two numbers (more than 7 × the digit height between
them, beyond the pipeline's joining of a line's gaps). A field is a printed label in a
held-out font (``Date``, ``Amount``, ``Invoice No.`` …, set with its digits — about its
capitals — 0.5–0.8 × the handwritten digits' height) and a handwritten number of 2–7
digits, written a little above or below its label's baseline. The same page is drawn
without the labels too (``labels=False``: the same numbers in the same places), so one
run measures both the reading order of fields that share a row and what the labels cost.

The text is the numbers in reading order, one line per field: rows top to bottom, a
row's fields left to right.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from classifiers.ml.fonts import truetype

from .bank import DigitBank, available_fonts, digit_height_ratio
from .render import Style, camera, compose_block, lighting, paint, paste_max

LABELS = ("Date", "Total", "Amount", "Account", "Invoice No.", "Meter", "Reading", "Ref.", "Qty", "Phone", "Room")
FIELD_GAP = 7.5  # × digit height between two numbers of a row


@functools.lru_cache(maxsize=64)
def _label_alpha(text: str, font_path: str, digit_px: int) -> tuple[np.ndarray, int]:
    """Ink alpha of ``text`` set in ``font_path`` at the size whose digits are ``digit_px`` tall
    (about its capitals' height), and the row of its baseline. Read-only: the cache hands the
    same array out again."""
    from PIL import Image, ImageDraw

    font = truetype(font_path, max(6, round(digit_px / digit_height_ratio(font_path))))
    left, top, right, bottom = font.getbbox(text, anchor="ls")
    img = Image.new("L", (right - left + 4, bottom - top + 4), 0)
    ImageDraw.Draw(img).text((2 - left, 2 - top), text, font=font, fill=255, anchor="ls")
    alpha = np.asarray(img, np.float32) / 255.0
    alpha.flags.writeable = False
    return alpha, 2 - top


def make_fields(
    rng: np.random.Generator, bank: DigitBank, *, labels: bool = True, size: tuple[int, int] = (640, 480)
) -> tuple[np.ndarray, str, dict[str, Any]]:
    """A scanned page of a form's fields: ``(image uint8 RGB, text, meta)``.

    The page is drawn from ``rng``'s draws alone, the same with or without ``labels``.
    """
    w, h = size
    height = float(np.exp(rng.uniform(np.log(20), np.log(32))))
    fonts = available_fonts()
    font = fonts[int(rng.integers(len(fonts)))]
    n_rows = int(rng.integers(2, 4))
    pitch = h / (n_rows + 1)
    weight = float(rng.uniform(0, 1))

    def glyph(d: int, gh: float) -> np.ndarray:
        return bank.glyph(rng, d, gh, weight=float(np.clip(weight + rng.uniform(-0.15, 0.15), 0, 1)))

    ink = np.zeros((h, w), np.float32)
    label_ink = np.zeros((h, w), np.float32)
    lines: list[str] = []
    rows_of_two = 0
    for r in range(n_rows):
        baseline = pitch * (r + 1) + float(rng.uniform(-0.2, 0.2)) * height
        x = float(rng.uniform(0.03, 0.08)) * w
        placed = 0
        for _ in range(2 if rng.uniform() < 0.6 else 1):
            word = LABELS[int(rng.integers(len(LABELS)))]
            alpha, base_row = _label_alpha(word, font, max(8, round(height * float(rng.uniform(0.5, 0.8)))))
            space = float(rng.uniform(0.3, 0.8)) * height
            number = "".join(str(d) for d in rng.integers(0, 10, int(rng.integers(2, 8))))
            block = compose_block(rng, [number], glyph, height, gap=(0.2, 0.5), pad=0)
            drop = float(rng.uniform(-0.15, 0.15)) * height
            if placed:
                x += FIELD_GAP * height
            if x + alpha.shape[1] + space + block.alpha.shape[1] > 0.97 * w:
                break  # no room on this row for another field
            paste_max(label_ink, alpha, round(x), round(baseline) - base_row)
            x += alpha.shape[1] + space
            paste_max(ink, block.alpha, round(x), round(baseline + drop - block.baselines[0]))
            x += block.alpha.shape[1]
            lines.append(number)
            placed += 1
        rows_of_two += placed == 2
    paper = (float(rng.uniform(238, 252)),) * 3
    style = Style(paper=paper, ink=(float(rng.uniform(10, 40)),) * 3)
    page = paint(rng, size, np.maximum(ink, label_ink) if labels else ink, np.zeros((h, w), np.float32), style)
    page *= lighting(rng, size, float(rng.uniform(0.9, 0.98)), 1.02)[..., None]
    out = camera(rng, page, noise=float(rng.uniform(0, 3)), blur=float(rng.uniform(0, 0.5)), jpeg=90)
    meta = {
        "digit_height": round(height, 1),
        "font": font.rsplit("/", 1)[-1],
        "rows": n_rows,
        "rows_of_two": rows_of_two,
    }
    return out, "\n".join(lines), meta
