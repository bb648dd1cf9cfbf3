"""Step (b): ink mask from the flattened image, removal of a form's boxes and of ruled/grid lines.

Binarisation choice: after dividing by the closing-based background (which
removes gradients and soft shadows), one threshold halfway between the paper level
and the ink level (the median of everything clearly darker than paper), clamped to
``[min_threshold, 1 - max(min_contrast, noise_contrast × paper spread)]`` of the
paper, reads the synthetic scenes (gradients, shadow strips, ruled paper, pencil,
Gaussian noise up to sigma 40) and keeps blank or pure-noise pages empty, in a single
pass. It was not compared with Sauvola on real photos; adding the regions a
mean-adaptive threshold finds beside it lost 0.7–2.8 points of exact-string accuracy
on the synthetic benchmark. A hard-edged shadow the flattening leaves in is
thresholded again on its own (:func:`_within_shadows`).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import cv2
import numpy as np

from .components import Labelled, label_components
from .config import SegmentationConfig
from .geometry import turn
from .normalize import hist_median, histogram_u8, paper_spread


class Frames(NamedTuple):
    """What :func:`remove_frames` took off a mask."""

    cleaned: np.ndarray  # (M, N) uint8, the mask without the frames' lines
    removed: np.ndarray  # (M, N) uint8, the removed pixels
    boxes: tuple[tuple[int, int, int, int], ...]  # x, y, w, h of each frame found


class Binarized(NamedTuple):
    """The ink mask, its components when they were labelled, the paper level it was set against,
    and what the same threshold finds beyond the sheet."""

    mask: np.ndarray  # (M, N) uint8, 255 where ink
    labelled: Labelled | None
    paper: int  # median grey level of the (lightly blurred) flattened sheet's inside; 255 when unmeasured
    beyond: np.ndarray | None = None  # (M, N) uint8, 255 where "ink" outside the sheet; None without a sheet


def binarize(flat: np.ndarray, *, config: SegmentationConfig, region: np.ndarray | None = None) -> np.ndarray:
    """Ink mask of a flattened image (see :func:`binarize_labelled`)."""
    return binarize_labelled(flat, config=config, region=region).mask


def binarize_labelled(
    flat: np.ndarray,
    *,
    config: SegmentationConfig,
    region: np.ndarray | None = None,
    levels: np.ndarray | None = None,
    levels_region: np.ndarray | None = None,
) -> Binarized:
    """Ink mask of a flattened image, its components when they were labelled, and the paper level.

    Parameters
    ----------
    flat : (M, N) uint8 ndarray
        Paper ≈ 255, ink darker (see :func:`normalize`).
    region : (M, N) uint8 ndarray, optional
        The sheet (255) when the photo shows a desk too: the threshold and the
        noise come from the sheet's inside only (:func:`_inside`), and there is
        no ink outside it.
    levels : (M, N) uint8 ndarray, optional
        The image the paper and ink levels are measured on instead of ``flat``: the
        page before :func:`~.normalize.flatten_shadows`, so that flattening a shadow
        changes the mask inside the shadow only (a shadow is a large share of the
        "clearly darker than paper" pixels the ink level is the median of).
    levels_region : (M, N) uint8 ndarray, optional
        Where the levels are measured instead of ``region``: the sheet's convex
        outline (:class:`~.sheet.Sheet`), which may take in desk ``region`` leaves out.

    Ink must be ``config.min_contrast`` darker than the paper, and
    ``config.noise_contrast`` times darker than the paper's own spread (noise,
    texture, blotches; :func:`~.normalize.paper_spread` of the lightly blurred pixels).

    Returns
    -------
    Binarized
        ``labelled`` is the :func:`~.components.label_components` of ``mask``, or
        None: labelling is part of finding shadows, and the later steps reuse it while
        they leave the mask as it is (a page without frames or ruling is labelled
        once). ``paper`` is the level the crops' ink strength is measured from too.
    """
    nothing = Binarized(np.zeros(flat.shape, np.uint8), None, 255)
    if flat.size == 0:
        return nothing
    if min(flat.shape) >= 3:  # a light blur halves the pixel noise, strokes keep their contrast
        flat = cv2.GaussianBlur(flat, (3, 3), 0)
        if levels is not None:
            levels = cv2.GaussianBlur(levels, (3, 3), 0)
    if levels is None:
        levels = flat
    if levels_region is None:
        levels_region = region
    inside = None if levels_region is None else _inside(levels_region, config=config)
    pixels = levels if inside is None else levels[inside > 0]
    if pixels.size == 0:
        return nothing
    hist = histogram_u8(pixels)
    noise = paper_spread(hist)
    cum = np.cumsum(hist)
    paper = hist_median(hist)
    hi = round(paper * (1.0 - max(config.min_contrast, config.noise_contrast * noise)))
    if hi <= 0 or cum[hi - 1] == 0:
        return nothing._replace(paper=paper)
    if inside is not None:
        cum = np.cumsum(_off_the_rim(levels, inside, hi, hist, config=config))
    # Ink level: the median of everything clearly darker than paper. Halfway between
    # it and the paper splits black ink and faint pencil alike, whatever share of the
    # page they cover (Otsu follows the few darkest pixels when ink is sparse).
    ink = int(np.searchsorted(cum, (cum[hi - 1] + 1) // 2))
    t = int(np.clip(round(config.ink_split * (paper + ink)), round(config.min_threshold * paper), hi))
    # THRESH_BINARY_INV: 255 where flat <= t - 1, i.e. flat < t.
    mask = cv2.threshold(flat, t - 1, 255, cv2.THRESH_BINARY_INV)[1]
    beyond = None
    if region is not None:
        beyond = cv2.bitwise_and(mask, cv2.bitwise_not(region))
        mask = cv2.bitwise_and(mask, region)
    return Binarized(*_within_shadows(mask, flat, paper=paper, config=config), paper, beyond)


def _off_the_rim(
    levels: np.ndarray, inside: np.ndarray, hi: int, hist: np.ndarray, *, config: SegmentationConfig
) -> np.ndarray:
    """``hist`` less the "clearly darker than paper" pixels (under ``hi``) of solid regions that
    reach the rim of ``inside`` (``levels_rim_min_fill`` of their box, ``levels_rim_min_area``
    of ``inside``): desk the sheet's outline takes in beyond the margin is darker than ink
    and drags the ink level towards its own; writing lies inside, and a page's ruling,
    which reaches the rim too, is sparse. Unchanged when nothing else is that dark."""
    dark = ((levels < hi) & (inside > 0)).view(np.uint8)
    rim = (inside > 0) & (
        cv2.erode(inside, np.ones((3, 3), np.uint8), borderType=cv2.BORDER_CONSTANT, borderValue=0) == 0
    )
    on_rim = rim & (dark > 0)
    if not on_rim.any():
        return hist
    n, labels, stats, _ = cv2.connectedComponentsWithStats(dark, connectivity=8)
    x, y, w, h, area = (stats[:, i] for i in range(5))
    reach = np.zeros(n, bool)
    reach[labels[on_rim]] = True
    reach &= area >= config.levels_rim_min_fill * w * h
    reach &= area >= config.levels_rim_min_area * np.count_nonzero(inside)
    reach[0] = False
    if not reach.any():
        return hist
    out = hist.copy()
    for i in np.flatnonzero(reach):  # a few regions: their boxes, not the whole image
        box = (slice(y[i], y[i] + h[i]), slice(x[i], x[i] + w[i]))
        out -= histogram_u8(levels[box][labels[box] == i])
    return out if out[:hi].sum() > 0 else hist


def _inside(region: np.ndarray, *, config: SegmentationConfig) -> np.ndarray:
    """The part of the sheet the paper and ink levels are taken from.

    The sheet is found on a small copy, so its outline can overreach onto the desk by
    a few pixels, more where a shadow or a dark object meets the paper's edge. A dark
    sliver of desk along it is "clearly darker than paper" and drags the ink level
    towards the desk's: the threshold lands under faint pencil, and whole numbers go.
    The levels come from the sheet shrunk by ``sheet_stats_margin_frac`` of the shorter
    side; the mask keeps the whole sheet. A sheet too small to shrink is taken whole.
    """
    m = round(config.sheet_stats_margin_frac * min(region.shape))
    if m < 1:
        return region
    inner = cv2.erode(region, cv2.getStructuringElement(cv2.MORPH_RECT, (2 * m + 1, 2 * m + 1)))
    return inner if cv2.countNonZero(inner) >= 0.25 * cv2.countNonZero(region) else region


def _within_shadows(
    mask: np.ndarray, flat: np.ndarray, *, paper: int, config: SegmentationConfig
) -> tuple[np.ndarray, Labelled | None]:
    """Threshold again inside solid dark regions: shadows the flattening left in.

    A hard-edged cast shadow narrower than the background kernel survives the
    flattening and comes out of the global threshold as one solid blob, swallowing
    the digits written across it. Such a blob is dense, far thicker than the strokes
    around it, and lighter than pen ink. Inside it the ink is still darker than the
    shadowed paper: the blob is thresholded afresh, halfway between its own paper
    level (its median) and its ink, and the shadow goes. A blob without clearly
    darker ink inside is kept (the shape rules judge it).

    Returns the mask and its components, or None for them when a blob was thresholded again.
    """
    labelled = label_components(mask)
    n, labels, stats = labelled
    if n <= 2:
        return mask, labelled
    w, h, area = stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT], stats[1:, cv2.CC_STAT_AREA]
    dense = area >= config.shadow_min_density * w * h
    if not dense.any():
        return mask, labelled
    # Half the thickness of every blob: its deepest pixel's distance to paper.
    ink = mask > 0
    depth = np.zeros(n, np.float32)
    np.maximum.at(depth, labels[ink], cv2.distanceTransform(mask, cv2.DIST_L2, 3)[ink])
    stroke = float(np.median(depth[1:]))
    for i in np.flatnonzero(dense & (depth[1:] >= config.shadow_min_thickness * max(stroke, 1.0))) + 1:
        x, y, bw, bh = (int(v) for v in stats[i, :4])
        own = labels[y : y + bh, x : x + bw] == i
        values = flat[y : y + bh, x : x + bw][own]
        level = float(np.median(values))
        darkest = float(np.percentile(values, 2))
        if not config.shadow_min_level * paper <= level <= (1.0 - config.min_contrast) * paper:
            continue  # ink-dark itself, or no darker than paper
        if level - darkest < config.min_contrast * paper:
            continue  # no darker ink inside
        sub = mask[y : y + bh, x : x + bw]
        sub[own] = np.where(values < config.ink_split * (level + darkest), 255, 0).astype(np.uint8)
        labelled = None
    return mask, labelled


def _line_candidates(
    mask: np.ndarray, *, config: SegmentationConfig
) -> list[tuple[int, int, int, int, np.ndarray, float]]:
    """Long, thin, roughly horizontal structures of ``mask``.

    Returns
    -------
    list of (x, y, w, h, pixels, thickness)
        ``pixels`` is the (h, w) uint8 mask of the structure inside its box.
    """
    h, w = mask.shape
    run = max(config.line_min_run_px, int(config.line_run_frac * w))
    if run >= w:
        return []
    # Faint rules binarise as dotted lines: close their small gaps before measuring runs.
    dots = cv2.getStructuringElement(cv2.MORPH_RECT, (config.line_max_dot_gap, 1))
    joined_dots = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, dots)
    runs = cv2.morphologyEx(joined_dots, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (run, 1)))
    if not cv2.countNonZero(runs):
        return []
    # Join the staircase steps of a slightly slanted line before measuring it.
    joined = cv2.dilate(runs, cv2.getStructuringElement(cv2.MORPH_RECT, (max(3, run // 2), 3)))
    contours, _ = cv2.findContours(joined, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    out = []
    for c in contours:
        x, y, bw, bh = cv2.boundingRect(c)
        if bw < config.line_min_length_frac * w or bh > 0.35 * bw:  # short, or steeper than ~20°
            continue
        inside = np.zeros((bh, bw), np.uint8)
        cv2.drawContours(inside, [c], -1, 255, thickness=-1, offset=(-x, -y))
        sel = cv2.bitwise_and(runs[y : y + bh, x : x + bw], inside)
        thickness = cv2.countNonZero(sel) / bw
        if bw >= config.line_min_aspect * thickness and thickness <= max(2.0, config.line_max_thickness_frac * h):
            out.append((x, y, bw, bh, sel, thickness))
    return out


def _paint(shape: tuple[int, int], cands: list, *, transpose: bool) -> tuple[np.ndarray, int]:
    """Line pixels of ``cands`` (minus where the ink is thicker than the line), thickness."""
    out = np.zeros(shape[::-1] if transpose else shape, np.uint8)
    if not cands:
        return (out.T if transpose else out), 0
    for x, y, bw, bh, sel, _ in cands:
        region = out[y : y + bh, x : x + bw]
        cv2.bitwise_or(region, sel, dst=region)
    thick = int(np.ceil(max(c[5] for c in cands)))
    # Where a digit stroke lies along the line the ink is thicker than the line:
    # keep those pixels (the stroke survives whole).
    fat = cv2.morphologyEx(out, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, thick + 2)))
    out = cv2.bitwise_and(out, cv2.bitwise_not(fat))
    return (np.ascontiguousarray(out.T) if transpose else out), thick


def _text_height(mask: np.ndarray, *, config: SegmentationConfig) -> float | None:
    """Median height of the ink regions that are not lines (None when there are none)."""
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    hs = [r[3] for r in map(cv2.boundingRect, contours) if max(r[2], r[3]) >= config.min_height_px]
    return float(np.median(hs)) if hs else None


def ruling_angle(mask: np.ndarray, *, config: SegmentationConfig) -> float:
    """Angle (degrees) by which ruled or grid lines run off the horizontal; 0 when none.

    Long straight segments (probabilistic Hough, at least ``line_min_length_frac`` of
    the image side) vote with their length; vertical grid lines count as their
    perpendicular. Paper photographed askew tilts its rules by up to ~40°, and only
    axis-parallel lines are removable by the run-length method of :func:`remove_lines`.
    """
    h, w = mask.shape
    f = 2 if min(h, w) >= 200 else 1  # half size (any ink in 2×2 kept): a quarter of the work
    small = cv2.resize(mask, (w // f, h // f), interpolation=cv2.INTER_AREA) if f > 1 else mask
    small = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY)[1]
    min_len = max(config.line_min_run_px, int(config.line_min_length_frac * min(h, w))) // f
    segs = cv2.HoughLinesP(small, 1, np.pi / 180, threshold=min_len, minLineLength=min_len, maxLineGap=2)
    if segs is None:
        return 0.0
    segs = np.asarray(segs, np.float64).reshape(-1, 4)
    x0, y0, x1, y1 = (segs[:, i] for i in range(4))
    angle = np.degrees(np.arctan2(y1 - y0, x1 - x0))
    angle = (angle + 45.0) % 90.0 - 45.0  # vertical lines vote as their perpendicular
    length = np.hypot(x1 - x0, y1 - y0)
    order = np.argsort(angle)
    cum = np.cumsum(length[order])
    return float(angle[order][np.searchsorted(cum, cum[-1] / 2)])


def remove_lines(mask: np.ndarray, *, config: SegmentationConfig) -> tuple[np.ndarray, np.ndarray]:
    """Remove ruled and grid lines, level or tilted; re-join digit strokes they crossed.

    Tilted rules (:func:`ruling_angle` beyond ``line_max_tilt``) are removed in a
    copy of the mask turned level, and the removed pixels are turned back. Where rules
    were found, what is left of the ruling's other lines goes too (:func:`_ruling_remnants`).
    """
    angle = ruling_angle(mask, config=config) if config.line_tilt_search else 0.0
    if abs(angle) < config.line_max_tilt:
        cleaned, removed = _remove_level_lines(mask, config=config)
    else:
        cleaned, removed = _remove_tilted_lines(mask, angle, config=config)
    if config.line_course_gap > 0 and removed.any():
        rest = _ruling_remnants(cleaned, mask, angle, config=config)
        if rest.any():
            cleaned = cv2.bitwise_and(cleaned, cv2.bitwise_not(rest))
            removed = cv2.bitwise_or(removed, rest)
    return cleaned, removed


def _ruling_remnants(cleaned: np.ndarray, mask: np.ndarray, angle: float, *, config: SegmentationConfig) -> np.ndarray:
    """Pieces of ``cleaned`` on the course of a rule the run-length search missed.

    A faint grid binarises dotted, and a grid photographed at a slant is not level
    in one turned copy: only some of its lines are found, and the rest were read as
    dozens of 1s and 7s. Straight segments through the dots (probabilistic Hough on
    the ink before removal, gaps up to ``line_course_gap`` px, at least
    ``line_min_length_frac`` of the image side, within ``line_course_tol`` degrees
    of the ruling or its perpendicular) give those lines' courses across the image.

    A row of text gives such segments as well, at several offsets across its height.
    Segments are grouped by offset (``line_course_merge`` px apart at most), and a
    group is a rule only when it is thin (``line_course_band`` px) and stands
    ``line_course_sep`` px apart from the next; its course is the line fitted through
    its segments, ``line_course_px`` px either side (small printed digits fit in a wider
    one), and it must pass through at least two pieces (the segments along one tall 1
    are not a rule). What lies wholly on those courses, away from other ink, goes (as in
    :func:`_line_remnants`).
    """
    h, w = mask.shape
    # Large pages at half size (any ink in 2×2 kept), the segments' ends scaled back: on a
    # 1600×1200 dotted grid turned 4° the step took 44 ms at full size, 18 ms so.
    f = 2 if min(h, w) >= 800 else 1
    small = mask
    if f > 1:
        small = cv2.resize(mask, (w // f, h // f), interpolation=cv2.INTER_AREA)
        small = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY)[1]
    min_len = max(config.line_min_run_px, int(config.line_min_length_frac * min(h, w))) // f
    segs = cv2.HoughLinesP(
        small,
        1,
        np.pi / 180,
        threshold=min_len // 2,
        minLineLength=min_len,
        maxLineGap=max(1, config.line_course_gap // f),
    )
    course = np.zeros_like(mask)
    if segs is None:
        return course
    x0, y0, x1, y1 = (np.asarray(segs, np.float64).reshape(-1, 4).T + (f - 1) / 2) * f
    n, labels, _ = label_components(cleaned)
    turned = (np.degrees(np.arctan2(y1 - y0, x1 - x0)) - angle + 45.0) % 180.0  # 45 = level, 135 = upright
    family = (turned >= 90.0).astype(int)
    near = np.abs(turned - 45.0 - 90.0 * family) <= config.line_course_tol
    t = math.radians(angle)
    width = 2 * config.line_course_px  # cv2 draws a line 2k px thick as 2k + 1 px wide
    for fam, normal in ((0, (-math.sin(t), math.cos(t))), (1, (math.cos(t), math.sin(t)))):
        sel = np.flatnonzero(near & (family == fam))
        if not sel.size:
            continue
        offset = (x0[sel] + x1[sel]) / 2 * normal[0] + (y0[sel] + y1[sel]) / 2 * normal[1]
        order = np.argsort(offset)
        offset, sel = offset[order], sel[order]
        breaks = np.flatnonzero(np.diff(offset) > config.line_course_merge) + 1
        starts, stops = np.r_[0, breaks], np.r_[breaks, offset.size]
        for i0, i1 in zip(starts, stops, strict=True):
            before = offset[i0] - offset[i0 - 1] if i0 > 0 else np.inf
            after = offset[i1] - offset[i1 - 1] if i1 < offset.size else np.inf
            if offset[i1 - 1] - offset[i0] > config.line_course_band or min(before, after) < config.line_course_sep:
                continue  # a band of segments: text, not a rule
            group = sel[i0:i1]
            if len(_pieces_along(labels, x0[group], y0[group], x1[group], y1[group])) < 2:
                continue  # one piece: a stroke (a tall 1 on the course), not the dots of a rule
            # One course per rule: the line fitted through its segments' ends.
            xs, ys = np.r_[x0[group], x1[group]], np.r_[y0[group], y1[group]]
            _draw_course(course, ys if fam else xs, xs if fam else ys, upright=bool(fam), width=width)
    return _on_course(cleaned, course, config=config, labelled=(n, labels))


def _pieces_along(labels: np.ndarray, x0: np.ndarray, y0: np.ndarray, x1: np.ndarray, y1: np.ndarray) -> set[int]:
    """The components (labels) the segments ``(x0, y0)–(x1, y1)`` pass through, sampled every 2 px."""
    h, w = labels.shape
    found: set[int] = set()
    for a, b, c, d in zip(x0, y0, x1, y1, strict=True):
        k = np.linspace(0.0, 1.0, max(2, int(math.hypot(c - a, d - b) / 2)))
        xs = np.clip(np.rint(a + k * (c - a)).astype(int), 0, w - 1)
        ys = np.clip(np.rint(b + k * (d - b)).astype(int), 0, h - 1)
        found.update(int(v) for v in np.unique(labels[ys, xs]) if v)
    return found


def _remove_tilted_lines(
    mask: np.ndarray, angle: float, *, config: SegmentationConfig
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_remove_level_lines` in a copy of ``mask`` turned by ``angle`` (degrees); the
    removed pixels turned back."""
    h, w = mask.shape
    m, size = turn((h, w), angle)
    level = cv2.warpAffine(mask, m, size, flags=cv2.INTER_NEAREST)
    cleaned, lines = _remove_level_lines(level, config=config)
    if not lines.any():
        return mask, np.zeros_like(mask)
    bridges = cv2.bitwise_and(cleaned, lines)
    back = cv2.invertAffineTransform(m)
    grow = np.ones((3, 3), np.uint8)
    lines = cv2.bitwise_and(cv2.dilate(cv2.warpAffine(lines, back, (w, h), flags=cv2.INTER_NEAREST), grow), mask)
    bridges = cv2.bitwise_and(cv2.dilate(cv2.warpAffine(bridges, back, (w, h), flags=cv2.INTER_NEAREST), grow), mask)
    removed = cv2.bitwise_and(lines, cv2.bitwise_not(bridges))
    return cv2.bitwise_and(mask, cv2.bitwise_not(removed)), removed


