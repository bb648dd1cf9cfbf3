"""k-nearest neighbours on PCA-reduced deskewed HOG ⊕ pixel features."""

from __future__ import annotations

from typing import Any

from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline

from classifiers.ml.algorithms._common import pca_step, scaler_step
from classifiers.ml.algorithms._features import FEATURE_DEFAULTS, feature_steps
from classifiers.ml.registry import register

DEFAULTS: dict[str, Any] = {
    **FEATURE_DEFAULTS,
    "scale": "none",
    "pca_components": 60,
    "n_neighbors": 5,
    "weights": "distance",
    "n_jobs": None,
    "seed": 0,
}


@register("knn", defaults=DEFAULTS)
def build_knn(params: dict[str, Any]) -> Pipeline:
    """k-NN (distance-weighted) on PCA of deskewed HOG + pixels."""
    knn = KNeighborsClassifier(n_neighbors=params["n_neighbors"], weights=params["weights"], n_jobs=params["n_jobs"])
    return Pipeline(
        [
            *feature_steps(params),
            ("scale", scaler_step(params["scale"])),
            ("pca", pca_step(params["pca_components"], params["seed"])),
            ("clf", knn),
        ]
    )
