"""Geometric building blocks shared by the single-image ops and the batch path.

Coordinates are OpenCV's: ``x`` is the column, ``y`` the row, pixel centres at
integers. A *forward* transform maps source to destination points; warping
needs the *inverse* (destination pixel → where to sample in the source).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import cv2
import numpy as np

from augment.ops._image import background, cv_border

# Random displacement fields are smoothed at most at this resolution, then resized.
_FIELD_MAX_SIDE = 64


def affine_about_centre(linear: np.ndarray, shift: np.ndarray, height: int, width: int) -> np.ndarray:
    """Forward 3×3 matrices applying ``linear`` about the image centre, then ``shift``.

    Parameters
    ----------
    linear : (N, 2, 2) ndarray
    shift : (N, 2) ndarray of (dx, dy) in pixels
    height, width : int

    Returns
    -------
    (N, 3, 3) float64 ndarray
    """
    centre = np.array([(width - 1) / 2, (height - 1) / 2])
    out = np.zeros((len(linear), 3, 3))
    out[:, :2, :2] = linear
    out[:, :2, 2] = centre - linear @ centre + shift
    out[:, 2, 2] = 1.0
    return out


def homographies(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Forward homographies taking 4 ``src`` points to each set of 4 ``dst`` points.

    Parameters
    ----------
    src : (4, 2) ndarray
    dst : (N, 4, 2) ndarray

    Returns
    -------
    (N, 3, 3) float64 ndarray, normalised so ``H[2, 2] == 1``.
    """
    n = len(dst)
    a = np.zeros((n, 8, 8))
    x, y = src[:, 0], src[:, 1]
    u, v = dst[..., 0], dst[..., 1]
    a[:, 0::2, 0], a[:, 0::2, 1], a[:, 0::2, 2] = x, y, 1
    a[:, 1::2, 3], a[:, 1::2, 4], a[:, 1::2, 5] = x, y, 1
    a[:, 0::2, 6], a[:, 0::2, 7] = -u * x, -u * y
    a[:, 1::2, 6], a[:, 1::2, 7] = -v * x, -v * y
    b = np.stack([u, v], axis=-1).reshape(n, 8)
    h = np.linalg.solve(a, b[..., None])[..., 0]
    return np.concatenate([h, np.ones((n, 1))], axis=1).reshape(n, 3, 3)


def smooth_fields(rng: np.random.Generator, n: int, height: int, width: int, sigma: float) -> np.ndarray:
    """Random smooth displacement fields with unit RMS per image.

    Gaussian-smoothed white noise (Simard et al., 2003). Smoothing noise ``N`` as
    ``G_h N G_wᵀ`` only matters through ``G Gᵀ``, so a low-rank factor ``B`` of
    ``G`` (``B Bᵀ ≈ G Gᵀ``, 99.99 % of the energy) applied to a small noise matrix
    gives the same distribution from far fewer random numbers.

    Parameters
    ----------
    sigma : float
        Smoothness in pixels of the full-size image.

    Returns
    -------
    (N, 2, H, W) float32 ndarray of (dx, dy)
    """
    factor = min(1.0, _FIELD_MAX_SIDE / max(height, width))
    h, w = max(2, round(height * factor)), max(2, round(width * factor))
    bh, bw = _smoothing_basis(h, sigma * factor), _smoothing_basis(w, sigma * factor)
    noise = rng.standard_normal((n * 2, bh.shape[1], bw.shape[1]), dtype=np.float32)
    fields = (bh @ noise @ bw.T).reshape(n, 2, h, w)
    rms = np.sqrt(np.einsum("nchw,nchw->n", fields, fields) / (2 * h * w))
    fields *= (1.0 / np.maximum(rms, 1e-12)).astype(np.float32)[:, None, None, None]
    if (h, w) != (height, width):
        fields = np.stack(
            [cv2.resize(f, (width, height), interpolation=cv2.INTER_LINEAR) for f in fields.reshape(-1, h, w)]
        ).reshape(n, 2, height, width)
    return np.ascontiguousarray(fields, dtype=np.float32)


@functools.lru_cache(maxsize=64)
def _smoothing_basis(size: int, sigma: float) -> np.ndarray:
    """``(size, r)`` factor ``B`` with ``B Bᵀ ≈ G Gᵀ`` for the Gaussian smoothing matrix ``G``."""
    idx = np.arange(size, dtype=np.float64)
    weights = np.exp(-((idx[:, None] - idx[None, :]) ** 2) / (2 * max(sigma, 1e-3) ** 2))
    gauss = weights / weights.sum(axis=1, keepdims=True)  # row-normalised: no dimming at the edges
    u, s, _ = np.linalg.svd(gauss)
    energy = np.cumsum(s**2) / np.sum(s**2)
    rank = int(np.searchsorted(energy, 0.9999)) + 1
    basis = (u[:, :rank] * s[:rank]).astype(np.float32)
    basis.flags.writeable = False
    return basis


def warp_projective(image: np.ndarray, forward: np.ndarray) -> np.ndarray:
    """Warp one float image by a forward 3×3 matrix, filling with its background."""
    h, w = image.shape[:2]
    border = cv_border(background(image))
    if np.allclose(forward[2], [0, 0, 1]):
        return cv2.warpAffine(image, forward[:2], (w, h), flags=cv2.INTER_LINEAR, borderValue=border)
    return cv2.warpPerspective(image, forward, (w, h), flags=cv2.INTER_LINEAR, borderValue=border)


