"""Stored augmentation previews: derived images of an Upload, keyed by (upload, spec, seed, n)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class AugmentationPreview(models.Model):
    upload = models.ForeignKey("digitsite.Upload", on_delete=models.CASCADE, related_name="augmentations")
    spec = models.JSONField(help_text="canonical spec, every default written out")
    spec_digest = models.CharField(max_length=64)
    seed = models.PositiveIntegerField()
    n = models.PositiveSmallIntegerField()
    # Stored sample file names (in MEDIA storage), in sample order.
    files = models.JSONField(default=list)
    # "As the model sees it": per sample, the recognised text and digit crops (data URIs) with predictions.
    model_view = models.JSONField(null=True, blank=True)
    classifier = models.ForeignKey(
        "classifiers.ClassifierVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["upload", "spec_digest", "seed", "n"], name="one_preview_per_spec"),
        ]

    def __str__(self) -> str:
        return f"{self.n} samples of {self.upload} (seed {self.seed})"
