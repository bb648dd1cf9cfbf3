"""Artifacts: atomic save, sha256 and library-version checks before unpickling."""

from __future__ import annotations

import warnings

import joblib
import numpy as np
import pytest
from sklearn.exceptions import InconsistentVersionWarning
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from classifiers.ml import artifacts
from classifiers.ml.artifacts import ArtifactError, library_versions, load_pipeline, save_pipeline
from classifiers.ml.features import Pixels


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.default_rng(0)
    x = rng.random((40, 28, 28)).astype(np.float32)
    y = np.arange(40) % 4
    return Pipeline([("pixels", Pixels(7)), ("clf", LogisticRegression(max_iter=200))]).fit(x, y), x


def test_a_saved_pipeline_loads_back_and_predicts_the_same(tmp_path, fitted):
    pipeline, x = fitted
    info = save_pipeline(pipeline, tmp_path / "models", name="svm-1")
    assert info.path == tmp_path / "models" / "svm-1.joblib"
    assert info.size == info.path.stat().st_size and info.sha256 == artifacts.file_sha256(info.path)
    assert info.library_versions["scikit-learn"] == library_versions()["scikit-learn"]
    loaded = load_pipeline(info.path, sha256=info.sha256, library_versions=info.library_versions)
    np.testing.assert_array_equal(loaded.predict_proba(x), pipeline.predict_proba(x))
    assert sorted(p.name for p in (tmp_path / "models").iterdir()) == ["svm-1.joblib"]  # no temp left


def test_a_tampered_artifact_is_refused_before_unpickling(tmp_path, fitted, monkeypatch):
    info = save_pipeline(fitted[0], tmp_path, name="m")
    with open(info.path, "ab") as fh:
        fh.write(b"\0")
    monkeypatch.setattr(joblib, "load", lambda *a, **k: pytest.fail("unpickled a tampered file"))
    with pytest.raises(ArtifactError, match="sha256"):
        load_pipeline(info.path, sha256=info.sha256, library_versions=info.library_versions)


@pytest.mark.parametrize("dist", ["scikit-learn", "numpy", "joblib", "python"])
def test_other_library_versions_are_refused(tmp_path, fitted, dist):
    info = save_pipeline(fitted[0], tmp_path, name="m")
    versions = {**info.library_versions, dist: "0.0.1"}
    with pytest.raises(ArtifactError, match=f"{dist} 0.0.1"):
        load_pipeline(info.path, sha256=info.sha256, library_versions=versions)
    missing = {k: v for k, v in info.library_versions.items() if k != dist}
    with pytest.raises(ArtifactError, match="not recorded"):
        load_pipeline(info.path, sha256=info.sha256, library_versions=missing)


def test_an_inconsistent_version_warning_becomes_an_error(tmp_path, fitted, monkeypatch):
    info = save_pipeline(fitted[0], tmp_path, name="m")

    def warn_then_load(path):
        warnings.warn(
            InconsistentVersionWarning(estimator_name="SVC", current_sklearn_version="9", original_sklearn_version="1"),
            stacklevel=2,
        )
        return fitted[0]

    monkeypatch.setattr(artifacts.joblib, "load", warn_then_load)
    with pytest.raises(ArtifactError, match="SVC"):
        load_pipeline(info.path, sha256=info.sha256, library_versions=info.library_versions)


def test_missing_files_non_pipelines_and_bad_names_are_refused(tmp_path):
    with pytest.raises(ArtifactError, match="does not exist"):
        load_pipeline(tmp_path / "none.joblib", sha256="0" * 64, library_versions=library_versions())
    path = tmp_path / "dict.joblib"
    joblib.dump({"not": "a pipeline"}, path)
    with pytest.raises(ArtifactError, match="not a Pipeline"):
        load_pipeline(path, sha256=artifacts.file_sha256(path), library_versions=library_versions())
    with pytest.raises(ArtifactError, match="artifact name"):
        save_pipeline(Pipeline([("p", Pixels())]), tmp_path, name="../escape")


def test_a_failed_save_leaves_the_previous_artifact_and_no_temp_file(tmp_path, fitted, monkeypatch):
    first = save_pipeline(fitted[0], tmp_path, name="m")
    before = first.path.read_bytes()

    def crash(obj, fh, **kwargs):
        fh.write(b"partial")
        raise RuntimeError("disk full")

    monkeypatch.setattr(artifacts.joblib, "dump", crash)
    with pytest.raises(RuntimeError, match="disk full"):
        save_pipeline(fitted[0], tmp_path, name="m")
    assert first.path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.joblib"]