def warp_field(image: np.ndarray, field: np.ndarray) -> np.ndarray:
    """Warp one float image by a (2, H, W) displacement field (sample at ``p + field(p)``)."""
    h, w = image.shape[:2]
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    border = cv_border(background(image))
    return cv2.remap(image, xs + field[0], ys + field[1], cv2.INTER_LINEAR, borderValue=border)


@dataclass(frozen=True)
class Projective:
    """A batch of forward 3×3 transforms (affine ones included), one per image."""

    forward: np.ndarray  # (N, 3, 3)


@dataclass(frozen=True)
class Field:
    """A batch of displacement fields, one per image: sample the source at ``p + field(p)``."""

    field: np.ndarray  # (N, 2, H, W) float32


Warp = Projective | Field


def inverse_maps(warps: list[Warp], n: int, height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Compose warps applied in order into one pair of source-coordinate maps.

    Consecutive projective warps collapse into a single matrix product, so a run
    of rotate/shift/scale/shear costs one pass over the pixels.

    Returns
    -------
    map_x, map_y : (N, H, W) float32 ndarrays
    """
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    map_x = np.broadcast_to(xs, (n, height, width))
    map_y = np.broadcast_to(ys, (n, height, width))
    on_grid = True
    pending = np.broadcast_to(np.eye(3), (n, 3, 3))
    # The last warp is undone first: source = W1⁻¹(W2⁻¹(…Wk⁻¹(destination))).
    for warp in reversed(warps):
        if isinstance(warp, Projective):
            pending = _inverse_3x3(warp.forward) @ pending
            continue
        map_x, map_y = _apply_matrices(pending, map_x, map_y)
        pending = np.broadcast_to(np.eye(3), (n, 3, 3))
        if on_grid:
            dx, dy = warp.field[:, 0], warp.field[:, 1]
        else:
            # Fields are smooth, so the nearest grid value is a faithful lookup.
            rows = np.clip(np.rint(map_y), 0, height - 1).astype(np.intp)
            cols = np.clip(np.rint(map_x), 0, width - 1).astype(np.intp)
            index = np.arange(n)[:, None, None]
            dx, dy = warp.field[index, 0, rows, cols], warp.field[index, 1, rows, cols]
        map_x, map_y = map_x + dx, map_y + dy
        on_grid = False
    map_x, map_y = _apply_matrices(pending, map_x, map_y)
    return np.ascontiguousarray(map_x, dtype=np.float32), np.ascontiguousarray(map_y, dtype=np.float32)


def _inverse_3x3(m: np.ndarray) -> np.ndarray:
    """Inverse of a stack of 3×3 matrices via the adjugate (much faster than ``linalg.inv`` for many)."""
    r0, r1, r2 = m[:, 0], m[:, 1], m[:, 2]
    adj = np.stack([np.cross(r1, r2), np.cross(r2, r0), np.cross(r0, r1)], axis=-1)
    det = np.einsum("ni,ni->n", r0, adj[:, :, 0])
    det = np.where(np.abs(det) < 1e-12, 1e-12, det)  # degenerate warps: avoid inf coordinates
    return adj / det[:, None, None]


def _apply_matrices(m: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    # m maps destination coordinates to source coordinates.
    if np.array_equal(m, np.broadcast_to(np.eye(3), m.shape)):
        return xs, ys
    m = m.astype(np.float32)[:, :, :, None, None]
    x_new = m[:, 0, 0] * xs + m[:, 0, 1] * ys + m[:, 0, 2]
    y_new = m[:, 1, 0] * xs + m[:, 1, 1] * ys + m[:, 1, 2]
    if np.all(m[:, 2, 0] == 0) and np.all(m[:, 2, 1] == 0):
        return x_new, y_new
    denom = m[:, 2, 0] * xs + m[:, 2, 1] * ys + m[:, 2, 2]
    denom = np.where(np.abs(denom) < 1e-6, 1e-6, denom)
    return x_new / denom, y_new / denom


def remap_batch(images: np.ndarray, map_x: np.ndarray, map_y: np.ndarray, fill: np.ndarray) -> np.ndarray:
    """Bilinear-sample many small grey images in one OpenCV call.

    The images are padded by one pixel of their own fill value and stacked into
    a tall mosaic; coordinates are clamped into the padding so no sample reads a
    neighbouring tile. Equivalent to ``cv2.remap`` per image with a constant
    border of ``fill``.

    Parameters
    ----------
    images : (N, H, W) float32 ndarray
    map_x, map_y : (N, H, W) float32 ndarrays of source coordinates
    fill : (N,) float32 ndarray

    Returns
    -------
    (N, H, W) float32 ndarray
    """
    n, h, w = images.shape
    out = np.empty_like(images)
    # OpenCV's remap wants every side below SHRT_MAX.
    per_call = max(1, 32000 // (h + 2))
    for start in range(0, n, per_call):
        stop = min(n, start + per_call)
        tiles = np.empty((stop - start, h + 2, w + 2), np.float32)
        tiles[:] = fill[start:stop, None, None]
        tiles[:, 1:-1, 1:-1] = images[start:stop]
        offsets = (np.arange(stop - start, dtype=np.float32) * (h + 2) + 1)[:, None, None]
        mx = np.clip(map_x[start:stop], -1, w) + 1
        my = np.clip(map_y[start:stop], -1, h) + offsets
        mosaic = tiles.reshape(-1, w + 2)
        sampled = cv2.remap(mosaic, mx.reshape(-1, w), my.reshape(-1, w), cv2.INTER_LINEAR)
        out[start:stop] = sampled.reshape(stop - start, h, w)
    return out
