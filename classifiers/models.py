"""Trained classifier versions: one row per artifact, at most one active."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone


class ClassifierVersionQuerySet(models.QuerySet):
    def active(self) -> ClassifierVersion | None:
        return self.filter(is_active=True).first()


class ClassifierVersion(models.Model):
    algorithm = models.CharField(max_length=40, db_index=True)
    params = models.JSONField(default=dict, blank=True)
    # [{"spec": "bundled", "samples": 5000}, ...] — what it was trained on, with counts.
    data_sources = models.JSONField(default=list)
    augment = models.PositiveIntegerField(default=0, help_text="extra augmented samples per training sample")
    test_size = models.FloatField()
    seed = models.IntegerField()
    n_train = models.PositiveIntegerField()
    n_test = models.PositiveIntegerField()
    training_seconds = models.FloatField()
    accuracy = models.FloatField(help_text="held-out accuracy, 0–1")
    # {"per_class": {"0": {"precision": .., "recall": .., "f1": .., "support": ..}}, "confusion": [[..]]}
    metrics = models.JSONField(default=dict)
    library_versions = models.JSONField(default=dict)
    artifact_path = models.CharField(max_length=500, help_text="relative to CLASSIFIERS_MODEL_DIR")
    artifact_sha256 = models.CharField(max_length=64)
    artifact_size = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    is_active = models.BooleanField(default=False)

    objects = ClassifierVersionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["is_active"], condition=Q(is_active=True), name="one_active_classifier"),
        ]

    def __str__(self) -> str:
        return f"{self.algorithm} v{self.pk}"

    @property
    def confusion(self) -> list[list[int]]:
        return self.metrics.get("confusion", [])

    def summary(self) -> dict:
        """JSON-able description used by commands and the API."""
        return {
            "id": self.pk,
            "algorithm": self.algorithm,
            "active": self.is_active,
            "accuracy": self.accuracy,
            "n_train": self.n_train,
            "n_test": self.n_test,
            "data_sources": self.data_sources,
            "augment": self.augment,
            "params": self.params,
            "training_seconds": round(self.training_seconds, 2),
            "artifact_sha256": self.artifact_sha256,
            "artifact_size": self.artifact_size,
            "library_versions": self.library_versions,
            "created_at": self.created_at.isoformat(),
        }
