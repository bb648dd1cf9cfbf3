"""Photometric ops: blur, noise, brightness/contrast, greyscale, invert, JPEG artefacts.

Bodies work on float32 ``[0, 1]`` images (the registry wrapper converts); the
``_batch_*`` functions are the vectorised versions used for digit crops.
"""

from __future__ import annotations

import cv2
import numpy as np

from augment.ops._registry import ParamDef, register


def _batch_noise(
    images: np.ndarray, rng: np.random.Generator, applied: np.ndarray, strength: float, *, max_std: float
) -> np.ndarray:
    std = (rng.uniform(0.0, 1.0, len(images)) * strength * max_std * applied).astype(np.float32)
    return images + rng.standard_normal(images.shape, dtype=np.float32) * std[:, None, None]


@register(
    "gaussian_noise",
    "Gaussian noise",
    params=(ParamDef("max_std", "Max noise (fraction of range)", 0, 0.5, 0.08, 0.01),),
    batch=_batch_noise,
)
def gaussian_noise(
    image: np.ndarray, rng: np.random.Generator, *, strength: float = 1.0, max_std: float = 0.08
) -> np.ndarray:
    """Add per-pixel Gaussian noise with a standard deviation drawn from ``[0, strength · max_std]``.

    Parameters
    ----------
    image : (H, W) or (H, W, 3) ndarray, uint8 or float32
    rng : numpy.random.Generator
    strength : float in [0, 1]
    max_std : float in [0, 0.5], as a fraction of the value range

    Returns
    -------
    ndarray of the input's shape and dtype, clipped to its range
    """
    return _batch_noise(image[None], rng, np.ones(1, bool), strength, max_std=max_std)[0]


@register(
    "gaussian_blur",
    "Blur",
    params=(ParamDef("max_sigma", "Max blur sigma (px)", 0, 5, 1.0, 0.1),),
)
def gaussian_blur(
    image: np.ndarray, rng: np.random.Generator, *, strength: float = 1.0, max_sigma: float = 1.0
) -> np.ndarray:
    """Gaussian blur with sigma drawn from ``[0, strength · max_sigma]`` pixels."""
    sigma = rng.uniform(0.0, 1.0) * strength * max_sigma
    if sigma < 0.05:
        return image
    return cv2.GaussianBlur(image, (0, 0), sigma)


def _batch_brightness_contrast(
    images: np.ndarray,
    rng: np.random.Generator,
    applied: np.ndarray,
    strength: float,
    *,
    max_brightness: float,
    max_contrast: float,
) -> np.ndarray:
    n = len(images)
    gain = 1.0 + rng.uniform(-1.0, 1.0, n) * strength * max_contrast * applied
    offset = rng.uniform(-1.0, 1.0, n) * strength * max_brightness * applied
    shape = (n,) + (1,) * (images.ndim - 1)
    mean = images.reshape(n, -1).mean(axis=1).reshape(shape)
    gain, offset = gain.astype(np.float32).reshape(shape), offset.astype(np.float32).reshape(shape)
    return (images - mean) * gain + mean + offset


@register(
    "brightness_contrast",
    "Brightness / contrast",
    params=(
        ParamDef("max_brightness", "Max brightness change (fraction of range)", 0, 1, 0.2, 0.01),
        ParamDef("max_contrast", "Max contrast change (fraction)", 0, 1, 0.3, 0.01),
    ),
    batch=_batch_brightness_contrast,
)
def brightness_contrast(
    image: np.ndarray,
    rng: np.random.Generator,
    *,
    strength: float = 1.0,
    max_brightness: float = 0.2,
    max_contrast: float = 0.3,
) -> np.ndarray:
    """Scale contrast about the mean by ``1 ± strength · max_contrast``, then add ``± strength · max_brightness``."""
    applied = np.ones(1, bool)
    return _batch_brightness_contrast(
        image[None], rng, applied, strength, max_brightness=max_brightness, max_contrast=max_contrast
    )[0]


def _batch_greyscale(images: np.ndarray, rng: np.random.Generator, applied: np.ndarray, strength: float) -> np.ndarray:
    return images  # the batch path only sees grey crops


@register("greyscale", "Greyscale", random=False, batch=_batch_greyscale)
def greyscale(image: np.ndarray, rng: np.random.Generator, *, strength: float = 1.0) -> np.ndarray:
    """Remove colour (ITU-R BT.601 luma); an RGB image stays 3-channel with equal channels."""
    if image.ndim == 2:
        return image
    luma = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    return np.repeat(luma[:, :, None], 3, axis=2)


def _batch_invert(images: np.ndarray, rng: np.random.Generator, applied: np.ndarray, strength: float) -> np.ndarray:
    return np.where(applied[:, None, None], 1.0 - images, images)


@register("invert", "Invert", random=False, batch=_batch_invert)
def invert(image: np.ndarray, rng: np.random.Generator, *, strength: float = 1.0) -> np.ndarray:
    """Swap dark and light (``1 - x``; ``255 - x`` for uint8). Applying it twice is the identity."""
    return 1.0 - image


@register(
    "jpeg",
    "JPEG artefacts",
    params=(ParamDef("min_quality", "Lowest JPEG quality", 1, 95, 30, 1),),
)
def jpeg(image: np.ndarray, rng: np.random.Generator, *, strength: float = 1.0, min_quality: int = 30) -> np.ndarray:
    """Re-encode as JPEG at a quality drawn from ``[100 - strength · (100 - min_quality), 100]`` (100: unchanged)."""
    quality = int(round(100 - rng.uniform(0.0, 1.0) * strength * (100 - min_quality)))
    if quality >= 100:
        return image  # strength 0 means "no change", not a lossy re-encode at quality 100
    pixels = np.rint(np.clip(image, 0.0, 1.0) * 255).astype(np.uint8)
    if pixels.ndim == 3:
        pixels = cv2.cvtColor(pixels, cv2.COLOR_RGB2BGR)
    ok, encoded = cv2.imencode(".jpg", pixels, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise RuntimeError("jpeg: OpenCV could not encode the image")
    decoded = cv2.imdecode(encoded, cv2.IMREAD_GRAYSCALE if pixels.ndim == 2 else cv2.IMREAD_COLOR)
    if decoded.ndim == 3:
        decoded = cv2.cvtColor(decoded, cv2.COLOR_BGR2RGB)
    return decoded.astype(np.float32) / 255.0
