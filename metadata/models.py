"""Extracted metadata, one row per Upload, tagged with the extractor version that made it."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class ImageMetadataQuerySet(models.QuerySet):
    def stale(self, current_version: int) -> ImageMetadataQuerySet:
        """Rows made by an older extractor; `refresh_metadata` recomputes them."""
        return self.exclude(extractor_version=current_version)


class ImageMetadata(models.Model):
    upload = models.OneToOneField("digitsite.Upload", on_delete=models.CASCADE, related_name="metadata")
    data = models.JSONField()
    extractor_version = models.PositiveIntegerField(db_index=True)
    # Denormalised from ``data`` for the admin's filters and hash search.
    has_gps = models.BooleanField(default=False, db_index=True)
    blurry = models.BooleanField(null=True, db_index=True)
    ahash = models.CharField(max_length=16, blank=True, db_index=True)
    dhash = models.CharField(max_length=16, blank=True, db_index=True)
    phash = models.CharField(max_length=16, blank=True, db_index=True)
    stripped = models.BooleanField(default=False, help_text="EXIF/GPS removed from the stored copy")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = ImageMetadataQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "image metadata"

    def __str__(self) -> str:
        return f"metadata of {self.upload}"