def _remove_level_lines(mask: np.ndarray, *, config: SegmentationConfig) -> tuple[np.ndarray, np.ndarray]:
    """Remove horizontal and vertical ruled/grid lines; re-join digit strokes they crossed.

    A line is a long thin horizontal/vertical structure spanning a good part of the
    image *and* much longer than the text around it (``line_min_text_ratio`` × the
    median height of the other ink) — so the bar of a lone large 7 or a tall 1 stays.
    A faint rule binarises dotted and only its longer stretches are found: the pieces
    left along a found line's course across the image (``line_remnant_px``), away from
    other ink (``line_remnant_gap``), go with it — they were read as rows of 1s.

    Parameters
    ----------
    mask : (M, N) uint8 ndarray
        Ink mask (255 = ink).

    Returns
    -------
    cleaned : (M, N) uint8 ndarray
        ``mask`` without line pixels, with short vertical (horizontal) bridges
        restored where a stroke continues on both sides of a horizontal (vertical) line.
    lines : (M, N) uint8 ndarray
        The removed line pixels.
    """
    h_cands = _line_candidates(mask, config=config)
    v_cands = _line_candidates(np.ascontiguousarray(mask.T), config=config)
    lines = np.zeros_like(mask)
    if not h_cands and not v_cands:
        return mask, lines
    rough_h, _ = _paint(mask.shape, h_cands, transpose=False)
    rough_v, _ = _paint(mask.shape, v_cands, transpose=True)
    rest = cv2.bitwise_and(mask, cv2.bitwise_not(cv2.bitwise_or(rough_h, rough_v)))
    text_h = _text_height(rest, config=config)
    if text_h is None:  # nothing but the structures themselves: leave them to the shape rules
        return mask, lines
    min_len = config.line_min_text_ratio * text_h
    h_cands = [c for c in h_cands if c[2] >= min_len]
    v_cands = [c for c in v_cands if c[2] >= min_len]
    horiz, h_thick = _paint(mask.shape, h_cands, transpose=False)
    vert, v_thick = _paint(mask.shape, v_cands, transpose=True)
    lines = cv2.bitwise_or(horiz, vert)
    if not lines.any():
        return mask, lines
    cleaned = cv2.bitwise_and(mask, cv2.bitwise_not(lines))
    # Bridge across each removed line: kernel (width, height) spans its thickness.
    for line_part, ksize in ((horiz, (1, h_thick + 2)), (vert, (v_thick + 2, 1))):
        if not line_part.any():
            continue
        bridged = cv2.morphologyEx(cleaned, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, ksize))
        cleaned = cv2.bitwise_or(cleaned, cv2.bitwise_and(bridged, line_part))
    if config.line_remnant_px > 0:
        remnants = _line_remnants(cleaned, h_cands, v_cands, config=config)
        cleaned = cv2.bitwise_and(cleaned, cv2.bitwise_not(remnants))
        lines = cv2.bitwise_or(lines, remnants)
    return cleaned, lines


