"""Metadata writes: extract once per content, store it, strip the stored copy when asked."""

from __future__ import annotations

import logging

import numpy as np
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from digitsite.models import Upload
from metadata.extract import EXTRACTOR_VERSION, MetadataError, extract_metadata, hamming, strip_metadata
from metadata.models import ImageMetadata
from recognizer.vision import segment

logger = logging.getLogger(__name__)


def count_digit_regions(pixels: np.ndarray) -> int:
    """How many digit-like regions the recognizer's segmentation finds (no classification)."""
    return len(segment(pixels).candidates)


def metadata_get_or_extract(*, upload: Upload, refresh: bool = False) -> ImageMetadata:
    """The upload's metadata, extracted from its stored bytes only when missing or stale.

    With ``METADATA_STRIP_STORED`` on (the default) the stored copy loses its EXIF and GPS
    right after the first extraction; the facts stay in the metadata row.
    """
    record = ImageMetadata.objects.filter(upload=upload).first()
    if record is not None and record.extractor_version == EXTRACTOR_VERSION and not refresh:
        return record
    with upload.file.open("rb") as fh:
        data = fh.read()
    try:
        facts = extract_metadata(data, region_counter=count_digit_regions)
    except MetadataError as exc:  # intake accepted it, so this is a stored file gone bad
        raise ValueError(f"The stored copy of {upload} cannot be read: {exc}") from exc
    if record is not None:
        # A re-extraction of an already stripped copy has lost the camera and location
        # groups: keep the ones extracted from the original bytes.
        if record.stripped:
            for group in ("camera", "location"):
                facts[group] = record.data.get(group)
            facts["file"]["sha256"] = record.data.get("file", {}).get("sha256", facts["file"]["sha256"])
    with transaction.atomic():
        record = _save(upload=upload, facts=facts, record=record)
        if settings.METADATA_STRIP_STORED and not record.stripped and (facts.get("camera") or facts.get("location")):
            _strip_stored_copy(upload, data)
            record.stripped = True
            record.save(update_fields=["stripped"])
    return record


def _save(*, upload: Upload, facts: dict, record: ImageMetadata | None) -> ImageMetadata:
    hashes = (facts.get("file") or {}).get("hashes") or {}
    content = facts.get("content") or {}
    values = {
        "data": facts,
        "extractor_version": EXTRACTOR_VERSION,
        "has_gps": bool(facts.get("location")),
        "blurry": content.get("blurry"),
        "ahash": hashes.get("ahash") or "",
        "dhash": hashes.get("dhash") or "",
        "phash": hashes.get("phash") or "",
        "updated_at": timezone.now(),
    }
    if record is None:
        return ImageMetadata.objects.create(upload=upload, **values)
    for key, value in values.items():
        setattr(record, key, value)
    record.save()
    return record


def _strip_stored_copy(upload: Upload, data: bytes) -> None:
    stripped = strip_metadata(data)
    old_name = upload.file.name
    upload.file.save(f"stripped.{old_name.rsplit('.', 1)[-1]}", ContentFile(stripped), save=False)
    upload.save(update_fields=["file"])
    # The original (with GPS) is removed once the row points at the stripped copy.
    transaction.on_commit(lambda: upload.file.storage.delete(old_name))


def near_duplicates(record: ImageMetadata, *, max_distance: int = 6, limit: int = 12) -> list[dict]:
    """Other uploads whose perceptual hash is within ``max_distance`` bits (pHash)."""
    if not record.phash:
        return []
    found = []
    candidates = ImageMetadata.objects.exclude(pk=record.pk).exclude(phash="").select_related("upload")
    for other in candidates.only("phash", "dhash", "upload__public_id", "upload__original_name").iterator(
        chunk_size=2000
    ):
        distance = hamming(record.phash, other.phash)
        if distance <= max_distance:
            found.append({"upload": other.upload, "distance": distance})
    found.sort(key=lambda item: item["distance"])
    return found[:limit]
