"""Reads for classifier versions, and the per-process cache of loaded pipelines."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from django.conf import settings
from sklearn.pipeline import Pipeline

from classifiers import metrics
from classifiers.ml import artifacts
from classifiers.models import ClassifierVersion

_lock = threading.Lock()
_cache: dict[tuple[int, str, str], Pipeline] = {}


def artifact_path(version: ClassifierVersion) -> Path:
    return Path(settings.CLASSIFIERS_MODEL_DIR) / version.artifact_path


def classifier_load(version: ClassifierVersion) -> Pipeline:
    """The version's Pipeline, loaded (and sha256/library-verified) once per process."""
    key = (version.pk, version.artifact_path, version.artifact_sha256)
    pipeline = _cache.get(key)
    if pipeline is not None:
        return pipeline
    with _lock:
        if key not in _cache:
            started = time.perf_counter()
            _cache[key] = classifier_verify(version)
            metrics.record_load(algorithm=version.algorithm, seconds=time.perf_counter() - started)
        return _cache[key]


def classifier_verify(version: ClassifierVersion) -> Pipeline:
    """Load the artifact afresh (sha256 and library checks), bypassing the cache."""
    return artifacts.load_pipeline(
        artifact_path(version), sha256=version.artifact_sha256, library_versions=version.library_versions
    )


def classifier_get(*, version_id: int | None = None, algorithm: str | None = None) -> ClassifierVersion | None:
    """A version by id; else the newest of an algorithm (the active one if it is that algorithm); else the active one.

    Reading the active row on every call (one indexed query) is what lets every
    process notice an activation made elsewhere; loading stays cached per version.
    """
    versions = ClassifierVersion.objects.all()
    if version_id is not None:
        return versions.filter(pk=version_id).first()
    if algorithm is not None:
        return versions.filter(algorithm=algorithm).order_by("-is_active", "-created_at", "-pk").first()
    return versions.active()


def clear_cache() -> None:
    with _lock:
        _cache.clear()
