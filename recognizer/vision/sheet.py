"""Step (a'): find the sheet of paper in a photo, so the desk around it is ignored.

Method, on a reduced copy with the ink closed away: the desk is every dark region
(log-brightness Otsu split) connected to the image border and covering a fair part
of the frame; the sheet is the rest, holes filled (ink, shadows inside the page),
shrunk by a small margin so the paper edge itself never reads as ink. A scan with
no desk, a dark board (already inverted) or a low-contrast scene gives no sheet:
the whole frame is used.
"""

from __future__ import annotations

import cv2
import numpy as np

from .config import SegmentationConfig


def find_sheet(grey: np.ndarray, *, config: SegmentationConfig) -> np.ndarray | None:
    """Mask of the sheet of paper in ``grey``, or None when the whole frame is paper.

    Parameters
    ----------
    grey : (M, N) uint8 ndarray
        Working image, dark ink on light paper.

    Returns
    -------
    (M, N) uint8 ndarray, 255 on the sheet; or None.
    """
    h, w = grey.shape
    f = min(1.0, config.sheet_work_side / max(h, w))
    size = (max(1, round(w * f)), max(1, round(h * f)))
    small = cv2.resize(grey, size, interpolation=cv2.INTER_AREA) if f < 1 else grey
    if min(small.shape) < 16:
        return None
    k = max(3, int(config.sheet_close_frac * min(small.shape)) | 1)
    small = cv2.morphologyEx(small, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    # Log brightness: the light falloff multiplies paper and desk alike.
    lut = np.round(np.log1p(np.arange(256)) / np.log(256.0) * 255).astype(np.uint8)
    logs = cv2.LUT(small, lut)
    t, dark = cv2.threshold(logs, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(dark, connectivity=4)
    sh, sw = dark.shape
    x, y, bw, bh, area = (stats[1:, i] for i in range(5))
    touches = (x == 0) | (y == 0) | (x + bw >= sw) | (y + bh >= sh)
    big = np.flatnonzero(touches & (area >= config.sheet_min_desk_frac * sh * sw)) + 1
    if big.size == 0:
        return None
    # A desk region is much darker than the paper right next to it; a shadow on the
    # page is not (its depth is rarely beyond half the light).
    ring_k = cv2.getStructuringElement(cv2.MORPH_RECT, (7, 7))
    desk = np.zeros(dark.shape, bool)
    for i in big:
        x0, y0 = max(0, int(x[i - 1]) - 4), max(0, int(y[i - 1]) - 4)
        x1, y1 = min(sw, int(x[i - 1] + bw[i - 1]) + 4), min(sh, int(y[i - 1] + bh[i - 1]) + 4)
        comp = (labels[y0:y1, x0:x1] == i).astype(np.uint8)
        ring = (cv2.dilate(comp, ring_k) > 0) & (dark[y0:y1, x0:x1] == 0)
        if not ring.any():
            continue
        inside = small[y0:y1, x0:x1][comp > 0]
        if np.median(inside) <= config.sheet_max_desk_ratio * np.median(small[y0:y1, x0:x1][ring]):
            desk[y0:y1, x0:x1] |= comp > 0
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
    hull = cv2.convexHull(np.concatenate(contours)).astype(np.float64)
    if f < 1:
        hull = (hull + 0.5) * np.array([w / sw, h / sh]) - 0.5
    sheet = np.zeros((h, w), np.uint8)
    cv2.fillPoly(sheet, [np.round(hull).astype(np.int32)], 255)
    m = max(1, round(config.sheet_margin_frac * min(h, w)))
    # The default border value leaves the sheet whole where it runs off the frame.
    sheet = cv2.erode(sheet, cv2.getStructuringElement(cv2.MORPH_RECT, (2 * m + 1, 2 * m + 1)))
    return sheet
