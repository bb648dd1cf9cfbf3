"""Synthetic digit scenes and a font-template classifier, for tests, benchmarks and demos.

Everything is generated in memory with ``cv2.putText`` / ``cv2.polylines``; no image
files. Rendering returns a new image plus the ground-truth box of every glyph.
"""

from __future__ import annotations

import cv2
import numpy as np

from classifiers.ml.crops import normalize_crop

from .result import Box

PRINT_FONTS = (
    cv2.FONT_HERSHEY_SIMPLEX,
    cv2.FONT_HERSHEY_DUPLEX,
    cv2.FONT_HERSHEY_COMPLEX,
    cv2.FONT_HERSHEY_TRIPLEX,
)


def paper(height: int, width: int, *, level: int = 235) -> np.ndarray:
    """A blank ``(height, width) uint8`` page."""
    return np.full((height, width), level, np.uint8)


def render_text(
    canvas: np.ndarray,
    text: str,
    *,
    origin: tuple[int, int],
    height: int,
    font: int = cv2.FONT_HERSHEY_SIMPLEX,
    thickness: int = 2,
    gap: float = 0.15,
    angle: float = 0.0,
    ink: int = 25,
) -> tuple[np.ndarray, list[Box]]:
    """Draw ``text`` on a copy of ``canvas``, one glyph at a time.

    Parameters
    ----------
    canvas : (M, N) uint8 ndarray
        Background; not modified.
    text : str
        Characters to draw; spaces advance without a box.
    origin : (x, y)
        Left end of the baseline.
    height : int
        Height of a digit, px.
    gap : float
        Extra space between glyphs × ``height`` (negative makes them touch).
    angle : float
        Counter-clockwise rotation of the whole text around ``origin``, degrees.

    Returns
    -------
    image : (M, N) uint8 ndarray
    boxes : list of (x, y, w, h)
        One per non-space character, left to right.
    """
    (_, h1), _ = cv2.getTextSize("0", font, 1.0, thickness)
    scale = height / max(h1, 1)
    labels = np.zeros(canvas.shape, np.uint8)
    alpha = np.zeros(canvas.shape, np.uint8)
    x, y = origin
    n = 0
    for ch in text:
        (cw, _), _ = cv2.getTextSize(ch, font, scale, thickness)
        if ch != " ":
            n += 1
            glyph = np.zeros(canvas.shape, np.uint8)
            cv2.putText(glyph, ch, (int(x), int(y)), font, scale, 255, thickness, cv2.LINE_AA)
            labels[glyph > 96] = n
            np.maximum(alpha, glyph, out=alpha)
        x += cw + gap * height
    return _finish(canvas, labels, alpha, n, origin=origin, angle=angle, ink=ink)


def render_strokes(
    canvas: np.ndarray,
    glyphs: list[list[np.ndarray]],
    *,
    origin: tuple[int, int],
    height: int,
    thickness: int = 3,
    advance: float = 0.8,
    angle: float = 0.0,
    ink: int = 25,
) -> tuple[np.ndarray, list[Box]]:
    """Draw hand-like glyphs made of polylines on a copy of ``canvas``.

    Parameters
    ----------
    glyphs : list of list of (P, 2) ndarray
        Per glyph, its strokes in unit coordinates (x right, y down, 0..1 of
        ``height``; x may reach ~0.7).
    origin : (x, y)
        Top-left of the first glyph.
    advance : float
        Horizontal distance between glyph origins × ``height``.

    Returns
    -------
    image : (M, N) uint8 ndarray
    boxes : list of (x, y, w, h), one per glyph
    """
    labels = np.zeros(canvas.shape, np.uint8)
    alpha = np.zeros(canvas.shape, np.uint8)
    for n, strokes in enumerate(glyphs, start=1):
        x0 = origin[0] + (n - 1) * advance * height
        glyph = np.zeros(canvas.shape, np.uint8)
        for stroke in strokes:
            pts = np.round(np.asarray(stroke, float) * height + (x0, origin[1])).astype(np.int32)
            cv2.polylines(glyph, [pts], False, 255, thickness, cv2.LINE_AA)
        labels[glyph > 96] = n
        np.maximum(alpha, glyph, out=alpha)
    return _finish(canvas, labels, alpha, len(glyphs), origin=origin, angle=angle, ink=ink)


def dashed_box(
    canvas: np.ndarray,
    top_left: tuple[int, int],
    bottom_right: tuple[int, int],
    *,
    value: int,
    dash: int = 12,
    gap: int = 6,
    thickness: int = 1,
) -> None:
    """Draw a box's outline in dashes on ``canvas`` (in place): a light printed form box
    as it binarises, every dash its own piece."""
    (x0, y0), (x1, y1) = top_left, bottom_right
    for a, b in (((x0, y0), (x1, y0)), ((x1, y0), (x1, y1)), ((x1, y1), (x0, y1)), ((x0, y1), (x0, y0))):
        length = int(np.hypot(b[0] - a[0], b[1] - a[1]))
        for start in range(0, length, dash + gap):
            ends = [
                (round(a[0] + (b[0] - a[0]) * t / length), round(a[1] + (b[1] - a[1]) * t / length))
                for t in (start, min(start + dash, length))
            ]
            cv2.line(canvas, ends[0], ends[1], value, thickness)


