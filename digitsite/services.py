"""Writes for the shared Upload model."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction

from digitsite.intake import IntakeImage
from digitsite.models import Upload
from digitsite.observability import note_upload


@dataclass(frozen=True)
class UploadResult:
    upload: Upload
    created: bool


def upload_create(*, image: IntakeImage, original_name: str = "", user: AbstractBaseUser | None = None) -> UploadResult:
    """Store a validated image, or return the existing Upload holding the same bytes.

    The same content uploaded twice is recognised by its sha256 and stored once.
    If the database write fails the stored file is removed again, so a failure
    never leaves an orphan file behind.
    """
    existing = Upload.objects.with_content(image.sha256).first()
    if existing is not None:
        note_upload(existing.public_id)
        return UploadResult(existing, created=False)
    name = (original_name or "").replace("\\", "/").rsplit("/", 1)[-1][:255]
    upload = Upload(
        original_name=name,
        sha256=image.sha256,
        size=image.size,
        width=image.width,
        height=image.height,
        format=image.format,
        mime_type=image.mime_type,
        source=image.source[:2048],
        uploaded_by=user if user is not None and user.is_authenticated else None,
    )
    upload.file.save(f"upload.{image.extension}", ContentFile(image.data), save=False)
    try:
        with transaction.atomic():
            upload.full_clean(exclude=["file"])
            upload.save()
    except IntegrityError:
        # Another request stored the same content in the meantime: use that row.
        upload.file.delete(save=False)
        existing = Upload.objects.with_content(image.sha256).get()
        note_upload(existing.public_id)
        return UploadResult(existing, created=False)
    except Exception:
        upload.file.delete(save=False)
        raise
    note_upload(upload.public_id)  # names the upload in this request's log line
    return UploadResult(upload, created=True)