def _line_remnants(cleaned: np.ndarray, h_cands: list, v_cands: list, *, config: SegmentationConfig) -> np.ndarray:
    """The components of ``cleaned`` lying wholly along the course of a found line, away from other ink."""
    course = np.zeros_like(cleaned)
    for cands, transpose in ((h_cands, False), (v_cands, True)):
        span = (0.0, (cleaned.shape[0] if transpose else cleaned.shape[1]) - 1.0)
        for x, y, _, _, sel, thickness in cands:
            ys, xs = np.nonzero(sel)
            if xs.size < 2 or np.ptp(xs) == 0:
                continue
            width = round(thickness) + 2 * config.line_remnant_px
            _draw_course(course, xs + x, ys + y, upright=transpose, width=width, span=span)
    return _on_course(cleaned, course, config=config)


def _draw_course(
    course: np.ndarray,
    along: np.ndarray,
    across: np.ndarray,
    *,
    upright: bool,
    width: int,
    span: tuple[float, float] | None = None,
) -> None:
    """Draw into ``course`` the line fitted through points ``(along, across)``, run on across
    the image, ``width`` px thick. ``along`` is x for a level line, y for an upright one
    (``upright``); the line is drawn from ``along = span[0]`` to ``span[1]`` (default: well
    beyond both edges; the two steps measured their own, and the staircase depends on it)."""
    h, w = course.shape
    start, stop = span if span is not None else (-(w + h), w + h)
    slope, icpt = np.polyfit(along, across, 1) if np.ptp(along) > 0 else (0.0, float(np.mean(across)))
    ends = [(start, slope * start + icpt), (stop, slope * stop + icpt)]
    (x0, y0), (x1, y1) = ((p[::-1] if upright else p) for p in ends)
    cv2.line(course, (round(x0), round(y0)), (round(x1), round(y1)), 255, max(1, width))


