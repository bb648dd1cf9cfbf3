"""Feature transformers for normalised digit crops (see :mod:`classifiers.ml.crops`).

Every transformer follows the scikit-learn estimator contract (``__init__`` only
stores parameters, ``fit`` returns ``self``, fitted attributes end in ``_``) and is
vectorised over the batch, so 60,000 crops featurise in seconds. Input is
``(N, 28, 28)`` or ``(N, 784)`` float crops in ``[0, 1]``, white ink on black.

- :class:`Deskew`: moment-based shear correction (OpenCV ``digits.py`` ``deskew``).
- :class:`Hog`: histogram of oriented gradients (Dalal–Triggs, like ``skimage.feature.hog``).
- :class:`Pixels`: the (optionally area-downsampled) intensities themselves.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

CHUNK = 4096  # crops per chunk in Hog: bounds the (chunk, H, W, bins) temporary


def as_crops(X: np.ndarray) -> np.ndarray:
    """Return ``X`` as a ``(N, S, S) float32`` stack of square crops.

    Parameters
    ----------
    X : (N, S, S) or (N, S*S) array_like
        Crops, or crops flattened row by row.

    Returns
    -------
    (N, S, S) float32 ndarray
    """
    arr = np.asarray(X, dtype=np.float32)
    if arr.ndim == 3 and arr.shape[1] == arr.shape[2]:
        return arr
    if arr.ndim == 2:
        side = int(round(np.sqrt(arr.shape[1])))
        if side * side == arr.shape[1]:
            return arr.reshape(arr.shape[0], side, side)
    raise ValueError(f"expected crops of shape (N, S, S) or (N, S*S), got {arr.shape}")


def deskew_crops(crops: np.ndarray) -> np.ndarray:
    """Remove the slant of each crop by a horizontal shear about its centroid.

    The shear is ``mu11 / mu02`` from the image moments, as in OpenCV's digits sample;
    a crop with no vertical spread (``mu02`` ≈ 0) is returned unchanged.

    Parameters
    ----------
    crops : (N, S, S) float ndarray

    Returns
    -------
    (N, S, S) float32 ndarray
    """
    crops = np.asarray(crops, dtype=np.float32)
    n, h, w = crops.shape
    if n == 0:
        return crops.copy()
    rows = np.arange(h, dtype=np.float32)
    cols = np.arange(w, dtype=np.float32)
    total = crops.sum(axis=(1, 2))
    safe = np.where(total > 0, total, 1.0)
    row_mass = crops.sum(axis=2)  # (N, H)
    col_mass = crops.sum(axis=1)  # (N, W)
    cy = row_mass @ rows / safe
    cx = col_mass @ cols / safe
    dy = rows[None, :] - cy[:, None]  # (N, H)
    dx = cols[None, :] - cx[:, None]  # (N, W)
    mu02 = (row_mass * dy**2).sum(axis=1)
    mu11 = (np.matmul(crops, dx[:, :, None])[:, :, 0] * dy).sum(axis=1)
    skew = np.where(np.abs(mu02) > 1e-2, mu11 / np.where(np.abs(mu02) > 1e-2, mu02, 1.0), 0.0)
    # Output pixel (r, c) samples the input at (r, c + skew * (r - cy)), linearly.
    src = cols[None, None, :] + (skew.astype(np.float32)[:, None] * dy)[:, :, None]  # (N, H, W)
    np.clip(src, -1.0, float(w), out=src)
    left = np.floor(src)
    frac = src - left
    i0 = left.astype(np.intp) + 1  # index into the padded row: 0 .. w + 1
    padded = np.pad(crops, ((0, 0), (0, 0), (1, 2)))  # zeros outside the frame
    v0 = np.take_along_axis(padded, i0, axis=2)
    v1 = np.take_along_axis(padded, i0 + 1, axis=2)
    out = v0 + frac * (v1 - v0)
    return out.astype(np.float32)


def hog_features(
    crops: np.ndarray,
    *,
    orientations: int = 9,
    cell_size: int = 4,
    block_size: int = 2,
    signed: bool = False,
) -> np.ndarray:
    """Histogram of oriented gradients for a batch of crops.

    Central-difference gradients; each pixel votes its magnitude into the two nearest
    orientation bins; cells are summed; overlapping ``block_size``² blocks of cells are
    L2-Hys normalised (clip at 0.2) as in Dalal & Triggs / ``skimage.feature.hog``.

    Parameters
    ----------
    crops : (N, H, W) float ndarray
        Square digit crops, or wider canvases (the recognizer's single-digit verifier).
    orientations : int
        Number of orientation bins over 180° (or 360° with ``signed``).
    cell_size : int
        Cell side in pixels; ``H // cell_size`` × ``W // cell_size`` cells (a remainder
        is dropped).
    block_size : int
        Block side in cells; blocks step by one cell.
    signed : bool
        Distinguish gradient directions 180° apart.

    Returns
    -------
    (N, n_blocks_y * n_blocks_x * block_size**2 * orientations) float32 ndarray
    """
    crops = np.asarray(crops, dtype=np.float32)
    n, h, w = crops.shape
    cells_y, cells_x = h // cell_size, w // cell_size
    blocks_y, blocks_x = cells_y - block_size + 1, cells_x - block_size + 1
    if min(blocks_y, blocks_x) < 1:
        raise ValueError(f"cell_size={cell_size}, block_size={block_size} do not fit a {h}x{w} crop")
    n_out = blocks_y * blocks_x * block_size * block_size * orientations
    out = np.empty((n, n_out), np.float32)
    for start in range(0, n, CHUNK):
        out[start : start + CHUNK] = _hog_chunk(
            crops[start : start + CHUNK], orientations, cell_size, block_size, (cells_y, cells_x), signed
        )
    return out


def _hog_chunk(crops, orientations, cell_size, block_size, cells, signed):
    n = crops.shape[0]
    cells_y, cells_x = cells
    gy = np.zeros_like(crops)
    gx = np.zeros_like(crops)
    gy[:, 1:-1, :] = crops[:, 2:, :] - crops[:, :-2, :]
    gx[:, :, 1:-1] = crops[:, :, 2:] - crops[:, :, :-2]
    side_y, side_x = cells_y * cell_size, cells_x * cell_size
    gx, gy = gx[:, :side_y, :side_x], gy[:, :side_y, :side_x]
    mag = np.hypot(gx, gy)
    # Only pixels with a gradient vote (most of a digit crop is flat paper or flat ink).
    at = np.flatnonzero(mag)
    mag = mag.ravel()[at]
    period = 2 * np.pi if signed else np.pi
    angle = np.mod(np.arctan2(gy.ravel()[at], gx.ravel()[at]), period) * (orientations / period)
    lo = np.floor(angle - 0.5)
    frac = angle - 0.5 - lo
    lo_bin = np.mod(lo, orientations).astype(np.intp)
    hi_bin = np.mod(lo_bin + 1, orientations)
    # Each pixel votes into its two nearest bins of its cell.
    image, rest = np.divmod(at, side_y * side_x)
    row, col = np.divmod(rest, side_x)
    slot = ((image * cells_y + row // cell_size) * cells_x + col // cell_size) * orientations
    size = n * cells_y * cells_x * orientations
    hist = np.bincount(slot + lo_bin, weights=mag * (1 - frac), minlength=size)
    hist += np.bincount(slot + hi_bin, weights=mag * frac, minlength=size)
    cell_sums = hist.reshape(n, cells_y, cells_x, orientations).astype(np.float32)
    blocks_y, blocks_x = cells_y - block_size + 1, cells_x - block_size + 1
    blocks = np.stack(
        [cell_sums[:, i : i + blocks_y, j : j + blocks_x, :] for i in range(block_size) for j in range(block_size)],
        axis=3,
    ).reshape(n, blocks_y, blocks_x, -1)
    blocks = _l2_normalise(blocks)
    blocks = _l2_normalise(np.minimum(blocks, 0.2))
    return blocks.reshape(n, -1)


def _l2_normalise(blocks: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    return blocks / np.sqrt((blocks**2).sum(axis=-1, keepdims=True) + eps**2)


class Deskew(TransformerMixin, BaseEstimator):
    """Straighten slanted digits; see :func:`deskew_crops`.

    Parameters
    ----------
    enabled : bool
        ``False`` passes crops through (handy for grid searches).

    Transforms ``(N, 28, 28)`` or ``(N, 784)`` into ``(N, 28, 28) float32``.
    """

    def __init__(self, enabled: bool = True):
        self.enabled = enabled

    def fit(self, X, y=None):
        self.n_features_in_ = as_crops(X).shape[1] ** 2
        return self

    def transform(self, X):
        crops = as_crops(X)
        return deskew_crops(crops) if self.enabled else crops


class Hog(TransformerMixin, BaseEstimator):
    """HOG descriptor per crop; see :func:`hog_features` for the parameters.

    Transforms ``(N, S, S)`` or ``(N, S*S)`` into ``(N, n_features) float32``.
    """

    def __init__(self, orientations: int = 9, cell_size: int = 4, block_size: int = 2, signed: bool = False):
        self.orientations = orientations
        self.cell_size = cell_size
        self.block_size = block_size
        self.signed = signed

    def fit(self, X, y=None):
        self.n_features_in_ = as_crops(X).shape[1] ** 2
        return self

    def transform(self, X):
        return hog_features(
            as_crops(X),
            orientations=self.orientations,
            cell_size=self.cell_size,
            block_size=self.block_size,
            signed=self.signed,
        )


class Pixels(TransformerMixin, BaseEstimator):
    """Raw intensities, optionally area-averaged down to ``size``×``size``.

    Parameters
    ----------
    size : int
        Output side; must divide the crop side (28 → 28, 14, 7, 4, 2, 1).

    Transforms ``(N, S, S)`` or ``(N, S*S)`` into ``(N, size*size) float32``.
    """

    def __init__(self, size: int = 14):
        self.size = size

    def fit(self, X, y=None):
        self.n_features_in_ = as_crops(X).shape[1] ** 2
        return self

    def transform(self, X):
        crops = as_crops(X)
        n, side, _ = crops.shape
        if side % self.size:
            raise ValueError(f"Pixels(size={self.size}) must divide the crop side {side}")
        f = side // self.size
        return crops.reshape(n, self.size, f, self.size, f).mean(axis=(2, 4)).reshape(n, -1)


class Flatten(TransformerMixin, BaseEstimator):
    """Reshape ``(N, S, S)`` crops to ``(N, S*S)``; 2-D input passes through.

    Lets estimators that validate 2-D input (e.g. ``VotingClassifier``) take crops.
    """

    def fit(self, X, y=None):
        self.n_features_in_ = as_crops(X).shape[1] ** 2
        return self

    def transform(self, X):
        crops = as_crops(X)
        return crops.reshape(crops.shape[0], -1)
