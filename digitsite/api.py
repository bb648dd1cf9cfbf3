"""The versioned JSON API (/api/v1/): one NinjaAPI that every app adds its router to.

Errors always have the shape ``{"error": {"code": ..., "message": ...}}`` with the
status intake chose (400/413/415), 404 for unknown ids and 429 when throttled.
"""

from __future__ import annotations

import json
import uuid

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from ninja.throttling import AnonRateThrottle, AuthRateThrottle

from digitsite import intake
from digitsite.models import Upload


class ErrorBody(Schema):
    code: str
    message: str


class ErrorOut(Schema):
    error: ErrorBody


ERRORS = {400: ErrorOut, 404: ErrorOut, 413: ErrorOut, 415: ErrorOut, 429: ErrorOut}

api = NinjaAPI(
    title="digitsite API",
    version="1",
    description="Read handwritten numbers from images, preview augmentations and inspect image metadata.",
    urls_namespace="api-v1",
    docs_url="/docs",
    openapi_url="/openapi.json",
    throttle=[AnonRateThrottle(settings.API_THROTTLE_ANON), AuthRateThrottle(settings.API_THROTTLE_USER)],
)


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def error_response(request: HttpRequest, status: int, code: str, message: str) -> HttpResponse:
    return api.create_response(request, {"error": {"code": code, "message": message}}, status=status)


@api.exception_handler(ApiError)
def _api_error(request, exc: ApiError):
    return error_response(request, exc.status, exc.code, exc.message)


@api.exception_handler(intake.IntakeError)
def _intake_error(request, exc: intake.IntakeError):
    return error_response(request, exc.status, exc.code, exc.message)


@api.exception_handler(ValidationError)
def _validation_error(request, exc: ValidationError):
    parts = []
    for err in exc.errors:
        where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "form"))
        parts.append(f"{where}: {err.get('msg')}" if where else str(err.get("msg")))
    return error_response(request, 400, "invalid", "; ".join(parts) or "Invalid request.")


@api.exception_handler(Http404)
def _not_found(request, exc):
    return error_response(request, 404, "not_found", str(exc) or "Not found.")


@api.exception_handler(Throttled)
def _throttled(request, exc: Throttled):
    response = error_response(request, 429, "throttled", "Too many requests; slow down and retry later.")
    if getattr(exc, "wait", None):
        response["Retry-After"] = str(int(exc.wait) + 1)
    return response


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return error_response(request, 401, "unauthenticated", "Authentication required.")


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    return error_response(request, exc.status_code, "error", str(exc))


# Multipart (file or url) and JSON (url or upload id) request bodies, for the OpenAPI schema.
def image_request_body(extra: dict | None = None) -> dict:
    extra = extra or {}
    multipart = {
        "type": "object",
        "properties": {
            "image": {"type": "string", "format": "binary", "description": "JPEG, PNG, WebP, BMP, TIFF or GIF"},
            "url": {"type": "string", "format": "uri", "description": "a public http(s) image address"},
            "upload": {"type": "string", "format": "uuid", "description": "id of a stored upload"},
            **extra,
        },
    }
    as_json = {"type": "object", "properties": {k: v for k, v in multipart["properties"].items() if k != "image"}}
    return {
        "requestBody": {
            "required": True,
            "content": {"multipart/form-data": {"schema": multipart}, "application/json": {"schema": as_json}},
        }
    }


def request_fields(request: HttpRequest) -> dict:
    """Form fields or a JSON object, whichever the client sent."""
    if request.content_type == "application/json":
        try:
            body = json.loads(request.body or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise ApiError(400, "invalid_json", "The request body is not valid JSON.") from None
        if not isinstance(body, dict):
            raise ApiError(400, "invalid_json", "The request body must be a JSON object.")
        return body
    return request.POST.dict()


def image_from_request(request: HttpRequest, fields: dict, *, allow_upload: bool = True):
    """Return ``(intake_image, None, original_name)`` or ``(None, upload, name)`` — exactly one source."""
    given = [k for k in ("image", "url", "upload") if (request.FILES.get(k) if k == "image" else fields.get(k))]
    if len(given) != 1:
        choices = "an `image` file, a `url`" + (" or an `upload` id" if allow_upload else "")
        raise ApiError(400, "missing_image", f"Send exactly one of {choices}.")
    source = given[0]
    if source == "image":
        upload_file = request.FILES["image"]
        return intake.read_file(upload_file), None, upload_file.name or ""
    if source == "url":
        url = str(fields["url"]).strip()
        return intake.read_url(url), None, url.rsplit("/", 1)[-1].split("?", 1)[0]
    if not allow_upload:
        raise ApiError(400, "invalid", "This endpoint does not take an upload id.")
    try:
        upload = Upload.objects.get(public_id=uuid.UUID(str(fields["upload"])))
    except (ValueError, Upload.DoesNotExist):
        raise ApiError(404, "not_found", f"No upload {fields['upload']}.") from None
    return None, upload, upload.original_name
