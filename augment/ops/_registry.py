"""The op registry: parameter definitions, op metadata and the validating wrapper.

Every augmentation op is a pure function ``op(image, rng, *, strength, **params)``
registered with :func:`register`. The registry (:data:`OPS`) is what the spec
parser validates against and what a UI reads to build its sliders
(:func:`catalogue`).
"""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from augment.ops._image import from_float, to_float


class SpecError(ValueError):
    """An augmentation op, parameter or spec is invalid; the message says which and why."""


@dataclass(frozen=True)
class ParamDef:
    """One numeric op parameter, described so a UI can render a slider.

    ``scaled_by_strength`` tells whether the op's ``strength`` scales this
    parameter (the "max_*" ranges) or whether it is used as given (shape
    settings such as the elastic smoothness or the number of cutout holes).
    """

    name: str
    label: str
    min: float
    max: float
    default: float
    step: float
    scaled_by_strength: bool = True

    @property
    def integer(self) -> bool:
        return float(self.step).is_integer() and float(self.min).is_integer()

    def check(self, value: object, *, where: str) -> float | int:
        """Return ``value`` as a number in range, or raise :class:`SpecError` naming ``where``."""
        prefix = f"{where}: param {self.name!r}"
        if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
            raise SpecError(f"{prefix} must be a number in [{self.min:g}, {self.max:g}], got {value!r}")
        number = float(value)
        if not math.isfinite(number) or not self.min <= number <= self.max:
            raise SpecError(f"{prefix} = {value!r} is out of range [{self.min:g}, {self.max:g}]")
        if self.integer:
            if not number.is_integer():
                raise SpecError(f"{prefix} = {value!r} must be a whole number in [{self.min:g}, {self.max:g}]")
            return int(number)
        return number

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": self.label,
            "min": self.min,
            "max": self.max,
            "default": self.default,
            "step": self.step,
            "integer": self.integer,
            "scaled_by_strength": self.scaled_by_strength,
        }


# Batch hooks used by the fast crop path (see augment.ops.batch):
#   warp(rng, n, height, width, strength, params) -> Warp   (geometric ops, fused into one remap)
#   batch(images (n, H, W) float32, rng, applied (n,) bool, strength, params) -> images
WarpSampler = Callable[..., Any]
BatchFn = Callable[..., np.ndarray]


@dataclass(frozen=True)
class OpInfo:
    """Metadata and entry points of one registered op."""

    name: str
    label: str
    description: str
    fn: Callable[..., np.ndarray]
    params: tuple[ParamDef, ...] = ()
    label_preserving: bool = True
    random: bool = True
    warp: WarpSampler | None = field(default=None, repr=False)
    batch: BatchFn | None = field(default=None, repr=False)

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)

    def check_params(self, params: Mapping[str, object], *, where: str | None = None) -> dict[str, float | int]:
        """Validate ``params`` (all optional) and return them complete, defaults filled in."""
        where = where or self.name
        unknown = sorted(set(params) - set(self.param_names))
        if unknown:
            allowed = ", ".join(self.param_names) or "none"
            raise SpecError(f"{where}: unknown param {unknown[0]!r}; allowed params: {allowed}")
        return {p.name: p.check(params.get(p.name, p.default), where=where) for p in self.params}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description for a UI."""
        return {
            "name": self.name,
            "label": self.label,
            "description": self.description,
            "label_preserving": self.label_preserving,
            "random": self.random,
            "geometric": self.warp is not None,
            "params": [p.to_dict() for p in self.params],
        }


OPS: dict[str, OpInfo] = {}


def check_strength(value: object, *, where: str) -> float:
    return ParamDef("strength", "Strength", 0.0, 1.0, 1.0, 0.05).check(value, where=where)


def register(
    name: str,
    label: str,
    *,
    params: tuple[ParamDef, ...] = (),
    label_preserving: bool = True,
    random: bool = True,
    warp: WarpSampler | None = None,
    batch: BatchFn | None = None,
) -> Callable[[Callable[..., np.ndarray]], Callable[..., np.ndarray]]:
    """Register an op whose body works on float32 ``[0, 1]`` images.

    The returned public function accepts ``uint8`` or ``float32`` images of shape
    ``(H, W)`` or ``(H, W, 3)``, validates ``strength`` and the params (raising
    :class:`SpecError`), and returns the same dtype and shape.
    """

    def decorate(body: Callable[..., np.ndarray]) -> Callable[..., np.ndarray]:
        _check_signature(name, body, params)

        @functools.wraps(body)
        def op(image: np.ndarray, rng: np.random.Generator, /, *, strength: float = 1.0, **kwargs: Any) -> np.ndarray:
            resolved = info.check_params(kwargs)
            level = check_strength(strength, where=name)
            if not isinstance(rng, np.random.Generator):
                raise TypeError(f"{name}: rng must be a numpy.random.Generator, got {type(rng).__name__}")
            unit, dtype = to_float(image, where=name)
            out = body(unit, rng, strength=level, **resolved)
            return from_float(out, dtype)

        info = OpInfo(
            name=name,
            label=label,
            description=inspect.getdoc(body).split("\n\n")[0].replace("\n", " ") if body.__doc__ else "",
            fn=op,
            params=params,
            label_preserving=label_preserving,
            random=random,
            warp=warp,
            batch=batch,
        )
        if name in OPS:
            raise RuntimeError(f"op {name!r} registered twice")
        OPS[name] = info
        return op

    return decorate


def _check_signature(name: str, body: Callable[..., np.ndarray], params: tuple[ParamDef, ...]) -> None:
    # Keeps the slider metadata and the Python defaults from drifting apart.
    sig = inspect.signature(body).parameters
    for p in params:
        if p.name not in sig or sig[p.name].default != p.default:
            raise RuntimeError(f"op {name!r}: signature default of {p.name!r} does not match its ParamDef")


def get_op(name: str) -> OpInfo:
    """Return the registered op ``name`` or raise :class:`SpecError` listing the known ops."""
    try:
        return OPS[name]
    except (KeyError, TypeError):
        raise SpecError(f"unknown op {name!r}; known ops: {', '.join(sorted(OPS))}") from None


def catalogue() -> list[dict[str, Any]]:
    """Every registered op as a JSON-ready dict (name, label, flags, slider params), in registry order."""
    return [info.to_dict() for info in OPS.values()]
