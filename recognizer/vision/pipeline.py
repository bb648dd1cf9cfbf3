"""The segmentation pipeline and its two entry points, :func:`segment` and :func:`recognize`.

Steps: (a) normalise → (b) binarise, remove ruled lines → (c) components and
shape rules → (d) merge broken pieces → (e) text lines and line-relative rules →
(d) split touching digits (cut by columns, and sheared upright when the ink leans)
→ (f) crops through ``normalize_crop``, one classifier
batch, confidence rules, a second look at the doubtful digits kept (read again turned).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import KW_ONLY, dataclass, field, replace
from typing import NamedTuple

import cv2
import numpy as np

from classifiers.ml.crops import normalize_crop, turned

from .binarize import binarize_labelled, remove_frames, remove_lines
from .components import (
    Blobs,
    blob_mask,
    find_components,
    join_segments,
    members_mask,
    merge_broken,
    near_ink,
    row_axis,
    shape_filter,
)
from .config import SegmentationConfig
from .geometry import turn
from .letters import printed_words
from .lines import digit_height, estimate_slope, group_lines, line_angles
from .normalize import flatten_shadows, normalize
from .result import Box, Candidate, Digit, Recognition, Segmentation
from .sheet import find_sheet
from .split import best_partition, cut_candidates, needs_split, valid_segments, without_slivers

Classify = Callable[[np.ndarray], np.ndarray]
"""``(N, 28, 28) float32`` crops → ``(N, 10)`` probabilities of digits 0..9."""
Verify = Callable[[Sequence[np.ndarray], Sequence[float]], np.ndarray]
"""(patches, their lines' digit heights) → ``(N,)`` P(each is one whole digit); see ``verifier.SingleDigitVerifier``."""

DEFAULT_CONFIG = SegmentationConfig()


@dataclass(frozen=True)
class _Prepared:
    blobs: Blobs
    lines: list[list[int]]  # blob indices, reading order
    ref_height: np.ndarray  # (K,) digit height of each blob's line
    angles: list[float]  # slant of each line, degrees (positive = falling to the right)
    scale: float
    shape: tuple[int, int]  # original (H, W)
    warnings: list[str]
    _: KW_ONLY  # the optional rest by name only: several share types, a slip would go unnoticed
    flat: np.ndarray | None = None  # the flattened working image (paper ≈ 255); None when nothing was found
    paper: float = 255.0  # its paper level
    offset: tuple[int, int] = (0, 0)  # x, y of the analysed region in the original image
    depths: tuple[float, ...] = ()  # ink depth of each line (see _line_depths)
    frames: tuple[Box, ...] = ()  # boxes of the form boxes and combs remove_frames found
    # blob index → (members, box) of it with the small pieces next to it that the shape
    # and line rules dropped: the classifier decides whether they belong to it.
    attachments: dict[int, tuple[tuple[int, ...], Box]] = field(default_factory=dict)

    def ink_patch(self, box: Box, mask: np.ndarray) -> np.ndarray:
        """Ink strength (0 paper … 1 full ink) of ``mask``'s candidate inside ``box``, float32.

        Grey like the MNIST digits the classifiers learn from: anti-aliased edges and
        the lighter inside of a loop a bold pen nearly closed survive. Pixels not next
        to the candidate's own ink (a neighbour's strokes in its box) are zero.
        """
        assert self.flat is not None, "ink_patch needs the flattened image of a prepared image with lines"
        return _ink_strength(self.flat, self.paper, box, mask)


def _ink_strength(flat: np.ndarray, paper: float, box: Box, mask: np.ndarray) -> np.ndarray:
    """Ink strength (0 paper … 1 its own median ink) of ``mask``'s candidate in ``box`` of ``flat``;
    zero away from its own ink (see :meth:`_Prepared.ink_patch`)."""
    x, y, w, h = box
    patch = flat[y : y + h, x : x + w].astype(np.float32)
    ink = float(np.median(patch[mask > 0]))  # its own ink: pencil and pen alike reach 1
    return near_ink(np.clip((paper - patch) / max(paper - ink, 1.0), 0.0, 1.0).astype(np.float32), mask)


@dataclass(frozen=True)
class _Whole:
    """A component read as one digit: its (box, crop index), then the same with the loose
    pieces next to it (kept when the classifier is surer so)."""

    line: int
    options: list[tuple[Box, int]]


@dataclass(frozen=True)
class _Split:
    """A component (or two neighbours, :func:`_pair_plan`) to cut into digits: the candidate
    cuts across its ``width``, their ink costs, and every valid segment's (crop index, box);
    ``whole`` is read when no partition is valid. ``leaning`` is the same component
    sheared upright (:func:`_deslanted`) and cut its own way, if it leans."""

    line: int
    width: int
    cuts: np.ndarray
    costs: np.ndarray
    ref_h: float
    whole: tuple[int, Box]
    segments: dict[tuple[int, int], tuple[int, Box]]
    leaning: _Split | None = None


@dataclass
class _Batch:
    """The crops of one reading, gathered for one classifier call and one verifier call."""

    ink_gamma: float = 1.0  # SegmentationConfig.crop_ink_gamma
    crops: list[np.ndarray] = field(default_factory=list)
    to_verify: list[tuple[int, np.ndarray, float]] = field(default_factory=list)  # (crop, patch, line height)
    one_digit: dict[int, float] = field(default_factory=dict)  # crop index → P(one whole digit)

    def add(self, patch: np.ndarray, *, verify_height: float | None = None, one_digit: float | None = None) -> int:
        """Crop ``patch`` for the classifier; with ``verify_height``, ask the verifier about it
        too, unless its answer is known already (``one_digit``). Returns its crop index."""
        self.crops.append(normalize_crop(patch if self.ink_gamma == 1 else patch**self.ink_gamma))
        ci = len(self.crops) - 1
        if one_digit is not None:
            self.one_digit[ci] = one_digit
        elif verify_height is not None:
            self.to_verify.append((ci, patch, verify_height))
        return ci


@dataclass(frozen=True)
class _Piece:
    box: Box  # working pixels
    line: int
    crop: int  # index into the crop batch


class _Pieces(NamedTuple):
    """What :func:`_pieces` gives a reading."""

    pieces: list[_Piece]  # reading order
    crops: np.ndarray  # (N, 28, 28) float32
    probs: np.ndarray | None  # (N, 10), None without a classifier
    warnings: list[str]
    one_digit: dict[int, float]  # crop index → P(one whole digit), for the crops the verifier saw


def _prepare(image: np.ndarray, config: SegmentationConfig, letters: Verify | None = None) -> _Prepared:
    arr = np.asarray(image)
    shape = (int(arr.shape[0]), int(arr.shape[1])) if arr.ndim >= 2 else (0, 0)
    empty = Blobs(np.zeros((0, 0), np.int32), np.zeros((0, 4), np.int64), np.zeros(0, np.int64), [])
    if arr.ndim not in (2, 3) or arr.size == 0:
        if arr.ndim not in (2, 3):
            raise ValueError(f"expected an (H, W) or (H, W, 3) image, got shape {arr.shape}")
        return _Prepared(empty, [], np.zeros(0), [], 1.0, shape, ["empty image"])
    norm = normalize(arr, config=config)
    warnings = []
    if norm.scale < 1.0:
        warnings.append(f"image downscaled by {norm.scale:.3f} for analysis")
    if min(norm.grey.shape) < config.min_side:
        warnings.append(f"image too small ({shape[1]}x{shape[0]} px) to read")
        return _Prepared(empty, [], np.zeros(0), [], norm.scale, shape, warnings)
    if norm.noise_sigma > config.max_noise_sigma:
        warnings.append(f"image too noisy to read (noise sigma {norm.noise_sigma:.0f})")
        return _Prepared(empty, [], np.zeros(0), [], norm.scale, shape, warnings)
    if norm.noise_sigma > config.denoise_min_sigma:
        warnings.append(f"noisy image (noise sigma {norm.noise_sigma:.0f}): median-filtered")
    if norm.inverted:
        warnings.append("light ink on dark background: image inverted")
    sheet = find_sheet(norm.grey, config=config)
    if sheet is not None:
        warnings.append("photo of a sheet: the background around it is ignored")
    region, outline = (None, None) if sheet is None else sheet
    shaded = flatten_shadows(norm, region, config=config)
    levels = None  # the paper and ink levels are measured as before a shadow went (binarize_labelled)
    if shaded is not norm:
        warnings.append("a shadow cast across the page was evened out")
        levels, norm = norm.flat, shaded
    mask, labelled, paper, beyond = binarize_labelled(
        norm.flat, config=config, region=region, levels=levels, levels_region=outline
    )
    if not mask.any():
        warnings.append("no ink found")
        return _Prepared(empty, [], np.zeros(0), [], norm.scale, shape, warnings)
    # The mask's components are labelled once and reused until a step changes the mask.
    mask, frames, frame_boxes = remove_frames(mask, config=config, labelled=labelled)
    mask, ruled = remove_lines(mask, config=config)
    if frames.any():
        ruled = cv2.bitwise_or(ruled, frames)
    blobs, more = find_components(mask, config=config, labelled=None if ruled.any() else labelled)
    warnings += more
    merged = merge_broken(join_segments(blobs, config=config), config=config)
    blobs = shape_filter(merged, config=config, slope=estimate_slope(merged.boxes, config=config))
    found = _find_lines(blobs, norm.flat, ruled, region, beyond, config=config)
    printed: set[int] = set()  # the members of printed words' letters
    if letters is not None and found.lines:
        words = _printed_letters(blobs, found, norm.flat, float(paper), letters, config=config)
        if words.any():
            warnings.append(f"ignored {int(words.sum())} printed letter(s) (a form's labels)")
            printed = {m for i in np.flatnonzero(words) for m in blobs.members[i]}
            blobs = blobs.subset(~words)
            found = _find_lines(blobs, norm.flat, ruled, region, beyond, config=config)
    lines, ref_h, slope = found.lines, found.ref_h, found.slope
    n_textured, n_edge, n_ends = found.n_textured, found.n_edge, found.n_ends
    if n_textured:
        warnings.append(f"ignored {n_textured} line(s) on a textured background (desk, fabric, print)")
    if n_edge:
        warnings.append(f"ignored {n_edge} line(s) at the edge of the frame or sheet (objects, paper edge)")
    if n_ends:
        warnings.append(f"ignored {n_ends} region(s) at the sheet's edge beside the writing (shadow, desk)")
    if not lines:
        warnings.append("no digit-like regions found")
    rows = {
        line[0]: axis
        for line in lines
        if len(line) == 1 and (axis := row_axis(blob_mask(blobs, line[0]), config=config)) is not None
    }
    angles = line_angles(blobs.boxes, lines, config=config, slope=slope, rows=rows)
    depths = _line_depths(blobs, lines, norm.flat)
    attachments = _attachments(merged, blobs, lines, ref_h, config=config, ignore=printed)
    return _Prepared(
        blobs,
        lines,
        ref_h,
        angles,
        norm.scale,
        shape,
        warnings,
        flat=norm.flat,
        paper=float(paper),
        attachments=attachments,
        depths=depths,
        frames=frame_boxes,
    )


class _Found(NamedTuple):
    """The lines of an image's candidates (:func:`_find_lines`)."""

    groups: list[list[int]]  # every candidate in a line, before the line rules
    lines: list[list[int]]  # what the line rules and the texture and edge rules keep
    ref_h: np.ndarray
    slope: float
    n_textured: int
    n_edge: int
    n_ends: int


def _find_lines(
    blobs: Blobs,
    flat: np.ndarray,
    ruled: np.ndarray,
    sheet: np.ndarray | None,
    beyond: np.ndarray | None,
    *,
    config: SegmentationConfig,
) -> _Found:
    """Group ``blobs`` into lines and keep what the line, texture and edge rules keep."""
    slope = estimate_slope(blobs.boxes, config=config)
    groups = group_lines(blobs.boxes, config=config, slope=slope)
    keep, ref_h = _line_rules(blobs.boxes, groups, config=config, slope=slope)
    lines = [[i for i in line if keep[i]] for line in groups]
    lines = [line for line in lines if line]
    lines, n_textured = _drop_textured_lines(blobs, lines, flat, ruled, config=config)
    lines, n_edge, n_ends = _drop_edge_lines(blobs, lines, sheet, beyond, config=config)
    return _Found(groups, lines, ref_h, slope, n_textured, n_edge, n_ends)


def _printed_letters(
    blobs: Blobs, found: _Found, flat: np.ndarray, paper: float, letters: Verify, *, config: SegmentationConfig
) -> np.ndarray:
    """The letters of printed words (:func:`.letters.printed_words`) in the lines ``found`` kept
    something of: ``(K,) bool``. A line of clutter the texture and edge rules drop whole is
    not judged, so what it drops stays as it was."""
    kept = {i for line in found.lines for i in line}
    groups = [g for g in found.groups if kept.intersection(g)]

    def judge(idx: Sequence[int], heights: Sequence[float]) -> np.ndarray:
        return letters([_ink_strength(flat, paper, blobs.box(i), blob_mask(blobs, i)) for i in idx], heights)

    return printed_words(blobs.boxes, groups, judge, config=config)


def _attachments(
    merged: Blobs,
    blobs: Blobs,
    lines: list[list[int]],
    ref_h: np.ndarray,
    *,
    config: SegmentationConfig,
    ignore: AbstractSet[int] = frozenset(),
) -> dict[int, tuple[tuple[int, ...], Box]]:
    """Small dropped pieces lying against a kept candidate (a detached bar, a broken stroke);
    none with a member in ``ignore`` (the letters of printed words).

    Returns kept blob index → (members, box) of the candidate with its pieces; whether
    they belong to it is the classifier's call (:func:`_pieces`).
    """
    kept = [i for line in lines for i in line]
    if not kept or not config.attach_pieces:
        return {}
    kept_members = {m for i in kept for m in blobs.members[i]}
    dropped = [j for j in range(len(merged)) if not set(merged.members[j]) & (kept_members | ignore)]
    if not dropped:
        return {}
    hosts = np.array(kept)
    hb = blobs.boxes[hosts].astype(np.float64)
    ref = ref_h[hosts]
    areas = blobs.areas[hosts]
    out: dict[int, tuple[tuple[int, ...], Box]] = {}
    for j in dropped:
        px, py, pw, ph = (float(v) for v in merged.boxes[j])
        gap_x = np.maximum(0, np.maximum(px, hb[:, 0]) - np.minimum(px + pw, hb[:, 0] + hb[:, 2]))
        gap_y = np.maximum(0, np.maximum(py, hb[:, 1]) - np.minimum(py + ph, hb[:, 1] + hb[:, 3]))
        uw = np.maximum(px + pw, hb[:, 0] + hb[:, 2]) - np.minimum(px, hb[:, 0])
        uh = np.maximum(py + ph, hb[:, 1] + hb[:, 3]) - np.minimum(py, hb[:, 1])
        ok = (gap_x <= config.attach_max_gap * ref) & (gap_y <= config.attach_max_gap * ref)
        ok &= (uw <= config.attach_max_union_width * ref) & (uh <= config.attach_max_union_height * ref)
        ok &= (merged.areas[j] <= config.attach_max_area * areas) & (ph <= config.attach_max_height * ref)
        if not ok.any():
            continue
        host = int(hosts[np.flatnonzero(ok)[np.argmin((gap_x + gap_y)[ok])]])
        members, box = out.get(host, (blobs.members[host], blobs.box(host)))
        x0, y0 = min(box[0], int(px)), min(box[1], int(py))
        x1, y1 = max(box[0] + box[2], int(px + pw)), max(box[1] + box[3], int(py + ph))
        out[host] = (members + merged.members[j], (x0, y0, x1 - x0, y1 - y0))
    return out


def _drop_edge_lines(
    blobs: Blobs,
    lines: list[list[int]],
    sheet: np.ndarray | None,
    beyond: np.ndarray | None,
    *,
    config: SegmentationConfig,
) -> tuple[list[list[int]], int, int]:
    """Drop what the sheet's outline cuts, and lines on the edge of the frame or sheet when others are not.

    Objects cut by the frame, the desk beyond the paper and the paper's own edge give
    "digits" that touch that edge; written digits sit inside.

    - **Cut by the sheet's outline** (a photo of a sheet): a component within
      ``sheet_outline_px`` of ink that continues beyond the outline in a region of at
      least ``sheet_cut_min_frac`` of the image (``beyond``: what the threshold finds
      outside the sheet) — a shadow cast from beyond the paper, desk the outline takes
      in, the paper's edge. A digit written near the edge leaves at most a sliver
      beyond. A line all of whose components are cut goes, even when it is the only
      one: an empty sheet has no writing to judge it against. A line's first or last
      component that alone of its line is cut goes from the line (a shadow's end or a
      strip of desk beside the writing, read as a leading or trailing "1"); where the
      outline cuts into writing, more than one is cut and the line stays whole.
    - **On the edge**: a line all of whose components reach the band ``edge_band_frac``
      of the shorter side wide along the frame or the sheet's outline goes unless
      every line does (a digit filling the frame).

    Returns the lines left, how many lines were dropped and how many line ends.
    """
    if not lines or config.edge_band_frac <= 0:
        return lines, 0, 0
    n_lines, n_ends = len(lines), 0
    cut = _outline_cut(blobs, lines, beyond, config=config)
    if cut is not None:
        kept = []
        for line in lines:
            on = [blobs.ink_pixels(i, cut).any() for i in line]
            if all(on):
                continue
            if len(line) >= 2 and sum(on) == 1 and (on[0] or on[-1]):
                line = line[1:] if on[0] else line[:-1]
                n_ends += 1
            kept.append(line)
        lines = kept
    if len(lines) < 2:
        return lines, n_lines - len(lines), n_ends
    h, w = blobs.labels.shape
    band = max(2, round(config.edge_band_frac * min(h, w)))
    if sheet is None:
        zone = np.zeros((h, w), np.uint8)
    else:
        grow = cv2.getStructuringElement(cv2.MORPH_RECT, (2 * band + 1, 2 * band + 1))
        zone = cv2.dilate(cv2.bitwise_not(sheet), grow)
    zone[:band], zone[-band:], zone[:, :band], zone[:, -band:] = 255, 255, 255, 255
    edge = [all(blobs.ink_pixels(i, zone).any() for i in line) for line in lines]
    if not all(edge):
        lines = [line for line, e in zip(lines, edge, strict=True) if not e]
    return lines, n_lines - len(lines), n_ends


def _outline_cut(
    blobs: Blobs, lines: list[list[int]], beyond: np.ndarray | None, *, config: SegmentationConfig
) -> np.ndarray | None:
    """Where the sheet's outline cuts a component: within ``sheet_outline_px`` of the
    regions of ``beyond`` (ink outside the sheet) of at least ``sheet_cut_min_frac`` of
    the image. None when no line's component comes near ink beyond the sheet at all
    (then the ~1 ms labelling of what lies beyond is skipped) or none of it is large."""
    if beyond is None:
        return None
    square = cv2.getStructuringElement(cv2.MORPH_RECT, (2 * config.sheet_outline_px + 1,) * 2)
    near = cv2.dilate(beyond, square)
    if not any(blobs.ink_pixels(i, near).any() for line in lines for i in line):
        return None
    _, labels, stats, _ = cv2.connectedComponentsWithStats(beyond, connectivity=8)
    large = np.flatnonzero(stats[1:, cv2.CC_STAT_AREA] >= config.sheet_cut_min_frac * beyond.size) + 1
    if not large.size:
        return None
    return cv2.dilate(np.isin(labels, large).astype(np.uint8), square)


def _line_depths(blobs: Blobs, lines: list[list[int]], flat: np.ndarray) -> tuple[float, ...]:
    """How dark each line's ink is: ``1 - flat / 255`` (paper ≈ 255) at the median ink
    pixel of each component, the line's median over its components."""
    return tuple(float(np.median([1.0 - np.median(blobs.ink_pixels(i, flat)) / 255.0 for i in line])) for line in lines)


def _faint_lines(
    depths: tuple[float, ...],
    lines: set[int],
    reference: set[int],
    warnings: list[str],
    *,
    config: SegmentationConfig,
) -> set[int]:
    """Those of ``lines`` whose ink is far lighter than the darkest ``reference`` line's.

    One hand writes with one pen: the edge of a shadow, a fold or text showing through
    from the back binarise as faint "ink" beside the real digits. The reference is
    the lines the classifier reads with confidence, when there is a classifier: a
    dark object beside pencil writing must not make the writing "faint". A warning
    saying how many were found is appended to ``warnings``.
    """
    if len(lines) < 2 or config.line_min_rel_depth <= 0 or not reference:
        return set()
    deepest = max(depths[n] for n in reference)
    faint = {n for n in lines if depths[n] < config.line_min_rel_depth * deepest}
    if faint:
        warnings.append(f"ignored {len(faint)} line(s) much fainter than the rest (shadow edges, show-through)")
    return faint


def _drop_textured_lines(
    blobs: Blobs, lines: list[list[int]], flat: np.ndarray, ruled: np.ndarray, *, config: SegmentationConfig
) -> tuple[list[list[int]], int]:
    """Drop lines standing on a textured background when others stand on plain paper.

    Writing sits on paper, plain around its strokes. The wood grain, fabric or print
    of a desk beyond the sheet's edge breaks up into digit-sized "components" with
    more of the same texture between them. A line whose surroundings (its box grown by
    0.3 × its height, the ink of every component found and the removed ruled lines
    left out, with their rims) are darker than ``1 - min_contrast`` of the paper in
    more than ``line_max_textured`` of the pixels goes, unless every line does.
    """
    if len(lines) < 2 or config.line_max_textured >= 1:
        return lines, 0
    h, w = flat.shape
    busy = cv2.dilate(cv2.bitwise_or((blobs.labels > 0).astype(np.uint8) * 255, ruled), np.ones((5, 5), np.uint8))
    dark = flat < (1.0 - config.min_contrast) * 255
    textured = []
    for line in lines:
        bx = blobs.boxes[line].astype(np.float64)
        pad = 0.3 * float(np.median(bx[:, 3]))
        x0, y0 = max(0, int(bx[:, 0].min() - pad)), max(0, int(bx[:, 1].min() - pad))
        x1, y1 = min(w, int((bx[:, 0] + bx[:, 2]).max() + pad)), min(h, int((bx[:, 1] + bx[:, 3]).max() + pad))
        around = busy[y0:y1, x0:x1] == 0
        share = float(dark[y0:y1, x0:x1][around].mean()) if around.any() else 0.0
        textured.append(share > config.line_max_textured)
    if all(textured):
        return lines, 0
    kept = [line for line, t in zip(lines, textured, strict=True) if not t]
    return kept, len(lines) - len(kept)


def _line_rules(
    boxes: np.ndarray, lines: list[list[int]], *, config: SegmentationConfig, slope: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """Reject dots, commas, dashes and strays by height relative to their line.

    A wide box (a row of touching digits) is too tall only when it is also too tall
    across the text direction (``slope``, dy/dx): on a slanted line its box is far
    taller than one digit's, though the row is not.

    Returns
    -------
    keep : (K,) bool ndarray
    ref_height : (K,) float ndarray
        Typical digit height (box height) of each box's line (its own height when alone
        and no line is near).
    """
    k = len(boxes)
    h = boxes[:, 3].astype(np.float64)
    across = _height_across(boxes, slope)
    keep = np.ones(k, bool)
    ref = h.copy()
    ref_across = across.copy()
    wide = boxes[:, 2] >= boxes[:, 3]

    def not_tall(idx, ref_h: np.ndarray, ref_a: np.ndarray, limit: float) -> np.ndarray:
        # A wide box (a row of touching digits) may be tall only by its slant.
        return (h[idx] <= limit * ref_h) | (wide[idx] & (across[idx] <= limit * ref_a))

    multi = [line for line in lines if len(line) >= 2]
    for line in multi:
        for heights, out in ((h, ref), (across, ref_across)):
            out[line] = digit_height(heights[line])  # the dots ignored
        keep[line] = (h[line] >= config.min_rel_height * ref[line]) & not_tall(
            line, ref[line], ref_across[line], config.max_rel_height
        )
    singles = [line[0] for line in lines if len(line) == 1]
    if singles and multi:
        members = np.array([i for line in multi for i in line if keep[i]])
        if members.size:
            cx = boxes[:, 0] + boxes[:, 2] / 2
            cy = boxes[:, 1] + boxes[:, 3] / 2
            s = np.array(singles)
            d = np.hypot(cx[s][:, None] - cx[members][None, :], cy[s][:, None] - cy[members][None, :])
            near = members[np.argmin(d, axis=1)]
            keep[s] = (h[s] >= config.min_rel_height * ref[near]) & not_tall(
                s, ref[near], ref_across[near], config.single_max_rel_height
            )
    return keep, ref


def _height_across(boxes: np.ndarray, slope: float) -> np.ndarray:
    """Height of each box's content across a text direction of ``slope`` (dy/dx).

    A W × H rectangle turned by θ has a box ``w = W cos θ + H sin θ``,
    ``h = W sin θ + H cos θ``; solved for H, floored at a third of the box height
    (a box is not an exact rectangle). Exactly the box height when level.
    """
    h = boxes[:, 3].astype(np.float64)
    theta = abs(math.atan(slope))
    if theta < 1e-3:
        return h
    theta = min(theta, math.radians(35))  # steeper than the slant limit: keep it solvable
    w = boxes[:, 2].astype(np.float64)
    est = (h * math.cos(theta) - w * math.sin(theta)) / math.cos(2 * theta)
    return np.maximum(est, h / 3)


def _piece_crop(up: _Upright, a: int, b: int, *, sliver_share: float) -> tuple[int, np.ndarray, Box] | None:
    """Columns ``a:b`` of an upright component trimmed to their ink.

    Where a cut leaves bits of the neighbour's strokes in the piece (parts touching the
    cut with under ``sliver_share`` of the piece's ink, not its largest part), they are
    left out: the classifier and the verifier see the digit alone.

    Returns the ink pixel count, the grey patch and the box in the upright mask.
    """
    sub, grey = up.mask[:, a:b], up.grey[:, a:b]
    cut_left, cut_right = a > 0 and sub[:, 0].any(), b < up.mask.shape[1] and sub[:, -1].any()  # through ink
    kept = without_slivers(sub, cut_left=cut_left, cut_right=cut_right, share=sliver_share)
    if kept is not sub:
        sub = kept
        grey = near_ink(grey, sub)
    rows = np.flatnonzero(sub.any(axis=1))
    cols = np.flatnonzero(sub.any(axis=0))
    if rows.size == 0:
        return None
    r0, r1, c0, c1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    patch = grey[r0:r1, c0:c1]
    return int(np.count_nonzero(sub)), patch, (int(a + c0), int(r0), int(c1 - c0), int(r1 - r0))


@dataclass(frozen=True)
class _Upright:
    """A component mask turned so its text line is horizontal, and the way back."""

    mask: np.ndarray
    grey: np.ndarray  # ink strength, turned the same way
    back: np.ndarray | None  # (2, 3) affine: upright → component mask pixels; None when not turned
    shape: tuple[int, int]  # the component mask's (h, w)

    def box_in_component(self, box: Box) -> Box:
        """An upright-mask box as the bounding box of its corners in the component mask."""
        if self.back is None:
            return box
        x, y, w, h = box
        corners = np.array([[x, y, 1], [x + w, y, 1], [x, y + h, 1], [x + w, y + h, 1]], np.float64)
        pts = corners @ self.back.T
        big_h, big_w = self.shape
        x0, y0 = max(0, math.floor(pts[:, 0].min())), max(0, math.floor(pts[:, 1].min()))
        x1, y1 = min(big_w, math.ceil(pts[:, 0].max())), min(big_h, math.ceil(pts[:, 1].max()))
        return (x0, y0, max(1, x1 - x0), max(1, y1 - y0))


def _upright(mask: np.ndarray, grey: np.ndarray, angle: float, *, config: SegmentationConfig) -> _Upright:
    """Rotate ``mask`` and ``grey`` by the line's slant (degrees) so the digits stand upright."""
    h, w = mask.shape
    if abs(angle) < config.deslant_min_angle:
        return _Upright(mask, grey, None, (h, w))
    m, size = turn((h, w), angle)
    turned = cv2.warpAffine(mask, m, size, flags=cv2.INTER_NEAREST)
    ys, xs = np.nonzero(turned)
    if ys.size == 0:
        return _Upright(mask, grey, None, (h, w))
    y0, y1, x0, x1 = int(ys.min()), int(ys.max()) + 1, int(xs.min()), int(xs.max()) + 1
    turned_grey = cv2.warpAffine(grey, m, size, flags=cv2.INTER_LINEAR)[y0:y1, x0:x1]
    m[0, 2] -= x0
    m[1, 2] -= y0
    return _Upright(turned[y0:y1, x0:x1], turned_grey, cv2.invertAffineTransform(m), (h, w))


def _deslanted(up: _Upright, *, config: SegmentationConfig) -> _Upright:
    """``up`` sheared so its ink stands upright, when it leans by more than ``split_deslant_min``.

    The shear is the moments' ``mu11 / mu02`` (x per y), as a classifier deskews a digit
    (OpenCV's digits sample), about the ink's centre row; ``back`` still leads to the
    component mask.
    """
    if config.split_deslant_min <= 0:
        return up
    m = cv2.moments(up.mask, binaryImage=True)
    if m["m00"] <= 0 or m["mu02"] <= 1e-6:
        return up
    skew = m["mu11"] / m["mu02"]
    if abs(skew) <= config.split_deslant_min:
        return up
    skew = float(np.clip(skew, -config.split_deslant_max, config.split_deslant_max))
    h, w = up.mask.shape
    pad = math.ceil(abs(skew) * h) + 1
    fwd = np.array([[1.0, -skew, skew * m["m01"] / m["m00"] + pad], [0.0, 1.0, 0.0]])
    size = (w + 2 * pad, h)
    sheared = cv2.warpAffine(up.mask, fwd, size, flags=cv2.INTER_NEAREST)
    cols = np.flatnonzero(sheared.any(axis=0))
    if cols.size == 0:
        return up
    x0, x1 = int(cols[0]), int(cols[-1]) + 1
    grey = cv2.warpAffine(up.grey, fwd, size, flags=cv2.INTER_LINEAR)[:, x0:x1]
    fwd[0, 2] -= x0
    inv = cv2.invertAffineTransform(fwd)  # sheared → upright
    if up.back is not None:  # then upright → component
        inv = np.hstack([up.back[:, :2] @ inv[:, :2], (up.back[:, :2] @ inv[:, 2] + up.back[:, 2])[:, None]])
    return _Upright(sheared[:, x0:x1], grey, inv, up.shape)


def _upright_height(uprights: list[_Upright], line_height: float) -> float:
    """Digit height of a line measured on its components turned upright.

    The boxes of a slanted line's digits are taller than the digits (a 45 px digit at
    16° has a 51 px box), which made touching pairs look narrow for their line. Small
    marks (under 0.6 × the median) are left out, as in the line rules. A lone
    component turned upright is as tall as it stands, at most the line's height (a row of
    touching digits along its own slant, :func:`.components.row_axis`).
    """
    if len(uprights) == 1 and uprights[0].back is not None:
        return min(line_height, float(uprights[0].mask.shape[0]))
    if len(uprights) < 2 or all(u.back is None for u in uprights):
        return line_height
    return digit_height(np.array([u.mask.shape[0] for u in uprights], np.float64))


def _pieces(
    prep: _Prepared, classify: Classify | None, config: SegmentationConfig, verify: Verify | None = None
) -> _Pieces:
    """Crops of every candidate and split piece; choose splits; one classifier call.

    Each component is first turned upright by its line's slant, so the classifier sees
    digits as written on a level line and cuts between touching digits run across it.
    With a single-digit verifier (``verify``) narrower components are tried for a
    split too, cuts through more ink are allowed, and every piece's score gains
    ``verify_weight × log P(one whole digit)`` — one verifier call for all pieces.
    Two narrow neighbours that may be one broken digit (:func:`_side_by_side`) are then
    a split plan too, with one cut between them: the same score keeps them apart or joins them.
    A split candidate whose ink leans is also cut sheared upright (:func:`_deslanted`), and
    that partition wins when it scores ``split_deslant_margin`` more: a column cannot pass
    between two slanted digits that overlap.
    The components of lines of at most ``line_gate_max_digits`` go to the verifier as well
    (:func:`_unlike_lines`).
    """
    gathered = _Batch(config.crop_ink_gamma)
    warnings: list[str] = []
    plans: list[_Whole | _Split] = []
    n_split = 0
    upright_lines = []  # per line: its components turned upright and its digit height
    for line_no, line in enumerate(prep.lines):
        uprights = []
        for i in line:
            mask = blob_mask(prep.blobs, i)
            uprights.append(
                _upright(mask, prep.ink_patch(prep.blobs.box(i), mask), prep.angles[line_no], config=config)
            )
        upright_lines.append((uprights, _upright_height(uprights, float(prep.ref_height[line[0]]))))
    band: dict[int, float] = {}  # narrow split candidates → P(one digit); kept whole when sure
    if verify is not None:
        band = _verify_band(prep, upright_lines, verify, config)
        config = replace(
            config, split_min_width=config.verified_split_min_width, split_cut_penalty=config.verified_cut_penalty
        )
    pairs = _side_by_side(prep, upright_lines, config) if verify is not None else {}
    for line_no, (line, (uprights, ref_h)) in enumerate(zip(prep.lines, upright_lines, strict=True)):
        second = None
        for k, (i, up) in enumerate(zip(line, uprights, strict=True)):
            if i == second:
                continue
            if i in pairs:  # two pieces, read apart and together: a split plan with one cut
                second = line[k + 1]
                plans.append(
                    _pair_plan(prep, line_no, (i, second), (up, uprights[k + 1]), pairs[i], ref_h, config, gathered)
                )
                continue
            box = prep.blobs.box(i)
            wide = needs_split(up.mask.shape[1], ref_height=ref_h, config=config)
            if wide and band.get(i, 0.0) < config.verify_keep_whole and n_split < config.split_max_components:
                n_split += 1
                plan = _split_plan(line_no, box, up, ref_h, band.get(i), config, gathered)
                if plan is not None:
                    plans.append(plan)
                    continue
            # A short line's pieces go to the verifier too (see _unlike_lines).
            short = verify is not None and config.line_min_one_digit > 0 and len(line) <= config.line_gate_max_digits
            options = [(box, gathered.add(up.grey, verify_height=ref_h if short else None))]
            if i in prep.attachments and classify is not None:  # with its loose pieces, if they help
                members, with_box = prep.attachments[i]
                with_pieces = members_mask(prep.blobs.labels, members, with_box)
                turned = _upright(
                    with_pieces, prep.ink_patch(with_box, with_pieces), prep.angles[line_no], config=config
                )
                options.append((with_box, gathered.add(turned.grey)))
            plans.append(_Whole(line_no, options))
    if n_split >= config.split_max_components:
        warnings.append(f"split at most {config.split_max_components} wide regions; others kept whole")
    crops = gathered.crops
    batch = np.stack(crops).astype(np.float32) if crops else np.zeros((0, 28, 28), np.float32)
    probs = _classify(batch, classify) if classify is not None and len(batch) else None
    one_digit = gathered.one_digit
    if verify is not None and gathered.to_verify:
        to_verify = gathered.to_verify
        got = _verified(verify, [v[1] for v in to_verify], [v[2] for v in to_verify])
        one_digit.update((v[0], float(p)) for v, p in zip(to_verify, got, strict=True))
    pieces: list[_Piece] = []
    for plan in plans:
        if isinstance(plan, _Whole):
            box, ci = plan.options[0]
            if len(plan.options) > 1 and probs is not None:
                alt_box, alt_ci = plan.options[1]
                if _log_odds(probs[alt_ci].max()) - _log_odds(probs[ci].max()) >= config.attach_min_log_odds:
                    box, ci = alt_box, alt_ci
            pieces.append(_Piece(box, plan.line, ci))
            continue
        value, chosen = _partition(plan, probs, one_digit, config)
        if plan.leaning is not None:
            leaning_value, leaning_chosen = _partition(plan.leaning, probs, one_digit, config)
            if leaning_value > value + config.split_deslant_margin:
                chosen = leaning_chosen
        pieces.extend(_Piece(box, plan.line, ci) for ci, box in chosen)
    return _Pieces(pieces, batch, probs, warnings, one_digit)


def _partition(
    plan: _Split, probs: np.ndarray | None, one_digit: dict[int, float], config: SegmentationConfig
) -> tuple[float, list[tuple[int, Box]]]:
    """The best partition of a split plan's segments: its score and its pieces' (crop index, box).

    A segment scores the log of the classifier's top probability (narrow ones lose
    ``split_narrow_penalty`` unless read as a "1"), plus ``verify_weight × log P(one whole
    digit)`` where the verifier judged it (:func:`best_partition`).
    """
    scores, summed = {}, {}
    for seg, (ci, _box) in plan.segments.items():
        score, is_one = 0.0, False
        if probs is not None:
            score, is_one = math.log(max(float(probs[ci].max()), 1e-6)), int(np.argmax(probs[ci])) == 1
        if seg[1] - seg[0] < config.split_narrow_width * plan.ref_h and not is_one:
            score -= config.split_narrow_penalty
        if ci in one_digit:
            summed[seg] = config.verify_weight * math.log(min(max(one_digit[ci], 1e-4), 1.0))
        scores[seg] = score
    value, parts = best_partition(
        plan.width, plan.cuts, plan.costs, scores, ref_height=plan.ref_h, config=config, summed=summed
    )
    if any(p not in plan.segments for p in parts):
        return value, [plan.whole]
    return value, [plan.segments[p] for p in parts]


def _log_odds(p: float) -> float:
    p = min(max(float(p), 1e-6), 1.0 - 1e-6)
    return math.log(p / (1.0 - p))


def _split_plan(
    line_no: int,
    box: Box,
    up: _Upright,
    ref_h: float,
    verified: float | None,
    config: SegmentationConfig,
    gathered: _Batch,
    *,
    lean: bool = True,
) -> _Split | None:
    """The split plan of a wide component: its candidate cuts and a crop of every valid
    segment (in ``gathered``, each asked of the verifier; the whole is not asked again when
    ``verified`` holds its answer). None when no segment gives a usable piece.

    With ``lean``, a component whose ink leans gets the plan of its sheared copy
    (:func:`_deslanted`) as ``leaning`` too.
    """
    x, y, w, h = box
    mask = up.mask
    uw = mask.shape[1]
    cuts, costs = cut_candidates(mask, ref_height=ref_h, config=config)
    allow_whole = uw <= config.split_max_single_width * ref_h
    segs = valid_segments(uw, cuts, ref_height=ref_h, config=config, allow_whole=allow_whole)
    seg_info = {}
    total = max(int(np.count_nonzero(mask)), 1)
    for a, b in segs:
        got = _piece_crop(up, a, b, sliver_share=config.split_sliver_share)
        if got is None or got[0] < 0.04 * total or got[2][3] < 0.3 * ref_h:
            continue
        _, patch, piece_box = got
        px, py, pw, ph = up.box_in_component(piece_box) if (a, b) != (0, uw) else (0, 0, w, h)
        known = verified if (a, b) == (0, uw) else None
        seg_info[(a, b)] = (gathered.add(patch, verify_height=ref_h, one_digit=known), (x + px, y + py, pw, ph))
    if not seg_info:
        return None
    whole = seg_info.get((0, uw))
    if whole is None:  # the fallback when no cut sequence is valid
        whole = (gathered.add(up.grey), box)
    sheared = _deslanted(up, config=config) if lean else up
    leaning = None
    if sheared is not up:
        leaning = _split_plan(line_no, box, sheared, ref_h, verified, config, gathered, lean=False)
    return _Split(line_no, uw, cuts, costs, ref_h, whole, seg_info, leaning)


def _pair_plan(
    prep: _Prepared,
    line_no: int,
    blobs: tuple[int, int],
    uprights: tuple[_Upright, _Upright],
    pair: tuple[Box, int],
    ref_h: float,
    config: SegmentationConfig,
    gathered: _Batch,
) -> _Split:
    """The split plan of two side-by-side pieces (:func:`_side_by_side`): segments
    ``(0, cut)`` and ``(cut, width)`` are the pieces, ``(0, width)`` both as one digit.
    Their crops (all asked of the verifier) go into ``gathered``.
    """
    (ux, uy, uw, uh), cut = pair
    members = prep.blobs.members[blobs[0]] + prep.blobs.members[blobs[1]]
    union_mask = members_mask(prep.blobs.labels, members, (ux, uy, uw, uh))
    union = _upright(union_mask, prep.ink_patch((ux, uy, uw, uh), union_mask), prep.angles[line_no], config=config)
    seg_info = {}
    for seg, part, box in (
        ((0, cut), uprights[0], prep.blobs.box(blobs[0])),
        ((cut, uw), uprights[1], prep.blobs.box(blobs[1])),
        ((0, uw), union, (ux, uy, uw, uh)),
    ):
        seg_info[seg] = (gathered.add(part.grey, verify_height=ref_h), box)
    return _Split(line_no, uw, np.array([cut]), np.zeros(1), ref_h, seg_info[(0, uw)], seg_info)


def _side_by_side(
    prep: _Prepared, upright_lines: list[tuple[list[_Upright], float]], config: SegmentationConfig
) -> dict[int, tuple[Box, int]]:
    """Neighbours of a line that may be the two pieces of one broken digit, left to right.

    Both too narrow to be split candidates, not holding loose pieces of their own, together
    at most ``verified_merge_max_width`` × the line's digit height wide and
    ``verified_merge_max_gap`` × it apart. Returns the first one's blob index → the
    pair's box and the column (in it) where the second begins.
    """
    out: dict[int, tuple[Box, int]] = {}
    for line, (uprights, ref_h) in zip(prep.lines, upright_lines, strict=True):
        k = 0
        while k + 1 < len(line):
            a, b = line[k], line[k + 1]
            ax, ay, aw, ah = prep.blobs.box(a)
            bx, by, bw, bh = prep.blobs.box(b)
            x0, y0 = min(ax, bx), min(ay, by)
            x1, y1 = max(ax + aw, bx + bw), max(ay + ah, by + bh)
            narrow = (
                max(uprights[k].mask.shape[1], uprights[k + 1].mask.shape[1]) <= config.verified_split_min_width * ref_h
            )
            if (
                narrow
                and a not in prep.attachments
                and b not in prep.attachments
                and x1 - x0 <= config.verified_merge_max_width * ref_h
                and bx - (ax + aw) <= config.verified_merge_max_gap * ref_h
            ):
                out[a] = ((x0, y0, x1 - x0, y1 - y0), int(np.clip(bx - x0, 1, x1 - x0 - 1)))
                k += 2
            else:
                k += 1
    return out


def _verify_band(
    prep: _Prepared, upright_lines: list[tuple[list[_Upright], float]], verify: Verify, config: SegmentationConfig
) -> dict[int, float]:
    """P(one whole digit) of the components only a verifier makes split candidates
    (``verified_split_min_width`` up to ``split_min_width`` × the line's height), in one
    call: those it is ``verify_keep_whole`` sure of are not tried for a split at all.
    """
    band = []
    for line, (uprights, ref_h) in zip(prep.lines, upright_lines, strict=True):
        for i, up in zip(line, uprights, strict=True):
            if config.verified_split_min_width * ref_h < up.mask.shape[1] <= config.split_min_width * ref_h:
                band.append((i, up.grey, ref_h))
    if not band:
        return {}
    p = _verified(verify, [b[1] for b in band], [b[2] for b in band])
    return {b[0]: float(pi) for b, pi in zip(band, p, strict=True)}


def _verified(verify: Verify, patches: list[np.ndarray], heights: list[float]) -> np.ndarray:
    got = np.asarray(verify(patches, heights), np.float64)
    if got.shape != (len(patches),):
        raise ValueError(f"verify must return {len(patches)} probabilities, got shape {got.shape}")
    return np.nan_to_num(got, nan=0.0)


def _second_look(
    probs: np.ndarray, batch: np.ndarray, kept: list[int], classify: Classify, config: SegmentationConfig
) -> np.ndarray:
    """``probs`` with the rows of the ``kept`` crops read under ``second_look_below``
    replaced by the mean of that reading and the crop's readings turned by each of
    ``second_look_turns`` degrees (one classifier call for all)."""
    turns = config.second_look_turns
    doubtful = [i for i in dict.fromkeys(kept) if probs[i].max() < config.second_look_below]
    if not doubtful or not turns:
        return probs
    crops = batch[doubtful]
    again = _classify(np.concatenate([turned(crops, t) for t in turns]), classify)
    out = probs.copy()
    out[doubtful] = (probs[doubtful] + again.reshape(len(turns), len(doubtful), 10).sum(axis=0)) / (1 + len(turns))
    return out


def _classify(batch: np.ndarray, classify: Classify) -> np.ndarray:
    probs = np.asarray(classify(batch), dtype=np.float64)
    if probs.shape != (len(batch), 10):
        raise ValueError(f"classify must return ({len(batch)}, 10) probabilities, got {probs.shape}")
    probs = np.clip(np.nan_to_num(probs, nan=0.0, posinf=1.0, neginf=0.0), 0.0, None)
    sums = probs.sum(axis=1, keepdims=True)
    return np.where(sums > 0, probs / np.where(sums > 0, sums, 1.0), 0.1)


def _unlike_lines(
    by_line: dict[int, list[_Piece]],
    one_digit: dict[int, float],
    conf: np.ndarray,
    frames: tuple[Box, ...],
    *,
    config: SegmentationConfig,
) -> set[int]:
    """Lines of at most ``line_gate_max_digits`` pieces that neither the verifier nor the
    classifier believes in: every piece under ``line_min_one_digit`` P(one whole digit)
    and under ``line_gate_max_confidence``. The ends and corners of cast shadows, specks
    and pieces of a grid read as digits when no writing on the page sets them off (the
    relative rules need another line); a piece never verified counts as a digit, and so
    does one standing inside a form box (``frames``: a box is where writing goes)."""
    if config.line_min_one_digit <= 0:
        return set()

    def boxed(box: Box) -> bool:
        cx, cy = box[0] + box[2] / 2, box[1] + box[3] / 2
        return any(fx <= cx <= fx + fw and fy <= cy <= fy + fh for fx, fy, fw, fh in frames)

    return {
        n
        for n, ps in by_line.items()
        if len(ps) <= config.line_gate_max_digits
        and all(
            one_digit.get(p.crop, 1.0) < config.line_min_one_digit
            and conf[p.crop] < config.line_gate_max_confidence
            and not boxed(p.box)
            for p in ps
        )
    }


def _to_original(box: Box, prep: _Prepared) -> Box:
    """Map a working-image box back to original pixels (clipped to the analysed region)."""
    x, y, w, h = box
    dx, dy = prep.offset
    if prep.scale == 1.0:
        return (int(x) + dx, int(y) + dy, int(w), int(h))
    big_h, big_w = prep.shape
    x0, y0 = max(0, math.floor(x / prep.scale)), max(0, math.floor(y / prep.scale))
    x1, y1 = min(big_w, math.ceil((x + w) / prep.scale)), min(big_h, math.ceil((y + h) / prep.scale))
    return (x0 + dx, y0 + dy, max(1, x1 - x0), max(1, y1 - y0))


def _prepare_zoomed(image: np.ndarray, config: SegmentationConfig, letters: Verify | None = None) -> _Prepared:
    """:func:`_prepare`, then again on the text's region at a higher resolution when needed.

    A large photo is analysed downscaled; when its digits come out smaller than
    ``zoom_min_digit_px`` there, the region holding every line found (plus a margin)
    is cut from the original and analysed so that digits are about ``zoom_digit_px``
    tall — small writing in a 12 MP photo keeps its detail, at little cost.
    """
    prep = _prepare(image, config, letters)
    if prep.scale >= 1.0 or not prep.lines or config.zoom_digit_px <= 0:
        return prep
    kept = [i for line in prep.lines for i in line]
    digit = float(np.median(prep.ref_height[kept]))
    if digit >= config.zoom_min_digit_px:
        return prep
    boxes = prep.blobs.boxes[kept].astype(np.float64)
    pad = config.zoom_margin * digit
    x0, y0 = boxes[:, 0].min() - pad, boxes[:, 1].min() - pad
    x1, y1 = (boxes[:, 0] + boxes[:, 2]).max() + pad, (boxes[:, 1] + boxes[:, 3]).max() + pad
    big_h, big_w = prep.shape
    X0, Y0 = max(0, math.floor(x0 / prep.scale)), max(0, math.floor(y0 / prep.scale))
    X1, Y1 = min(big_w, math.ceil(x1 / prep.scale)), min(big_h, math.ceil(y1 / prep.scale))
    region = np.asarray(image)[Y0:Y1, X0:X1]
    target = min(1.0, config.zoom_digit_px / (digit / prep.scale))
    max_side = min(config.max_side, max(32, math.ceil(max(region.shape[:2]) * target)))
    if max_side < 1.25 * prep.scale * max(region.shape[:2]):
        return prep  # the region cannot be analysed much sharper than it was
    sub = _prepare(region, replace(config, max_side=max_side), letters)
    if not sub.lines:
        return prep
    note = f"small digits: their region ({X1 - X0}x{Y1 - Y0} px) analysed again at scale {sub.scale:.2f}"
    return replace(sub, offset=(X0, Y0), warnings=[*prep.warnings, note])


def segment(image: np.ndarray, *, config: SegmentationConfig = DEFAULT_CONFIG) -> Segmentation:
    """Find digit-like regions without classifying them.

    Touching digits are split by the width prior and the ink profile only.

    Parameters
    ----------
    image : (H, W) or (H, W, 3) uint8 ndarray
        Grey or RGB photo/scan.
    config : SegmentationConfig

    Returns
    -------
    Segmentation
        Candidates in reading order (lines top→bottom, left→right), boxes in
        original pixels, crops ``(28, 28) float32``.
    """
    prep = _prepare_zoomed(image, config)
    pieces, batch, _, warnings, _ = _pieces(prep, None, config)
    every = set(range(len(prep.lines)))
    faint = _faint_lines(prep.depths, every, every, warnings, config=config)
    number = {n: k for k, n in enumerate(sorted(every - faint))}
    candidates = [
        Candidate(_to_original(p.box, prep), number[p.line], batch[p.crop]) for p in pieces if p.line in number
    ]
    return Segmentation(candidates, len(number), prep.scale, prep.warnings + warnings)


def recognize(
    image: np.ndarray,
    classify: Classify,
    *,
    config: SegmentationConfig = DEFAULT_CONFIG,
    verify: Verify | None = None,
    letters: Verify | None = None,
) -> Recognition:
    """Read every number in an image.

    A page scanned or photographed sideways reads as a column of one- or two-digit
    "lines"; such a reading is tried again with the image turned a quarter each way,
    and the turned reading is kept when it is a real line: fewer lines, read with a mean
    confidence ``turn_min_gain`` higher, or as high with more digits. Its boxes are given
    in the original image.

    Parameters
    ----------
    image : (H, W) or (H, W, 3) uint8 ndarray
        Grey or RGB photo/scan (other numeric dtypes are rescaled).
    classify : callable
        ``(N, 28, 28) float32`` crops (white ink on black, see
        ``classifiers.ml.crops.normalize_crop``) → ``(N, 10)`` probabilities of
        digits 0..9. Called once per reading (three readings for a sideways page),
        and once more when a digit it kept was read under ``second_look_below``
        (its turned copies); never with ``N == 0``.
    config : SegmentationConfig
    verify : callable, optional
        ``(patches, line digit heights)`` → ``(N,)`` P(one whole digit), e.g.
        ``SingleDigitVerifier.probabilities``: touching digits are then split on
        the verifier's word as well as the classifier's (see :func:`_pieces`).
        Without it, splits rest on the classifier, the width and the ink profile.
    letters : callable, optional
        ``(patches, word digit heights)`` → ``(N,)`` P(each is a printed letter), e.g.
        ``SingleDigitVerifier.letter_probabilities``: printed words beside the numbers
        (a form's labels) are then dropped before the line rules (see
        :func:`.letters.printed_words`). Without it they are read as digits.

    Returns
    -------
    Recognition
        Never raises for any image content: an unreadable image gives an empty
        result with a warning. Raises ``ValueError`` only for a wrong array shape
        or a classifier returning the wrong shape.
    """
    t0 = time.perf_counter()
    result = _read(image, classify, config, verify, letters)
    if config.try_quarter_turns and _reads_as_a_column(result):
        arr = np.asarray(image)
        # A quarter turn counter-clockwise and clockwise (np.rot90); the surer one.
        turns = [(k, _read(np.ascontiguousarray(np.rot90(arr, k)), classify, config, verify, letters)) for k in (1, 3)]
        k, turned = max(turns, key=lambda t: t[1].mean_confidence or 0.0)
        if turned.digits and len(turned.lines) < len(result.lines):
            gain = (turned.mean_confidence or 0.0) - (result.mean_confidence or 0.0)
            # Surer, or as sure and reading more digits (the upright reading dropped lines).
            if gain >= config.turn_min_gain or (gain >= 0 and len(turned.digits) > len(result.digits)):
                result = _turned_back(turned, k, (int(arr.shape[0]), int(arr.shape[1])))
    return replace(result, elapsed_ms=(time.perf_counter() - t0) * 1000.0)


def _reads_as_a_column(result: Recognition) -> bool:
    """Three or more "lines", none of more than two digits: how sideways text reads."""
    return len(result.lines) >= 3 and all(len(line) <= 2 for line in result.lines)


def _turned_back(result: Recognition, k: int, shape: tuple[int, int]) -> Recognition:
    """``result`` of ``np.rot90(image, k)`` (k = 1 or 3) with boxes in ``image`` of ``shape`` (h, w)."""
    h, w = shape

    def back(box: Box) -> Box:
        x, y, bw, bh = box
        return (w - y - bh, x, bh, bw) if k == 1 else (y, h - x - bw, bh, bw)

    digits = [replace(d, box=back(d.box)) for d in result.digits]
    turn_note = "the text runs sideways: read with the image turned a quarter " + (
        "counter-clockwise" if k == 1 else "clockwise"
    )
    return replace(result, digits=digits, warnings=[*result.warnings, turn_note])


def _read(
    image: np.ndarray, classify: Classify, config: SegmentationConfig, verify: Verify | None, letters: Verify | None
) -> Recognition:
    """One reading of ``image`` as it lies (:func:`recognize` without the quarter turns).

    Its ``elapsed_ms`` is 0: :func:`recognize` times the whole, turns included.
    """
    prep = _prepare_zoomed(image, config, letters)
    pieces, batch, probs, warnings, one_digit = _pieces(prep, classify, config, verify)
    warnings = prep.warnings + warnings
    conf = probs.max(axis=1) if probs is not None else np.zeros(0)
    kept = [p for p in pieces if conf[p.crop] >= config.min_confidence]
    n_low = len(pieces) - len(kept)
    if n_low:
        warnings.append(f"rejected {n_low} region(s) the classifier was not confident about")
    by_line: dict[int, list[_Piece]] = {}
    for p in kept:
        by_line.setdefault(p.line, []).append(p)
    doubtful = [n for n, ps in by_line.items() if np.mean([conf[p.crop] for p in ps]) < config.min_line_confidence]
    if len(doubtful) == len(by_line):  # nothing better to show: keep them (low confidences flag them)
        doubtful = []
    confident = set(by_line) - set(doubtful)
    faint = _faint_lines(prep.depths, confident, confident, warnings, config=config)
    unlike = _unlike_lines(by_line, one_digit, conf, prep.frames, config=config) - set(doubtful) - faint
    if unlike:
        warnings.append(
            f"dropped {len(unlike)} short line(s) the verifier took for no digit"
            " and the classifier doubted (shadows, specks)"
        )
    if doubtful:
        warnings.append(f"dropped {len(doubtful)} line(s) the classifier was not confident about (clutter, shadows)")
    shown = sorted(set(by_line) - set(doubtful) - faint - unlike)
    if probs is not None:
        sure = config.second_look_min_one_digit
        whole = [p.crop for n in shown for p in by_line[n] if one_digit.get(p.crop, 1.0) >= sure]
        probs = _second_look(probs, batch, whole, classify, config)
    digits: list[Digit] = []
    texts: list[str] = []
    for line_no in shown:
        line_text = ""
        for p in by_line[line_no]:
            row = probs[p.crop]
            order = np.argsort(-row, kind="stable")
            label = int(order[0])
            line_text += str(label)
            alts = [(int(j), float(row[j])) for j in order[1 : 1 + config.n_alternatives]]
            box = _to_original(p.box, prep)
            digits.append(Digit(label, float(row[label]), box, len(texts), alts, batch[p.crop]))
        texts.append(line_text)
    return Recognition(texts, digits, 0.0, warnings)
