"""Step (c) and the merge half of (d): candidate components and their shape rules."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .config import SegmentationConfig
from .lines import digit_height

Labelled = tuple[int, np.ndarray, np.ndarray]
"""What :func:`label_components` returns: the count (background included), labels and stats."""


@dataclass(frozen=True)
class Blobs:
    """Candidate digit regions in working-image coordinates.

    Attributes
    ----------
    labels : (M, N) uint16 or int32 ndarray
        Connected-component label image of the ink mask.
    boxes : (K, 4) int64 ndarray
        ``x, y, w, h`` of each candidate (union of its member components).
    areas : (K,) int64 ndarray
        Ink pixels of each candidate.
    members : list of tuple of int
        Label ids making up each candidate (more than one after a merge).
    """

    labels: np.ndarray
    boxes: np.ndarray
    areas: np.ndarray
    members: list[tuple[int, ...]]

    def __len__(self) -> int:
        return len(self.members)

    def box(self, i: int) -> tuple[int, int, int, int]:
        """Candidate ``i``'s box (x, y, w, h) as Python ints."""
        x, y, w, h = (int(v) for v in self.boxes[i])
        return x, y, w, h

    def ink_pixels(self, i: int, image: np.ndarray) -> np.ndarray:
        """The pixels of ``image`` (working size) under candidate ``i``'s ink, 1-D."""
        x, y, w, h = self.box(i)
        return image[y : y + h, x : x + w][blob_mask(self, i) > 0]

    def subset(self, keep: np.ndarray) -> Blobs:
        """The candidates where boolean ``keep`` (K,) is true."""
        idx = np.flatnonzero(keep)
        return Blobs(self.labels, self.boxes[idx], self.areas[idx], [self.members[i] for i in idx])


def label_components(mask: np.ndarray) -> Labelled:
    """8-connected components of ``mask``: count (background included), labels and stats.

    16-bit labels while there are fewer ink pixels than they can count: several
    times faster than 32-bit ones (3× measured on 640×480 pages).
    """
    ltype = cv2.CV_16U if cv2.countNonZero(mask) < 65_535 else cv2.CV_32S
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8, ltype=ltype)
    return n, labels, stats


def find_components(
    mask: np.ndarray, *, config: SegmentationConfig, labelled: Labelled | None = None
) -> tuple[Blobs, list[str]]:
    """Connected components of ``mask`` that could be (pieces of) digits.

    Drops specks, background beyond the paper edge, big shadows and sparse noise webs.

    Parameters
    ----------
    mask : (M, N) uint8 ndarray
        Ink mask, 255 = ink.
    labelled : optional
        :func:`label_components` of ``mask`` if the caller has it.

    Returns
    -------
    blobs : Blobs
        One candidate per surviving component.
    warnings : list of str
    """
    warnings: list[str] = []
    _, labels, stats = labelled if labelled is not None else label_components(mask)
    st = stats[1:].astype(np.int64)
    x, y, w, h, area = (st[:, i] for i in range(5))
    big_h, big_w = mask.shape
    density = area / np.maximum(w * h, 1)
    touches = (x == 0) | (y == 0) | (x + w >= big_w) | (y + h >= big_h)
    keep = (area >= config.min_area_px) & (np.maximum(w, h) >= config.min_height_px)
    huge = (w > config.border_max_size_frac * big_w) | (h > config.border_max_size_frac * big_h)
    background = touches & huge
    if background.any():  # dense, or however sparse when it runs along the frame
        background &= (density > config.border_min_density) | _along_frame(labels, len(st), config)
    background |= (w * h > config.max_box_area_frac * big_w * big_h) & (density > config.border_min_density)
    if background.any():
        warnings.append(f"ignored {int(background.sum())} large dark region(s) (background, shadow or page edge)")
    keep &= ~background
    keep &= density >= config.min_density
    idx = np.flatnonzero(keep)
    if idx.size > config.max_candidates:
        warnings.append(f"too many ink regions ({idx.size}); kept the {config.max_candidates} largest")
        idx = idx[np.argsort(-area[idx], kind="stable")[: config.max_candidates]]
        idx.sort()
    boxes = st[idx, :4]
    return Blobs(labels, boxes, area[idx], [(int(i) + 1,) for i in idx]), warnings


