"""Turning probability rows into ranked answers."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np


def top_k(proba: np.ndarray, classes: Sequence[int] | np.ndarray, k: int = 3) -> list[list[tuple[int, float]]]:
    """The ``k`` most probable classes per row, best first.

    Parameters
    ----------
    proba : (N, C) array_like
        ``predict_proba`` output; a single row ``(C,)`` is treated as ``N = 1``.
    classes : (C,) sequence of int
        Labels of the columns (the estimator's ``classes_``).
    k : int
        Capped at ``C``.

    Returns
    -------
    list of N lists of ``(label, probability)`` with plain ``int``/``float`` values
    (JSON-able). Ties keep column order.
    """
    proba = np.atleast_2d(np.asarray(proba, dtype=np.float64))
    classes = np.asarray(classes)
    if proba.shape[1] != classes.shape[0]:
        raise ValueError(f"{proba.shape[1]} probability columns but {classes.shape[0]} classes")
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    k = min(k, classes.shape[0])
    order = np.argsort(-proba, axis=1, kind="stable")[:, :k]
    return [[(int(classes[j]), float(row[j])) for j in idx] for row, idx in zip(proba, order, strict=True)]


def digit_classifier(pipeline) -> Callable[[np.ndarray], np.ndarray]:
    """Wrap a fitted pipeline as ``classify(crops) -> (N, 10) probabilities for 0…9``.

    Columns are always the digits 0–9 in order, whatever subset of classes the
    pipeline was trained on (missing digits get probability 0).

    Parameters
    ----------
    pipeline : fitted estimator with ``predict_proba`` and ``classes_``

    Returns
    -------
    callable taking (N, 28, 28) float32 crops and returning (N, 10) float64
    """
    classes = np.asarray(pipeline.classes_).astype(np.int64)
    if classes.min(initial=0) < 0 or classes.max(initial=0) > 9:
        raise ValueError(f"classifier classes must be digits 0-9, got {classes.tolist()}")

    def classify(crops: np.ndarray) -> np.ndarray:
        crops = np.asarray(crops, dtype=np.float32)
        out = np.zeros((crops.shape[0], 10), np.float64)
        if crops.shape[0]:
            out[:, classes] = pipeline.predict_proba(crops)
        return out

    return classify
