"""Classifier registry: names, parameters, and every algorithm really learning."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.pipeline import Pipeline

from classifiers.ml import registry
from classifiers.ml.crops import normalize_crop
from classifiers.ml.features import Pixels
from classifiers.ml.predict import digit_classifier, top_k

# Coarser features and smaller models keep each fit well under a second.
_LIGHT = {"hog_cell_size": 7, "pixels_size": 7}
SMALL = {
    "svm": {**_LIGHT, "pca_components": 40},
    "knn": {**_LIGHT, "pca_components": 30},
    "logreg": {**_LIGHT, "max_iter": 300},
    "extratrees": {**_LIGHT, "n_estimators": 60},
}
SMALL["ensemble"] = {"member_params": {m: SMALL[m] for m in ("svm", "logreg", "knn")}}


@pytest.fixture(scope="module")
def digits():
    data = load_digits()
    crops = np.stack([normalize_crop(img / 16.0) for img in data.images[:900]])
    return crops[:600], data.target[:600], crops[600:], data.target[600:900]


def test_the_shipped_algorithms_are_registered():
    assert {"svm", "knn", "logreg", "extratrees", "ensemble"} <= set(registry.available())


def test_an_unknown_name_raises_a_clear_error_listing_the_choices():
    with pytest.raises(registry.UnknownClassifier, match="available: .*svm") as info:
        registry.build("nope")
    assert isinstance(info.value, KeyError) and isinstance(info.value, ValueError)
    assert "'nope'" in str(info.value)


def test_unknown_parameters_are_refused():
    with pytest.raises(registry.InvalidParamsError, match="gama"):
        registry.build("svm", gama=1)


def test_effective_params_merge_overrides_and_are_json():
    params = registry.effective_params("svm", {"C": 2.0}, pixels_size=7)
    assert params["C"] == 2.0 and params["pixels_size"] == 7 and "gamma" in params
    assert json.loads(json.dumps(params)) == params
    assert registry.effective_params("svm")["C"] != 2.0  # defaults untouched


def test_registering_a_module_level_builder_makes_it_available():
    @registry.register("pixels-logreg", defaults={"C": 1.0})
    def build(params):
        from sklearn.linear_model import LogisticRegression

        return Pipeline([("pixels", Pixels(7)), ("clf", LogisticRegression(C=params["C"]))])

    try:
        assert "pixels-logreg" in registry.available()
        assert registry.build("pixels-logreg", C=3.0).named_steps["clf"].C == 3.0
        assert registry.get("pixels-logreg").defaults == {"C": 1.0}
    finally:
        registry._REGISTRY.pop("pixels-logreg")


@pytest.mark.parametrize("name", ["svm", "knn", "logreg", "extratrees", "ensemble"])
def test_every_algorithm_learns_small_digits_with_probabilities(name, digits):
    x_train, y_train, x_test, y_test = digits
    pipeline = registry.build(name, SMALL.get(name, {}))
    assert isinstance(pipeline, Pipeline)
    pipeline.fit(x_train, y_train)
    proba = pipeline.predict_proba(x_test.reshape(len(x_test), -1))  # flat input works too
    assert proba.shape == (len(x_test), 10)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)
    accuracy = (pipeline.classes_[proba.argmax(axis=1)] == y_test).mean()
    assert accuracy > 0.8, f"{name}: {accuracy:.3f}"  # chance is 0.1


def test_top_k_ranks_and_returns_plain_python_values():
    proba = np.array([[0.1, 0.7, 0.2], [0.5, 0.2, 0.3]])
    ranked = top_k(proba, [3, 5, 8], k=2)
    assert ranked == [[(5, 0.7), (8, 0.2)], [(3, 0.5), (8, 0.3)]]
    assert type(ranked[0][0][0]) is int and type(ranked[0][0][1]) is float
    assert len(top_k(proba[0], [3, 5, 8], k=10)[0]) == 3
    with pytest.raises(ValueError):
        top_k(proba, [1, 2], k=1)


def test_digit_classifier_always_returns_ten_columns(digits):
    x_train, y_train, x_test, _ = digits
    keep = y_train < 5
    pipeline = registry.build("logreg", SMALL["logreg"]).fit(x_train[keep], y_train[keep])
    proba = digit_classifier(pipeline)(x_test[:7])
    assert proba.shape == (7, 10)
    assert not proba[:, 5:].any()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)
    assert digit_classifier(pipeline)(np.zeros((0, 28, 28))).shape == (0, 10)
