"""Probes and metrics for orchestration: ``/healthz``, ``/readyz`` and ``/metrics``.

They are answered by ``ProbeMiddleware`` before host validation and the HTTPS redirect, so a
container health check or a Prometheus scraper can reach them on ``127.0.0.1:8000`` or the
service name without a public host name or TLS. None of them builds URLs from the Host header.

- ``/healthz``: the process is alive and serving (no database, nothing else).
- ``/readyz``: the database answers and every registered readiness check passes (the
  classifiers app registers "the active classifier loads"); 503 with the failing checks otherwise.
- ``/metrics``: Prometheus text exposition; needs ``Authorization: Bearer $METRICS_TOKEN``
  when that setting is non-empty.

A higher layer adds a readiness check with ``register_readiness_check(name, func)``; ``func``
returns ``None`` when ready or a short reason (never a secret) when not.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse

from digitsite import metrics

logger = logging.getLogger("digitsite.health")

ReadinessCheck = Callable[[], str | None]
_checks: dict[str, ReadinessCheck] = {}


def register_readiness_check(name: str, check: ReadinessCheck) -> None:
    _checks[name] = check


def _database() -> str | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return None


def readiness() -> tuple[bool, dict[str, str]]:
    results: dict[str, str] = {}
    for name, check in [("database", _database), *_checks.items()]:
        try:
            problem = check()
        except Exception as exc:  # noqa: BLE001 - a probe reports every failure as "not ready"
            logger.warning("readiness check %s failed: %s", name, type(exc).__name__)
            problem = f"{type(exc).__name__}"
        results[name] = "ok" if problem is None else problem
        if problem is not None and name == "database":
            break  # the other checks need the database too
    return all(v == "ok" for v in results.values()) and "database" in results, results


def healthz(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> HttpResponse:
    ready, checks = readiness()
    return JsonResponse({"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503)


def metrics_view(request: HttpRequest) -> HttpResponse:
    token = settings.METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            response = HttpResponse(json.dumps({"error": "unauthorized"}), status=401, content_type="application/json")
            response["WWW-Authenticate"] = "Bearer"
            return response
    body, content_type = metrics.exposition()
    return HttpResponse(body, content_type=content_type)


PROBES = {"/healthz": healthz, "/readyz": readyz, "/metrics": metrics_view}


class ProbeMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        view = PROBES.get(request.path)
        if view is None:
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            return HttpResponse(status=405, headers={"Allow": "GET, HEAD"})
        response = view(request)
        response["Cache-Control"] = "no-store"
        return response