def _on_course(
    cleaned: np.ndarray,
    course: np.ndarray,
    *,
    config: SegmentationConfig,
    labelled: tuple[int, np.ndarray] | None = None,
) -> np.ndarray:
    """The components of ``cleaned`` lying wholly inside ``course``, away from other ink
    (``labelled``: its 8-connected components, when known)."""
    none = np.zeros_like(cleaned)
    if not cv2.countNonZero(cv2.bitwise_and(cleaned, course)):
        return none
    n, labels = labelled if labelled is not None else label_components(cleaned)[:2]
    off_course = np.zeros(n, bool)
    off_course[labels[(course == 0) & (cleaned > 0)]] = True
    off_course[0] = True
    if off_course.all():
        return none
    on_course = np.take(~off_course, labels)
    if config.line_remnant_gap > 0:  # a piece next to other ink may be a digit's, cut off by the line
        other = (cleaned > 0) & ~on_course
        reach = 2 * config.line_remnant_gap + 1
        near = cv2.dilate(other.view(np.uint8), np.ones((reach, reach), np.uint8)) > 0
        off_course[labels[near & on_course]] = True
        on_course = np.take(~off_course, labels)
    return on_course.view(np.uint8) * 255


def remove_frames(mask: np.ndarray, *, config: SegmentationConfig, labelled: Labelled | None = None) -> Frames:
    """Remove the boxes of a form: a box around each digit, or a field with dividers.

    A frame is a sparse component (ink over at most ``frame_max_density`` of its box;
    ``frame_row_max_density`` for a row of boxes, and ``frame_box_max_density`` for a box
    beside one of its size already found, or beside another as dense whose four corners
    are square as its own are, where bold digits touch the lines) that
    spans neither the page's height nor its width (a
    page's ruling is left to :func:`remove_lines`) and whose thin straight lines close a
    box and hold ``frame_min_share`` of its ink: vertical runs over ``frame_min_span`` of
    its height (the sides and the dividers) and horizontal runs over that share of its
    width or height (the top and bottom), allowed to step sideways a little (a form
    photographed at a slant or in perspective; a frame turned further is levelled
    first). Those runs are erased; the digit inside, even touching the box, stays (its
    strokes are shorter), and so do solid parts (a blot, a shadow). Empty boxes go too.
    Frames whose light lines binarised in pieces are looked for again (:func:`_broken_frames`).

    ``labelled`` is :func:`~.components.label_components` of ``mask`` if the caller has it.

    Returns
    -------
    Frames
        The cleaned mask, the removed pixels and the box of every frame found (a box
        holds writing: what stands in one is not taken for clutter).
    """
    removed = np.zeros_like(mask)
    if config.frame_min_span <= 0:
        return Frames(mask, removed, ())
    n, labels, stats = labelled if labelled is not None else label_components(mask)
    if n <= 2:
        return Frames(mask, removed, ())
    x, y, w, h, area = (stats[1:, i] for i in range(5))
    # A frame is an outline: sparse in its box, and not a page's ruling or grid (which
    # spans the page; remove_lines takes it off while keeping the strokes crossing it).
    candidates = np.flatnonzero(
        _frame_sized(w, h, mask.shape)
        & ((area <= config.frame_max_density * w * h) | ((area <= config.frame_row_max_density * w * h) & (w >= 2 * h)))
    )
    found: list[int] = []

    def take(i: int, *, outline_only: bool = False) -> None:
        """Erase the lines of component ``i`` if it is a frame (only along its outline:
        a digit filling its box has strokes as long as the box's lines)."""
        x0, y0, bw, bh = int(x[i]), int(y[i]), int(w[i]), int(h[i])
        own = (labels[y0 : y0 + bh, x0 : x0 + bw] == i + 1).view(np.uint8) * 255
        frame = _frame_lines(own, area=int(area[i]), config=config)
        if frame is not None and outline_only:
            e = max(3, round(0.12 * min(bw, bh)))
            frame[e:-e, e:-e] = 0
        if frame is not None:
            removed[y0 : y0 + bh, x0 : x0 + bw] |= cv2.bitwise_and(cv2.dilate(frame, np.ones((3, 3), np.uint8)), own)
            found.append(i)

    for i in candidates[np.argsort(-area[candidates], kind="stable")][: config.frame_max_candidates]:
        take(i)
    dense = np.flatnonzero(
        (w >= 8)
        & (h >= 8)
        & (w < 2 * h)
        & (area > config.frame_max_density * w * h)
        & (area <= config.frame_box_max_density * w * h)
    )[: config.frame_max_candidates]

    def beside(i: int, others: np.ndarray) -> bool:
        """Whether a box of ``others`` is of ``i``'s size (± 20%) and in its row."""
        alike = (np.abs(w[others] - w[i]) <= 0.2 * w[i]) & (np.abs(h[others] - h[i]) <= 0.2 * h[i])
        in_row = np.minimum(y[others] + h[others], y[i] + h[i]) - np.maximum(y[others], y[i]) >= 0.5 * h[i]
        return bool((alike & in_row & (others != i)).any())

    # Boxes a bold digit touches are denser: frame when their row has a box like them,
    # found, or dense too and square-cornered as they are (corners looked at only where
    # a dense one has a dense neighbour like it).
    sparse = np.array(found, int)
    paired = [i for i in dense if beside(i, dense)] if config.frame_square_corners else []
    square = np.array([i for i in paired if _square_corners(labels, i + 1, stats[i + 1])], int)
    for i in dense:
        if beside(i, sparse) or (i in square and beside(i, square)):
            take(i, outline_only=True)
    boxes = [(int(x[i]), int(y[i]), int(w[i]), int(h[i])) for i in found]
    if config.frame_bridge_gap > 0:
        remaining = np.ones(n - 1, bool)
        remaining[found] = False
        boxes += _broken_frames(mask, removed, labels, stats, remaining, config=config)
    if not boxes:
        return Frames(mask, removed, ())
    return Frames(cv2.bitwise_and(mask, cv2.bitwise_not(removed)), removed, tuple(boxes))


