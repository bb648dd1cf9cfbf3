"""Framework-free image metadata extraction for the metadata inspector.

Public API
----------
extract_metadata(data, *, region_counter=None, ...) -> dict
    JSON-serialisable ``{"version", "file", "camera", "location", "content", "errors"}``.
strip_metadata(data) -> bytes
    Same image and format without EXIF/GPS/XMP/comments (orientation applied, ICC kept).
hamming(hash_a, hash_b) -> int
    Bit distance between two perceptual hashes from ``file["hashes"]``.
EXTRACTOR_VERSION : int
    Bumped whenever the output changes, so stored rows can be recomputed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import numpy as np

from ._content import BLUR_THRESHOLD, content_stats, grey_of
from ._decode import MetadataError, file_info, open_image, pixels_for_analysis
from ._exif import camera_from_exif, jsonable, location_from_exif, read_exif_tags
from ._hashes import average_hash, difference_hash, hamming, perceptual_hash
from ._strip import strip_metadata

__all__ = [
    "BLUR_THRESHOLD",
    "CONTENT_SIDE",
    "EXTRACTOR_VERSION",
    "MetadataError",
    "extract_metadata",
    "hamming",
    "strip_metadata",
]

logger = logging.getLogger(__name__)

#: Bump when any field's meaning, units or computation changes.
EXTRACTOR_VERSION = 1
#: Long side (px) of the image the ``content`` statistics, hashes and ``region_counter`` see.
CONTENT_SIDE = 1024

RegionCounter = Callable[[np.ndarray], Any]


def _region_result(value: Any) -> Any:
    """Make a region counter's return value JSON-safe (numpy scalars/arrays included)."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    return jsonable(value)


def extract_metadata(
    data: bytes,
    *,
    region_counter: RegionCounter | None = None,
    content_side: int = CONTENT_SIDE,
    n_colours: int = 5,
    random_state: int = 0,
) -> dict[str, Any]:
    """Extract file facts, EXIF camera data, GPS location and pixel statistics from image bytes.

    Parameters
    ----------
    data : bytes
        The uploaded file.
    region_counter : callable, optional
        ``region_counter(pixels)`` with ``pixels`` an upright ``(M, N, 3)`` RGB or ``(M, N)`` grey
        uint8 array, long side ≤ ``content_side``; its (JSON-safe) result is ``content["digit_regions"]``.
        If it raises, the error is logged and reported in ``errors``.
    content_side : int
        Long side the pixels are downsampled to for the ``content`` group and hashes.
    n_colours : int
        Maximum number of dominant colours.
    random_state : int
        Seed for pixel sampling and KMeans (results are deterministic).

    Returns
    -------
    dict
        JSON-serialisable; ``camera``/``location`` are ``None`` without EXIF/GPS, ``content`` and
        ``file["hashes"]`` are ``None`` if the pixels could not be decoded (reason in ``errors``).

    Raises
    ------
    MetadataError
        If ``data`` is not an image at all.
    """
    image = open_image(data)
    errors: list[str] = []
    file = file_info(image, data)

    camera = location = None
    try:
        tags, raw, gps = read_exif_tags(image.getexif())
        camera = camera_from_exif(tags, raw.get("ExposureTime"))
        location = location_from_exif(gps)
    except Exception as exc:  # noqa: BLE001 - odd EXIF must never break the inspector
        errors.append(f"exif: {exc.__class__.__name__}: {exc}")

    content = hashes = None
    try:
        orientation = camera["orientation"] if camera else None
        pixels = pixels_for_analysis(image, max_side=content_side, orientation=orientation)
    except (OSError, ValueError, SyntaxError, EOFError, MemoryError) as exc:
        errors.append(f"pixels: {exc.__class__.__name__}: {exc}")
    else:
        grey = grey_of(pixels)
        hashes = {"ahash": average_hash(grey), "dhash": difference_hash(grey), "phash": perceptual_hash(grey)}
        content = content_stats(pixels, n_colours=n_colours, random_state=random_state)
        content["analysed_size"] = [int(pixels.shape[1]), int(pixels.shape[0])]
        content["digit_regions"] = None
        if region_counter is not None:
            try:
                content["digit_regions"] = _region_result(region_counter(pixels))
            except Exception as exc:
                logger.exception("region_counter failed")
                errors.append(f"digit_regions: {exc.__class__.__name__}: {exc}")
    file["hashes"] = hashes
    return {
        "version": EXTRACTOR_VERSION,
        "file": file,
        "camera": camera,
        "location": location,
        "content": content,
        "errors": errors,
    }
