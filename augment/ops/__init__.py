"""Image augmentation ops: small pure functions ``op(image, rng, *, strength, **params) -> image``.

Every op takes a ``uint8`` or ``float32`` image of shape ``(H, W)`` or ``(H, W, 3)``
and returns the same dtype and shape, values kept in range. ``strength`` in
``[0, 1]`` scales the op's "max" parameters; the actual amount is drawn from
``rng`` on each call. :data:`OPS` maps op names to :class:`OpInfo` (label,
slider params, ``label_preserving``); :func:`catalogue` gives it as JSON.
"""

from __future__ import annotations

from augment.ops._registry import OPS, OpInfo, ParamDef, SpecError, catalogue, get_op
from augment.ops.geometric import elastic, hflip, perspective, rotate, scale, shear, shift
from augment.ops.morphology import cutout, thickness
from augment.ops.photometric import brightness_contrast, gaussian_blur, gaussian_noise, greyscale, invert, jpeg

__all__ = [
    "OPS",
    "OpInfo",
    "ParamDef",
    "SpecError",
    "brightness_contrast",
    "catalogue",
    "cutout",
    "elastic",
    "gaussian_blur",
    "gaussian_noise",
    "get_op",
    "greyscale",
    "hflip",
    "invert",
    "jpeg",
    "perspective",
    "rotate",
    "scale",
    "shear",
    "shift",
    "thickness",
]
