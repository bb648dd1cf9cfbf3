"""Prometheus metrics: the shared exposition and the HTTP request metric.

Each app defines its own metrics beside the code that records them (``classifiers/metrics.py``,
``recognizer/metrics.py``); all use prometheus-client's default registry. Under gunicorn with
several workers, set ``PROMETHEUS_MULTIPROC_DIR`` (the container does): every worker then writes
its samples to files there and ``/metrics`` adds them up across workers, whichever worker answers.
Without it (``make run``, tests) the metrics are those of the one process.
"""

from __future__ import annotations

import os

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Histogram, generate_latest, multiprocess

REQUEST_SECONDS = Histogram(
    "digitsite_http_request_duration_seconds",
    "Time to answer an HTTP request, by method, URL pattern and status.",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)


def observe_request(*, method: str, route: str, status: int, seconds: float) -> None:
    REQUEST_SECONDS.labels(method=method, route=route, status=str(status)).observe(seconds)


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or os.environ.get("prometheus_multiproc_dir") or None


def exposition() -> tuple[bytes, str]:
    """The text exposition of every metric (summed over workers in multiprocess mode)."""
    if multiprocess_dir():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
