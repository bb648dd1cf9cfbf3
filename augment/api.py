from __future__ import annotations

import json
from urllib.parse import urlencode

from django.http import HttpRequest
from django.urls import reverse
from ninja import Router, Status

from augment.models import AugmentationPreview
from augment.services import MAX_SAMPLES, preview_get_or_create
from augment.spec import SpecError
from digitsite.api import ERRORS, ApiError, image_from_request, image_request_body, request_fields
from digitsite.services import upload_create

router = Router(tags=["augmentations"])

EXTRA = {
    "spec": {"type": "string", "description": 'JSON spec, e.g. {"ops": [{"op": "rotate", "strength": 0.5}]}'},
    "seed": {"type": "integer", "minimum": 0, "default": 0},
    "n": {"type": "integer", "minimum": 1, "maximum": MAX_SAMPLES, "default": 8},
}


def _int(fields: dict, name: str, default: int) -> int:
    value = fields.get(name, default)
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ApiError(400, "invalid", f"{name} must be a whole number; got {value!r}") from None


@router.post(
    "",
    response={200: dict, 201: dict, **ERRORS},
    openapi_extra=image_request_body(EXTRA),
    summary="Augmented samples of an image (stored; the same upload, spec, seed and n are served again)",
)
def augmentation_create(request: HttpRequest):
    fields = request_fields(request)
    seed, n = _int(fields, "seed", 0), _int(fields, "n", 8)
    spec = fields.get("spec")
    if spec is None:
        raise ApiError(400, "missing_spec", 'Send a `spec`, e.g. {"ops": [{"op": "rotate"}]}.')
    image, upload, name = image_from_request(request, fields)
    if upload is None:
        upload = upload_create(image=image, original_name=name, user=request.user).upload
    before = AugmentationPreview.objects.filter(upload=upload).count()
    try:
        made = preview_get_or_create(upload=upload, spec=spec, seed=seed, n=n)
    except (SpecError, ValueError) as exc:
        raise ApiError(400, "invalid_spec", str(exc)) from None
    created = AugmentationPreview.objects.filter(upload=upload).count() > before
    return Status(201 if created else 200, preview_payload(request, made))


def preview_payload(request: HttpRequest, made: AugmentationPreview) -> dict:
    query = urlencode({"spec": _compact(made.spec), "seed": made.seed, "n": made.n})
    return {
        "id": made.pk,
        "upload": str(made.upload.public_id),
        "spec": made.spec,
        "digest": made.spec_digest,
        "seed": made.seed,
        "n": made.n,
        "samples": [
            {"index": i, "url": request.build_absolute_uri(reverse("augment-sample", args=[made.pk, i]))}
            for i in range(made.n)
        ],
        "model_view": made.model_view,
        "classifier_version": made.classifier_id,
        "permalink": request.build_absolute_uri(f"{reverse('augment-preview', args=[made.upload.public_id])}?{query}"),
    }


def _compact(spec: dict) -> str:
    return json.dumps(spec, sort_keys=True, separators=(",", ":"))
