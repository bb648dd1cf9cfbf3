"""Opening uploads, the ``file`` group, and decoding a small, oriented uint8 array for analysis."""

from __future__ import annotations

import hashlib
import io
from typing import Any

import numpy as np
from PIL import Image, ImageCms

__all__ = ["MetadataError", "bit_depth", "file_info", "open_image", "pixels_for_analysis"]

#: Bits per sample implied by a Pillow mode when the file itself does not say.
_MODE_BITS = {"1": 1, "I;16": 16, "I;16B": 16, "I;16L": 16, "I;16N": 16, "I": 32, "F": 32}
#: EXIF orientation → Pillow transpose steps that display the image upright (same as ImageOps).
_ORIENT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


class MetadataError(ValueError):
    """The bytes are not an image Pillow can identify."""


def open_image(data: bytes) -> Image.Image:
    """Lazily open ``data`` (headers only); raise :class:`MetadataError` if it is not an image."""
    try:
        return Image.open(io.BytesIO(data))
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise MetadataError(f"not a readable image: {exc}") from exc


def bit_depth(image: Image.Image, data: bytes) -> int:
    """Bits per sample as stored in the file (PNG IHDR, TIFF BitsPerSample), else implied by the mode.

    Pillow opens 16-bit RGB PNGs as 8-bit ``RGB``, so the PNG header is read directly.
    """
    if image.format == "PNG" and data[12:16] == b"IHDR" and len(data) > 24:
        return int(data[24])
    tag = getattr(image, "tag_v2", None)
    if tag is not None and 258 in tag:
        bits = tag[258]
        bits = bits[0] if isinstance(bits, tuple) else bits
        if isinstance(bits, int) and bits > 0:
            return bits
    return _MODE_BITS.get(image.mode, 8)


def _dpi(info: dict[str, Any]) -> list[float] | None:
    try:
        x, y = (float(v) for v in info["dpi"])
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None
    return [round(x, 2), round(y, 2)] if x > 0 and y > 0 and np.isfinite(x) and np.isfinite(y) else None


def _icc_description(icc: bytes) -> str | None:
    try:
        description = ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(icc)))
    except (OSError, ValueError, TypeError, ImageCms.PyCMSError):
        return None
    return description.replace("\x00", "").strip() or None


def file_info(image: Image.Image, data: bytes) -> dict[str, Any]:
    """The ``file`` group (without hashes) of a freshly opened ``image`` read from ``data``."""
    icc = image.info.get("icc_profile")
    try:
        frames = int(getattr(image, "n_frames", 1))
    except (OSError, ValueError, EOFError):  # truncated animation
        frames = 1
    return {
        "format": image.format,
        "mime": Image.MIME.get(image.format or "") or None,
        "size_bytes": len(data),
        "width": image.width,
        "height": image.height,
        "mode": image.mode,
        "bit_depth": bit_depth(image, data),
        "frames": frames,
        "animated": bool(getattr(image, "is_animated", False)) and frames > 1,
        "dpi": _dpi(image.info),
        "icc_profile": bool(icc),
        "icc_description": _icc_description(icc) if icc else None,
        "sha256": hashlib.sha256(data).hexdigest(),
    }


def _to_8bit(image: Image.Image) -> Image.Image:
    """Convert any Pillow mode to ``RGB`` or ``L``; transparency is composited over white."""
    mode = image.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        values = np.asarray(image, dtype=np.float64)
        if mode == "F" and values.size and np.nanmax(values) <= 1.0:
            values = values * 255.0
        elif mode != "F" and values.size and (mode.startswith("I;16") or values.max() > 255):
            values = values / 257.0
        return Image.fromarray(np.clip(np.nan_to_num(values), 0, 255).astype(np.uint8))
    if mode == "1":
        return image.convert("L")
    if mode in ("L", "RGB"):
        return image
    has_alpha = mode in ("RGBA", "RGBa", "LA", "La", "PA") or "transparency" in image.info
    if not has_alpha:
        return image.convert("RGB")
    grey = mode in ("LA", "La")
    rgba = np.asarray(image.convert("RGBA"), dtype=np.float32)
    alpha = rgba[..., 3:] / 255.0
    rgb = (rgba[..., :3] * alpha + 255.0 * (1.0 - alpha)).round().astype(np.uint8)
    return Image.fromarray(rgb[..., 0] if grey else rgb)


def pixels_for_analysis(image: Image.Image, *, max_side: int, orientation: int | None = None) -> np.ndarray:
    """Decode the first frame as a small uint8 array, upright, long side ≤ ``max_side``.

    JPEGs are decoded at reduced DCT scale (``draft``), so a 12 MP photo never decodes in full.

    Returns
    -------
    (M, N, 3) or (M, N) ndarray of uint8
        RGB, or greyscale for single-channel sources.
    """
    if getattr(image, "n_frames", 1) > 1:
        image.seek(0)
    if image.format in ("JPEG", "MPO") and max(image.size) > max_side:
        scale = max_side / max(image.size)
        image.draft(None, (max(1, int(image.width * scale)), max(1, int(image.height * scale))))
    image.load()
    small = _to_8bit(image)
    factor = max(small.size) // max_side
    if factor >= 2:
        small = small.reduce(factor)  # fast box filter
    if max(small.size) > max_side:
        small.thumbnail((max_side, max_side), Image.Resampling.BOX)
    if orientation in _ORIENT:
        small = small.transpose(_ORIENT[orientation])
    return np.asarray(small)