def _along_frame(labels: np.ndarray, n: int, config: SegmentationConfig) -> np.ndarray:
    """Per component: does its ink run along one side of the frame for ``border_min_contact_frac`` of it?

    A strip of desk or the paper's edge follows the frame; a digit filling the frame
    only meets it where a stroke is cut off.
    """
    h, w = labels.shape
    along = np.zeros(n, bool)
    for side, length in ((labels[0], w), (labels[-1], w), (labels[:, 0], h), (labels[:, -1], h)):
        along |= np.bincount(side, minlength=n + 1)[1 : n + 1] >= config.border_min_contact_frac * length
    return along


def merge_broken(blobs: Blobs, *, config: SegmentationConfig) -> Blobs:
    """Merge stacked pieces of one broken digit (e.g. the detached top bar of a 5).

    Two pieces merge when they overlap strongly in x, are stacked (little vertical
    overlap) with a small gap, the shorter is well under the taller's height, and their
    union is not much taller than the taller piece nor wider than tall — so digits of
    neighbouring rows never merge, nor does a digit with the row of touching digits
    below it or with the remnant of a ruled line across it (the last two rules took
    the benchmark's character error from 12.4% to 11.6% on 480 check images).

    A faint digit can break into pieces of like heights instead (a 3's arcs, an 8's
    loops): stacked pieces each well under the page's digit height merge while their
    union stays about that tall (``merge_piece_max_height``, ``merge_piece_max_union``).
    """
    k = len(blobs)
    if k < 2:
        return blobs
    x, y, w, h = (blobs.boxes[:, i] for i in range(4))
    x_ov = np.minimum((x + w)[:, None], (x + w)[None, :]) - np.maximum(x[:, None], x[None, :])
    y_ov = np.minimum((y + h)[:, None], (y + h)[None, :]) - np.maximum(y[:, None], y[None, :])
    h_max = np.maximum(h[:, None], h[None, :])
    h_min = np.minimum(h[:, None], h[None, :])
    union_h = np.maximum((y + h)[:, None], (y + h)[None, :]) - np.minimum(y[:, None], y[None, :])
    stacked = (
        (x_ov >= config.merge_min_x_overlap * np.minimum(w[:, None], w[None, :]))
        & (-y_ov <= config.merge_max_gap * h_max)
        & (y_ov <= config.merge_max_y_overlap * h_min)
    )
    # A faint digit can break into pieces of like heights (a 3's arcs, an 8's loops), none a
    # digit on its own: they are judged against the page's digit height instead.
    ref = digit_height(h)  # the page's
    small = config.merge_piece_max_height * ref
    pieces = stacked & (h_max <= small) & (union_h <= config.merge_piece_max_union * ref)
    ok = (
        stacked & (union_h <= config.merge_max_union_height * h_max) & (h_min <= config.merge_max_piece_height * h_max)
    ) | pieces
    ii, jj = np.nonzero(np.triu(ok, 1))
    if ii.size == 0:
        return blobs
    order = np.argsort(-y_ov[ii, jj], kind="stable")  # smallest gaps first
    parent = list(range(k))
    box = [list(b) for b in blobs.boxes]  # group boxes as x0, y0, x1, y1
    tallest = [int(v) for v in h]
    for b in box:
        b[2] += b[0]
        b[3] += b[1]

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    def join(a: int, b: int) -> bool:
        ba, bb = box[a], box[b]
        u = [min(ba[0], bb[0]), min(ba[1], bb[1]), max(ba[2], bb[2]), max(ba[3], bb[3])]
        tall = u[3] - u[1]
        if tall > config.merge_max_union_height * max(tallest[a], tallest[b]) and not (
            max(tallest[a], tallest[b]) <= small and tall <= config.merge_piece_max_union * ref
        ):
            return False
        if u[2] - u[0] > config.merge_max_union_aspect * tall:
            return False
        parent[b] = a
        box[a] = u
        tallest[a] = max(tallest[a], tallest[b])
        return True

    # Pairs are asked again while any join: two arcs of a 3 are wider than tall, all three are not.
    joined = True
    while joined:
        joined = False
        for p in order:
            a, b = find(int(ii[p])), find(int(jj[p]))
            if a != b and join(a, b):
                joined = True
    roots = [find(i) for i in range(k)]
    groups: dict[int, list[int]] = {}
    for i, r in enumerate(roots):
        groups.setdefault(r, []).append(i)
    return _grouped(blobs, list(groups.values()))


