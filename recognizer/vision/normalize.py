"""Step (a): grey conversion, downscale, polarity, illumination flattening."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import NamedTuple

import cv2
import numpy as np

from .components import label_components
from .config import SegmentationConfig


class Reduced(NamedTuple):
    """The reduced copy the background is estimated on (``background_work_side``)."""

    grey: np.ndarray  # the copy
    background: np.ndarray  # its background (the closing, ≥ grey)
    wide: np.ndarray  # a closing ``background_wide_factor`` × wider, median-filtered alike


@dataclass(frozen=True)
class Normalized:
    """The working image.

    Attributes
    ----------
    grey : (M, N) uint8 ndarray
        Working-size grey image, dark ink on light paper (inverted if needed).
    flat : (M, N) uint8 ndarray
        ``grey`` divided by its estimated background, × 255: paper ≈ 255, ink darker.
    scale : float
        Working size / original size (≤ 1). Divide working coordinates by it.
    inverted : bool
        True when the input had light ink on a dark background.
    noise_sigma : float
        Estimated standard deviation of pixel noise (grey levels), before denoising.
    background : (M, N) uint8 ndarray or None
        The paper level ``flat`` divides ``grey`` by.
    reduced : Reduced or None
        The reduced copy the background was estimated on, with its background there
        and a wider closing; :func:`flatten_shadows` works on them.
    """

    grey: np.ndarray
    flat: np.ndarray
    scale: float
    inverted: bool
    noise_sigma: float
    background: np.ndarray | None = None
    reduced: Reduced | None = None


def to_grey(image: np.ndarray) -> np.ndarray:
    """Convert any 2-D/3-D numeric image to ``uint8`` grey.

    Parameters
    ----------
    image : (M, N) or (M, N, C) ndarray, C in {1, 3, 4}
        ``uint8``, other integers (scaled by their maximum), ``bool``, or float in
        [0, 1]. Colour is taken as RGB(A).

    Returns
    -------
    (M, N) uint8 ndarray
    """
    arr = np.asarray(image)
    if arr.ndim == 3 and arr.shape[2] in (1, 3, 4):
        if arr.shape[2] == 1:
            arr = arr[:, :, 0]
        else:
            arr = _to_uint8(arr[:, :, :3])
            return cv2.cvtColor(np.ascontiguousarray(arr), cv2.COLOR_RGB2GRAY)
    if arr.ndim != 2:
        raise ValueError(f"expected an (H, W) or (H, W, 3) image, got shape {arr.shape}")
    return np.ascontiguousarray(_to_uint8(arr))


def _to_uint8(arr: np.ndarray) -> np.ndarray:
    if arr.dtype == np.uint8:
        return arr
    if arr.dtype == bool:
        return arr.astype(np.uint8) * 255
    if np.issubdtype(arr.dtype, np.integer):
        top = max(int(np.iinfo(arr.dtype).max), 1) if arr.dtype.itemsize > 1 else 255
        if arr.dtype.itemsize > 1 and arr.size and int(arr.max()) <= 255:
            top = 255  # 8-bit values stored in a wider type
        return np.clip(arr.astype(np.float64) * (255.0 / top), 0, 255).astype(np.uint8)
    if not np.issubdtype(arr.dtype, np.number):
        raise ValueError(f"unsupported image dtype {arr.dtype}")
    f = np.nan_to_num(arr.astype(np.float32), nan=0.0, posinf=1.0, neginf=0.0)
    return (np.clip(f, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def downscale(grey: np.ndarray, *, max_side: int) -> tuple[np.ndarray, float]:
    """Shrink ``grey`` so its longest side is at most ``max_side``.

    Returns
    -------
    small : (M', N') uint8 ndarray
    scale : float
        ``M' / M`` (1.0 when nothing was done).
    """
    h, w = grey.shape
    side = max(h, w)
    if side <= max_side:
        return grey, 1.0
    scale = max_side / side
    new = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(grey, new, interpolation=cv2.INTER_AREA), scale


def ink_is_light(grey: np.ndarray) -> bool:
    """Whether the image is light strokes on a dark ground.

    The majority of pixels must lie on the dark side of the Otsu split, and the light
    side must be strokes, not a sheet: a small sheet on a dark desk, or one half in
    shadow, is as dark as a blackboard, but its (lit) part is a solid region — it holds
    a disc wider than a fifth of the frame's shorter side, or it covers over 5% of the
    frame and fills over 80% of its convex hull, the writing on it included, or it is a
    window with a number in it (:func:`_is_panel`; its digits may take more than a fifth
    of it). Strokes, even the bold ones
    of digits filling the frame, do none of these.
    """
    step = max(1, int(np.sqrt(grey.size / 50_000)))  # a subsample decides the majority
    sample = np.ascontiguousarray(grey[::step, ::step])
    if sample.size == 0 or int(sample.max()) == int(sample.min()):
        return False
    t, _ = cv2.threshold(sample, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    light = (sample > t).astype(np.uint8)
    n_light = cv2.countNonZero(light)
    if n_light >= 0.4 * sample.size:
        return False
    if cv2.distanceTransform(light, cv2.DIST_L2, 3).max() >= 0.1 * min(sample.shape):
        return False
    n, labels, stats, _ = cv2.connectedComponentsWithStats(light, connectivity=8)
    largest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    area = int(stats[largest, cv2.CC_STAT_AREA])
    region = (labels == largest).view(np.uint8)
    if _is_panel(region, area):
        return False
    if area < 0.05 * sample.size:
        return True
    hull = cv2.convexHull(cv2.findNonZero(region))
    return area < 0.8 * max(cv2.contourArea(hull), 1.0)


def _is_panel(region: np.ndarray, area: int) -> bool:
    """A light region that is a window with a number in it (a meter's display seen in
    its dark housing, a label): a rectangle (90% of its least rectangle, as a window
    seen askew still is) around three or more holes (the digits or their segments, each
    at least 0.3% of it and at most 12%) that take at most 40% of it. A light digit on a
    dark ground is strokes: an 8 has two holes, each a sixth of it, a 0's one hole is
    half of it, and the glow of a row of LED digits is rounded."""
    contours, hierarchy = cv2.findContours(region, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    outer = [c for c, h in zip(contours, hierarchy[0], strict=True) if h[3] < 0]
    if len(outer) != 1:
        return False
    filled = cv2.contourArea(outer[0])
    holes = [cv2.contourArea(c) for c, h in zip(contours, hierarchy[0], strict=True) if h[3] >= 0]
    holes = [a for a in holes if a >= 0.003 * filled]
    if len(holes) < 3 or max(holes) > 0.12 * filled:
        return False
    _, (w, h), _ = cv2.minAreaRect(outer[0])
    return area >= 0.6 * filled and filled >= 0.9 * w * h


def estimate_background(grey: np.ndarray, *, config: SegmentationConfig) -> tuple[np.ndarray, Reduced]:
    """Paper brightness under dark ink, by a large closing on a reduced copy.

    Parameters
    ----------
    grey : (M, N) uint8 ndarray
        Dark ink on light paper.

    Returns
    -------
    background : (M, N) uint8 ndarray
        The estimate (≥ ``grey`` and ≥ 1).
    reduced : Reduced
        The reduced copy of ``grey``, the estimate on it (≥ it) and the wider closing,
        which :func:`flatten_shadows` works on.
    """
    h, w = grey.shape
    f = min(1.0, config.background_work_side / max(h, w))
    small = (
        cv2.resize(grey, (max(1, round(w * f)), max(1, round(h * f))), interpolation=cv2.INTER_AREA) if f < 1 else grey
    )
    paper = wide = small
    k = int(config.background_kernel_frac * min(small.shape)) | 1
    if k >= 3:
        paper, wide = _closed_paper(small, k, config=config)
    if min(small.shape) >= 5:
        paper, wide = cv2.medianBlur(paper, 5), cv2.medianBlur(wide, 5)
    bg = cv2.resize(paper, (w, h), interpolation=cv2.INTER_LINEAR) if paper.shape != grey.shape else paper
    # The background can never be darker than the pixel itself.
    return cv2.max(cv2.max(bg, grey), 1), Reduced(small, cv2.max(paper, small), wide)


def _closed_paper(small: np.ndarray, k: int, *, config: SegmentationConfig) -> tuple[np.ndarray, np.ndarray]:
    """The closing of ``small`` by a ``k``-square, with ink blobs thicker than ``k`` closed wider;
    and the closing ``background_wide_factor`` × wider itself.

    Such a blob survives the closing as an ink-dark patch (a square, the kernel's
    footprint) that division would turn into paper. Patches darker than
    ``background_ink_ratio`` × the wider closing and no longer than 1.5 k take the wider
    closing, and so do those up to the wider kernel's size whose median is black
    (``background_black_ratio``: a bold digit's filled loop); other dark regions are
    shadows, whose own level is the paper's.
    """

    def close(size: int) -> np.ndarray:
        kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (size, size))
        return cv2.morphologyEx(small, cv2.MORPH_CLOSE, kernel, borderType=cv2.BORDER_REPLICATE)

    closed = close(k)
    wide = close(int(config.background_wide_factor * k) | 1)
    if config.background_ink_ratio <= 0:
        return closed, wide
    inkish = (closed.astype(np.float32) < config.background_ink_ratio * wide.astype(np.float32)).view(np.uint8)
    if not inkish.any():
        return closed, wide
    _, labels, stats = label_components(inkish)
    size = np.maximum(stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT])
    blob = (size <= 1.5 * k).astype(np.uint8)
    blob[0] = 0  # the background
    if config.background_black_ratio > 0:  # larger, but black: ink up to the wider kernel's size
        larger = ~blob.astype(bool) & (size <= int(config.background_wide_factor * k))
        larger[0] = False
        for i in np.flatnonzero(larger):
            own = labels == i
            level = np.median(closed[own].astype(np.float32) / np.maximum(wide[own].astype(np.float32), 1.0))
            blob[i] = level < config.background_black_ratio
    patches = cv2.dilate(blob[labels], np.ones((5, 5), np.uint8))
    return np.where(patches > 0, wide, closed), wide


def noise_sigma(grey: np.ndarray) -> float:
    """Robust pixel-noise estimate (median absolute Laplacian-like response, Immerkær kernel).

    Strokes and edges cover few pixels, so the median sees only noise: 0 for clean
    renders, ~74 for uniform random noise.
    """
    if min(grey.shape) < 3:
        return 0.0
    kernel = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], np.float32)
    step = max(2, int(np.sqrt(grey.size / 100_000)))  # a subsample is plenty
    resp = cv2.filter2D(grey[::step, ::step], cv2.CV_16S, kernel, borderType=cv2.BORDER_REFLECT)
    # Median of |response| from its histogram (integers, 0..4080): much faster than sorting.
    counts = np.bincount(np.abs(resp.ravel()).astype(np.intp), minlength=1)
    median = int(np.searchsorted(np.cumsum(counts), (resp.size + 1) // 2))
    return median / (0.6745 * 6.0)


def histogram_u8(pixels: np.ndarray) -> np.ndarray:
    """256-bin histogram of ``uint8`` pixels (float64), by OpenCV: many times faster than bincount."""
    flat = np.ascontiguousarray(pixels).reshape(-1, 1)
    return cv2.calcHist([flat], [0], None, [256], [0, 256]).ravel().astype(np.float64)


def hist_median(hist: np.ndarray) -> int:
    """Median grey level of a 256-bin :func:`histogram_u8`."""
    return int(np.searchsorted(np.cumsum(hist), (int(hist.sum()) + 1) // 2))


def paper_spread(hist: np.ndarray) -> float:
    """Robust spread (1.4826 × MAD) relative to paper of the pixels of a :func:`histogram_u8`.

    Paper is the majority of pixels, so this measures what is left of noise,
    texture and uneven light on it, including low-frequency blotches that a
    median filter leaves and a Laplacian estimate misses.
    """
    total = int(hist.sum())
    if total == 0:
        return 0.0
    med = hist_median(hist)
    dev_hist = np.bincount(np.abs(np.arange(256) - med), weights=hist, minlength=256)
    mad = int(np.searchsorted(np.cumsum(dev_hist), (total + 1) // 2))
    return 1.4826 * mad / 255.0


def normalize(image: np.ndarray, *, config: SegmentationConfig) -> Normalized:
    """Run step (a) on a raw input image.

    Parameters
    ----------
    image : (H, W) or (H, W, 3) ndarray
        Grey or RGB input of any size.

    Returns
    -------
    Normalized
    """
    grey = to_grey(image)
    grey, scale = downscale(grey, max_side=config.max_side)
    sigma = noise_sigma(grey)
    if sigma > config.denoise_min_sigma:
        grey = cv2.medianBlur(grey, 3 if sigma < 3 * config.denoise_min_sigma else 5)
    inverted = config.auto_invert and ink_is_light(grey)
    if inverted:
        grey = cv2.bitwise_not(grey)
    bg, reduced = estimate_background(grey, config=config)
    flat = cv2.divide(grey, bg, scale=255.0)
    return Normalized(grey, flat, scale, inverted, sigma, background=bg, reduced=reduced)


#: A pixel of the reduced copy this much darker than the small closing is a mark (ink, grain).
_MARK_RATIO = 0.85


def flatten_shadows(norm: Normalized, paper: np.ndarray | None, *, config: SegmentationConfig) -> Normalized:
    """``norm`` with the narrow shadows cast across the writing flattened too.

    The background closing is larger than most shadows, but the shadow of a pen, a
    finger or a phone's edge can be narrower: it survives the closing, binarises as one
    blob and swallows the digits it crosses. A closing ``background_shadow_frac`` × the
    shorter side small (wider than strokes) follows it. Where that closing is darker than
    the background by ``background_shadow_ratio`` but not ink-dark, over a region that
    survives an opening by half its kernel (the soft rim of a bold stroke does not), the
    small closing becomes the paper level — when the region is a shadow. The background
    here is the brighter of its closing and the one ``background_wide_factor`` × wider: a
    shadow about as wide as the closing's kernel is followed by it part of the way, and
    its tip alone stood out, cut off from the paper's edge (read as 0s, 1s and 8s).

    - it reaches the edge of ``paper`` (the sheet's mask, else the image): a shadow is
      cast from beyond the paper, a thick grey stroke stays on it;
    - it covers ``background_shadow_min_area`` of the image (slivers of desk or an
      object's rim inside the sheet's outline are smaller);
    - it is smooth, ``background_shadow_max_marks`` at most of it marks (writing is
      sparse; desk grain is not).

    Parameters
    ----------
    norm : Normalized
        From :func:`normalize`.
    paper : (M, N) uint8 ndarray or None
        The sheet (non-zero) on the working image, or None for the whole image.

    Returns
    -------
    Normalized
        ``norm`` itself when nothing is flattened; else with a new ``flat`` and
        ``background``, lighter only inside the flattened shadows.
    """
    if config.background_shadow_frac <= 0 or norm.background is None or norm.reduced is None:
        return norm
    grey, bg = norm.grey, norm.background
    small, closed, wide = norm.reduced
    h, w = grey.shape
    size = (small.shape[1], small.shape[0])
    ks = int(config.background_shadow_frac * min(small.shape)) | 1
    if ks < 3 or min(small.shape) < 5:
        return norm
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (ks, ks))
    fine = cv2.medianBlur(cv2.morphologyEx(small, cv2.MORPH_CLOSE, kernel, borderType=cv2.BORDER_REPLICATE), 5)
    # Against the wider closing too: a shadow about as wide as the background's kernel is
    # followed by it part of the way, and its tip (lighter than its root) was cut off.
    c = cv2.max(closed, wide).astype(np.float32)
    shade = (fine < config.background_shadow_ratio * c) & (fine >= config.background_ink_ratio * c)
    on_paper = (
        np.ones(small.shape, np.uint8) if paper is None else cv2.resize(paper, size, interpolation=cv2.INTER_NEAREST)
    )
    shade = (shade & (on_paper > 0)).view(np.uint8)
    half = cv2.getStructuringElement(cv2.MORPH_RECT, (ks // 2 | 1, ks // 2 | 1))
    shade = cv2.morphologyEx(shade, cv2.MORPH_OPEN, half)
    if not shade.any():
        return norm
    n, labels = cv2.connectedComponents(shade, connectivity=8)
    beyond = cv2.copyMakeBorder((on_paper == 0).view(np.uint8), 1, 1, 1, 1, cv2.BORDER_CONSTANT, value=1)
    beyond = cv2.dilate(beyond, np.ones((5, 5), np.uint8))[1:-1, 1:-1]
    cast = np.zeros(n, bool)
    cast[labels[(beyond > 0) & (shade > 0)]] = True
    area = np.bincount(labels.ravel(), minlength=n)
    marks = np.bincount(labels.ravel(), weights=(small < _MARK_RATIO * fine).ravel(), minlength=n)
    cast &= area >= config.background_shadow_min_area * shade.size
    cast &= marks <= config.background_shadow_max_marks * area
    cast[0] = False
    if not cast.any():
        return norm
    shade = cv2.dilate(cast.view(np.uint8)[labels], np.ones((3, 3), np.uint8))
    if small.shape != grey.shape:
        shade = cv2.resize(shade, (w, h), interpolation=cv2.INTER_NEAREST)
        fine = cv2.resize(fine, (w, h), interpolation=cv2.INTER_LINEAR)
    bg = cv2.max(np.where(shade > 0, cv2.min(fine, bg), bg), grey)
    return replace(norm, flat=cv2.divide(grey, bg, scale=255.0), background=bg)
