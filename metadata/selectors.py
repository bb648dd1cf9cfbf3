from __future__ import annotations

from django.urls import reverse

from metadata.models import ImageMetadata
from metadata.services import near_duplicates

LOCATION_HIDDEN = "hidden: shown to the uploader only"


def metadata_payload(record: ImageMetadata, *, show_location: bool) -> dict:
    """The API/page view of a metadata row; GPS only for the uploader."""
    data = dict(record.data)
    if not show_location and data.get("location"):
        data["location"] = LOCATION_HIDDEN
    upload = record.upload
    return {
        "upload": str(upload.public_id),
        "url": reverse("metadata-detail", args=[upload.public_id]),
        "image_url": reverse("upload-image", args=[upload.public_id]),
        "extractor_version": record.extractor_version,
        "stored_copy_stripped": record.stripped,
        "metadata": data,
        "near_duplicates": [
            {"upload": str(d["upload"].public_id), "name": str(d["upload"]), "distance": d["distance"]}
            for d in near_duplicates(record)
        ],
    }
