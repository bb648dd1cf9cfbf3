"""Registry of classifier pipelines by name.

An algorithm is one module in :mod:`classifiers.ml.algorithms` that decorates a
builder with :func:`register`. A builder receives the *effective* parameters (the
registered defaults updated with the caller's overrides, all JSON-able) and returns
one :class:`~sklearn.pipeline.Pipeline` that takes ``(N, 28, 28)`` or ``(N, 784)``
crops and has ``predict_proba``::

    @register("svm", defaults={"C": 5.0})
    def build_svm(params: dict) -> Pipeline: ...

    pipeline = build("svm", C=10.0)
    stored = effective_params("svm", C=10.0)  # {"C": 10.0, ...}: store next to the artifact
"""

from __future__ import annotations

import copy
import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sklearn.pipeline import Pipeline

Builder = Callable[[dict[str, Any]], Pipeline]


class UnknownClassifier(KeyError, ValueError):
    """No classifier is registered under the requested name."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else ""


UnknownAlgorithmError = UnknownClassifier


class InvalidParamsError(ValueError):
    """Overrides name parameters the algorithm does not have."""


@dataclass(frozen=True)
class Algorithm:
    name: str
    builder: Builder
    defaults: dict[str, Any] = field(default_factory=dict)
    description: str = ""


_REGISTRY: dict[str, Algorithm] = {}


def register(
    name: str, *, defaults: dict[str, Any] | None = None, description: str = ""
) -> Callable[[Builder], Builder]:
    """Register ``builder(params) -> Pipeline`` under ``name`` (decorator).

    ``defaults`` lists every parameter the builder reads; overrides must use these keys.
    Re-registering a name replaces the previous builder.
    """

    def decorator(builder: Builder) -> Builder:
        summary = description or next(iter((builder.__doc__ or "").strip().splitlines()), "")
        _REGISTRY[name] = Algorithm(name=name, builder=builder, defaults=dict(defaults or {}), description=summary)
        return builder

    return decorator


def available() -> list[str]:
    """Names of all registered algorithms, sorted."""
    _load_algorithms()
    return sorted(_REGISTRY)


def get(name: str) -> Algorithm:
    """The registered :class:`Algorithm`; raises :class:`UnknownClassifier`."""
    _load_algorithms()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise UnknownClassifier(
            f"unknown classifier {name!r}; available: {', '.join(sorted(_REGISTRY)) or '(none)'}"
        ) from None


def effective_params(name: str, params: dict[str, Any] | None = None, /, **overrides: Any) -> dict[str, Any]:
    """Defaults of ``name`` updated with ``params`` and ``overrides``: what to store."""
    algorithm = get(name)
    merged = {**(params or {}), **overrides}
    unknown = sorted(set(merged) - set(algorithm.defaults))
    if unknown:
        raise InvalidParamsError(
            f"classifier {name!r} has no parameter(s) {', '.join(unknown)}; "
            f"known: {', '.join(sorted(algorithm.defaults))}"
        )
    return {**copy.deepcopy(algorithm.defaults), **copy.deepcopy(merged)}


def build(name: str, params: dict[str, Any] | None = None, /, **overrides: Any) -> Pipeline:
    """A new, unfitted pipeline for ``name`` with the given parameter overrides."""
    return get(name).builder(effective_params(name, params, **overrides))


def _load_algorithms() -> None:
    # Imported lazily: algorithm modules import this module to register themselves.
    importlib.import_module("classifiers.ml.algorithms")
