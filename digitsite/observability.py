"""Request ids, one structured log line per request, and the JSON log formatter.

- ``RequestLogMiddleware`` takes a sane incoming ``X-Request-ID`` (or makes one), returns it on
  the response, times the request and logs one line: method, path, route, status, duration_ms,
  request_id and — when a service stored or reused an upload during the request — upload_id.
- ``note_upload()`` is the hook services call to name the upload a request is about.
- ``RequestContextFilter`` puts the current request id on every log record, so any line logged
  while a request runs can be joined to its request line.
- ``JsonFormatter`` writes one JSON object per line with a fixed set of fields (never the request
  object, bodies, headers, cookies or image bytes).
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import time
import traceback
import uuid
from datetime import UTC, datetime

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from digitsite import metrics

logger = logging.getLogger("digitsite.request")

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
_upload_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("upload_id", default=None)

REQUEST_ID_HEADER = "X-Request-ID"
# Health probes run every few seconds per replica: measured in /metrics, not logged line by line.
_QUIET_PATHS = frozenset({"/healthz", "/readyz"})
_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def current_request_id() -> str | None:
    return _request_id.get()


def note_upload(public_id) -> None:
    """Remember which upload the current request works on (for its log line); no-op outside requests."""
    if _request_id.get() is not None:
        _upload_id.set(str(public_id))


def _route(request: HttpRequest) -> str:
    """A low-cardinality name for the matched URL pattern (never the raw path with ids in it)."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"
    return "/" + match.route if match.route else (match.view_name or "unmatched")


class RequestLogMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        rid_token = _request_id.set(request_id)
        upload_token = _upload_id.set(None)
        started = time.perf_counter()
        status = 500
        try:
            response = self.get_response(request)
            status = response.status_code
            response[REQUEST_ID_HEADER] = request_id
            return response
        finally:
            elapsed = time.perf_counter() - started
            route = _route(request)
            metrics.observe_request(method=request.method or "", route=route, status=status, seconds=elapsed)
            if settings.REQUEST_LOG and request.path not in _QUIET_PATHS:
                extra = {
                    "method": request.method,
                    "path": request.path,
                    "route": route,
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 2),
                }
                if _upload_id.get() is not None:
                    extra["upload_id"] = _upload_id.get()
                logger.info("%s %s %s", request.method, request.path, status, extra=extra)
            _upload_id.reset(upload_token)
            _request_id.reset(rid_token)


class RequestContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = _request_id.get() or "-"
        return True


# Fields a record may carry into the JSON line; anything else passed as `extra` is dropped.
_EXTRA_FIELDS = (
    "request_id",
    "upload_id",
    "method",
    "path",
    "route",
    "status",
    "duration_ms",
    "classifier",
    "classifier_version",
    "digits",
    "elapsed_ms",
    "load_seconds",
)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for field in _EXTRA_FIELDS:
            value = getattr(record, field, None)
            if value is not None and value != "-":
                entry[field] = value
        if record.exc_info:
            exc_type, exc, _tb = record.exc_info
            entry["exception"] = {
                "type": exc_type.__name__ if exc_type else None,
                "message": str(exc)[:1000],
                "traceback": "".join(traceback.format_exception(*record.exc_info))[-8000:],
            }
        return json.dumps(entry, default=str, ensure_ascii=False)
