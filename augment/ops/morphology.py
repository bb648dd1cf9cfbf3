"""Stroke thickness (grey-level erode/dilate) and cutout (occlusion).

"Ink" is whatever contrasts with the background: bright strokes on a dark digit
crop, dark strokes on light paper (see :func:`augment.ops._image.ink_is_bright`).
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from augment.ops._image import background, ink_is_bright
from augment.ops._registry import ParamDef, register

_CROSS = cv2.getStructuringElement(cv2.MORPH_CROSS, (3, 3))


def _thicken_levels(image: np.ndarray, steps: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Images dilated and eroded 0..steps times with a 3×3 cross (index 0 is the input)."""
    dilated, eroded = [image], [image]
    for _ in range(steps):
        dilated.append(cv2.dilate(dilated[-1], _CROSS))
        eroded.append(cv2.erode(eroded[-1], _CROSS))
    return dilated, eroded


def _blend_levels(levels: list[np.ndarray], amount: np.ndarray) -> np.ndarray:
    """Fractional steps: piecewise-linear between whole numbers of erode/dilate steps.

    ``levels`` are ``(N, H, W)`` stacks for 0..k steps, ``amount`` ``(N,)`` in [0, k].
    """
    out = levels[0].copy()
    for j in range(len(levels) - 1):
        weight = np.clip(amount - j, 0.0, 1.0).astype(np.float32)[:, None, None]
        out += (levels[j + 1] - levels[j]) * weight
    return out


def _batch_thickness(
    images: np.ndarray, rng: np.random.Generator, applied: np.ndarray, strength: float, *, max_pixels: float
) -> np.ndarray:
    n, h, w = images.shape
    amounts = rng.uniform(-1.0, 1.0, n) * strength * max_pixels * applied
    steps = math.ceil(float(np.abs(amounts).max(initial=0.0)))
    if steps == 0:
        return images
    fill = batch_background(images)
    # One mosaic for all crops, each padded with its own background so tiles never touch.
    pad = steps
    tiles = np.empty((n, h + 2 * pad, w + 2 * pad), np.float32)
    tiles[:] = fill[:, None, None]
    tiles[:, pad:-pad, pad:-pad] = images
    dilated, eroded = _thicken_levels(tiles.reshape(-1, w + 2 * pad), steps)
    crop = (slice(None), slice(pad, -pad), slice(pad, -pad))
    dilated = [d.reshape(tiles.shape)[crop] for d in dilated]
    eroded = [e.reshape(tiles.shape)[crop] for e in eroded]
    grow_bright = ((amounts > 0) == (fill < 0.5))[:, None, None]
    levels = [images] + [np.where(grow_bright, d, e) for d, e in zip(dilated[1:], eroded[1:], strict=True)]
    return _blend_levels(levels, np.abs(amounts))


def batch_background(images: np.ndarray) -> np.ndarray:
    """Per-image median of the 1-pixel frame of ``(N, H, W)`` grey images: ``(N,)`` float32."""
    frame = np.concatenate([images[:, 0], images[:, -1], images[:, :, 0], images[:, :, -1]], axis=1)
    return np.median(frame, axis=1).astype(np.float32)


@register(
    "thickness",
    "Stroke thickness",
    params=(ParamDef("max_pixels", "Max thicken/thin (px)", 0, 4, 1.0, 0.1),),
    batch=_batch_thickness,
)
def thickness(
    image: np.ndarray, rng: np.random.Generator, *, strength: float = 1.0, max_pixels: float = 1.0
) -> np.ndarray:
    """Thicken or thin strokes by up to ``strength · max_pixels`` pixels (fractions blend).

    Parameters
    ----------
    image : (H, W) or (H, W, 3) ndarray, uint8 or float32
    rng : numpy.random.Generator
    strength : float in [0, 1]
    max_pixels : float in [0, 4]; positive draws thicken the ink, negative thin it

    Returns
    -------
    ndarray of the input's shape and dtype
    """
    amount = rng.uniform(-1.0, 1.0) * strength * max_pixels
    steps = math.ceil(abs(amount))
    if steps == 0:
        return image
    dilated, eroded = _thicken_levels(image, steps)
    grow_bright = (amount > 0) == ink_is_bright(background(image))
    levels = dilated if grow_bright else eroded
    low = math.floor(abs(amount))
    frac = abs(amount) - low
    upper = levels[min(low + 1, steps)]
    return levels[low] + (upper - levels[low]) * np.float32(frac)


def _cutout_boxes(
    rng: np.random.Generator, n: int, height: int, width: int, strength: float, holes: int, max_fraction: float
) -> np.ndarray:
    """``(holes, n, H, W)`` boolean masks of random rectangles."""
    size = rng.uniform(0.0, 1.0, (holes, n)) * strength * max_fraction
    centre_y = rng.uniform(0.0, height, (holes, n))
    centre_x = rng.uniform(0.0, width, (holes, n))
    half_h, half_w = size * height / 2, size * width / 2
    rows = np.arange(height) + 0.5
    cols = np.arange(width) + 0.5
    in_rows = np.abs(rows - centre_y[..., None]) < half_h[..., None]
    in_cols = np.abs(cols - centre_x[..., None]) < half_w[..., None]
    return in_rows[..., :, None] & in_cols[..., None, :]


def _batch_cutout(
    images: np.ndarray,
    rng: np.random.Generator,
    applied: np.ndarray,
    strength: float,
    *,
    holes: int,
    max_fraction: float,
) -> np.ndarray:
    n, h, w = images.shape
    boxes = _cutout_boxes(rng, n, h, w, strength, holes, max_fraction).any(axis=0) & applied[:, None, None]
    return np.where(boxes, batch_background(images)[:, None, None], images)


@register(
    "cutout",
    "Cutout (occlusion)",
    params=(
        ParamDef("max_fraction", "Max hole size (fraction of size)", 0, 0.6, 0.3, 0.01),
        ParamDef("holes", "Holes", 1, 8, 1, 1, scaled_by_strength=False),
    ),
    batch=_batch_cutout,
)
def cutout(
    image: np.ndarray, rng: np.random.Generator, *, strength: float = 1.0, max_fraction: float = 0.3, holes: int = 1
) -> np.ndarray:
    """Paint ``holes`` rectangles of background, each up to ``strength · max_fraction`` of the size per side.

    Large holes can hide the stroke that tells two digits apart (8 → 3, 7 → 1):
    keep strength low when training.
    """
    h, w = image.shape[:2]
    boxes = _cutout_boxes(rng, 1, h, w, strength, holes, max_fraction)[:, 0].any(axis=0)
    out = image.copy()
    out[boxes] = background(image)
    return out
