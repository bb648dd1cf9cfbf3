"""Soft vote over other registered classifiers' complete pipelines.

Each member keeps its own features and scaling, so the ensemble is one pipeline whose
only steps are a flattening adapter and a :class:`~sklearn.ensemble.VotingClassifier`.
"""

from __future__ import annotations

from typing import Any

from sklearn.ensemble import VotingClassifier
from sklearn.pipeline import Pipeline

from classifiers.ml.features import Flatten
from classifiers.ml.registry import build, register

DEFAULTS: dict[str, Any] = {
    "members": ["svm", "logreg", "knn"],
    "weights": [2.0, 1.0, 1.0],
    "member_params": {},
    "n_jobs": None,
}


@register("ensemble", defaults=DEFAULTS)
def build_ensemble(params: dict[str, Any]) -> Pipeline:
    """Weighted soft vote of svm, logreg and knn pipelines."""
    members = list(params["members"])
    if not members or "ensemble" in members:
        raise ValueError(f"ensemble members must be other classifiers, got {members!r}")
    weights = params["weights"]
    if weights is not None and len(weights) != len(members):
        raise ValueError(f"{len(weights)} weights for {len(members)} ensemble members")
    member_params = params["member_params"] or {}
    estimators = [(name, build(name, member_params.get(name, {}))) for name in members]
    vote = VotingClassifier(estimators, voting="soft", weights=weights, n_jobs=params["n_jobs"])
    return Pipeline([("flatten", Flatten()), ("clf", vote)])
