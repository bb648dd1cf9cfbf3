"""The feature front end shared by the algorithms: deskew, then HOG ⊕ pixels."""

from __future__ import annotations

from typing import Any

from sklearn.pipeline import FeatureUnion

from classifiers.ml.features import Deskew, Hog, Pixels

# Measured on `bundled` (3 seeded 80/20 splits, RBF SVC): HOG 4px cells + 14×14 pixels
# 98.5%; HOG alone 98.2%; 28×28 pixels alone 96.7%; without deskew about -0.5 points.
FEATURE_DEFAULTS: dict[str, Any] = {
    "deskew": True,
    "hog_orientations": 9,
    "hog_cell_size": 4,
    "hog_signed": False,
    "pixels_size": 14,
}


def feature_steps(params: dict[str, Any]) -> list[tuple[str, Any]]:
    """``[("deskew", Deskew), ("features", FeatureUnion)]`` from the shared params.

    ``pixels_size`` 0 leaves the pixel block out; ``hog_cell_size`` 0 leaves HOG out.
    """
    parts = []
    if params["hog_cell_size"]:
        parts.append(
            (
                "hog",
                Hog(
                    orientations=params["hog_orientations"],
                    cell_size=params["hog_cell_size"],
                    signed=params["hog_signed"],
                ),
            )
        )
    if params["pixels_size"]:
        parts.append(("pixels", Pixels(size=params["pixels_size"])))
    if not parts:
        raise ValueError("at least one of hog_cell_size and pixels_size must be non-zero")
    return [("deskew", Deskew(enabled=params["deskew"])), ("features", FeatureUnion(parts))]
