"""Run a pipeline of ops over a stack of grey images at once.

Used for training crops: consecutive geometric ops are fused into one
coordinate map and sampled by a single OpenCV remap over a mosaic of all
crops; photometric/morphological ops use their vectorised ``batch`` form, and
any op without one falls back to a per-image loop.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

import numpy as np

from augment.ops._registry import get_op
from augment.ops._warp import Field, Projective, Warp, inverse_maps, remap_batch
from augment.ops.morphology import batch_background


class BatchStep(Protocol):
    """What the batch engine needs of a pipeline step (``augment.spec.Step`` fits)."""

    op: str
    p: float
    strength: float
    params: Mapping[str, float | int]


def augment_batch(images: np.ndarray, steps: Sequence[BatchStep], rngs: Sequence[np.random.Generator]) -> np.ndarray:
    """Apply ``steps`` to every image, each step drawing from its own generator.

    Parameters
    ----------
    images : (N, H, W) float32 ndarray in [0, 1]
    steps : sequence of BatchStep
    rngs : sequence of numpy.random.Generator, one per step

    Returns
    -------
    (N, H, W) float32 ndarray in [0, 1]
    """
    n, h, w = images.shape
    out = images
    pending: list[Warp] = []
    for step, rng in zip(steps, rngs, strict=True):
        info = get_op(step.op)
        applied = rng.random(n) < step.p
        if info.warp is not None:
            warp = info.warp(rng, n, h, w, step.strength, **step.params)
            pending.append(_only_where(warp, applied))
            continue
        out = _flush(out, pending)
        pending = []
        if info.batch is not None:
            out = info.batch(out, rng, applied, step.strength, **step.params)
        else:
            out = out.copy()
            for i in np.flatnonzero(applied):
                out[i] = info.fn(out[i], rng, strength=step.strength, **step.params)
        out = np.clip(out, 0.0, 1.0, dtype=np.float32)
    return np.clip(_flush(out, pending), 0.0, 1.0, dtype=np.float32)


def _only_where(warp: Warp, applied: np.ndarray) -> Warp:
    # Images that skip the step get the identity, keeping random draws independent of p.
    if isinstance(warp, Projective):
        return Projective(np.where(applied[:, None, None], warp.forward, np.eye(3)))
    return Field(warp.field * applied[:, None, None, None].astype(np.float32))


def _flush(images: np.ndarray, warps: list[Warp]) -> np.ndarray:
    if not warps:
        return images
    n, h, w = images.shape
    map_x, map_y = inverse_maps(warps, n, h, w)
    return remap_batch(images, map_x, map_y, batch_background(images))
