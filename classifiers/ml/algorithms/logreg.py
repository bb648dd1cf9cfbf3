"""Multinomial logistic regression on standardised deskewed HOG ⊕ pixel features."""

from __future__ import annotations

from typing import Any

from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from classifiers.ml.algorithms._common import pca_step, scaler_step
from classifiers.ml.algorithms._features import FEATURE_DEFAULTS, feature_steps
from classifiers.ml.registry import register

DEFAULTS: dict[str, Any] = {
    **FEATURE_DEFAULTS,
    "scale": "standard",
    "pca_components": 0,
    "C": 0.1,
    "max_iter": 500,
    "seed": 0,
}


@register("logreg", defaults=DEFAULTS)
def build_logreg(params: dict[str, Any]) -> Pipeline:
    """Logistic regression (L2, lbfgs) on deskewed HOG + pixels."""
    clf = LogisticRegression(C=params["C"], max_iter=params["max_iter"], random_state=params["seed"])
    return Pipeline(
        [
            *feature_steps(params),
            ("scale", scaler_step(params["scale"])),
            ("pca", pca_step(params["pca_components"], params["seed"])),
            ("clf", clf),
        ]
    )
