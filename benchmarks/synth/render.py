"""Layout, paper and camera simulation for the synthetic benchmark.

All randomness comes from the ``numpy.random.Generator`` passed in, so a sample is a
pure function of its seed. Images are built as float32 RGB in [0, 255] and converted
to ``uint8`` at the end.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

GlyphFn = Callable[[int, float], np.ndarray]  # (digit, height) -> ink alpha


# ----------------------------------------------------------------------------- layout


@dataclass
class Block:
    """Ink alpha of all text lines in block coordinates (unrotated)."""

    alpha: np.ndarray  # (bh, bw) float32
    baselines: list[float]  # y of each line's baseline
    pitch: float  # distance between baselines
    height: float  # nominal digit height
    n_touching: int
    frames: np.ndarray | None = None  # (bh, bw) float32 alpha of a form's boxes, if any


def transform_glyph(alpha: np.ndarray, angle: float = 0.0, shear: float = 0.0) -> np.ndarray:
    """Rotate (degrees, counter-clockwise) and shear (x += shear·(y - cy)) a glyph, canvas expanded."""
    if abs(angle) < 0.05 and abs(shear) < 0.005:
        return alpha
    h, w = alpha.shape
    cx, cy = w / 2, h / 2
    rot = cv2.getRotationMatrix2D((cx, cy), angle, 1.0)
    shr = np.array([[1.0, -shear, shear * cy], [0.0, 1.0, 0.0]])
    m = _compose(rot, shr)
    corners = np.array([[0, 0, 1], [w, 0, 1], [0, h, 1], [w, h, 1]], np.float64) @ m.T
    x0, y0 = np.floor(corners.min(axis=0)).astype(int)
    x1, y1 = np.ceil(corners.max(axis=0)).astype(int)
    m[:, 2] -= (x0, y0)
    out = cv2.warpAffine(alpha, m, (int(x1 - x0), int(y1 - y0)), flags=cv2.INTER_LINEAR, borderValue=0)
    return _tight(out)


def _compose(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Affine ``a ∘ b`` (apply b first) for 2×3 matrices."""
    a3 = np.vstack([a, [0, 0, 1]])
    b3 = np.vstack([b, [0, 0, 1]])
    return (a3 @ b3)[:2].copy()


