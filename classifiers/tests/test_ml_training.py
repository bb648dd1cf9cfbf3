"""Training and evaluation: split first, augment only the training part, JSON metrics."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from sklearn.datasets import load_digits

from classifiers.ml import sources, training
from classifiers.ml.crops import normalize_crop
from classifiers.ml.sources import Dataset

FAST = {"hog_cell_size": 7, "pixels_size": 7, "max_iter": 300}


@pytest.fixture(scope="module")
def digits() -> Dataset:
    data = load_digits()
    crops = np.stack([normalize_crop(img / 16.0) for img in data.images[:500]])
    return Dataset(crops, data.target[:500], "sklearn-digits-500")


def test_train_reports_held_out_metrics_that_are_json(digits):
    messages = []
    result = training.train("logreg", digits, test_size=0.2, seed=3, params=FAST, progress=messages.append)
    m = result.metrics
    assert result.n_train + result.n_test == 500 and result.n_test == m.n_test == 100
    assert m.n_train == result.n_train
    assert m.accuracy > 0.8
    assert np.trace(m.confusion) == round(m.accuracy * 100) and np.sum(m.confusion) == 100
    assert len(m.precision) == len(m.recall) == len(m.f1) == 10 and sum(m.support) == 100
    assert result.params["C"] > 0 and result.params["pixels_size"] == 7
    assert result.training_seconds > 0 and messages
    summary = json.loads(json.dumps(result.summary()))
    assert summary["metrics"]["accuracy"] == m.accuracy and summary["dataset_fingerprint"] == digits.fingerprint()


def test_the_split_is_stratified_disjoint_and_reproducible(digits):
    a_train, a_test = training.split_indices(digits.labels, test_size=0.2, seed=7)
    b_train, b_test = training.split_indices(digits.labels, test_size=0.2, seed=7)
    np.testing.assert_array_equal(a_test, b_test)
    assert not set(a_train) & set(a_test) and len(a_train) + len(a_test) == 500
    overall = np.bincount(digits.labels, minlength=10) / 500
    held_out = np.bincount(digits.labels[a_test], minlength=10) / len(a_test)
    assert np.abs(overall - held_out).max() < 0.02


def test_augmentation_touches_only_the_training_part(digits):
    seen = []

    def copy(crops, labels, n_per_sample, seed):
        seen.append(len(labels))
        return np.repeat(crops, n_per_sample, axis=0), np.repeat(labels, n_per_sample)

    sources.register_augmenter(copy)
    try:
        result = training.train("logreg", digits, params=FAST, augment=2)
    finally:
        sources.unregister_augmenter()
    assert seen == [400]
    assert result.n_train == 1200 and result.n_test == 100 and result.augment == 2


def test_augmentation_without_a_hook_and_bad_splits_raise_clear_errors(digits):
    sources.unregister_augmenter()
    with pytest.raises(sources.DataSourceError, match="no augmenter"):
        training.train("logreg", digits, params=FAST, augment=1)
    with pytest.raises(training.TrainingError, match="test_size"):
        training.train("logreg", digits, test_size=1.5)
    lonely = Dataset(np.zeros((3, 28, 28)), np.array([1, 1, 2]), "lonely")
    with pytest.raises(training.TrainingError, match="2\\+ samples"):
        training.train("logreg", lonely)


def test_evaluate_and_plot_confusion(digits, tmp_path):
    result = training.train("knn", digits, params={"hog_cell_size": 7, "pixels_size": 7, "pca_components": 20})
    metrics = training.evaluate(result.pipeline, digits)
    assert metrics.n_test == 500 and metrics.n_train is None and metrics.accuracy > 0.8
    path = tmp_path / "plots" / "cm.png"
    training.plot_confusion(metrics.confusion, path, title="knn")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    stream = io.BytesIO()
    training.plot_confusion(metrics.confusion, stream)
    assert stream.getvalue()[:4] == b"\x89PNG"
