from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Status

from digitsite.api import ERRORS, image_from_request, image_request_body, request_fields
from digitsite.models import Upload
from digitsite.ownership import owns_upload
from digitsite.services import upload_create
from metadata.selectors import metadata_payload
from metadata.services import metadata_get_or_extract

router = Router(tags=["metadata"])


@router.post(
    "",
    response={200: dict, 201: dict, **ERRORS},
    openapi_extra=image_request_body(),
    summary="Extract an image's metadata (stored; repeated content is answered from the database)",
)
def metadata_create(request: HttpRequest):
    image, upload, name = image_from_request(request, request_fields(request))
    created = False
    if upload is None:
        result = upload_create(image=image, original_name=name, user=request.user)
        upload, created = result.upload, result.created
        owner = True  # the caller sent these very bytes
    else:
        owner = owns_upload(request, upload)
    record = metadata_get_or_extract(upload=upload)
    return Status(201 if created else 200, metadata_payload(record, show_location=owner))


@router.get("/{uuid:upload_id}", response={200: dict, **ERRORS}, summary="Stored metadata of an upload")
def metadata_detail(request: HttpRequest, upload_id):
    upload = get_object_or_404(Upload, public_id=upload_id)
    record = metadata_get_or_extract(upload=upload)
    return Status(200, metadata_payload(record, show_location=owns_upload(request, upload)))
