"""Prometheus metrics recorded where recognitions are made and classifiers are loaded."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from prometheus_client import REGISTRY

from classifiers.selectors import clear_cache
from recognizer.tests.conftest import number_image

pytestmark = pytest.mark.django_db


def value(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_a_recognition_is_counted_with_its_digits_and_confidence(client, settings, active_version, bundled_model):
    clear_cache()
    settings.REVIEW_LOW_CONFIDENCE = 1.01  # every digit counts as low-confidence
    before = {
        "recognitions": value("digitsite_recognitions_total", classifier="logreg"),
        "low": value("digitsite_recognitions_low_confidence_total", classifier="logreg"),
        "digits": value("digitsite_recognition_digits_sum", classifier="logreg"),
        "loads": value("digitsite_classifier_load_seconds_count", classifier="logreg"),
    }
    png = number_image(bundled_model[3], "7041")
    response = client.post("/api/v1/recognitions", {"image": SimpleUploadedFile("n.png", png)})
    assert response.status_code == 201
    # The same image again is served from the database: not a new recognition.
    assert client.post("/api/v1/recognitions", {"image": SimpleUploadedFile("n.png", png)}).status_code == 200

    assert value("digitsite_recognitions_total", classifier="logreg") == before["recognitions"] + 1
    assert value("digitsite_recognitions_low_confidence_total", classifier="logreg") == before["low"] + 1
    assert value("digitsite_recognition_digits_sum", classifier="logreg") == before["digits"] + 4
    assert value("digitsite_classifier_load_seconds_count", classifier="logreg") == before["loads"] + 1

    text = client.get("/metrics").content.decode()
    assert 'digitsite_recognitions_total{classifier="logreg"}' in text
    assert 'route="/api/v1/recognitions"' in text


def test_readyz_loads_the_active_classifier(client, active_version):
    clear_cache()
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    assert response.json()["checks"] == {"database": "ok", "classifier": "ok"}
