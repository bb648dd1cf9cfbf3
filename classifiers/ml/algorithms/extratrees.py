"""Extremely randomised trees on deskewed HOG ⊕ pixel features."""

from __future__ import annotations

from typing import Any

from sklearn.ensemble import ExtraTreesClassifier
from sklearn.pipeline import Pipeline

from classifiers.ml.algorithms._features import FEATURE_DEFAULTS, feature_steps
from classifiers.ml.registry import register

DEFAULTS: dict[str, Any] = {
    **FEATURE_DEFAULTS,
    "n_estimators": 300,
    "max_features": "sqrt",
    "min_samples_leaf": 1,
    "n_jobs": None,
    "seed": 0,
}


@register("extratrees", defaults=DEFAULTS)
def build_extratrees(params: dict[str, Any]) -> Pipeline:
    """Extra-trees forest on deskewed HOG + pixels (trees need no scaling)."""
    clf = ExtraTreesClassifier(
        n_estimators=params["n_estimators"],
        max_features=params["max_features"],
        min_samples_leaf=params["min_samples_leaf"],
        n_jobs=params["n_jobs"],
        random_state=params["seed"],
    )
    return Pipeline([*feature_steps(params), ("clf", clf)])
