"""The shared Upload model: one row per distinct image content, used by every tool."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone


def upload_path(instance: Upload, filename: str) -> str:
    """Random stored name (the original is kept in ``original_name``)."""
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"uploads/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{ext}"


class UploadQuerySet(models.QuerySet):
    def with_content(self, sha256: str) -> UploadQuerySet:
        return self.filter(sha256=sha256)


class Upload(models.Model):
    SOURCE_FILE = "file"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    file = models.FileField(upload_to=upload_path)
    original_name = models.CharField(max_length=255, blank=True)
    # One row per content: the services reuse the row when the same bytes arrive again.
    sha256 = models.CharField(max_length=64, unique=True)
    size = models.PositiveBigIntegerField(help_text="bytes")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    format = models.CharField(max_length=10)
    mime_type = models.CharField(max_length=40)
    source = models.CharField(max_length=2048, default=SOURCE_FILE, help_text="'file' or the URL it came from")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="uploads"
    )

    objects = UploadQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.original_name or str(self.public_id)

    def get_absolute_url(self) -> str:
        return reverse("upload-detail", kwargs={"public_id": self.public_id})