def _finish(
    canvas: np.ndarray,
    labels: np.ndarray,
    alpha: np.ndarray,
    n: int,
    *,
    origin: tuple[int, int],
    angle: float,
    ink: int,
) -> tuple[np.ndarray, list[Box]]:
    if angle:
        m = cv2.getRotationMatrix2D((float(origin[0]), float(origin[1])), angle, 1.0)
        size = (canvas.shape[1], canvas.shape[0])
        labels = cv2.warpAffine(labels, m, size, flags=cv2.INTER_NEAREST)
        alpha = cv2.warpAffine(alpha, m, size, flags=cv2.INTER_LINEAR)
    a = alpha.astype(np.float32) / 255.0
    out = (canvas.astype(np.float32) * (1 - a) + ink * a).round().astype(np.uint8)
    boxes = []
    for i in range(1, n + 1):
        pts = cv2.findNonZero((labels == i).astype(np.uint8))
        boxes.append(tuple(int(v) for v in cv2.boundingRect(pts)) if pts is not None else (0, 0, 0, 0))
    return out, boxes


# Hand-like digits in unit coordinates (x right, y down), one list of strokes each.
HAND_DIGITS: dict[str, list[np.ndarray]] = {
    "1": [np.array([[0.15, 0.2], [0.35, 0.0], [0.35, 1.0]])],
    "4": [np.array([[0.45, 0.0], [0.0, 0.65], [0.6, 0.65]]), np.array([[0.45, 0.3], [0.45, 1.0]])],
    "5": [
        np.array([[0.55, 0.0], [0.08, 0.0]]),
        np.array([[0.08, 0.0], [0.05, 0.45], [0.35, 0.38], [0.55, 0.55], [0.55, 0.8], [0.35, 1.0], [0.0, 0.9]]),
    ],
    "7": [np.array([[0.0, 0.0], [0.6, 0.0], [0.2, 1.0]])],
}


def hand_glyph(digit: str, *, detach_top: float = 0.0) -> list[np.ndarray]:
    """A hand-like glyph; ``detach_top`` > 0 lifts its first stroke by that much (broken digit)."""
    strokes = [s.copy() for s in HAND_DIGITS[digit]]
    if detach_top:
        strokes[0][:, 1] -= detach_top
    return strokes


def make_template_classifier(
    *, fonts: tuple[int, ...] = PRINT_FONTS, thicknesses: tuple[int, ...] = (1, 2, 3, 4), beta: float = 25.0
):
    """A fast nearest-template classifier for printed Hershey digits.

    Templates: every digit in every font and thickness, rendered at 48 px and
    slightly rotated/sheared, through ``normalize_crop``. A crop's probabilities are a
    softmax (``beta``) over its best cosine similarity to each digit's templates.

    Returns
    -------
    callable
        ``(N, 28, 28) float32`` → ``(N, 10)`` probabilities.
    """
    vecs, labels = [], []
    for digit in range(10):
        for font in fonts:
            for th in thicknesses:
                img, _ = render_text(
                    paper(96, 96, level=0), str(digit), origin=(20, 72), height=48, font=font, thickness=th, ink=255
                )
                for angle in (-10.0, -4.0, 0.0, 4.0, 10.0):
                    for shear in (-0.15, 0.0, 0.15):
                        m = cv2.getRotationMatrix2D((48.0, 48.0), angle, 1.0)
                        m[0, 1] += shear
                        warped = cv2.warpAffine(img, m, (96, 96), flags=cv2.INTER_LINEAR)
                        vecs.append(normalize_crop(warped).ravel())
                        labels.append(digit)
    templates = np.asarray(vecs, np.float32)
    templates /= np.linalg.norm(templates, axis=1, keepdims=True) + 1e-6
    onehot = np.eye(10, dtype=bool)[np.asarray(labels)]

    def classify(crops: np.ndarray) -> np.ndarray:
        x = np.asarray(crops, np.float32).reshape(len(crops), -1)
        x = x / (np.linalg.norm(x, axis=1, keepdims=True) + 1e-6)
        sims = x @ templates.T  # (N, T)
        best = np.stack([np.where(onehot[:, d][None, :], sims, -1.0).max(axis=1) for d in range(10)], axis=1)
        z = np.exp(beta * (best - best.max(axis=1, keepdims=True)))
        return z / z.sum(axis=1, keepdims=True)

    return classify