def _grouped(blobs: Blobs, groups: list[list[int]]) -> Blobs:
    """One candidate per group of ``blobs``' candidates (every candidate in one group),
    its box the union of theirs; ordered left to right."""
    new_boxes, new_areas, new_members = [], [], []
    for idx in groups:
        b = blobs.boxes[idx]
        x0, y0 = b[:, 0].min(), b[:, 1].min()
        x1, y1 = (b[:, 0] + b[:, 2]).max(), (b[:, 1] + b[:, 3]).max()
        new_boxes.append((x0, y0, x1 - x0, y1 - y0))
        new_areas.append(int(blobs.areas[idx].sum()))
        new_members.append(tuple(m for i in idx for m in blobs.members[i]))
    order_x = np.argsort([b[0] for b in new_boxes], kind="stable")
    return Blobs(
        blobs.labels,
        np.asarray(new_boxes, np.int64)[order_x].reshape(-1, 4),
        np.asarray(new_areas, np.int64)[order_x],
        [new_members[i] for i in order_x],
    )


def join_segments(blobs: Blobs, *, config: SegmentationConfig) -> Blobs:
    """Join the pieces of a seven-segment display's digits (a meter, a clock, a scale).

    A display's segments stand apart, or some of them fuse (at the corners where the
    gaps are narrow): a digit comes in up to seven pieces and no step after this one
    finds it whole. Here:

    1. a display is looked for from two kinds of seed: bars (found by their second
       moments: elongated, filling their rectangle, within
       :attr:`~SegmentationConfig.segment_max_tilt` of level or upright) near each
       other and of one thickness, in bands (:func:`_bands`); and pairs of pieces one
       above the other like the halves of a 0, which has no middle segment
       (:func:`_stacked_halves`);
    2. a seed takes in every other piece within a digit's height of it
       (:func:`_within_band`);
    3. projected along the display's lean (its upright bars' median), the pieces fall
       into digit cells between empty columns (:func:`_cells`), and a cell of two
       pieces or more is joined when it is a digit of the row: at least two upright
       segments tall, no wider than tall, and within the height of the row's digits.
       Those are all of its cells when the band's segments all stand apart (level and
       upright bars), else only the digits that are one piece already — rows of text
       whose 1s or 0s stand over each other hold none as tall as two rows.

    Handwriting and type break into such rows rarely: of the 1,520 check images and 600
    empty pages, 6 segment otherwise (two digits broken in two joined: one reading
    mended, one line then split worse; three readings wrong either way; an empty grid
    page's pieces regrouped).
    """
    k = len(blobs)
    if not config.segment_join or k < 2 * config.segment_min_cells:
        return blobs
    w, h = blobs.boxes[:, 2], blobs.boxes[:, 3]
    rough = (np.maximum(w, h) >= 1.5 * np.minimum(w, h)) & (blobs.areas >= 0.3 * w * h)  # cheap before moments
    bars, tilt, thick = [], [], []
    for i in np.flatnonzero(rough):
        elongation, angle, fill = stroke_axis(blob_mask(blobs, int(i)))
        off = abs(np.degrees(angle))  # 0 = level, 90 = upright
        if elongation < config.segment_min_elongation or fill < config.segment_min_fill:
            continue
        if off <= config.segment_max_tilt or off >= 90.0 - config.segment_max_tilt:
            bars.append(int(i))
            tilt.append(angle)
            thick.append(float(np.sqrt(blobs.areas[i] / elongation)))  # a bar's area is length × thickness
    angle_of = dict(zip(bars, tilt, strict=True))
    seeds = []  # (pieces, lean, half height, stroke thickness, segments all apart)
    for band, thickness in _bands(blobs, bars, thick, config) if bars else []:
        upright = [i for i in band if abs(angle_of[i]) > np.pi / 4]
        if upright:
            level = len(band) - len(upright)
            lean = float(np.median([-1.0 / np.tan(angle_of[i]) for i in upright]))  # x shift per pixel up
            if abs(lean) > config.segment_max_lean:  # a few short bars' axes, not the display's lean
                lean = 0.0
            half = float(np.median(blobs.boxes[upright, 3]))
            seeds.append((band, lean, half, thickness, min(len(upright), level) >= 2))
    for pair, thickness in _stacked_halves(blobs, config):
        seeds.append((pair, 0.0, float(blobs.boxes[pair, 3].mean()), thickness, False))
    pairs = []
    pieces = _Pieces(blobs)
    for seed, lean, half, thickness, apart in seeds:
        members = seed + _within_band(blobs, seed, config)
        if len(members) > config.segment_max_pieces:
            continue  # more pieces than a display row holds: specks, noise
        for cell in _cells(pieces, members, lean, half, thickness, apart, config) or []:
            pairs += [(cell[0], i) for i in cell[1:]]
    if not pairs:
        return blobs
    return _grouped(blobs, _unions(k, pairs))


