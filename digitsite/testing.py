"""Image builders for tests: every test image is generated in code, never committed."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image


def image_bytes(
    fmt: str = "PNG",
    *,
    size: tuple[int, int] = (64, 48),
    mode: str = "RGB",
    color=(200, 30, 30),
    exif: Image.Exif | None = None,
    **save_kwargs,
) -> bytes:
    """Encode a plain image of ``size`` (width, height) in ``fmt``."""
    if mode in {"I;16", "I"}:
        arr = np.linspace(0, 65535, size[0] * size[1], dtype=np.uint16).reshape(size[1], size[0])
        img = Image.fromarray(arr) if mode == "I;16" else Image.fromarray(arr.astype(np.int32))
    else:
        img = Image.new(mode, size, color if mode not in {"L", "1"} else 128)
    buf = io.BytesIO()
    if exif is not None:
        save_kwargs["exif"] = exif
    img.save(buf, format=fmt, **save_kwargs)
    return buf.getvalue()


def oriented_jpeg(orientation: int = 6) -> bytes:
    """A 40×20 JPEG (wide, left half black) whose EXIF says it must be rotated to be upright."""
    arr = np.full((20, 40, 3), 255, np.uint8)
    arr[:, :20] = 0
    exif = Image.Exif()
    exif[0x0112] = orientation
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="JPEG", exif=exif, quality=95)
    return buf.getvalue()


def animated_gif(colors=((255, 0, 0), (0, 0, 255), (0, 255, 0)), size=(32, 32)) -> bytes:
    frames = [Image.new("RGB", size, c) for c in colors]
    buf = io.BytesIO()
    frames[0].save(buf, format="GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    return buf.getvalue()
