"""The normalised digit crop: the one input format every classifier accepts.

A crop is a ``(28, 28)`` ``float32`` array in ``[0, 1]``, white ink on black, the
digit scaled (aspect kept) to fit a 20×20 box and centred by its centre of mass —
the MNIST convention, so MNIST-style data sets need no conversion beyond scaling.

Every producer of crops (training data sources, the recognizer's segmentation,
the augmentation preview) calls :func:`normalize_crop`; nothing else builds one.
"""

from __future__ import annotations

import cv2
import numpy as np

CROP_SIZE = 28
BOX_SIZE = 20


def normalize_crop(patch: np.ndarray, *, ink_is_dark: bool = False) -> np.ndarray:
    """Turn an image patch holding one digit into a normalised crop.

    Parameters
    ----------
    patch : (M, N) ndarray
        Grey patch of any size and dtype (``bool``, ``uint8`` 0–255, or float
        0–1). With ``ink_is_dark=False`` ink is the bright value.
    ink_is_dark : bool
        Set for scans/photos where ink is darker than paper.

    Returns
    -------
    (28, 28) float32 ndarray in [0, 1]. An empty (inkless) patch gives zeros.
    """
    img = _as_unit_float(patch)
    if ink_is_dark:
        img = 1.0 - img
    rows = np.flatnonzero(img.max(axis=1) > 0)
    cols = np.flatnonzero(img.max(axis=0) > 0)
    out = np.zeros((CROP_SIZE, CROP_SIZE), np.float32)
    if rows.size == 0:
        return out
    img = img[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    h, w = img.shape
    scale = BOX_SIZE / max(h, w)
    new_h, new_w = max(1, round(h * scale)), max(1, round(w * scale))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    small = np.clip(cv2.resize(img, (new_w, new_h), interpolation=interp), 0.0, 1.0)
    # Centre of mass of the scaled digit goes to the centre of the 28×28 frame.
    total = small.sum()
    if total <= 0:
        return out
    r_idx, c_idx = np.indices(small.shape)
    com_r, com_c = (r_idx * small).sum() / total, (c_idx * small).sum() / total
    top = int(round(CROP_SIZE / 2 - com_r - 0.5))
    left = int(round(CROP_SIZE / 2 - com_c - 0.5))
    top = min(max(top, 0), CROP_SIZE - new_h)
    left = min(max(left, 0), CROP_SIZE - new_w)
    out[top : top + new_h, left : left + new_w] = small
    return out


def normalize_crops(patches: list[np.ndarray], *, ink_is_dark: bool = False) -> np.ndarray:
    """Stack :func:`normalize_crop` over many patches: ``(N, 28, 28) float32``."""
    if not patches:
        return np.zeros((0, CROP_SIZE, CROP_SIZE), np.float32)
    return np.stack([normalize_crop(p, ink_is_dark=ink_is_dark) for p in patches])


def _as_unit_float(patch: np.ndarray) -> np.ndarray:
    arr = np.asarray(patch)
    if arr.ndim != 2:
        raise ValueError(f"a digit patch must be 2-D grey, got shape {arr.shape}")
    if arr.dtype == bool:
        return arr.astype(np.float32)
    if np.issubdtype(arr.dtype, np.integer):
        return arr.astype(np.float32) / 255.0
    return np.clip(arr.astype(np.float32), 0.0, 1.0)


def turned(crops: np.ndarray, degrees: float) -> np.ndarray:
    """Normalised crops turned by ``degrees`` (counter-clockwise) about the frame's centre.

    The digit's centre of mass sits at the centre (:func:`normalize_crop`), so a turn
    keeps it there; its 20-px box turned by up to 35° still fits the 28-px frame.

    Parameters
    ----------
    crops : (N, 28, 28) float ndarray

    Returns
    -------
    (N, 28, 28) float32 ndarray in [0, 1]
    """
    crops = np.asarray(crops, np.float32)
    m = cv2.getRotationMatrix2D((CROP_SIZE / 2 - 0.5, CROP_SIZE / 2 - 0.5), float(degrees), 1.0)
    out = np.empty_like(crops)
    for i, crop in enumerate(crops):
        out[i] = cv2.warpAffine(crop, m, (CROP_SIZE, CROP_SIZE), flags=cv2.INTER_LINEAR)
    return np.clip(out, 0.0, 1.0, out=out)