def _stacked_halves(blobs: Blobs, config: SegmentationConfig) -> list[tuple[list[int], float]]:
    """Pairs of pieces one above the other that could be a display digit's halves (a 0
    has no middle segment: its top and bottom stand apart), with their stroke thickness:
    about as wide as each other and overlapping (``segment_half_*``), and the gap between
    them at most :attr:`~SegmentationConfig.segment_band_gap` × their strokes' thickness."""
    # Each half is as wide as its digit: specks are left out before the pairs are formed.
    idx = np.flatnonzero(np.minimum(blobs.boxes[:, 2], blobs.boxes[:, 3]) >= config.min_height_px)
    x, y, w, h = (blobs.boxes[idx, i] for i in range(4))
    x_ov = np.minimum((x + w)[:, None], (x + w)[None, :]) - np.maximum(x[:, None], x[None, :])
    w_max = np.maximum(w[:, None], w[None, :])
    union = np.maximum((y + h)[:, None], (y + h)[None, :]) - np.minimum(y[:, None], y[None, :])
    gap = union - h[:, None] - h[None, :]
    lo, hi = config.segment_half_share
    ok = (
        (x_ov >= config.segment_half_overlap * w_max)
        & (np.minimum(w[:, None], w[None, :]) >= config.segment_half_width * w_max)
        & (np.minimum(h[:, None], h[None, :]) >= lo * union)
        & (np.maximum(h[:, None], h[None, :]) <= hi * union)
        & (gap >= 0)
    )
    out = []
    width: dict[int, float] = {}
    for a, b in zip(*np.nonzero(np.triu(ok, 1)), strict=True):
        i, j = int(idx[a]), int(idx[b])
        for m in (i, j):
            if m not in width:
                width[m] = _stroke_width(blob_mask(blobs, m))
        thickness = min(width[i], width[j])
        if gap[a, b] <= config.segment_band_gap * thickness:
            out.append(([i, j], thickness))
    return out


def _stroke_width(mask: np.ndarray) -> float:
    """A stroke's width: twice its area over its outline's length (a long thin stroke's
    outline runs along both its sides)."""
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    outline = sum(cv2.arcLength(c, True) for c in contours)
    return 2.0 * cv2.countNonZero(mask) / max(outline, 1.0)


def _unions(n: int, pairs: list[tuple[int, int]]) -> list[list[int]]:
    """The groups of ``range(n)`` that ``pairs`` connect (each item in one group)."""
    parent = list(range(n))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for i, j in pairs:
        parent[find(int(i))] = find(int(j))
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    return list(groups.values())


def _within_band(blobs: Blobs, band: list[int], config: SegmentationConfig) -> list[int]:
    """Other components within a digit's height of a band and near its bars: segments of
    a display that touch each other (an L, a whole digit) and so are not bars, and bars
    of other bands. A band of one half's bars (the lower right bar of a 7 whose others
    touch) reaches the other half."""
    b = blobs.boxes[band]
    top, bottom = b[:, 1].min(), (b[:, 1] + b[:, 3]).max()
    reach = bottom - top
    digit = max(reach, config.segment_digit_bars * b[:, 3].max())  # two upright bars tall and more
    pad = digit - reach + 0.25 * digit
    side = config.segment_row_digits * digit  # a whole display row either side
    left, right = b[:, 0].min() - side, (b[:, 0] + b[:, 2]).max() + side
    x, y, w, h = (blobs.boxes[:, i] for i in range(4))
    inside = (y >= top - pad) & (y + h <= bottom + pad) & (x >= left) & (x + w <= right)
    return [int(i) for i in np.flatnonzero(inside) if int(i) not in band]


