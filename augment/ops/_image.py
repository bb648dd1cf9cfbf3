"""Image conventions shared by all ops: dtype conversion and the background estimate.

Ops compute on ``float32`` images in ``[0, 1]`` and convert back, so every op
supports ``uint8`` (0–255) and ``float32`` (0–1) input alike and returns the
input dtype, clipped to its range.
"""

from __future__ import annotations

import numpy as np

SUPPORTED_DTYPES = (np.dtype(np.uint8), np.dtype(np.float32))


def to_float(image: np.ndarray, *, where: str) -> tuple[np.ndarray, np.dtype]:
    """Validate ``image`` and return it as a contiguous float32 ``[0, 1]`` copy plus its dtype.

    Parameters
    ----------
    image : (H, W) or (H, W, 3) ndarray
        ``uint8`` or ``float32`` (values outside ``[0, 1]`` are clipped).
    where : str
        Op name for error messages.
    """
    if not isinstance(image, np.ndarray):
        raise TypeError(f"{where}: image must be a numpy array, got {type(image).__name__}")
    if image.dtype not in SUPPORTED_DTYPES:
        raise TypeError(f"{where}: image dtype must be uint8 or float32, got {image.dtype}")
    if not (image.ndim == 2 or (image.ndim == 3 and image.shape[2] == 3)):
        raise ValueError(f"{where}: image must have shape (H, W) or (H, W, 3), got {image.shape}")
    if image.shape[0] == 0 or image.shape[1] == 0:
        raise ValueError(f"{where}: image is empty, shape {image.shape}")
    return as_unit_float(image, where=where), image.dtype


def as_unit_float(array: np.ndarray, *, where: str) -> np.ndarray:
    """A contiguous float32 ``[0, 1]`` copy of a ``uint8`` or ``float32`` array of any shape."""
    if array.dtype == np.uint8:
        return array.astype(np.float32) * np.float32(1 / 255)
    if array.dtype == np.float32:
        return np.clip(array, 0.0, 1.0).astype(np.float32, copy=True)
    raise TypeError(f"{where}: dtype must be uint8 or float32, got {array.dtype}")


def from_float(image: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Clip a float image to ``[0, 1]`` and convert it to ``dtype`` (``uint8`` is rounded)."""
    clipped = np.clip(image, 0.0, 1.0)
    if dtype == np.uint8:
        return np.rint(clipped * 255.0).astype(np.uint8)
    return np.ascontiguousarray(clipped, dtype=np.float32)


def background(image: np.ndarray) -> tuple[float, ...]:
    """Per-channel median of the 1-pixel frame: the fill colour for uncovered areas.

    Digit crops (white on black) give 0; photos of paper give the paper colour,
    which is why ops fill with this rather than replicating edge pixels (that would
    smear strokes touching the border).

    Returns
    -------
    tuple of float, one per channel
    """
    frame = np.concatenate([image[0], image[-1], image[:, 0], image[:, -1]]).reshape(-1, _channels(image))
    return tuple(float(v) for v in np.median(frame, axis=0))


def ink_is_bright(bg: tuple[float, ...]) -> bool:
    """Ink is the opposite of a dark background (digit crops) or of light paper (photos)."""
    return float(np.mean(bg)) < 0.5


def _channels(image: np.ndarray) -> int:
    return 1 if image.ndim == 2 else image.shape[2]


def cv_border(bg: tuple[float, ...]) -> tuple[float, ...]:
    """OpenCV ``borderValue`` for a background tuple (always four values)."""
    return (bg + (bg[-1],) * 4)[:4]
