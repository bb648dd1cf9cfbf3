"""Prometheus metrics of recognitions (exposed at /metrics, see digitsite/metrics.py).

Recorded once per newly computed recognition (a repeat of the same image with the same
classifier version is served from the database and not counted again). The low-confidence
rate is ``digitsite_recognitions_low_confidence_total / digitsite_recognitions_total``, using
the same threshold as the review admin (``REVIEW_LOW_CONFIDENCE``); images where no digit
was found show up in the ``le="0"`` bucket of ``digitsite_recognition_digits``.
"""

from __future__ import annotations

from django.conf import settings
from prometheus_client import Counter, Histogram

RECOGNITIONS = Counter(
    "digitsite_recognitions",
    "Recognitions computed, by classifier algorithm.",
    ["classifier"],
)
LOW_CONFIDENCE = Counter(
    "digitsite_recognitions_low_confidence",
    "Recognitions whose least confident digit is below REVIEW_LOW_CONFIDENCE.",
    ["classifier"],
)
DIGITS = Histogram(
    "digitsite_recognition_digits",
    "Digits found per image.",
    ["classifier"],
    buckets=(0, 1, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 50, 100),
)
SECONDS = Histogram(
    "digitsite_recognition_seconds",
    "Time spent in the vision pipeline per recognition.",
    ["classifier"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)


def record_recognition(*, algorithm: str, digit_count: int, min_confidence: float | None, elapsed_ms: float) -> None:
    RECOGNITIONS.labels(classifier=algorithm).inc()
    DIGITS.labels(classifier=algorithm).observe(digit_count)
    SECONDS.labels(classifier=algorithm).observe(max(elapsed_ms, 0.0) / 1000)
    if min_confidence is not None and min_confidence < settings.REVIEW_LOW_CONFIDENCE:
        LOW_CONFIDENCE.labels(classifier=algorithm).inc()