def _tight(alpha: np.ndarray, floor: float = 0.05) -> np.ndarray:
    rows = np.flatnonzero(alpha.max(axis=1) > floor)
    cols = np.flatnonzero(alpha.max(axis=0) > floor)
    if rows.size == 0:
        return np.zeros((1, 1), np.float32)
    return alpha[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def _touch_x(prev: np.ndarray, px: int, py: int, cur: np.ndarray, cy: int, overlap: int) -> int | None:
    """x for ``cur`` (top at ``cy``) so that its ink overlaps ``prev``'s by ``overlap`` px in some row."""
    top, bottom = max(py, cy), min(py + prev.shape[0], cy + cur.shape[0])
    if bottom - top < 2:
        return None
    a = prev[top - py : bottom - py] > 0.5
    b = cur[top - cy : bottom - cy] > 0.5
    rows = a.any(axis=1) & b.any(axis=1)
    if not rows.any():
        return None
    right = a.shape[1] - 1 - np.argmax(a[:, ::-1], axis=1)  # last ink column of prev per row
    left = np.argmax(b, axis=1)  # first ink column of cur per row
    need = (px + right[rows] + 1 - left[rows]).max()
    return int(need - overlap)


def paste_max(canvas: np.ndarray, alpha: np.ndarray, x: int, y: int) -> None:
    """``canvas = max(canvas, alpha)`` in place, ``alpha``'s top-left at ``(x, y)``, clipped to the canvas."""
    h, w = canvas.shape
    x0, y0 = max(x, 0), max(y, 0)
    x1, y1 = min(x + alpha.shape[1], w), min(y + alpha.shape[0], h)
    if x1 > x0 and y1 > y0:
        region = canvas[y0:y1, x0:x1]
        np.maximum(region, alpha[y0 - y : y1 - y, x0 - x : x1 - x], out=region)


def compose_block(
    rng: np.random.Generator,
    lines: list[str],
    glyph: GlyphFn,
    height: float,
    *,
    gap: tuple[float, float] = (0.2, 0.6),
    touch_prob: float = 0.0,
    handwritten: bool = True,
    pitch: float | None = None,
    pad: float | None = None,
) -> Block:
    """Lay out ``lines`` of digits as one ink-alpha block.

    ``gap`` is the range of the empty space between neighbouring digits' boxes as a
    fraction of a typical digit width (0.6 × height). With ``touch_prob`` a neighbour is
    pushed until the inks overlap by 1–6% of the height instead.
    """
    pitch = pitch or height * float(rng.uniform(1.35, 1.9))
    digit_w = 0.6 * height
    placed: list[tuple[np.ndarray, int, int]] = []
    baselines = []
    n_touching = 0
    margin = int(height * 0.3) + 4 if pad is None else int(pad)
    for li, text in enumerate(lines):
        baseline = margin + height + li * pitch
        baselines.append(baseline)
        x = margin + (int(rng.uniform(0, 1.0) * height) if len(lines) > 1 else 0)
        shear = float(rng.uniform(-0.25, 0.25)) if handwritten else 0.0
        prev: tuple[np.ndarray, int, int] | None = None
        must_touch = touch_prob > 0 and len(text) >= 2
        touch_at = int(rng.integers(1, len(text))) if must_touch else -1
        for i, ch in enumerate(text):
            h = height * (float(rng.uniform(0.9, 1.1)) if handwritten else 1.0)
            g = glyph(int(ch), h)
            if handwritten:
                g = transform_glyph(g, float(rng.uniform(-7, 7)), shear)
            jitter = float(rng.uniform(-0.05, 0.05)) * height if handwritten else 0.0
            gy = int(round(baseline - g.shape[0] + jitter))
            gx = x
            if prev is not None:
                touch = i == touch_at or (touch_prob > 0 and rng.uniform() < touch_prob)
                gx = -1
                if touch:
                    overlap = max(1, int(round(float(rng.uniform(0.01, 0.06)) * height)))
                    tx = _touch_x(prev[0], prev[1], prev[2], g, gy, overlap)
                    if tx is not None:
                        gx = tx
                        n_touching += 1
                if gx < 0:
                    gx = prev[1] + prev[0].shape[1] + max(1, int(round(float(rng.uniform(*gap)) * digit_w)))
            placed.append((g, gx, gy))
            prev = (g, gx, gy)
            x = gx + g.shape[1]
    min_x = min(p[1] for p in placed)
    min_y = min(p[2] for p in placed)
    shift_x, shift_y = margin - min(min_x, margin), margin - min(min_y, margin)
    bw = max(p[1] + p[0].shape[1] for p in placed) + shift_x + margin
    bh = max(max(p[2] + p[0].shape[0] for p in placed) + shift_y, int(baselines[-1] + shift_y)) + margin
    alpha = np.zeros((bh, bw), np.float32)
    for g, gx, gy in placed:
        paste_max(alpha, g, gx + shift_x, gy + shift_y)
    return Block(alpha, [b + shift_y for b in baselines], pitch, height, n_touching)


def compose_form(rng: np.random.Generator, lines: list[str], glyph: GlyphFn, height: float, *, comb: bool) -> Block:
    """Lay out ``lines`` as a form's fields: one digit per cell, in a box each or in a comb.

    Cells are ``1.0–1.3 ×`` the digit height wide and ``1.25–1.5 ×`` tall, drawn as
    ``frames``: a box per cell (with a small gap between boxes) or, with ``comb``, one
    frame around the field and a divider between cells. Each digit sits in its cell
    with a little jitter, never touching the lines.
    """
    cell_w = height * float(rng.uniform(1.0, 1.3))
    cell_h = height * float(rng.uniform(1.25, 1.5))
    gap = 0.0 if comb else cell_w * float(rng.uniform(0.1, 0.3))
    pitch = cell_h * float(rng.uniform(1.5, 2.0))
    thick = max(1, round(height * float(rng.uniform(0.03, 0.06))))
    margin = int(0.5 * cell_h) + 4
    n_max = max(len(t) for t in lines)
    bw = int(2 * margin + n_max * (cell_w + gap))
    bh = int(2 * margin + cell_h + (len(lines) - 1) * pitch)
    alpha = np.zeros((bh, bw), np.float32)
    frames = np.zeros((bh, bw), np.float32)
    baselines = []
    for li, text in enumerate(lines):
        top = margin + li * pitch
        baselines.append(top + 0.5 * (cell_h + height))
        for i, ch in enumerate(text):
            x0 = margin + i * (cell_w + gap)
            if not comb:
                cv2.rectangle(frames, (round(x0), round(top)), (round(x0 + cell_w), round(top + cell_h)), 1.0, thick)
            g = transform_glyph(glyph(int(ch), height * float(rng.uniform(0.85, 1.0))), float(rng.uniform(-5, 5)))
            # A digit wider or taller than its cell's room is written smaller to fit, never cut.
            room_w, room_h = max(1, int(cell_w - 2 * thick - 4)), max(1, int(cell_h - 2 * thick - 4))
            fit = min(1.0, room_w / g.shape[1], room_h / g.shape[0])
            if fit < 1.0:
                size = (max(1, min(room_w, round(g.shape[1] * fit))), max(1, min(room_h, round(g.shape[0] * fit))))
                g = cv2.resize(g, size, interpolation=cv2.INTER_AREA)
            room_x, room_y = cell_w - g.shape[1], cell_h - g.shape[0]
            gx = round(x0 + room_x / 2 + float(rng.uniform(-0.25, 0.25)) * max(room_x - 2 * thick - 4, 0))
            gy = round(top + room_y / 2 + float(rng.uniform(-0.25, 0.25)) * max(room_y - 2 * thick - 4, 0))
            paste_max(alpha, g, gx, gy)
        if comb:
            x1 = margin + len(text) * cell_w
            cv2.rectangle(frames, (margin, round(top)), (round(x1), round(top + cell_h)), 1.0, thick)
            for i in range(1, len(text)):
                x = round(margin + i * cell_w)
                cv2.line(frames, (x, round(top)), (x, round(top + cell_h)), 1.0, thick)
    return Block(alpha, baselines, pitch, height, 0, frames)


# ----------------------------------------------------------------------------- paper


@dataclass
class Style:
    """How the page looks."""

    paper: tuple[float, float, float] = (242.0, 242.0, 238.0)
    ink: tuple[float, float, float] = (25.0, 25.0, 30.0)
    ink_strength: float = 1.0  # < 1: pencil / faint pen
    ink_texture: float = 0.0  # 0..1 grainy (pencil)
    ruling: str = "plain"  # plain | ruled | grid
    rule_color: tuple[float, float, float] = (170.0, 195.0, 225.0)
    rule_strength: float = 0.7
    rule_px: int = 1
    margin_line: bool = False


def random_ink(
    rng: np.random.Generator, *, pencil_prob: float = 0.0
) -> tuple[tuple[float, float, float], float, float]:
    """(RGB ink colour, strength, texture): black/blue pen, marker, or pencil grey."""
    if rng.uniform() < pencil_prob:
        grey = float(rng.uniform(70, 115))
        return (grey, grey, grey + 5), float(rng.uniform(0.55, 0.85)), float(rng.uniform(0.3, 0.7))
    kind = rng.choice(["black", "blue", "blue", "marker"])
    if kind == "blue":
        return (float(rng.uniform(20, 50)), float(rng.uniform(30, 60)), float(rng.uniform(110, 160))), 1.0, 0.1
    if kind == "marker":
        return (float(rng.uniform(5, 25)),) * 3, 1.0, 0.0
    v = float(rng.uniform(15, 45))
    return (v, v, v + 5), float(rng.uniform(0.85, 1.0)), 0.15


def random_paper(rng: np.random.Generator, *, tint: float = 12.0) -> tuple[float, float, float]:
    base = float(rng.uniform(215, 250))
    r, g, b = (base + float(rng.uniform(-tint, tint / 3)) for _ in range(3))
    return (min(r + 4, 255.0), min(g + 2, 255.0), min(b, 255.0))


def place_matrix(block: Block, angle: float, scale: float, centre: tuple[float, float]) -> np.ndarray:
    """2×3 affine taking block coordinates to page coordinates."""
    bh, bw = block.alpha.shape
    m = cv2.getRotationMatrix2D((bw / 2, bh / 2), angle, scale)
    m[:, 2] += (centre[0] - bw / 2, centre[1] - bh / 2)
    return m


def rotated_size(shape: tuple[int, int], angle: float) -> tuple[float, float]:
    """(width, height) of the bounding box of an ``(h, w)`` rectangle rotated by ``angle``."""
    h, w = shape
    c, s = abs(np.cos(np.radians(angle))), abs(np.sin(np.radians(angle)))
    return w * c + h * s, w * s + h * c


def fit_block(block: Block, angle: float, area: tuple[float, float]) -> tuple[Block, float]:
    """Shrink ``block`` (INTER_AREA) until its rotated box fits ``area`` = (w, h); returns (block, factor)."""
    rw, rh = rotated_size(block.alpha.shape, angle)
    factor = min(1.0, area[0] / rw, area[1] / rh)
    if factor >= 0.999:
        return block, 1.0
    bh, bw = block.alpha.shape
    size = (max(1, round(bw * factor)), max(1, round(bh * factor)))
    small = cv2.resize(block.alpha, size, interpolation=cv2.INTER_AREA)
    return (
        Block(
            small,
            [b * factor for b in block.baselines],
            block.pitch * factor,
            block.height * factor,
            block.n_touching,
            None if block.frames is None else cv2.resize(block.frames, size, interpolation=cv2.INTER_AREA),
        ),
        factor,
    )


def draw_rules(
    size: tuple[int, int], m: np.ndarray, block: Block, style: Style, rng: np.random.Generator
) -> np.ndarray:
    """Alpha of ruled or grid lines aligned with the text (same affine ``m``)."""
    w, h = size
    out = np.zeros((h, w), np.float32)
    if style.ruling == "plain":
        return out
    lin = m[:, :2]
    diag = float(np.hypot(w, h))
    bh, bw = block.alpha.shape
    ux = lin @ np.array([1.0, 0.0])
    uy = lin @ np.array([0.0, 1.0])
    ux /= np.linalg.norm(ux)
    uy /= np.linalg.norm(uy)
    scale = float(np.linalg.norm(lin @ np.array([1.0, 0.0])))

    def origin(x: float, y: float) -> np.ndarray:
        return m @ np.array([x, y, 1.0])

    def line(p: np.ndarray, d: np.ndarray) -> None:
        a, b = p - d * 2 * diag, p + d * 2 * diag
        cv2.line(out, tuple(int(v * 16) for v in a), tuple(int(v * 16) for v in b), 1.0, style.rule_px, cv2.LINE_AA, 4)

    if style.ruling == "ruled":
        pitch = block.pitch
        y0 = block.baselines[0] + 0.04 * block.height
        n = int(2 * diag / (pitch * scale)) + 2
        for k in range(-n, n + 1):
            line(origin(bw / 2, y0 + k * pitch), ux)
        if style.margin_line:
            xm = -float(rng.uniform(0.3, 1.2)) * block.height
            cv2.line(
                out,
                tuple(int(v * 16) for v in origin(xm, bh / 2) - uy * 2 * diag),
                tuple(int(v * 16) for v in origin(xm, bh / 2) + uy * 2 * diag),
                1.0,
                style.rule_px,
                cv2.LINE_AA,
                4,
            )
    else:  # grid
        cell = block.height * float(rng.uniform(0.5, 0.75))
        x0, y0 = float(rng.uniform(0, cell)), block.baselines[0] + float(rng.uniform(0, 0.2)) * block.height
        n = int(2 * diag / (cell * scale)) + 2
        for k in range(-n, n + 1):
            line(origin(bw / 2, y0 + k * cell), ux)
            line(origin(x0 + k * cell, bh / 2), uy)
    return out


def paint(
    rng: np.random.Generator,
    size: tuple[int, int],
    ink_alpha: np.ndarray,
    rule_alpha: np.ndarray,
    style: Style,
    *,
    paper_noise: float = 3.0,
) -> np.ndarray:
    """Paper colour, faint texture, rules and ink → float32 RGB (h, w, 3)."""
    w, h = size
    img = np.empty((h, w, 3), np.float32)
    img[:] = style.paper
    if paper_noise > 0:  # low-frequency paper unevenness
        small = rng.normal(0, paper_noise, (max(2, h // 32), max(2, w // 32))).astype(np.float32)
        img += cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)[..., None]
    if style.ruling != "plain":
        a = (rule_alpha * np.float32(style.rule_strength))[..., None]
        img += (np.asarray(style.rule_color, np.float32) - img) * a
    a = ink_alpha * np.float32(style.ink_strength)
    if style.ink_texture > 0:  # pencil grain, only where there is ink
        rows = np.flatnonzero(a.max(axis=1) > 0)
        cols = np.flatnonzero(a.max(axis=0) > 0)
        if rows.size:
            sub = a[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
            grain = 1 - rng.random(sub.shape, dtype=np.float32) * np.float32(style.ink_texture)
            sub *= cv2.GaussianBlur(grain, (3, 3), 0)
    img += (np.asarray(style.ink, np.float32) - img) * a[..., None]
    return img


# ----------------------------------------------------------------------------- scene / camera


def background(rng: np.random.Generator, size: tuple[int, int]) -> np.ndarray:
    """A dark-ish table/desk with texture and a few objects at the borders."""
    w, h = size
    base = np.array([rng.uniform(20, 110), rng.uniform(20, 95), rng.uniform(15, 80)], np.float32)
    img = np.empty((h, w, 3), np.float32)
    img[:] = base
    # wood-like streaks or fabric: stretched noise
    streak = rng.normal(0, 12, (max(2, h // 4), max(2, w // 64))).astype(np.float32)
    if rng.uniform() < 0.5:
        streak = streak.T.copy()
    img += cv2.resize(streak, (w, h), interpolation=cv2.INTER_CUBIC)[..., None]
    for _ in range(int(rng.integers(1, 5))):
        _clutter_object(rng, img)
    return img


def _clutter_object(rng: np.random.Generator, img: np.ndarray) -> None:
    h, w = img.shape[:2]
    colour = tuple(float(v) for v in rng.uniform(0, 255, 3))
    side = int(rng.integers(4))
    t = float(rng.uniform(0.1, 0.9))
    edge_pts = [(t * w, 0), (w, t * h), (t * w, h), (0, t * h)]
    cx, cy = edge_pts[side]
    kind = rng.choice(["pen", "mug", "phone", "blob"])
    s = min(w, h)
    if kind == "pen":
        length, width = float(rng.uniform(0.3, 0.6)) * s, float(rng.uniform(0.015, 0.035)) * s
        ang = float(rng.uniform(0, 180))
        box = cv2.boxPoints(((cx, cy), (length, width), ang))
        cv2.fillPoly(img, [np.round(box).astype(np.int32)], colour, cv2.LINE_AA)
    elif kind == "mug":
        r = int(float(rng.uniform(0.1, 0.22)) * s)
        cv2.circle(img, (int(cx), int(cy)), r, colour, -1, cv2.LINE_AA)
        cv2.circle(img, (int(cx), int(cy)), int(r * 0.8), tuple(c * 0.6 for c in colour), -1, cv2.LINE_AA)
    elif kind == "phone":
        size = (float(rng.uniform(0.15, 0.3)) * s, float(rng.uniform(0.3, 0.5)) * s)
        box = cv2.boxPoints(((cx, cy), size, float(rng.uniform(0, 180))))
        cv2.fillPoly(img, [np.round(box).astype(np.int32)], (20.0, 20.0, 25.0), cv2.LINE_AA)
    else:
        axes = (int(float(rng.uniform(0.05, 0.2)) * s), int(float(rng.uniform(0.05, 0.2)) * s))
        cv2.ellipse(img, (int(cx), int(cy)), axes, float(rng.uniform(0, 180)), 0, 360, colour, -1, cv2.LINE_AA)


def random_homography(rng: np.random.Generator, size: tuple[int, int], strength: float) -> np.ndarray:
    """A homography moving each corner by up to ``strength`` × the image size."""
    w, h = size
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    jitter = rng.uniform(-strength, strength, (4, 2)) * np.array([w, h])
    dst = (src + jitter).astype(np.float32)
    return cv2.getPerspectiveTransform(src, dst)


def lighting(rng: np.random.Generator, size: tuple[int, int], low: float, high: float = 1.08) -> np.ndarray:
    """Multiplicative light field: a linear gradient and a soft hot spot, in [low, high]."""
    w, h = size
    ys, xs = np.mgrid[0:h:8, 0:w:8].astype(np.float32)
    ang = float(rng.uniform(0, 2 * np.pi))
    lin = (xs / w - 0.5) * np.cos(ang) + (ys / h - 0.5) * np.sin(ang)
    cx, cy = rng.uniform(0, w), rng.uniform(0, h)
    rad = np.exp(-(((xs - cx) ** 2 + (ys - cy) ** 2) / (2 * (0.6 * max(w, h)) ** 2)))
    field = lin * float(rng.uniform(0.3, 1.0)) + rad * float(rng.uniform(0.0, 0.6))
    field = (field - field.min()) / max(float(np.ptp(field)), 1e-6)
    field = low + (high - low) * field
    return cv2.resize(field, (w, h), interpolation=cv2.INTER_LINEAR)


def shadow(rng: np.random.Generator, size: tuple[int, int], depth: float) -> np.ndarray:
    """Multiplicative soft shadow of an object (hand, phone) entering from one side."""
    w, h = size
    sw, sh = max(8, w // 4), max(8, h // 4)
    mask = np.zeros((sh, sw), np.float32)
    side = int(rng.integers(4))
    reach = float(rng.uniform(0.25, 0.6))
    t0, t1 = sorted(rng.uniform(0, 1, 2))
    if side == 0:
        pts = [(t0 * sw, 0), (t1 * sw, 0), (t1 * sw, reach * sh), (t0 * sw, reach * sh * 0.8)]
    elif side == 1:
        pts = [(sw, t0 * sh), (sw, t1 * sh), ((1 - reach) * sw, t1 * sh), ((1 - reach * 0.8) * sw, t0 * sh)]
    elif side == 2:
        pts = [(t0 * sw, sh), (t1 * sw, sh), (t1 * sw, (1 - reach) * sh), (t0 * sw, (1 - reach * 0.8) * sh)]
    else:
        pts = [(0, t0 * sh), (0, t1 * sh), (reach * sw, t1 * sh), (reach * 0.8 * sw, t0 * sh)]
    cv2.fillPoly(mask, [np.round(np.array(pts)).astype(np.int32)], 1.0)
    k = max(3, int(min(sw, sh) * float(rng.uniform(0.05, 0.2))) | 1)
    mask = cv2.GaussianBlur(mask, (k, k), 0)
    mask = cv2.resize(mask, (w, h), interpolation=cv2.INTER_LINEAR)
    return 1.0 - depth * mask


def camera(
    rng: np.random.Generator,
    img: np.ndarray,
    *,
    noise: float = 0.0,
    blur: float = 0.0,
    jpeg: int | None = None,
) -> np.ndarray:
    """Blur (σ px), sensor noise (σ grey levels), clip, JPEG round trip → uint8 RGB."""
    if blur > 0.25:
        img = cv2.GaussianBlur(img, (0, 0), blur)
    if noise > 0:  # luminance noise per pixel, colour noise at half resolution
        h, w = img.shape[:2]
        luma = rng.standard_normal((h, w), dtype=np.float32)
        luma *= np.float32(noise * 0.8)
        chroma = rng.standard_normal((max(1, h // 2), max(1, w // 2), 3), dtype=np.float32)
        chroma *= np.float32(noise * 0.5)
        img = img + luma[..., None]
        img += cv2.resize(chroma, (w, h), interpolation=cv2.INTER_NEAREST)
    out = cv2.convertScaleAbs(img.clip(0, 255, out=img))  # rounds and saturates to uint8
    if jpeg is not None:
        ok, buf = cv2.imencode(".jpg", out[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, int(jpeg)])
        if ok:
            out = cv2.imdecode(buf, cv2.IMREAD_COLOR)[..., ::-1].copy()
    return np.ascontiguousarray(out)