def _bands(
    blobs: Blobs, bars: list[int], thick: list[float], config: SegmentationConfig
) -> list[tuple[list[int], float]]:
    """Bars in rows, each with its median thickness: two bars are of one row when the
    gap between their boxes is at most :attr:`~SegmentationConfig.segment_band_gap` ×
    the thicker one's thickness upward and :attr:`~SegmentationConfig.segment_band_reach`
    × the longer one's length sideways (past the empty part of a 1's cell); a row keeps to
    its median thickness (± :attr:`~SegmentationConfig.segment_thickness_ratio`)."""
    b = blobs.boxes[bars]
    x, y, w, h = (b[:, i] for i in range(4))
    t = np.asarray(thick)
    x_gap = np.maximum(x[:, None], x[None, :]) - np.minimum((x + w)[:, None], (x + w)[None, :])
    y_gap = np.maximum(y[:, None], y[None, :]) - np.minimum((y + h)[:, None], (y + h)[None, :])
    long = np.maximum(w, h)
    near = (y_gap <= config.segment_band_gap * np.maximum(t[:, None], t[None, :])) & (
        x_gap <= config.segment_band_reach * np.maximum(long[:, None], long[None, :])
    )
    rows = _unions(len(bars), list(zip(*np.nonzero(np.triu(near, 1)), strict=True)))
    out = []
    for row in rows:
        mid = float(np.median(t[row]))
        ratio = config.segment_thickness_ratio
        band = [bars[j] for j in row if mid / ratio <= t[j] <= mid * ratio]
        if band:
            out.append((band, mid))
    return out


