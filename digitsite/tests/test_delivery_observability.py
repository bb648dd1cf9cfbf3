"""Health probes, Prometheus metrics, request ids and structured JSON logs (in-process)."""

from __future__ import annotations

import json
import logging
import sys

import pytest
from prometheus_client import REGISTRY

from digitsite import health
from digitsite.observability import JsonFormatter, RequestContextFilter, note_upload
from digitsite.testing import image_bytes


def sample(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_healthz_answers_without_the_database_or_a_known_host(client, settings):
    settings.ALLOWED_HOSTS = ["digits.example.com"]
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/healthz", HTTP_HOST="10.0.0.7:8000")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"


def test_probes_only_take_get(client):
    assert client.post("/healthz").status_code == 405


@pytest.mark.django_db
def test_readyz_is_unavailable_without_an_active_classifier(client):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "ok", "classifier": "no active classifier"},
    }


@pytest.mark.django_db
def test_readyz_reports_a_failing_check_by_name(client, monkeypatch):
    monkeypatch.setitem(health._checks, "classifier", lambda: None)
    monkeypatch.setitem(health._checks, "broken", lambda: 1 / 0)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "classifier": "ok", "broken": "ZeroDivisionError"}


@pytest.mark.django_db
def test_readyz_is_ready_when_every_check_passes(client, monkeypatch):
    monkeypatch.setitem(health._checks, "classifier", lambda: None)
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "classifier": "ok"}}


@pytest.mark.django_db
def test_metrics_exposes_request_latency(client):
    client.get("/healthz")
    client.get("/uploads/")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert 'digitsite_http_request_duration_seconds_count{method="GET",route="/uploads/",status="200"}' in text
    for name in (
        "digitsite_recognitions_total",
        "digitsite_recognitions_low_confidence_total",
        "digitsite_recognition_digits",
        "digitsite_classifier_load_seconds",
    ):
        assert f"# TYPE {name.removesuffix('_total')}" in text, name


def test_metrics_token_is_required_when_set(client, settings):
    settings.METRICS_TOKEN = "s3cret-token"
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token").status_code == 200


def test_a_request_id_is_made_or_kept(client):
    made = client.get("/healthz")["X-Request-ID"]
    assert len(made) == 32
    assert client.get("/healthz", HTTP_X_REQUEST_ID="abc-123")["X-Request-ID"] == "abc-123"
    # Anything that could forge a log line or is too long is replaced.
    assert client.get("/healthz", HTTP_X_REQUEST_ID='x"\n{}')["X-Request-ID"] != 'x"\n{}'
    assert client.get("/healthz", HTTP_X_REQUEST_ID="a" * 500)["X-Request-ID"] != "a" * 500


@pytest.mark.django_db
def test_one_log_line_per_request_names_the_upload(client, settings, caplog):
    settings.REQUEST_LOG = True
    png = image_bytes(fmt="PNG")
    with caplog.at_level(logging.INFO, logger="digitsite.request"):
        response = client.post("/uploads/", {"image": _file(png)}, HTTP_X_REQUEST_ID="req-1")
    assert response.status_code == 302
    lines = [r for r in caplog.records if r.name == "digitsite.request"]
    assert len(lines) == 1
    record = lines[0]
    assert (record.method, record.path, record.status) == ("POST", "/uploads/", 302)
    assert record.duration_ms > 0
    assert record.upload_id == response["Location"].strip("/").split("/")[-1]
    RequestContextFilter().filter(record)
    entry = json.loads(JsonFormatter().format(record))
    assert entry["request_id"] == "req-1"
    assert entry["upload_id"] == record.upload_id
    assert entry["level"] == "INFO" and entry["logger"] == "digitsite.request"
    # No image bytes, bodies or headers: only the fixed fields.
    assert set(entry) <= {
        "time", "level", "logger", "message", "request_id", "upload_id", "method", "path", "route", "status",
        "duration_ms",
    }  # fmt: skip
    assert "PNG" not in json.dumps(entry)


def test_probes_are_not_logged_line_by_line(client, settings, caplog):
    settings.REQUEST_LOG = True
    with caplog.at_level(logging.INFO, logger="digitsite.request"):
        client.get("/healthz")
    assert not [r for r in caplog.records if r.name == "digitsite.request"]


def test_json_formatter_keeps_only_known_fields_and_formats_exceptions():
    logger = logging.getLogger("digitsite.test")
    try:
        raise ValueError("boom")
    except ValueError:
        record = logger.makeRecord(
            "digitsite.test", logging.ERROR, __file__, 1, "failed %s", ("x",), exc_info=sys.exc_info(),
            extra={"status": 500, "image": b"\x89PNG...", "password": "hunter2"},
        )  # fmt: skip
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "failed x"
    assert entry["status"] == 500
    assert "image" not in entry and "password" not in entry
    assert entry["exception"]["type"] == "ValueError"


def test_note_upload_outside_a_request_is_a_no_op():
    note_upload("0c2f3d2e-0000-0000-0000-000000000000")  # must not raise nor leak into later requests


def _file(data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("digits.png", data, content_type="image/png")


@pytest.mark.django_db(transaction=True)
def test_deploy_prepare_migrates_under_the_startup_lock(monkeypatch):
    """SQLite takes a file lock, PostgreSQL an advisory lock (the suite runs on both in CI)."""
    from django.core.management import call_command

    calls = []
    monkeypatch.setattr(
        "digitsite.management.commands.deploy_prepare.call_command",
        lambda name, **kwargs: calls.append(name) or call_command(name, **kwargs),
    )
    call_command("deploy_prepare", "--skip-classifier", verbosity=0)
    assert calls == ["migrate"]
