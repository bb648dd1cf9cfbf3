"""The split half of step (d): cut a component holding touching digits.

Candidate cuts are minima of the column ink profile; every cut sequence whose
pieces have plausible digit widths is scored by the classifier's confidence in
each piece (mean log probability), a prior on the number of digits from the
component's width, and the ink the cuts go through. The caller classifies all
pieces of all components in one batch and passes the scores in.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from itertools import combinations

import cv2
import numpy as np

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
    """Columns where a touching pair could be cut.

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
    cand = np.unique(np.concatenate([minima, even[(even >= margin) & (even <= w - margin)]]))
    # Keep the cheapest cuts, at least 0.08 × height apart.
    order = cand[np.argsort(prof[cand], kind="stable")]
    chosen: list[int] = []
    max_cuts = min(config.split_max_cuts, 2 * n_est + 1)
    min_sep = max(1.0, 0.08 * ref_height)
    for c in order:
        if all(abs(int(c) - o) >= min_sep for o in chosen):
            chosen.append(int(c))
        if len(chosen) >= max_cuts:
            break
    cuts = np.array(sorted(chosen), int)
    return cuts, prof[cuts] / max(ref_height, 1.0)


def valid_segments(
    width: int, cuts: np.ndarray, *, ref_height: float, config: SegmentationConfig, allow_whole: bool
) -> list[Segment]:
    """All ``(start, stop)`` column ranges between cuts with a plausible digit width."""
    bounds = [0, *(int(c) for c in cuts), width]
    lo, hi = config.split_min_piece_width * ref_height, config.split_max_piece_width * ref_height
    out = []
    for a, b in combinations(bounds, 2):
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
