"""Augmentation pipelines described by a small JSON spec.

A spec is ``{"ops": [{"op": "rotate", "p": 0.8, "strength": 0.5, "params": {"max_degrees": 15}}, ...],
"seed": 7}``: each step runs with probability ``p`` (default 1) at ``strength``
(default 1), params default to the op's defaults, ``seed`` is optional. Steps run
in order. :func:`parse_spec` validates everything and raises :class:`SpecError`
naming the bad op, param and allowed range; :meth:`Spec.to_json` is canonical,
so :meth:`Spec.digest` can key a cache of previews.

Randomness: every step draws from its own stream derived from ``(seed, step
index)``, so a result is reproducible from ``(spec, seed)``, and changing one
step's ``p`` or params leaves the other steps' random draws unchanged.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from augment.ops import SpecError, get_op
from augment.ops._image import as_unit_float, from_float, to_float
from augment.ops._registry import check_strength
from augment.ops.batch import augment_batch

__all__ = ["DEFAULT_CROP_SPEC", "Spec", "SpecError", "Step", "apply", "augment_crops", "parse_spec", "samples"]

# Bump when an op's behaviour changes so digests (cache keys) of stored previews change too.
SPEC_VERSION = 1
MAX_STEPS = 32
# Crops per random stream in augment_crops; part of the result's definition, keep fixed.
_CHUNK = 4096


@dataclass(frozen=True)
class Step:
    """One validated pipeline step; ``params`` is complete (defaults filled in)."""

    op: str
    p: float = 1.0
    strength: float = 1.0
    params: Mapping[str, float | int] = field(default_factory=dict, hash=False)

    def to_dict(self) -> dict[str, Any]:
        return {"op": self.op, "p": self.p, "strength": self.strength, "params": dict(self.params)}


@dataclass(frozen=True)
class Spec:
    """A validated pipeline; build it with :func:`parse_spec`."""

    ops: tuple[Step, ...]
    seed: int | None = None

    @property
    def label_preserving(self) -> bool:
        """True when every step keeps a digit's label (safe for training data)."""
        return all(get_op(step.op).label_preserving for step in self.ops)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"ops": [step.to_dict() for step in self.ops]}
        if self.seed is not None:
            out["seed"] = self.seed
        return out

    def to_json(self) -> str:
        """Canonical JSON: sorted keys, no spaces, every default written out."""
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"), allow_nan=False)

    def digest(self) -> str:
        """SHA-256 hex of the canonical JSON and :data:`SPEC_VERSION`: equal for equivalent specs."""
        return hashlib.sha256(f"augment-spec-v{SPEC_VERSION}:{self.to_json()}".encode()).hexdigest()


def parse_spec(spec: Spec | Mapping[str, Any] | str | bytes) -> Spec:
    """Validate a spec given as a dict, a JSON string, or an already parsed :class:`Spec`.

    Raises
    ------
    SpecError
        Naming the offending step (``ops[2] (rotate)``), param, value and allowed range.
    """
    if isinstance(spec, Spec):
        return spec
    if isinstance(spec, str | bytes):
        try:
            spec = json.loads(spec)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise SpecError(f"spec is not valid JSON: {exc}") from None
    if not isinstance(spec, Mapping):
        raise SpecError(f'spec must be an object like {{"ops": [...]}}, got {type(spec).__name__}')
    _reject_unknown(spec, {"ops", "seed"}, where="spec")
    steps = spec.get("ops")
    if not isinstance(steps, list):
        raise SpecError('spec: "ops" must be a list of steps')
    if len(steps) > MAX_STEPS:
        raise SpecError(f"spec: at most {MAX_STEPS} ops allowed, got {len(steps)}")
    seed = spec.get("seed")
    if seed is not None:
        seed = _check_seed(seed)
    return Spec(ops=tuple(_parse_step(raw, i) for i, raw in enumerate(steps)), seed=seed)


def _parse_step(raw: object, index: int) -> Step:
    where = f"ops[{index}]"
    if not isinstance(raw, Mapping):
        raise SpecError(f'{where}: a step must be an object like {{"op": "rotate"}}, got {raw!r}')
    if "op" not in raw:
        raise SpecError(f'{where}: missing "op"')
    try:
        info = get_op(raw["op"])
    except SpecError as exc:
        raise SpecError(f"{where}: {exc}") from None
    where = f"{where} ({info.name})"
    _reject_unknown(raw, {"op", "p", "strength", "params"}, where=where)
    p = _unit(raw.get("p", 1.0), where=where, name="p")
    strength = check_strength(raw.get("strength", 1.0), where=where)
    params = raw.get("params", {})
    if not isinstance(params, Mapping):
        raise SpecError(f'{where}: "params" must be an object, got {params!r}')
    resolved = info.check_params(params, where=where)
    return Step(op=info.name, p=float(p), strength=float(strength), params=MappingProxyType(resolved))


