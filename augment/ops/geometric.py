"""Geometric ops: rotate, shift, scale, shear, perspective, elastic, hflip.

Each random op has a sampler ``_sample_<op>(rng, n, height, width, strength, **params)``
that draws ``n`` transforms; the single-image op draws one and warps with OpenCV,
the batch path (:mod:`augment.ops.batch`) draws many and fuses them into one remap.
Uncovered areas are filled with the image's background (see
:func:`augment.ops._image.background`), and the output keeps the input size.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from augment.ops._registry import ParamDef, register
from augment.ops._warp import (
    Field,
    Projective,
    Warp,
    affine_about_centre,
    homographies,
    smooth_fields,
    warp_field,
    warp_projective,
)


def _sym(rng: np.random.Generator, n: int, limit: float) -> np.ndarray:
    """``n`` draws from ``U(-limit, limit)``."""
    return rng.uniform(-1.0, 1.0, n) * limit


def _sample_rotate(
    rng: np.random.Generator, n: int, height: int, width: int, strength: float, *, max_degrees: float
) -> Projective:
    theta = np.deg2rad(_sym(rng, n, strength * max_degrees))
    cos, sin = np.cos(theta), np.sin(theta)
    linear = np.stack([np.stack([cos, sin], -1), np.stack([-sin, cos], -1)], -2)
    return Projective(affine_about_centre(linear, np.zeros((n, 2)), height, width))


def _sample_shift(
    rng: np.random.Generator, n: int, height: int, width: int, strength: float, *, max_fraction: float
) -> Projective:
    limit = strength * max_fraction
    shift = np.stack([_sym(rng, n, limit * width), _sym(rng, n, limit * height)], -1)
    return Projective(affine_about_centre(np.broadcast_to(np.eye(2), (n, 2, 2)), shift, height, width))


def _sample_scale(
    rng: np.random.Generator, n: int, height: int, width: int, strength: float, *, max_zoom: float
) -> Projective:
    # Symmetric in log space: zoom in by (1 + z) is as likely as zoom out by 1 / (1 + z).
    factor = np.exp(_sym(rng, n, strength * np.log1p(max_zoom)))
    linear = factor[:, None, None] * np.eye(2)
    return Projective(affine_about_centre(linear, np.zeros((n, 2)), height, width))


def _sample_shear(
    rng: np.random.Generator, n: int, height: int, width: int, strength: float, *, max_degrees: float
) -> Projective:
    # Horizontal shear: the slant of handwriting.
    linear = np.broadcast_to(np.eye(2), (n, 2, 2)).copy()
    linear[:, 0, 1] = np.tan(np.deg2rad(_sym(rng, n, strength * max_degrees)))
    return Projective(affine_about_centre(linear, np.zeros((n, 2)), height, width))


def _sample_perspective(
    rng: np.random.Generator, n: int, height: int, width: int, strength: float, *, max_distortion: float
) -> Projective:
    corners = np.array([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]], dtype=np.float64)
    size = np.array([max(width - 1, 1), max(height - 1, 1)], dtype=np.float64)
    jitter = rng.uniform(-1.0, 1.0, (n, 4, 2)) * strength * max_distortion * size
    if not jitter.any() or min(height, width) < 2:  # a 1-pixel side has no corners to move
        return Projective(np.broadcast_to(np.eye(3), (n, 3, 3)).copy())
    return Projective(homographies(corners, corners + jitter))


def _sample_elastic(
    rng: np.random.Generator, n: int, height: int, width: int, strength: float, *, alpha: float, sigma: float
) -> Field:
    side = min(height, width)
    magnitude = rng.uniform(0.0, 1.0, n) * strength * alpha * side
    fields = smooth_fields(rng, n, height, width, sigma * side)
    return Field(fields * magnitude.astype(np.float32)[:, None, None, None])


def _warp_one(
    sample: Callable[..., Warp], image: np.ndarray, rng: np.random.Generator, strength: float, **params: float
) -> np.ndarray:
    warp = sample(rng, 1, image.shape[0], image.shape[1], strength, **params)
    if isinstance(warp, Field):
        return warp_field(image, warp.field[0])
    return warp_projective(image, warp.forward[0])


@register(
    "rotate",
    "Rotate",
    params=(ParamDef("max_degrees", "Max angle (°)", 0, 180, 15, 1),),
    warp=_sample_rotate,
)
def rotate(
    image: np.ndarray, rng: np.random.Generator, *, strength: float = 1.0, max_degrees: float = 15
) -> np.ndarray:
    """Rotate about the centre by a random angle in ``±strength · max_degrees``.

    Parameters
    ----------
    image : (H, W) or (H, W, 3) ndarray, uint8 or float32
    rng : numpy.random.Generator
    strength : float in [0, 1]
    max_degrees : float in [0, 180]

    Returns
    -------
    ndarray of the input's shape and dtype
    """
    return _warp_one(_sample_rotate, image, rng, strength, max_degrees=max_degrees)


@register(
    "shift",
    "Shift",
    params=(ParamDef("max_fraction", "Max shift (fraction of size)", 0, 0.5, 0.1, 0.01),),
    warp=_sample_shift,
)
def shift(
    image: np.ndarray, rng: np.random.Generator, *, strength: float = 1.0, max_fraction: float = 0.1
) -> np.ndarray:
    """Translate by up to ``strength · max_fraction`` of the width/height on each axis.

    Parameters and return as :func:`rotate`; ``max_fraction`` in [0, 0.5].
    """
    return _warp_one(_sample_shift, image, rng, strength, max_fraction=max_fraction)


@register(
    "scale",
    "Zoom",
    params=(ParamDef("max_zoom", "Max zoom (±fraction)", 0, 1, 0.15, 0.01),),
    warp=_sample_scale,
)
def scale(image: np.ndarray, rng: np.random.Generator, *, strength: float = 1.0, max_zoom: float = 0.15) -> np.ndarray:
    """Zoom about the centre by a factor in ``[1 / (1 + z), 1 + z]``, ``z = strength · max_zoom``.

    The frame size is kept: zooming in crops, zooming out fills with background.
    """
    return _warp_one(_sample_scale, image, rng, strength, max_zoom=max_zoom)


@register(
    "shear",
    "Shear (slant)",
    params=(ParamDef("max_degrees", "Max slant (°)", 0, 45, 12, 1),),
    warp=_sample_shear,
)
def shear(image: np.ndarray, rng: np.random.Generator, *, strength: float = 1.0, max_degrees: float = 12) -> np.ndarray:
    """Slant horizontally about the centre by an angle in ``±strength · max_degrees``."""
    return _warp_one(_sample_shear, image, rng, strength, max_degrees=max_degrees)


@register(
    "perspective",
    "Perspective",
    params=(ParamDef("max_distortion", "Max corner shift (fraction of size)", 0, 0.3, 0.08, 0.01),),
    warp=_sample_perspective,
)
def perspective(
    image: np.ndarray, rng: np.random.Generator, *, strength: float = 1.0, max_distortion: float = 0.08
) -> np.ndarray:
    """Move each corner independently by up to ``strength · max_distortion`` of the size: a tilted camera."""
    return _warp_one(_sample_perspective, image, rng, strength, max_distortion=max_distortion)


@register(
    "elastic",
    "Elastic distortion",
    params=(
        ParamDef("alpha", "Max displacement (fraction of size, RMS)", 0, 0.3, 0.05, 0.01),
        ParamDef("sigma", "Smoothness (fraction of size)", 0.02, 0.5, 0.12, 0.01, scaled_by_strength=False),
    ),
    warp=_sample_elastic,
)
def elastic(
    image: np.ndarray, rng: np.random.Generator, *, strength: float = 1.0, alpha: float = 0.05, sigma: float = 0.12
) -> np.ndarray:
    """Wobble strokes with a smooth random displacement field (Simard et al., 2003).

    The field is Gaussian-smoothed noise (``sigma`` × the shorter side), scaled to an
    RMS displacement drawn from ``[0, strength · alpha]`` × the shorter side.
    """
    return _warp_one(_sample_elastic, image, rng, strength, alpha=alpha, sigma=sigma)


@register("hflip", "Mirror (left-right)", label_preserving=False, random=False)
def hflip(image: np.ndarray, rng: np.random.Generator, *, strength: float = 1.0) -> np.ndarray:
    """Mirror left-right. Not label-preserving for digits (a mirrored 2, 3, 7 is no digit)."""
    return image[:, ::-1].copy()
