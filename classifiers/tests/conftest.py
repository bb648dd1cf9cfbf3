"""Fixtures for the classifiers' Django-side tests: a tiny fast data source and a trained version."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_digits

from classifiers.ml import sources
from classifiers.ml.crops import normalize_crops


def _tiny_dataset(_arg: str | None = None) -> sources.Dataset:
    digits = load_digits()
    keep = np.arange(len(digits.target)) < 600
    crops = normalize_crops(list(digits.images[keep] / 16.0))
    return sources.Dataset(crops=crops, labels=digits.target[keep].astype(np.int64), name="tiny")


@pytest.fixture(autouse=True)
def keep_the_augmenter():
    """Tests that install their own augmenter, or none, leave the augment app's in place
    for the tests after them (the same worker runs other apps' tests too)."""
    saved = sources.registered_augmenter()
    yield
    if saved is None:
        sources.unregister_augmenter()
    else:
        sources.register_augmenter(saved)


@pytest.fixture(autouse=True)
def tiny_source(request, tmp_path):
    """A 600-digit source named ``tiny`` (sklearn's load_digits), and models in a temp folder."""
    if request.config.pluginmanager.hasplugin("django"):
        request.getfixturevalue("settings").CLASSIFIERS_MODEL_DIR = tmp_path / "models"
    sources.register_source("tiny", _tiny_dataset)
    yield "tiny"
    sources.unregister_source("tiny")


@pytest.fixture
def trained(db):
    from classifiers.services import classifier_train

    return classifier_train(algorithm="knn", data=["tiny"], augment=0, seed=1)