def _frame_sized(w: np.ndarray, h: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Whether boxes ``w`` × ``h`` are a frame's size: 8 px or more, and short of half the
    page's height and of 90% of its width (a page's ruling or grid is :func:`remove_lines`'s)."""
    return (w >= 8) & (h >= 8) & (h <= 0.5 * shape[0]) & (w <= 0.9 * shape[1])


def _broken_frames(
    mask: np.ndarray,
    removed: np.ndarray,
    labels: np.ndarray,
    stats: np.ndarray,
    remaining: np.ndarray,
    *,
    config: SegmentationConfig,
) -> list[tuple[int, int, int, int]]:
    """Frames whose light or thin printed lines binarised broken, in pieces that are each
    a component of their own (a dash, a side, a corner): no outline for
    :func:`remove_frames` to find, and read as 1s.

    Looked for when ``frame_bridge_min_pieces`` or more thin pieces ``remaining`` (the
    components of ``labels`` / ``stats`` not found as frames already): at least
    ``frame_bridge_run`` × the image's shorter side long, and straight (level or upright
    within ``frame_bridge_slope``) or of ink at most ``frame_bridge_piece_ink`` × their
    box's width + height (a line or a corner a few px wide). Within their reach, the ink
    no thicker than ``frame_bridge_stroke`` × their median width (a digit's strokes are
    bolder than a form's print) is searched for level and upright lines joined across
    gaps up to ``frame_bridge_gap`` × that side — runs closed along themselves and to
    the line across their ends, and the segments of a probabilistic Hough transform,
    each kept where ``frame_bridge_support`` of it is ink — and what they draw is judged
    by :func:`_frame_lines` as a frame is. A frame's ink along its lines is added to
    ``removed``; its box is returned.
    """
    page_h, page_w = mask.shape
    side = min(page_h, page_w)
    x, y, w, h, area = (stats[1:, i] for i in range(5))
    length = np.maximum(w, h)
    thin = (
        remaining
        & (length >= config.frame_bridge_run * side)
        & (length <= 0.5 * side)
        & ((np.minimum(w, h) <= config.frame_bridge_slope * length) | (area <= config.frame_bridge_piece_ink * (w + h)))
    )
    if np.count_nonzero(thin) < config.frame_bridge_min_pieces:
        return []
    width = float(np.median(area[thin] / (w[thin] + h[thin])))  # a line's or a corner's ink: width × (w + h)
    gap = max(3, round(config.frame_bridge_gap * side))
    run = max(8, round(config.frame_bridge_run * side))
    # Only around the thin pieces (a form's field, not the whole page).
    x0, y0 = max(0, int(x[thin].min()) - 2 * gap), max(0, int(y[thin].min()) - 2 * gap)
    x1, y1 = min(page_w, int((x + w)[thin].max()) + 2 * gap), min(page_h, int((y + h)[thin].max()) + 2 * gap)
    window = (slice(y0, y1), slice(x0, x1))
    rest = cv2.bitwise_and(mask[window], cv2.bitwise_not(removed[window]))
    t = max(2, math.ceil(config.frame_bridge_stroke * width))
    strokes = cv2.morphologyEx(rest, cv2.MORPH_OPEN, np.ones((t + 1, t + 1), np.uint8))
    ink = cv2.bitwise_and(rest, cv2.bitwise_not(cv2.dilate(strokes, np.ones((3, 3), np.uint8))))
    drawn = cv2.max(_joined_runs(ink, run, gap, config=config), _hough_lines(ink, run, gap, config=config))
    # A side and a top that fail to meet at a corner still make one frame.
    _, joined, jstats = label_components(cv2.dilate(drawn, np.ones((gap | 1, gap | 1), np.uint8)))
    pieces = labels[window]
    found = []
    candidates = np.flatnonzero((jstats[1:, 2] >= 8) & (jstats[1:, 3] >= 8))  # sized by their lines below
    for i in candidates[np.argsort(-jstats[1 + candidates, 4], kind="stable")][: config.frame_max_candidates]:
        cx, cy, cw, ch = (int(v) for v in jstats[1 + i, :4])
        near = (slice(cy, cy + ch), slice(cx, cx + cw))
        region = joined[near] == i + 1
        lines = region & (drawn[near] > 0)
        rows, cols = np.flatnonzero(lines.any(axis=1)), np.flatnonzero(lines.any(axis=0))
        top, left, bottom, right = int(rows[0]), int(cols[0]), int(rows[-1]) + 1, int(cols[-1]) + 1
        if not _frame_sized(right - left, bottom - top, mask.shape):
            continue
        own = np.where(region, rest[near], 0).astype(np.uint8)
        if np.unique(pieces[near][lines & (own > 0)]).size < 2:
            continue  # one component: remove_frames has judged it whole
        box_lines = lines[top:bottom, left:right].view(np.uint8) * 255
        frame = _frame_lines(box_lines, area=cv2.countNonZero(box_lines), config=config)
        if frame is None:
            continue
        on = removed[window][near][top:bottom, left:right]  # a view: erased in place
        on |= cv2.bitwise_and(cv2.dilate(frame, np.ones((3, 3), np.uint8)), own[top:bottom, left:right])
        found.append((x0 + cx + left, y0 + cy + top, right - left, bottom - top))
    return found


def _joined_runs(ink: np.ndarray, run: int, gap: int, *, config: SegmentationConfig) -> np.ndarray:
    """Level and upright runs of ``ink`` at least ``run`` long (stepping a row or column
    aside: a slant), each closed across gaps up to ``gap`` along itself and to the line
    across its ends (a frame's corner); a joined line is kept where ``frame_bridge_support``
    of it is ink."""
    level = cv2.morphologyEx(cv2.dilate(ink, np.ones((3, 1), np.uint8)), cv2.MORPH_OPEN, np.ones((1, run), np.uint8))
    upright = cv2.morphologyEx(cv2.dilate(ink, np.ones((1, 3), np.uint8)), cv2.MORPH_OPEN, np.ones((run, 1), np.uint8))
    both = cv2.max(level, upright)
    out = np.zeros_like(ink)
    for runs, along in ((level, (1, gap)), (upright, (gap, 1))):
        if not runs.any():
            continue
        reach = cv2.dilate(runs, np.ones((2 * along[0] - 1, 2 * along[1] - 1), np.uint8))  # along itself only
        joined = cv2.bitwise_and(cv2.morphologyEx(both, cv2.MORPH_CLOSE, np.ones(along, np.uint8)), reach)
        n, labels, stats = label_components(joined)
        inked = np.bincount(labels[both > 0], minlength=n)
        keep = inked >= config.frame_bridge_support * stats[:, cv2.CC_STAT_AREA]
        keep[0] = False
        out[keep[labels]] = 255
    return out


def _hough_lines(ink: np.ndarray, run: int, gap: int, *, config: SegmentationConfig) -> np.ndarray:
    """Level and upright segments of ``ink`` (a probabilistic Hough transform bridging gaps
    up to ``gap``; it joins lines the runs leave apart at a slant), drawn 2 px wide (still
    joined once levelled) where ``frame_bridge_support`` of each is ink."""
    out = np.zeros_like(ink)
    segments = cv2.HoughLinesP(ink, 1, np.pi / 180, threshold=run, minLineLength=run, maxLineGap=gap)
    if segments is None:
        return out
    seg = segments.reshape(-1, 4).astype(np.int32)
    dx, dy = np.abs(seg[:, 2] - seg[:, 0]), np.abs(seg[:, 3] - seg[:, 1])
    seg = seg[np.minimum(dx, dy) <= config.frame_bridge_slope * np.maximum(dx, dy)]
    # The share of ink along each: 32 points evenly along it, ink within a pixel.
    near = cv2.dilate(ink, np.ones((3, 3), np.uint8))
    t = np.linspace(0.0, 1.0, 32)
    xs = np.rint(seg[:, :1] + (seg[:, 2:3] - seg[:, :1]) * t).astype(np.intp)
    ys = np.rint(seg[:, 1:2] + (seg[:, 3:4] - seg[:, 1:2]) * t).astype(np.intp)
    for x1, y1, x2, y2 in seg[(near[ys, xs] > 0).mean(axis=1) >= config.frame_bridge_support]:
        cv2.line(out, (int(x1), int(y1)), (int(x2), int(y2)), 255, 2)
    return out


def _square_corners(labels: np.ndarray, label: int, stat: np.ndarray) -> bool:
    """Whether component ``label`` inks all four corners of its box (a drawn box's square
    corners; the round ones of a 0 or an 8 leave them paper)."""
    x0, y0, bw, bh = (int(v) for v in stat[:4])
    c = max(2, round(0.1 * min(bw, bh)))  # an oval's outline starts 0.15 of the side in
    own = labels[y0 : y0 + bh, x0 : x0 + bw] == label
    corners = (own[:c, :c], own[:c, -c:], own[-c:, :c], own[-c:, -c:])
    return all(corner.mean() >= 0.3 for corner in corners)


def _frame_lines(own: np.ndarray, *, area: int, config: SegmentationConfig) -> np.ndarray | None:
    """The straight lines of a candidate frame (its own mask ``own``), or None if it is not one.

    A frame photographed at an angle is turned level first (the angle of its
    minimum-area rectangle, whichever way levels it). Its lines must close a box: a
    vertical line along its left and its right edge, a horizontal one along its top
    and its bottom (a "1", a "4" or a "7" has straight strokes, but no box).
    """
    (_, _), (_, _), rect_angle = cv2.minAreaRect(cv2.findNonZero(own))
    angle = (rect_angle + 45.0) % 90.0 - 45.0  # OpenCV versions report it in different quadrants
    level, back = own, None
    if abs(angle) >= 1.0:
        best = None
        for a in (angle, -angle):
            m, size = turn(own.shape, a)
            turned = cv2.warpAffine(own, m, size, flags=cv2.INTER_NEAREST)
            rows = np.flatnonzero(turned.any(axis=1))
            height = rows[-1] - rows[0] if rows.size else size[1]
            if best is None or height < best[0]:
                best = (height, turned, m)
        _, level, m = best
        back = cv2.invertAffineTransform(m)
    rows, cols = np.flatnonzero(level.any(axis=1)), np.flatnonzero(level.any(axis=0))
    fh, fw = rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1
    if fh < 8 or fh < 0.08 * fw or fw < 8:  # a (slanted) line, not a box
        return None
    span_v = max(3, round(config.frame_min_span * fh))
    span_h = max(3, round(config.frame_min_span * min(fw, fh)))
    # Thin lines of a form photographed at a slight slant or in perspective step
    # sideways: widen them a little across before looking for long runs.
    tol = max(1, round(config.frame_slant_tolerance * fh))
    wide_v = cv2.dilate(level, np.ones((1, 2 * tol + 1), np.uint8))
    wide_h = cv2.dilate(level, np.ones((2 * tol + 1, 1), np.uint8))
    vertical = cv2.morphologyEx(wide_v, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, span_v)))
    horizontal = cv2.morphologyEx(wide_h, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (span_h, 1)))
    vertical = cv2.bitwise_and(vertical, level)
    horizontal = cv2.bitwise_and(horizontal, level)
    # Drawn lines are thin beside the cells they make: solid parts (a shadow's edge, a
    # blot, a digit's thick stroke) are not frame. Thin is judged against the lines'
    # median width: up to frame_line_width × it (blurred or smudged print swells in
    # places), but under frame_line_max_frac of the box's side (a bold stroke at 45°
    # levels into a bar whose every run is a "line" as wide as itself). In a row of
    # boxes the sides of neighbours run together: dividers up to frame_divider_width ×
    # the median width are frame too.
    k = max(3, round(0.12 * min(fh, fw)))
    drawn = cv2.bitwise_or(vertical, horizontal)
    if drawn.any():
        width = 2 * float(np.median(cv2.distanceTransform(drawn, cv2.DIST_L2, 3)[drawn > 0]))
        sides = np.flatnonzero(vertical.any(axis=0))
        if np.count_nonzero(np.diff(sides) > 1) >= 3:  # the two ends and 2+ dividers
            k = max(k, math.ceil(config.frame_divider_width * width) + 1)
        else:
            cap = round(config.frame_line_max_frac * min(fh, fw))
            k = max(k, min(math.ceil(config.frame_line_width * width) + 1, cap))
    square = np.ones((k, k), np.uint8)
    core = cv2.erode(drawn, square, borderType=cv2.BORDER_CONSTANT, borderValue=0)
    if core.any():
        solid = cv2.bitwise_not(cv2.dilate(core, square))
        vertical, horizontal = cv2.bitwise_and(vertical, solid), cv2.bitwise_and(horizontal, solid)
    cols_v = np.flatnonzero(vertical.any(axis=0))
    rows_h = np.flatnonzero(horizontal.any(axis=1))
    edge = max(2, 2 * tol + 1)
    closed = (
        cols_v.size > 0
        and rows_h.size > 0
        and cols_v[0] <= cols[0] + edge
        and cols_v[-1] >= cols[-1] - edge
        and rows_h[0] <= rows[0] + edge
        and rows_h[-1] >= rows[-1] - edge
    )
    if closed:
        # A square 5 or 2 (a display's, a blocky font's) has every stroke of a box: a vertical
        # at each edge — one in the upper half, one in the lower, each passing the run test
        # as it reaches the box's edge — and a top and a bottom. Its middle bar is what a box
        # has not: with sides that do not stand side by side, it is a digit.
        left = vertical[:, : cols[0] + edge + 1].any(axis=1)
        right = vertical[:, cols[-1] - edge :].any(axis=1)
        lo, hi = config.frame_middle
        middle = (rows_h > rows[0] + lo * fh) & (rows_h < rows[0] + hi * fh)
        closed = middle.sum() == 0 or np.count_nonzero(left & right) >= config.frame_side_overlap * fh
    lines = cv2.bitwise_or(vertical, horizontal)
    if not closed or cv2.countNonZero(lines) < config.frame_min_share * area:
        return None
    if back is None:
        return lines
    h, w = own.shape
    return cv2.warpAffine(cv2.dilate(lines, np.ones((3, 3), np.uint8)), back, (w, h), flags=cv2.INTER_NEAREST)
