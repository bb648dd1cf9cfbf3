"""Writes for classifier versions: train, activate, evaluate.

Training writes the artifact first and the row second, inside one function that
removes the artifact again if the row cannot be written — so there is never a
version row without a verified artifact, nor an artifact without its row.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

from django.conf import settings
from django.db import transaction

from classifiers.ml import artifacts, registry, sources, training
from classifiers.models import ClassifierVersion
from classifiers.selectors import classifier_load, classifier_verify


def load_datasets(specs: Sequence[str], progress: Callable[[str], None] | None = None) -> sources.Dataset:
    """Load and concatenate data sources given as specs (``bundled``, ``mnist:DIR`` …).

    An empty source next to non-empty ones is skipped (e.g. ``reviewed`` before anyone
    reviewed anything); if every source is empty that is an error naming them.
    """
    if not specs:
        raise sources.DataSourceError("give at least one data source")
    loaded = [sources.load_source(spec, allow_empty=True) for spec in specs]
    kept = [d for d in loaded if len(d)]
    if not kept:
        raise sources.DataSourceError(f"every data source is empty: {', '.join(specs)}")
    for spec, dataset in zip(specs, loaded, strict=True):
        if progress is not None:
            progress(f"{spec}: {len(dataset)} digits" + (" (skipped: empty)" if not len(dataset) else ""))
    return sources.concat(kept)


def classifier_train(
    *,
    algorithm: str,
    data: Sequence[str] = ("bundled",),
    augment: int | None = None,
    test_size: float = 0.2,
    seed: int = 0,
    params: dict | None = None,
    activate: bool = False,
    progress: Callable[[str], None] | None = None,
) -> ClassifierVersion:
    registry.get(algorithm)  # fail fast on an unknown name, before loading any data
    if augment is None:  # the default recipe's copies (the default model and train_classifier alike)
        augment = settings.CLASSIFIERS_DEFAULT_AUGMENT
    if not 0.0 < test_size < 1.0:
        raise ValueError(f"test size must be between 0 and 1 (exclusive); got {test_size}")
    if augment < 0:
        raise ValueError(f"--augment must be 0 or more; got {augment}")
    dataset = load_datasets(data, progress)
    result = training.train(
        algorithm, dataset, test_size=test_size, seed=seed, params=params or {}, augment=augment, progress=progress
    )
    model_dir = Path(settings.CLASSIFIERS_MODEL_DIR)
    info = artifacts.save_pipeline(result.pipeline, model_dir, name=f"{algorithm}-{uuid.uuid4().hex[:12]}")
    try:
        with transaction.atomic():
            version = version_record(
                result=result, info=info, model_dir=model_dir, sources=dataset.counts(), test_size=test_size
            )
            if activate:
                _activate(version)
    except BaseException:
        info.path.unlink(missing_ok=True)
        raise
    return version


def version_record(
    *,
    result: training.TrainResult,
    info: artifacts.ArtifactInfo,
    model_dir: Path,
    sources: Sequence[tuple[str, int]],
    test_size: float,
    active: bool = False,
) -> ClassifierVersion:
    """The row describing a trained pipeline whose artifact ``info`` is already written and verified."""
    return ClassifierVersion.objects.create(
        algorithm=result.algorithm,
        params=result.params,
        data_sources=[{"spec": spec, "samples": n} for spec, n in sources],
        augment=result.augment,
        test_size=test_size,
        seed=result.seed,
        n_train=result.metrics.n_train,
        n_test=result.metrics.n_test,
        training_seconds=result.training_seconds,
        accuracy=result.metrics.accuracy,
        metrics=result.metrics.to_dict(),
        library_versions=info.library_versions,
        artifact_path=str(Path(info.path).relative_to(model_dir)),
        artifact_sha256=info.sha256,
        artifact_size=info.size,
        is_active=active,
    )


def classifier_activate(*, version: ClassifierVersion) -> ClassifierVersion:
    """Make ``version`` the one active classifier, after proving its artifact loads."""
    classifier_verify(version)  # raises ArtifactError for a missing or tampered file, cached or not
    with transaction.atomic():
        _activate(version)
    return version


def _activate(version: ClassifierVersion) -> None:
    ClassifierVersion.objects.select_for_update().filter(is_active=True).exclude(pk=version.pk).update(is_active=False)
    version.is_active = True
    version.save(update_fields=["is_active"])


def classifier_evaluate(*, version: ClassifierVersion, data: Sequence[str]) -> training.Metrics:
    pipeline = classifier_load(version)
    return training.evaluate(pipeline, load_datasets(data))


def ensure_default_classifier(progress: Callable[[str], None] | None = None) -> tuple[ClassifierVersion, bool]:
    """The active version, training and activating the default one first if none is active."""
    active = ClassifierVersion.objects.active()
    if active is not None:
        return active, False
    version = classifier_train(algorithm=settings.CLASSIFIERS_DEFAULT_ALGORITHM, activate=True, progress=progress)
    return version, True
