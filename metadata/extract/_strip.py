"""Re-encode an image without EXIF, GPS, XMP, IPTC or comments (orientation applied, ICC kept)."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image, ImageOps, ImageSequence, JpegImagePlugin

from ._decode import open_image

__all__ = ["strip_metadata"]

#: ``info`` keys that describe pixels (not people or places) and are carried over.
_KEEP_INFO = ("icc_profile", "transparency", "dpi", "loop", "background", "duration", "disposal", "compression")


def _clean_copy(frame: Image.Image) -> Image.Image:
    """A detached copy of ``frame`` whose ``info`` holds only pixel-describing keys."""
    copy = frame.copy()  # a plain Image: no tag_v2, so TIFF's writer cannot re-emit source tags
    copy.info = {key: frame.info[key] for key in _KEEP_INFO if key in frame.info}
    return copy


def _webp_is_lossless(data: bytes) -> bool:
    """Whether the first image bitstream in a WebP RIFF container is VP8L (lossless)."""
    pos = 12
    while pos + 8 <= len(data):
        fourcc, size = data[pos : pos + 4], int.from_bytes(data[pos + 4 : pos + 8], "little")
        if fourcc in (b"VP8L", b"VP8 "):
            return fourcc == b"VP8L"
        # Descend into an animation frame (16-byte ANMF header), otherwise skip the (padded) chunk.
        pos += 8 + 16 if fourcc == b"ANMF" else 8 + size + (size & 1)
    return False


def _save_options(source: Image.Image, first: Image.Image, fmt: str, data: bytes) -> dict[str, Any]:
    options: dict[str, Any] = {key: first.info[key] for key in ("icc_profile", "dpi") if key in first.info}
    if fmt in ("JPEG", "MPO"):
        if getattr(source, "quantization", None):  # reuse the source's tables: no extra quality loss
            options["qtables"] = source.quantization
            if (sampling := JpegImagePlugin.get_sampling(source)) >= 0:
                options["subsampling"] = sampling
    elif fmt == "TIFF" and "compression" in first.info:
        options["compression"] = first.info["compression"]
    elif fmt == "WEBP":
        if _webp_is_lossless(data):
            options["lossless"] = True
        else:
            options["quality"] = 95
    return options


def strip_metadata(data: bytes) -> bytes:
    """Return ``data`` re-encoded in the same format with privacy-relevant metadata removed.

    EXIF (including GPS), XMP, IPTC/Photoshop blocks and text comments are dropped. The EXIF
    orientation is applied to the pixels first, so the picture still displays upright. The ICC
    profile, DPI, transparency and animation timing are kept; all frames of animations are kept.

    Raises
    ------
    MetadataError
        If ``data`` is not an image.
    """
    source = open_image(data)
    fmt = "JPEG" if source.format == "MPO" else source.format or "PNG"
    frames = getattr(source, "n_frames", 1)
    if frames > 1 and fmt in ("GIF", "PNG", "WEBP", "TIFF"):
        images = [_clean_copy(frame) for frame in ImageSequence.Iterator(source)]
    else:
        try:
            orientation = source.getexif().get(0x0112)
        except Exception:  # noqa: BLE001 - unreadable EXIF: nothing to apply, and it is dropped anyway
            orientation = None
        upright = ImageOps.exif_transpose(source) if orientation in range(2, 9) else source
        images = [_clean_copy(upright)]
        images[0].info.update({k: source.info[k] for k in _KEEP_INFO if k in source.info})
    first = images[0]
    options = _save_options(source, first, fmt, data)
    if len(images) > 1:
        options.update(save_all=True, append_images=images[1:])
        options["duration"] = [image.info.get("duration", 0) for image in images]
        if "loop" in first.info:
            options["loop"] = first.info["loop"]
    out = io.BytesIO()
    first.save(out, format=fmt, **options)
    return out.getvalue()
