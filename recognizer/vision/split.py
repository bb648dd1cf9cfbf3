"""The split half of step (d): cut a component holding touching digits.

Candidate cuts are minima of the column ink profile and notches of the component's
outline (where touching digits meet, it dips); every cut sequence whose
pieces have plausible digit widths is scored by the classifier's confidence in
each piece (mean log probability), a prior on the number of digits from the
component's width, and the ink the cuts go through. The caller classifies all
pieces of all components in one batch and passes the scores in.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping

import cv2
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view as windows

from .components import label_components
from .config import SegmentationConfig

Segment = tuple[int, int]


def without_slivers(piece: np.ndarray, *, cut_left: bool, cut_right: bool, share: float) -> np.ndarray:
    """The ink mask ``piece`` (uint8) of a cut component without the bits of its neighbour's
    strokes a cut left in it: parts touching a side that was cut (``cut_left``,
    ``cut_right``) with under ``share`` of the piece's ink, not its largest part. The
    classifier and the verifier then see the digit alone.
    """
    if share <= 0 or not (cut_left or cut_right):
        return piece
    n, labels, stats = label_components(piece)
    if n <= 2:
        return piece
    x, w, area = stats[1:, cv2.CC_STAT_LEFT], stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_AREA]
    at_cut = ((x == 0) & cut_left) | ((x + w == piece.shape[1]) & cut_right)
    sliver = at_cut & (area < share * area.sum()) & (area < area.max())
    if not sliver.any():
        return piece
    return np.where(np.concatenate([[False], ~sliver])[labels], piece, 0).astype(np.uint8)


def needs_split(width: float, *, ref_height: float, config: SegmentationConfig) -> bool:
    """Whether a component ``width`` px wide may hold several digits of its line."""
    return width > config.split_min_width * ref_height


def cut_candidates(mask: np.ndarray, *, ref_height: float, config: SegmentationConfig) -> tuple[np.ndarray, np.ndarray]:
    """Columns where a touching pair could be cut: the cheapest minima of the column ink
    profile, the notches of the component's outline (:func:`_notches`), and in any stretch
    still wider than a piece, a column near its middle.

    Parameters
    ----------
    mask : (M, N) uint8 ndarray
        Ink of one component (255 = ink).
    ref_height : float
        Height of the digits of its line, px.

    Returns
    -------
    cuts : (C,) int ndarray
        Sorted cut columns in ``1 .. N-1``, ``C <= config.split_max_cuts``.
    costs : (C,) float ndarray
        Ink crossed by each cut divided by ``ref_height``.
    """
    w = mask.shape[1]
    prof = np.count_nonzero(mask, axis=0).astype(np.float64)
    win = max(1, round(0.04 * ref_height))
    if win > 1:
        prof = np.convolve(prof, np.ones(win) / win, mode="same")
    margin = max(1, int(config.split_min_piece_width * ref_height))
    if w - 2 * margin < 1:
        return np.zeros(0, int), np.zeros(0)
    inner = np.arange(margin, w - margin + 1)
    inner = inner[(inner > 0) & (inner < w)]
    left = prof[np.maximum(inner - 1, 0)]
    right = prof[np.minimum(inner + 1, w - 1)]
    p = prof[inner]
    minima = inner[(p <= left) & (p <= right)]
    n_est = max(1, round(w / (config.split_digit_width * ref_height)))
    even = np.array([round(w * i / n_est) for i in range(1, n_est)], int)
    notches = _notches(mask, inner, ref_height=ref_height, config=config)
    cand = np.unique(np.concatenate([minima, even[(even >= margin) & (even <= w - margin)]]))
    # Keep the cheapest cuts, at least 0.08 × height apart, then the notches on top of them:
    # a notch may cross more ink than the columns beside it.
    order = cand[np.argsort(prof[cand], kind="stable")]
    chosen: list[int] = []
    max_cuts = min(config.split_max_cuts, 2 * n_est + 1)
    min_sep = max(1.0, 0.08 * ref_height)
    for c in order:
        if all(abs(int(c) - o) >= min_sep for o in chosen):
            chosen.append(int(c))
        if len(chosen) >= max_cuts:
            break
    for c in notches[np.argsort(prof[notches], kind="stable")]:
        if len(chosen) < config.split_max_cuts and all(abs(int(c) - o) >= min_sep for o in chosen):
            chosen.append(int(c))
    # The cheapest cuts can bunch up (a long chain has many shallow valleys at one end):
    # a stretch wider than any piece would leave no valid partition. It gets a cut near
    # its middle, the cheapest candidate (or column) leaving both sides no wider than a
    # piece, or, in a stretch over two pieces wide, both sides shorter by half a piece.
    widest = config.split_max_piece_width * ref_height
    bounds = sorted([0, *chosen, w])
    gaps = [(a, b) for a, b in itertools.pairwise(bounds) if b - a > widest]
    while gaps and len(chosen) < config.split_max_cuts:
        a, b = gaps.pop()
        half = widest - (b - a) / 2 if b - a <= 2 * widest else widest / 2
        lo, hi = max(a + 1, math.floor((a + b) / 2 - half)), min(b - 1, math.ceil((a + b) / 2 + half))
        if lo > hi:  # a stretch of one column, wider than a piece under 1 px tall
            continue
        inside = cand[(cand >= lo) & (cand <= hi)]
        inside = inside if inside.size else np.arange(lo, hi + 1)
        c = int(inside[np.argmin(prof[inside])])
        chosen.append(c)
        gaps += [(x, y) for x, y in ((a, c), (c, b)) if y - x > widest]
    cuts = np.array(sorted(chosen), int)
    return cuts, prof[cuts] / max(ref_height, 1.0)


def _notches(mask: np.ndarray, inner: np.ndarray, *, ref_height: float, config: SegmentationConfig) -> np.ndarray:
    """Columns of ``inner`` where the upper outline dips down or the lower one rises up.

    Where two digits touch, the outline has a notch, though the column there may cross
    more ink than its neighbours (a narrow 9 whose tail runs into a 6, a 1 leaning on a
    4): the column profile's minima miss it. A notch is the deepest point of the outline
    within ``split_notch_reach × height`` on both sides, and at least
    ``split_notch_depth × height`` deeper than the outline on each side.
    """
    if config.split_notch_depth <= 0:
        return inner[:0]
    h = mask.shape[0]
    ink = mask > 0
    has = ink.any(axis=0)
    top = np.where(has, np.argmax(ink, axis=0), h).astype(np.float64)  # first ink row, down
    bottom = np.where(has, h - 1 - np.argmax(ink[::-1], axis=0), -1).astype(np.float64)
    reach = max(2, round(config.split_notch_reach * ref_height))
    depth = config.split_notch_depth * ref_height
    notch = np.zeros(len(top), bool)
    for depth_of in (top, -bottom):  # how far the outline is pushed in, per column
        high = windows(np.pad(depth_of, reach, constant_values=-np.inf), 2 * reach + 1).max(axis=1)
        low = windows(np.pad(depth_of, reach, constant_values=np.inf), 2 * reach + 1)
        left, right = low[:, :reach].min(axis=1), low[:, reach + 1 :].min(axis=1)
        notch |= (depth_of >= high) & (depth_of - left >= depth) & (depth_of - right >= depth)
    return inner[notch[inner]]


def valid_segments(
    width: int, cuts: np.ndarray, *, ref_height: float, config: SegmentationConfig, allow_whole: bool
) -> list[Segment]:
    """All ``(start, stop)`` column ranges between cuts with a plausible digit width."""
    bounds = [0, *(int(c) for c in cuts), width]
    lo, hi = config.split_min_piece_width * ref_height, config.split_max_piece_width * ref_height
    out = []
    for a, b in itertools.combinations(bounds, 2):
        if (a, b) == (0, width):
            if allow_whole:
                out.append((a, b))
        elif lo <= b - a <= hi:
            out.append((a, b))
    return out


def best_partition(
    width: int,
    cuts: np.ndarray,
    costs: np.ndarray,
    scores: Mapping[Segment, float],
    *,
    ref_height: float,
    config: SegmentationConfig,
    summed: Mapping[Segment, float] | None = None,
) -> tuple[float, list[Segment]]:
    """The cut sequence with the best score, and that score.

    The score of ``k`` pieces is the mean of their scores, plus the sum of their
    ``summed`` scores, minus ``split_count_penalty × |k - width / digit width|``, minus
    ``split_cut_penalty ×`` the mean cost of the cuts. For a fixed ``k`` the means are sums with fixed weights,
    so a dynamic programme over (cut, pieces so far) finds the best sequence of each
    length exactly, in ``O(k · S)`` for ``S`` valid segments, instead of trying all
    ``2^C`` subsets of cuts.

    Parameters
    ----------
    width : int
        Component width, px.
    cuts, costs : (C,) ndarray
        From :func:`cut_candidates`.
    scores : mapping (start, stop) → float
        Log-confidence of every valid segment (0 without a classifier). Segments
        missing from it are invalid.
    summed : mapping (start, stop) → float, optional
        Scores added per piece rather than averaged: the weighted log-probability that
        the segment is one whole digit (the verifier's), so a partition is only as
        likely as all its pieces together. Missing segments add 0.

    Returns
    -------
    score : float
        The partition's score (``-inf`` when no partition is valid).
    list of (start, stop)
        Left-to-right pieces covering ``0 .. width``; ``[(0, width)]`` when no
        partition is valid.
    """
    n_est = width / (config.split_digit_width * ref_height)
    bounds = [0, *(int(c) for c in cuts), width]
    cost_at = [0.0, *(float(v) for v in costs), 0.0]
    n = len(bounds)
    summed = summed or {}
    # The valid segments ending at each bound: (start bound, score, summed score).
    ending: list[list[tuple[int, float, float]]] = [[] for _ in range(n)]
    for j in range(1, n):
        for i in range(j):
            score = scores.get((bounds[i], bounds[j]))
            if score is not None:
                ending[j].append((i, score, summed.get((bounds[i], bounds[j]), 0.0)))
    best: tuple[float, list[Segment]] | None = None
    for k in range(1, n):
        cut_weight = config.split_cut_penalty / (k - 1) if k > 1 else 0.0
        # value[j]: the best sum over m pieces covering 0 .. bounds[j] (m = passes so far)
        value = [0.0] + [-math.inf] * (n - 1)
        paths: list[list[int]] = [[0]] + [[] for _ in range(n - 1)]
        for _ in range(k):
            new_value = [-math.inf] * n
            new_paths: list[list[int]] = [[] for _ in range(n)]
            for j in range(1, n):
                for i, score, extra in ending[j]:
                    if value[i] == -math.inf:
                        continue
                    v = value[i] + score / k + extra - (cut_weight * cost_at[i] if i > 0 else 0.0)
                    if v > new_value[j] + 1e-12:
                        new_value[j], new_paths[j] = v, [*paths[i], j]
            value, paths = new_value, new_paths
        if value[n - 1] == -math.inf:
            continue
        score = value[n - 1] - config.split_count_penalty * abs(k - n_est)
        if best is None or score > best[0] + 1e-9:
            path = paths[n - 1]
            best = (score, [(bounds[a], bounds[b]) for a, b in zip(path[:-1], path[1:], strict=True)])
    return best if best is not None else (-math.inf, [(0, width)])
