"""Step (e): group candidate boxes into text lines, robust to slant and drift.

Method: estimate the dominant text direction from each box's nearest right
neighbour (median angle), then link every box to at most one right neighbour and
one left neighbour greedily by cost (horizontal gap + deviation from the text
direction, both relative to height). The resulting chains follow slanted and
drifting lines and never jump to a close row above/below. Collinear chains
separated by a wide gap are then joined, and lines are ordered top to bottom by
their height at the image centre along the text direction — left to right where
lines too far apart to join share a row.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

import numpy as np

from .config import SegmentationConfig


def estimate_slope(boxes: np.ndarray, *, config: SegmentationConfig) -> float:
    """Dominant text direction (dy/dx) of ``boxes`` (K, 4), 0 when undetermined."""
    if len(boxes) < 2:
        return 0.0
    cx, cy, h = _centres(boxes)
    dx = cx[None, :] - cx[:, None]
    dy = cy[None, :] - cy[:, None]
    hm = np.maximum(h[:, None], h[None, :])
    max_tan = np.tan(np.radians(config.line_max_angle))
    ok = (dx > 0) & (np.abs(dy) <= max_tan * dx) & (dx <= (config.line_max_gap + 1.0) * hm)
    ok &= np.minimum(h[:, None], h[None, :]) >= config.line_min_height_ratio * hm
    dist = np.where(ok, np.hypot(dx, dy), np.inf)
    j = np.argmin(dist, axis=1)
    has = np.isfinite(dist[np.arange(len(boxes)), j])
    if not has.any():
        return 0.0
    i = np.flatnonzero(has)
    angles = np.arctan2(dy[i, j[i]], dx[i, j[i]])
    return float(np.tan(np.median(angles)))


class _Geometry(NamedTuple):
    """Each box's centre, height and horizontal extent, float64."""

    cx: np.ndarray
    cy: np.ndarray
    h: np.ndarray
    x0: np.ndarray
    x1: np.ndarray


def digit_height(heights: np.ndarray) -> float:
    """The digit height of a line or word from its components' heights: their median, the
    marks under 0.6 × the median (dots, commas) left out."""
    hs = np.asarray(heights, np.float64)
    return float(np.median(hs[hs >= 0.6 * np.median(hs)]))


def _chain_heights(chains: list[list[int]], h: np.ndarray) -> np.ndarray:
    """The median box height of each chain."""
    return np.array([np.median(h[c]) for c in chains])