class _Pieces:
    """The candidates as the seeds of one image examine them: boxes as Python ints (a cell
    has a handful of pieces, too few for array operations to pay) and each piece's ink
    coordinates, taken once."""

    def __init__(self, blobs: Blobs) -> None:
        self.blobs = blobs
        self.boxes: list[list[int]] = blobs.boxes.tolist()
        self._ink: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def ink(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """Image coordinates ``(ys, xs)`` of piece ``i``'s ink."""
        if i not in self._ink:
            x, y, _, _ = self.boxes[i]
            ys, xs = np.nonzero(blob_mask(self.blobs, i))
            self._ink[i] = (ys + y, xs + x)
        return self._ink[i]

    def extent(self, members: list[int]) -> tuple[int, int]:
        """Top and height of the union of ``members``' boxes."""
        top = min(self.boxes[i][1] for i in members)
        return top, max(self.boxes[i][1] + self.boxes[i][3] for i in members) - top


def _cells(
    pieces: _Pieces,
    band: list[int],
    lean: float,
    half: float,
    thickness: float,
    apart: bool,
    config: SegmentationConfig,
) -> list[list[int]] | None:
    """The digit cells of a band whose pieces are to be joined, or None if it is not a row of digits.

    ``lean`` is the display's (x shift per pixel up), ``half`` the height of its upright
    segments (half a digit), ``apart`` whether its segments all stand apart (every digit
    cell may then measure the row's digit height, not just those already whole)."""
    top, height = pieces.extent(band)
    y_ref = top + height
    spans = []
    for i in band:
        if lean == 0.0:  # upright: the box's own columns
            x, _, w, _ = pieces.boxes[i]
            spans.append((float(x), float(x + w - 1), i))
            continue
        ys, xs = pieces.ink(i)
        across = xs - lean * (y_ref - ys)
        spans.append((float(across.min()), float(across.max()), i))
    spans.sort()
    cells: list[tuple[float, float, list[int]]] = []
    for lo, hi, i in spans:
        if cells and lo <= cells[-1][1] + config.segment_cell_gap * thickness:
            cells[-1] = (cells[-1][0], max(cells[-1][1], hi), [*cells[-1][2], i])
        else:
            cells.append((lo, hi, [i]))
    digits, tops, heights = [], [], []
    for lo, hi, members in cells:
        top, height = pieces.extent(members)
        if height >= config.segment_min_cell_height * half and hi - lo + 1 <= config.segment_max_cell_aspect * height:
            digits.append(members)
            tops.append(top)
            heights.append(height)
    # What a joined cell is measured against: every digit cell where the segments show
    # as both upright and level bars (a display whose segments all stand apart), else
    # only the digits that are one component already. Two rows of handwriting stacked
    # in cells match each other, but no digit of either row is as tall as both.
    whole = [j for j, d in enumerate(digits) if len(d) == 1]
    ref = range(len(digits)) if apart else whole
    if len(digits) < config.segment_min_cells or not ref:
        return None
    typical = np.percentile([heights[j] for j in ref], 75)
    # A row's whole digits may all lack a level segment (4s, 1s, 7s): a digit with its
    # top and bottom bars stands above and below them by a stroke's thickness each.
    tol = max(config.segment_cell_height_tol * typical, config.segment_cell_bar_tol * thickness)
    ref_tops = np.array([tops[j] for j in ref])
    ref_bottoms = ref_tops + np.array([heights[j] for j in ref])
    kept = []
    for d, top, ht in zip(digits, tops, heights, strict=True):
        near = np.argmin(np.abs(ref_tops - top))  # the nearest reference digit of the row
        # A 1 without its level segments is shorter than other digits but inside their span.
        inside = ref_tops[near] - tol <= top and top + ht <= ref_bottoms[near] + tol
        if inside and config.segment_min_cell_share * typical <= ht <= typical + tol:
            kept.append(d)
    digits = kept
    if len(digits) < config.segment_min_cells:
        return None
    joined = [d for d in digits if len(d) > 1]
    for members in joined:  # a digit's pieces are stacked close; rows of text are not
        bottom = None
        for _, y, _, h in sorted((pieces.boxes[i] for i in members), key=lambda b: b[1]):
            if bottom is not None and y - bottom > config.segment_band_gap * thickness:
                return None
            bottom = y + h if bottom is None else max(bottom, y + h)
    return joined or None


def shape_filter(blobs: Blobs, *, config: SegmentationConfig, slope: float = 0.0) -> Blobs:
    """Drop candidates whose own shape says "not a digit" (dots, dashes, blobs, strays).

    ``slope`` is the text direction (dy/dx): a thin straight stroke lying along it is a
    dash, an underline or a piece of a ruled line; a "1" stands across it.
    """
    if len(blobs) == 0:
        return blobs
    w, h = blobs.boxes[:, 2], blobs.boxes[:, 3]
    density = blobs.areas / np.maximum(w * h, 1)
    tall = h / np.maximum(w, 1)
    keep = h >= config.min_height_px
    squat_dense = (tall < config.blob_max_tall_aspect) & (density > config.blob_min_density)
    for i in np.flatnonzero(squat_dense & keep):
        # Small bold digits are dense too, but have holes/notches: only solid blobs go.
        if _is_solid_blob(blob_mask(blobs, int(i)), min_solidity=config.blob_min_solidity):
            keep[i] = False
    keep &= ~((w > config.dash_min_wide_aspect * h) & (density > config.dash_min_density))
    keep &= tall <= config.max_tall_aspect
    text_angle = np.arctan(slope)
    for i in np.flatnonzero(keep):
        elongation, angle, fill = stroke_axis(blob_mask(blobs, int(i)))
        off = abs((angle - text_angle + np.pi / 2) % np.pi - np.pi / 2)  # 0 = along the text
        if (
            elongation >= config.stroke_min_elongation
            and fill >= config.stroke_min_fill
            and off <= np.radians(config.stroke_max_text_angle)
        ):
            keep[i] = False
    return blobs.subset(keep)


def stroke_axis(mask: np.ndarray) -> tuple[float, float, float]:
    """Elongation, long axis angle and fill of the ink, from its second moments.

    Returns
    -------
    elongation : float
        Long / short axis: 1 for a disc, large for a thin straight stroke (inf for a
        one-pixel line).
    angle : float
        Radians, image y pointing down, in ``(-pi/2, pi/2]``.
    fill : float
        Ink / area of the rectangle with the same moments: ≈ 1 for a solid bar (a
        dash, a piece of a ruled line), 0.3–0.65 for a row of touching digits, which is
        just as elongated but mostly paper.
    """
    m = cv2.moments(mask, binaryImage=True)
    if m["m00"] == 0:
        return 1.0, 0.0, 0.0
    mu20, mu02, mu11 = m["mu20"] / m["m00"], m["mu02"] / m["m00"], m["mu11"] / m["m00"]
    root = np.hypot((mu20 - mu02) / 2, mu11)
    major, minor = (mu20 + mu02) / 2 + root, (mu20 + mu02) / 2 - root
    elongation = float(np.sqrt(major / minor)) if minor > 1e-9 else float("inf")
    # A solid L × T rectangle has major = L²/12 and minor = T²/12.
    rect = 12.0 * np.sqrt(max(major, 0.0) * max(minor, 0.0))
    fill = float(m["m00"] / rect) if rect > 1e-9 else 1.0
    return elongation, float(0.5 * np.arctan2(2 * mu11, mu20 - mu02)), fill


def near_ink(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """``values`` (a grey or ink-strength patch) zeroed away from ``mask``'s ink and its
    one-pixel rim: a candidate's own strokes, not a neighbour's that share its box."""
    near = cv2.dilate(mask, np.ones((3, 3), np.uint8)) > 0
    return np.where(near, values, 0).astype(values.dtype)


def row_axis(mask: np.ndarray, *, config: SegmentationConfig) -> float | None:
    """The direction of a row of touching digits, degrees (image y pointing down), or None
    when ``mask``'s ink is not one: elongated under ``line_lone_min_elongation``, a solid
    bar (filling ``stroke_min_fill`` of its moments' rectangle), or steeper than
    ``line_max_angle``.

    It is the long side of the smallest rectangle around the ink, not the ink's long axis
    (:func:`stroke_axis`): italic digits lean the axis, not a row's outline.
    """
    if config.line_lone_min_elongation <= 0:
        return None
    elongation, _, fill = stroke_axis(mask)
    if elongation < config.line_lone_min_elongation or fill >= config.stroke_min_fill:
        return None
    corners = cv2.boxPoints(cv2.minAreaRect(cv2.findNonZero(mask)))
    sides = np.diff(np.vstack([corners, corners[:1]]), axis=0)
    dx, dy = sides[np.argmax(np.hypot(sides[:, 0], sides[:, 1]))]
    axis = float(np.degrees(np.arctan(dy / dx))) if abs(dx) > 1e-9 else 90.0
    return axis if abs(axis) <= config.line_max_angle else None


def _is_solid_blob(mask: np.ndarray, *, min_solidity: float) -> bool:
    """No hole and ink filling its convex hull: a dot or smudge, not a dense digit."""
    contours, hierarchy = cv2.findContours(mask, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return False
    min_hole = max(2.0, 0.01 * mask.size)
    for c, (_, _, _, parent) in zip(contours, hierarchy[0], strict=True):
        if parent >= 0 and cv2.contourArea(c) >= min_hole:
            return False
    hull = cv2.convexHull(np.concatenate(contours))
    # Half the perimeter approximates the pixels the polygon area misses on its edge.
    solidity = cv2.countNonZero(mask) / max(cv2.contourArea(hull) + 0.5 * cv2.arcLength(hull, True), 1.0)
    return solidity > min_solidity


def blob_mask(blobs: Blobs, i: int) -> np.ndarray:
    """Ink of candidate ``i`` inside its box: (h, w) uint8, 255 = ink."""
    return members_mask(blobs.labels, blobs.members[i], blobs.box(i))


def members_mask(labels: np.ndarray, members: tuple[int, ...], box: tuple[int, int, int, int]) -> np.ndarray:
    """Ink of the components ``members`` of a label image inside ``box``: uint8, 255 = ink."""
    x, y, w, h = box
    patch = labels[y : y + h, x : x + w]
    sel = patch == members[0] if len(members) == 1 else np.isin(patch, members)
    return sel.astype(np.uint8) * 255
