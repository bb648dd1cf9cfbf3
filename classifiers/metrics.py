"""Prometheus metrics of classifier versions (exposed at /metrics, see digitsite/metrics.py)."""

from __future__ import annotations

from prometheus_client import Histogram

LOAD_SECONDS = Histogram(
    "digitsite_classifier_load_seconds",
    "Time to load and verify a classifier artifact into a worker's cache.",
    ["classifier"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)


def record_load(*, algorithm: str, seconds: float) -> None:
    LOAD_SECONDS.labels(classifier=algorithm).observe(seconds)
