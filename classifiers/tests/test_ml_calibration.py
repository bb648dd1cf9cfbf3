"""The stacked logistic calibration used by the svm classifier."""

from __future__ import annotations

import io

import joblib
import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.svm import SVC

from classifiers.ml.calibration import LogisticCalibration


@pytest.fixture(scope="module")
def digits():
    data = load_digits()
    return data.data[:600] / 16.0, data.target[:600], data.data[600:900] / 16.0, data.target[600:900]


def test_probabilities_are_rows_that_agree_with_predict(digits):
    X, y, X_test, y_test = digits
    model = LogisticCalibration(SVC(decision_function_shape="ovo"), cv=3).fit(X, y)
    proba = model.predict_proba(X_test)
    assert proba.shape == (len(X_test), 10) and model.classes_.tolist() == list(range(10))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(model.predict(X_test), model.classes_[proba.argmax(axis=1)])
    assert model.decision_function(X_test).shape == (len(X_test), 45)  # one-vs-one margins
    assert (model.predict(X_test) == y_test).mean() > 0.9
    # Confident answers are right more often than unsure ones: the point of calibrating.
    confident = proba.max(axis=1) >= 0.9
    assert confident.mean() > 0.5
    assert (model.predict(X_test)[confident] == y_test[confident]).mean() > 0.97


def test_it_round_trips_through_joblib_and_rejects_a_single_fold(digits):
    X, y, X_test, _ = digits
    model = LogisticCalibration(SVC(decision_function_shape="ovo"), cv=2, seed=1).fit(X, y)
    buffer = io.BytesIO()
    joblib.dump(model, buffer)
    buffer.seek(0)
    clone = joblib.load(buffer)
    np.testing.assert_array_equal(clone.predict_proba(X_test), model.predict_proba(X_test))
    with pytest.raises(ValueError, match="cv must be >= 2"):
        LogisticCalibration(SVC(), cv=1).fit(X, y)


def test_rbf_margins_equal_libsvm_and_are_not_pickled(digits):
    from classifiers.ml.rbf import RBFMargins

    X, y, X_test, _ = digits
    svc = SVC(decision_function_shape="ovo", C=3.0).fit(X, y)
    assert RBFMargins.supports(svc)
    margins = RBFMargins(svc)
    # More rows than one kernel block, so the blocks are stitched together too.
    rows = np.concatenate([X_test, X_test])
    # Single precision: the margins agree to ~1e-6 (they range over ±several).
    np.testing.assert_allclose(margins(rows), svc.decision_function(rows), rtol=0, atol=1e-4)
    assert margins(rows[:0]).shape == (0, 45)
    assert not RBFMargins.supports(SVC(kernel="linear", decision_function_shape="ovo").fit(X, y))
    assert not RBFMargins.supports(SVC(decision_function_shape="ovr").fit(X, y))
    assert not RBFMargins.supports(SVC().fit(X[y < 2], y[y < 2]))  # binary: one signed margin
    with pytest.raises(ValueError, match="rbf"):
        RBFMargins(SVC(kernel="poly", decision_function_shape="ovo").fit(X, y))

    model = LogisticCalibration(SVC(decision_function_shape="ovo"), cv=2).fit(X, y)
    expected = model.calibrator_.predict_proba(model.estimator_.decision_function(X_test))
    np.testing.assert_allclose(model.predict_proba(X_test), expected, rtol=0, atol=1e-5)
    buffer = io.BytesIO()
    joblib.dump(model, buffer)
    assert b"RBFMargins" not in buffer.getvalue()  # the cache is rebuilt after loading
    buffer.seek(0)
    np.testing.assert_allclose(joblib.load(buffer).predict_proba(X_test), expected, rtol=0, atol=1e-5)
