"""System checks: `manage.py check` reports a missing or mismatched active classifier."""

from __future__ import annotations

from django.core.checks import Error, Warning, register
from django.db import DatabaseError

from classifiers.ml.artifacts import ArtifactError, file_sha256, library_versions


@register("classifiers")
def active_classifier_check(app_configs=None, **kwargs) -> list:
    from classifiers.models import ClassifierVersion
    from classifiers.selectors import artifact_path

    try:
        active = ClassifierVersion.objects.active()
    except DatabaseError:  # not migrated yet: `migrate` itself runs the checks
        return []
    if active is None:
        return [
            Warning(
                "No classifier is active, so nothing can be recognised.",
                hint="Run `python manage.py train_classifier --activate` (make run does this on first start).",
                id="classifiers.W001",
            )
        ]
    path = artifact_path(active)
    if not path.is_file():
        return [Error(f"The active classifier's artifact is missing: {path}", obj=active, id="classifiers.E001")]
    try:
        digest = file_sha256(path)
    except (OSError, ArtifactError) as exc:
        return [Error(f"The active classifier's artifact cannot be read: {exc}", obj=active, id="classifiers.E001")]
    if digest != active.artifact_sha256:
        return [
            Error(
                f"The active classifier's artifact {path} does not match its recorded sha256.",
                hint="The file was changed or replaced; retrain or activate another version.",
                obj=active,
                id="classifiers.E002",
            )
        ]
    current = library_versions()
    mismatched = {k: (v, current.get(k)) for k, v in active.library_versions.items() if current.get(k) != v}
    if mismatched:
        detail = ", ".join(f"{k} {was} → {now}" for k, (was, now) in mismatched.items())
        return [
            Error(
                f"The active classifier was trained with other library versions ({detail}).",
                hint="Retrain it with `python manage.py train_classifier --activate`.",
                obj=active,
                id="classifiers.E003",
            )
        ]
    return []
