"""Stored predictions: one Recognition per (upload, classifier version), one row per digit.

Reviewers' answers sit beside the predictions (``reviewed_*`` fields) and never
overwrite them; confirmed or corrected digits become the ``reviewed`` training source.
"""

from __future__ import annotations

import uuid

import numpy as np
from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from classifiers.ml.crops import CROP_SIZE


class RecognitionQuerySet(models.QuerySet):
    def stored_hashes(self, version) -> frozenset[str]:
        """The sha256 of every upload already recognised with classifier ``version``."""
        return frozenset(self.filter(classifier=version).values_list("upload__sha256", flat=True))


class Recognition(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    upload = models.ForeignKey("digitsite.Upload", on_delete=models.CASCADE, related_name="recognitions")
    classifier = models.ForeignKey(
        "classifiers.ClassifierVersion", on_delete=models.PROTECT, related_name="recognitions"
    )
    text = models.CharField(max_length=4000, blank=True)
    digit_count = models.PositiveIntegerField(default=0)
    # Null when nothing was found; the review filter "low confidence" reads min_confidence.
    mean_confidence = models.FloatField(null=True, blank=True)
    min_confidence = models.FloatField(null=True, blank=True, db_index=True)
    elapsed_ms = models.FloatField()
    warnings = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    reviewed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = RecognitionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # The same content with the same classifier version is answered from this row.
            models.UniqueConstraint(fields=["upload", "classifier"], name="one_recognition_per_upload_and_version"),
        ]

    def __str__(self) -> str:
        return f"{self.text or '∅'!r} ({self.classifier_id})"

    def get_absolute_url(self) -> str:
        return reverse("recognition-detail", kwargs={"public_id": self.public_id})

    @property
    def text_inline(self) -> str:
        """The text on one line (lines joined by " / "), for lists."""
        return " / ".join(self.lines)

    @property
    def lines(self) -> list[str]:
        return self.text.split("\n") if self.text else []


class DigitQuerySet(models.QuerySet):
    def reviewed(self) -> DigitQuerySet:
        """Digits a reviewer confirmed or corrected: the ``reviewed`` training source."""
        return self.filter(reviewed_label__isnull=False)


class Digit(models.Model):
    LABELS = [(d, str(d)) for d in range(10)]

    recognition = models.ForeignKey(Recognition, on_delete=models.CASCADE, related_name="digits")
    index = models.PositiveIntegerField(help_text="position in reading order")
    line = models.PositiveIntegerField()
    x = models.PositiveIntegerField()
    y = models.PositiveIntegerField()
    w = models.PositiveIntegerField()
    h = models.PositiveIntegerField()
    label = models.PositiveSmallIntegerField(choices=LABELS)
    confidence = models.FloatField()
    alternatives = models.JSONField(default=list)
    # The normalised 28×28 crop the classifier saw, as 784 uint8 bytes.
    crop = models.BinaryField()
    reviewed_label = models.PositiveSmallIntegerField(choices=LABELS, null=True, blank=True, db_index=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = DigitQuerySet.as_manager()

    class Meta:
        ordering = ["recognition", "index"]
        constraints = [models.UniqueConstraint(fields=["recognition", "index"], name="one_digit_per_position")]

    def __str__(self) -> str:
        return f"{self.label} @ {self.x},{self.y}"

    @property
    def box(self) -> list[int]:
        return [self.x, self.y, self.w, self.h]

    @property
    def is_corrected(self) -> bool:
        return self.reviewed_label is not None and self.reviewed_label != self.label

    def crop_array(self) -> np.ndarray:
        """The stored crop as ``(28, 28) float32`` in [0, 1], the classifiers' input format."""
        raw = np.frombuffer(bytes(self.crop), dtype=np.uint8)
        return (raw.reshape(CROP_SIZE, CROP_SIZE) / 255.0).astype(np.float32)

    @staticmethod
    def pack_crop(crop: np.ndarray) -> bytes:
        return (np.clip(crop, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8).tobytes()