def _unit(value: object, *, where: str, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise SpecError(f"{where}: {name!r} must be a number in [0, 1], got {value!r}")
    if not 0.0 <= value <= 1.0:
        raise SpecError(f"{where}: {name!r} = {value!r} is out of range [0, 1]")
    return float(value)


def _reject_unknown(obj: Mapping[str, Any], allowed: set[str], *, where: str) -> None:
    unknown = sorted(str(k) for k in set(obj) - allowed)
    if unknown:
        raise SpecError(f"{where}: unknown key {unknown[0]!r}; allowed keys: {', '.join(sorted(allowed))}")


def _check_seed(seed: object) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise SpecError(f"seed must be a non-negative integer, got {seed!r}")
    return int(seed)


def _step_rngs(spec: Spec, *key: int) -> list[np.random.Generator]:
    return [
        np.random.default_rng(np.random.SeedSequence(key[0], spawn_key=(*key[1:], i))) for i in range(len(spec.ops))
    ]


def apply(spec: Spec | Mapping[str, Any] | str, image: np.ndarray, *, seed: int | None = None) -> np.ndarray:
    """Run the pipeline on one image, reproducibly for a given ``(spec, seed)``.

    Parameters
    ----------
    spec : Spec, dict or JSON str
    image : (H, W) or (H, W, 3) ndarray, uint8 or float32
    seed : int >= 0, optional
        Defaults to the spec's own ``seed``; one of the two is required.

    Returns
    -------
    ndarray of the input's shape and dtype
    """
    spec = parse_spec(spec)
    seed = spec.seed if seed is None else seed
    if seed is None:
        raise SpecError("apply: a seed is required (argument or spec 'seed')")
    seed = _check_seed(seed)
    unit, dtype = to_float(image, where="apply")  # validates even when no step runs
    out = image
    for step, rng in zip(spec.ops, _step_rngs(spec, seed), strict=True):
        if rng.random() < step.p:
            out = get_op(step.op).fn(out, rng, strength=step.strength, **step.params)
    return from_float(unit, dtype) if out is image else out


def samples(spec: Spec | Mapping[str, Any] | str, image: np.ndarray, *, n: int, seed: int) -> list[np.ndarray]:
    """``n`` augmented versions of ``image``; sample ``i`` equals ``apply(spec, image, seed=seed + i)``."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"samples: n must be a non-negative integer, got {n!r}")
    spec = parse_spec(spec)
    seed = _check_seed(seed)
    return [apply(spec, image, seed=seed + i) for i in range(n)]


DEFAULT_CROP_SPEC = parse_spec(
    {
        "ops": [
            {"op": "rotate", "p": 0.9, "params": {"max_degrees": 12}},
            {"op": "shift", "p": 0.9, "params": {"max_fraction": 0.07}},
            {"op": "scale", "p": 0.9, "params": {"max_zoom": 0.12}},
            {"op": "shear", "p": 0.8, "params": {"max_degrees": 15}},
            {"op": "elastic", "p": 0.7, "params": {"alpha": 0.04, "sigma": 0.14}},
            {"op": "thickness", "p": 0.5, "params": {"max_pixels": 0.5}},
        ]
    }
)


def augment_crops(
    crops: np.ndarray,
    labels: np.ndarray,
    n_per_sample: int,
    seed: int,
    *,
    spec: Spec | Mapping[str, Any] | str | None = None,
    workers: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Make ``n_per_sample`` augmented copies of every digit crop (the classifiers' augmenter hook).

    Only the new copies are returned (concatenate with the originals if wanted);
    copy ``j`` of crop ``i`` is at row ``i * n_per_sample + j``.

    Parameters
    ----------
    crops : (N, H, W) ndarray, float32 in [0, 1] (white ink on black, e.g. 28×28) or uint8
    labels : (N,) array-like
    n_per_sample : int >= 0
    seed : int >= 0
    spec : Spec, dict or JSON str, optional
        Must be label-preserving; default :data:`DEFAULT_CROP_SPEC` (mild
        rotate/shift/scale/shear/elastic/thickness).
    workers : int, optional
        Threads; default one per available CPU. The result does not depend on it.

    Returns
    -------
    crops : (N * n_per_sample, H, W) ndarray of the input dtype
    labels : (N * n_per_sample,) ndarray, each label repeated ``n_per_sample`` times
    """
    spec = DEFAULT_CROP_SPEC if spec is None else parse_spec(spec)
    if not spec.label_preserving:
        bad = next(s.op for s in spec.ops if not get_op(s.op).label_preserving)
        raise SpecError(f"augment_crops: op {bad!r} is not label-preserving for digits")
    crops = np.asarray(crops)
    labels = np.asarray(labels)
    if crops.ndim != 3 or crops.shape[1] == 0 or crops.shape[2] == 0:
        raise ValueError(f"augment_crops: crops must have shape (N, H, W), got {crops.shape}")
    if len(labels) != len(crops):
        raise ValueError(f"augment_crops: {len(crops)} crops but {len(labels)} labels")
    if isinstance(n_per_sample, bool) or not isinstance(n_per_sample, int | np.integer) or n_per_sample < 0:
        raise ValueError(f"augment_crops: n_per_sample must be a non-negative integer, got {n_per_sample!r}")
    seed = _check_seed(seed)
    total = len(crops) * int(n_per_sample)
    out = np.empty((total, *crops.shape[1:]), crops.dtype)

    def run(chunk: int) -> None:
        start = chunk * _CHUNK
        rows = np.arange(start, min(total, start + _CHUNK)) // n_per_sample
        unit = as_unit_float(crops[rows], where="augment_crops")
        result = augment_batch(unit, spec.ops, _step_rngs(spec, seed, chunk))
        out[start : start + len(rows)] = from_float(result, crops.dtype)

    chunks = range(-(-total // _CHUNK))
    workers = min(len(chunks), workers or _available_cpus())
    if workers <= 1:
        for chunk in chunks:
            run(chunk)
    else:
        # NumPy and OpenCV release the GIL on whole-array work, so threads scale.
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(run, chunks))
    return out, np.repeat(labels, n_per_sample)


def _available_cpus() -> int:
    if hasattr(os, "sched_getaffinity"):  # Linux: honours taskset/cgroup pinning
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1