def _centres(boxes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    b = boxes.astype(np.float64)
    return b[:, 0] + b[:, 2] / 2, b[:, 1] + b[:, 3] / 2, np.maximum(b[:, 3], 1.0)


def group_lines(boxes: np.ndarray, *, config: SegmentationConfig, slope: float | None = None) -> list[list[int]]:
    """Group boxes into text lines.

    Parameters
    ----------
    boxes : (K, 4) ndarray
        ``x, y, w, h`` of each candidate.
    slope : float, optional
        The dominant text direction when already known (:func:`estimate_slope` of ``boxes``).

    Returns
    -------
    list of list of int
        Indices into ``boxes``: lines top→bottom, each left→right. Every box is in
        exactly one line (a lone box is a line of its own).
    """
    k = len(boxes)
    if k == 0:
        return []
    slope = estimate_slope(boxes, config=config) if slope is None else slope
    cx, cy, h = _centres(boxes)
    x0 = boxes[:, 0].astype(np.float64)
    x1 = x0 + boxes[:, 2]
    nxt = np.full(k, -1)
    prv = np.full(k, -1)
    if k > 1:
        hm = np.maximum(h[:, None], h[None, :])
        gap = x0[None, :] - x1[:, None]
        dxc = cx[None, :] - cx[:, None]
        resid = (cy[None, :] - cy[:, None]) - slope * dxc
        ok = (dxc > 0) & (gap <= config.line_max_gap * hm) & (np.abs(resid) <= config.line_max_dy * hm)
        ok &= gap >= -0.6 * np.minimum(boxes[:, 2][:, None], boxes[:, 2][None, :])
        ok &= np.minimum(h[:, None], h[None, :]) >= config.line_min_height_ratio * hm
        ii, jj = np.nonzero(ok)
        cost = np.maximum(gap[ii, jj], 0) / hm[ii, jj] + 2.0 * np.abs(resid[ii, jj]) / hm[ii, jj]
        for p in np.argsort(cost, kind="stable"):
            i, j = int(ii[p]), int(jj[p])
            if nxt[i] < 0 and prv[j] < 0:
                nxt[i], prv[j] = j, i
    chains = []
    for start in np.flatnonzero(prv < 0):
        chain = [int(start)]
        while nxt[chain[-1]] >= 0:
            chain.append(int(nxt[chain[-1]]))
        chains.append(chain)
    geo = _Geometry(cx, cy, h, x0, x1)
    chains = _join_collinear(chains, geo, slope=slope, config=config)
    centre_x = float((x0.min() + x1.max()) / 2)
    keys = [_line_y_at(c, cx, cy, centre_x, slope) for c in chains]
    order = _reading_order(chains, keys, geo, slope=slope, tol=config.line_row_tol, slant=config.line_row_slant)
    return [sorted(chains[i], key=lambda m: cx[m]) for i in order]


def _reading_order(
    chains: list[list[int]], keys: list[float], geo: _Geometry, *, slope: float, tol: float, slant: float
) -> list[int]:
    """Lines top to bottom by ``keys``, and left to right where several share a row.

    Lines too far apart to be joined (two fields of a form, a date and an amount) may
    stand on one row, their heights differing by noise only. Each line's height is taken
    along the page's text direction (``slope``) at its own boxes: a line's own fitted
    slope, carried far beyond it, would move it by more than that noise. Taken in
    ``keys`` order, a line joins the row before it when it is within ``tol`` × the
    smaller digit height of every line there, plus ``slant`` × the distance between
    them (the page's direction, estimated from a few short handwritten numbers, is
    off by a degree or two), and overlaps none of them horizontally; each row is then
    read left to right.
    """
    cx, cy, h, x0, x1 = geo
    level = np.array([np.median(cy[c] - slope * cx[c]) for c in chains])
    hc = _chain_heights(chains, h)
    left = np.array([x0[c].min() for c in chains])
    right = np.array([x1[c].max() for c in chains])
    mid = np.array([np.median(cx[c]) for c in chains])
    rows: list[list[int]] = []
    for i in (int(i) for i in np.argsort(keys, kind="stable")):
        row = rows[-1] if rows else []
        if row and all(
            abs(level[i] - level[j]) <= tol * min(hc[i], hc[j]) + slant * abs(mid[i] - mid[j])
            and (right[i] <= left[j] or right[j] <= left[i])
            for j in row
        ):
            row.append(i)
        else:
            rows.append([i])
    return [i for row in rows for i in sorted(row, key=lambda c: left[c])]


def line_angles(
    boxes: np.ndarray,
    lines: list[list[int]],
    *,
    config: SegmentationConfig,
    slope: float | None = None,
    rows: Mapping[int, float] | None = None,
) -> list[float]:
    """Slant of each line in degrees (positive: falling to the right, image y pointing down).

    A line of three or more boxes gets its own least-squares fit. A line of one box that
    is a row of touching digits runs along its own ink: ``rows`` maps such a box to that
    direction, in degrees (:func:`.components.row_axis`); alone, it has no neighbours to
    give one. Other short lines take the image's dominant direction (:func:`estimate_slope`).
    """
    if not lines:
        return []
    slope = estimate_slope(boxes, config=config) if slope is None else slope
    cx, cy, _ = _centres(boxes)
    rows = rows or {}
    return [
        rows[line[0]]
        if len(line) == 1 and line[0] in rows
        else float(np.degrees(np.arctan(_fit(line, cx, cy, slope)[0])))
        for line in lines
    ]


def _fit(chain: list[int], cx: np.ndarray, cy: np.ndarray, slope: float) -> tuple[float, float]:
    """Slope and intercept of a chain (the global slope unless it has 3+ boxes)."""
    xs, ys = cx[chain], cy[chain]
    if len(chain) >= 3 and np.ptp(xs) > 0:
        s, b = np.polyfit(xs, ys, 1)
        if abs(np.degrees(np.arctan(s))) <= 45:
            return float(s), float(b)
    return slope, float(np.mean(ys - slope * xs))


def _line_y_at(chain: list[int], cx: np.ndarray, cy: np.ndarray, x: float, slope: float) -> float:
    s, b = _fit(chain, cx, cy, slope)
    return s * x + b


def _join_collinear(
    chains: list[list[int]], geo: _Geometry, *, slope: float, config: SegmentationConfig
) -> list[list[int]]:
    """Join chains that continue each other on the same line across a wide gap, again while
    any join: a chain of one small piece joins the chain after it, and the two together are
    then tall enough to join the chain before them."""
    while len(joined := _join_collinear_once(chains, geo, slope=slope, config=config)) < len(chains):
        chains = joined
    return chains


def _join_collinear_once(
    chains: list[list[int]], geo: _Geometry, *, slope: float, config: SegmentationConfig
) -> list[list[int]]:
    n = len(chains)
    if n < 2:
        return chains
    cx, cy, h, x0, x1 = geo
    fits = np.array([_fit(c, cx, cy, slope) for c in chains])
    end = np.array([x1[c].max() for c in chains])
    first = np.array([min(c, key=lambda m: cx[m]) for c in chains])
    hc = _chain_heights(chains, h)
    hm = np.maximum(hc[:, None], hc[None, :])
    gap = x0[first][None, :] - end[:, None]  # a (row) → b (column)
    pred = fits[:, 0][:, None] * cx[first][None, :] + fits[:, 1][:, None]
    resid = np.abs(cy[first][None, :] - pred)
    ok = (gap >= 0) & (gap <= config.line_join_gap * hm) & (resid <= 0.4 * hm)
    ok &= np.minimum(hc[:, None], hc[None, :]) >= config.line_min_height_ratio * hm
    ii, jj = np.nonzero(ok)
    if ii.size == 0:
        return chains
    cost = (gap[ii, jj] + 2 * resid[ii, jj]) / hm[ii, jj]
    nxt = np.full(n, -1)
    prv = np.full(n, -1)
    for p in np.argsort(cost, kind="stable"):
        a, b = int(ii[p]), int(jj[p])
        if nxt[a] < 0 and prv[b] < 0:
            nxt[a], prv[b] = b, a
    out = []
    for a in np.flatnonzero(prv < 0):
        joined = list(chains[a])
        while nxt[a] >= 0:
            a = int(nxt[a])
            joined += chains[a]
        out.append(joined)
    return out
