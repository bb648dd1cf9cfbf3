"""Step (a'): find the sheet of paper in a photo, so the desk around it is ignored.

Method, on a reduced copy with the ink closed away: the desk is every dark region
(log-brightness Otsu split) connected to the image border and covering a fair part
of the frame, much darker than the paper beside it (a shadow cast across the page
joins the desk it falls from into one region: its deep part is desk when the rest is
smooth); the sheet is the rest, holes filled (ink, shadows inside the page),
shrunk by a small margin so the paper edge itself never reads as ink. Where a light
object lies against the sheet, the hull takes in the desk between them; grainy desk
there is cut out again (a shadow on the page is smooth and stays). A scan with no
desk, a dark board (already inverted) or a low-contrast scene gives no sheet: the
whole frame is used.
"""

from __future__ import annotations

from typing import NamedTuple

import cv2
import numpy as np

from .config import SegmentationConfig


class Sheet(NamedTuple):
    """The sheet of paper in a photo, on the working image (uint8, 255 on the sheet)."""

    mask: np.ndarray  # where ink is looked for: the outline less the grainy desk it takes in
    outline: np.ndarray  # the convex outline, shrunk alike: the paper and ink levels are taken inside it


def find_sheet(grey: np.ndarray, *, config: SegmentationConfig) -> Sheet | None:
    """The sheet of paper in ``grey``, or None when the whole frame is paper.

    Parameters
    ----------
    grey : (M, N) uint8 ndarray
        Working image, dark ink on light paper.

    Returns
    -------
    Sheet or None
    """
    h, w = grey.shape
    f = min(1.0, config.sheet_work_side / max(h, w))
    size = (max(1, round(w * f)), max(1, round(h * f)))
    small = cv2.resize(grey, size, interpolation=cv2.INTER_AREA) if f < 1 else grey
    if min(small.shape) < 16:
        return None
    k = max(3, int(config.sheet_close_frac * min(small.shape)) | 1)
    copy = small
    small = cv2.morphologyEx(small, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    # Log brightness: the light falloff multiplies paper and desk alike.
    lut = np.round(np.log1p(np.arange(256)) / np.log(256.0) * 255).astype(np.uint8)
    logs = cv2.LUT(small, lut)
    t, dark = cv2.threshold(logs, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(dark, connectivity=4)
    sh, sw = dark.shape
    big = _large_at_border(stats, (0, 0), dark.shape, config=config)
    if big.size == 0:
        return None
    grain = _grain(copy)
    # A desk region is much darker than the paper right next to it; a shadow on the
    # page is not (its depth is rarely beyond half the light).
    ring_k = cv2.getStructuringElement(cv2.MORPH_RECT, (7, 7))
    desk = np.zeros(dark.shape, bool)
    for i in big:
        x, y, bw, bh = (int(v) for v in stats[i, :4])
        x0, y0, x1, y1 = max(0, x - 4), max(0, y - 4), min(sw, x + bw + 4), min(sh, y + bh + 4)
        comp = (labels[y0:y1, x0:x1] == i).astype(np.uint8)
        ring = (cv2.dilate(comp, ring_k) > 0) & (dark[y0:y1, x0:x1] == 0)
        if not ring.any():
            continue
        inside = small[y0:y1, x0:x1][comp > 0]
        deep = config.sheet_max_desk_ratio * np.median(small[y0:y1, x0:x1][ring])
        if np.median(inside) <= deep:
            desk[y0:y1, x0:x1] |= comp > 0
            continue
        # A shadow cast across the page from beyond it joins the desk it falls from into
        # one dark region, as a whole no darker than shade. When the rest of it is smooth
        # (a shadow, not a lighter, grainy desk), its deep part is the desk.
        part = ((small[y0:y1, x0:x1] <= deep) & (comp > 0)).view(np.uint8)
        rest = (comp > 0) & (part == 0)
        crop = (slice(y0, y1), slice(x0, x1))
        if not part.any() or not rest.any() or _grainy(grain[crop], copy[crop], rest, config=config):
            continue
        _, plabels, pstats, _ = cv2.connectedComponentsWithStats(part, connectivity=4)
        for j in _large_at_border(pstats, (x0, y0), dark.shape, config=config):
            desk[crop] |= plabels == j
    if not desk.any():
        return None
    paper = ~desk
    if paper.sum() < config.sheet_min_area_frac * paper.size:
        return None
    sheet = paper.astype(np.uint8) * 255
    # Fill holes: the largest paper region and everything it encloses.
    n, labels, stats, _ = cv2.connectedComponentsWithStats(sheet, connectivity=4)
    if n < 2:
        return None
    biggest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    sheet = (labels == biggest).astype(np.uint8) * 255
    contours, _ = cv2.findContours(sheet, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    # A sheet is convex: the hull fills holes and straightens the steps of the copy.
    hull = cv2.convexHull(np.concatenate(contours))
    wedges = _grainy_desk_inside(copy, grain, desk, hull, config=config)
    hull = hull.astype(np.float64)
    if f < 1:
        hull = (hull + 0.5) * np.array([w / sw, h / sh]) - 0.5
    outline = np.zeros((h, w), np.uint8)
    cv2.fillPoly(outline, [np.round(hull).astype(np.int32)], 255)
    m = max(1, round(config.sheet_margin_frac * min(h, w)))
    # The default border value leaves the sheet whole where it runs off the frame.
    square = cv2.getStructuringElement(cv2.MORPH_RECT, (2 * m + 1, 2 * m + 1))
    if wedges is None:
        outline = cv2.erode(outline, square)
        return Sheet(outline, outline)
    if f < 1:
        wedges = cv2.threshold(cv2.resize(wedges, (w, h), interpolation=cv2.INTER_LINEAR), 127, 255, 0)[1]
    # Shrunk after the desk is left out, so the margin holds along those cuts too.
    mask = cv2.erode(cv2.bitwise_and(outline, cv2.bitwise_not(wedges)), square)
    return Sheet(mask, cv2.erode(outline, square))


def _large_at_border(
    stats: np.ndarray, offset: tuple[int, int], shape: tuple[int, ...], *, config: SegmentationConfig
) -> np.ndarray:
    """The labels (of ``cv2.connectedComponentsWithStats``' ``stats``, background left out) of the
    regions touching the border of an image of ``shape`` — their boxes offset by ``offset``
    (x, y) in it — that cover ``sheet_min_desk_frac`` of it: desk candidates."""
    sh, sw = shape[:2]
    x, y, w, h, area = (stats[1:, i] for i in range(5))
    x, y = x + offset[0], y + offset[1]
    touches = (x == 0) | (y == 0) | (x + w >= sw) | (y + h >= sh)
    return np.flatnonzero(touches & (area >= config.sheet_min_desk_frac * sh * sw)) + 1


def _grain(copy: np.ndarray) -> np.ndarray:
    """Absolute Laplacian of the small copy: desk grain is high, paper in shade low."""
    return np.abs(cv2.Laplacian(copy, cv2.CV_32F, ksize=3))


def _grainy_desk_inside(
    copy: np.ndarray, grain: np.ndarray, desk: np.ndarray, hull: np.ndarray, *, config: SegmentationConfig
) -> np.ndarray | None:
    """The desk the sheet's convex outline takes in where it is grainy, on the small copy.

    A light object lying against the sheet (a mug's rim, a ruler, a coloured card) is
    paper to the brightness split, and the hull of both takes in the desk between them;
    its grain binarises into strokes read as 1s. A desk region inside the hull of at
    least ``sheet_wedge_min_frac`` of the copy whose median absolute Laplacian is at
    least ``sheet_wedge_texture`` × its median brightness is grain. A shadow on the page
    dark enough to pass for desk is smooth (0.05–0.25 where we looked, grainy desk
    0.75–2) and stays on the sheet. Returns a 255 mask, or None when there is none.
    """
    if config.sheet_wedge_texture <= 0:
        return None
    inside = np.zeros(desk.shape, np.uint8)
    cv2.fillPoly(inside, [hull], 1)
    taken = (desk & (inside > 0)).view(np.uint8)
    _, labels, stats, _ = cv2.connectedComponentsWithStats(taken, connectivity=4)
    large = np.flatnonzero(stats[1:, cv2.CC_STAT_AREA] >= config.sheet_wedge_min_frac * desk.size) + 1
    if not large.size:
        return None
    out = np.zeros(desk.shape, np.uint8)
    for i in large:
        region = labels == i
        if _grainy(grain, copy, region, config=config):
            out[region] = 255
    return out if out.any() else None


def _grainy(grain: np.ndarray, copy: np.ndarray, region: np.ndarray, *, config: SegmentationConfig) -> bool:
    """Whether ``region`` of the small copy is grainy desk, not smooth paper in shade: its median
    absolute Laplacian (``grain``, :func:`_grain`) at least ``sheet_wedge_texture`` × its median
    brightness."""
    return bool(np.median(grain[region]) >= config.sheet_wedge_texture * max(1.0, float(np.median(copy[region]))))
