from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Status

from classifiers.ml.artifacts import ArtifactError
from digitsite.api import ERRORS, ApiError, image_from_request, image_request_body, request_fields
from digitsite.intake import read_image
from recognizer.models import Recognition
from recognizer.services import NoClassifier, classifier_resolve, recognition_create, recognition_payload

router = Router(tags=["recognitions"])

EXTRA = {
    "classifier": {
        "type": "string",
        "description": "an algorithm name (its newest version) or a version id; default: the active classifier",
    }
}


def _version(value):
    if value in (None, ""):
        return classifier_resolve()
    text = str(value).strip()
    if text.isdigit():
        return classifier_resolve(version_id=int(text))
    return classifier_resolve(algorithm=text)


def _payload(request: HttpRequest, recognition: Recognition) -> dict:
    return {
        "id": str(recognition.public_id),
        "url": request.build_absolute_uri(recognition.get_absolute_url()),
        "upload": str(recognition.upload.public_id),
        **recognition_payload(recognition),
    }


@router.post(
    "",
    response={200: dict, 201: dict, **ERRORS, 503: dict},
    openapi_extra=image_request_body(EXTRA),
    summary="Read the numbers in an image (multipart `image`, or `url`, or a stored `upload` id)",
)
def recognition_create_view(request: HttpRequest):
    fields = request_fields(request)
    try:
        version = _version(fields.get("classifier"))
    except NoClassifier as exc:
        code = 404 if fields.get("classifier") else 503
        raise ApiError(code, "no_classifier", str(exc)) from None
    image, upload, name = image_from_request(request, fields)
    if upload is not None:
        with upload.file.open("rb") as fh:
            image = read_image(fh.read())
    try:
        stored = recognition_create(image=image, version=version, original_name=name, user=request.user)
    except ArtifactError as exc:
        raise ApiError(503, "classifier_unavailable", str(exc)) from None
    return Status(201 if stored.created else 200, _payload(request, stored.recognition))


@router.get("/{uuid:recognition_id}", response={200: dict, **ERRORS}, summary="A stored recognition")
def recognition_detail(request: HttpRequest, recognition_id):
    recognition = get_object_or_404(
        Recognition.objects.select_related("upload", "classifier"), public_id=recognition_id
    )
    return Status(200, _payload(request, recognition))
