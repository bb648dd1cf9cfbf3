"""Smoke test: gunicorn with production-like settings answers probes, metrics, static and a recognition.

Runs the real start-up path (collectstatic, deploy_prepare's migrate, a small classifier trained
with train_classifier) and gunicorn.conf.py with two workers in Prometheus multiprocess mode, on
a free 127.0.0.1 port. Bounded timeouts everywhere; the server is always stopped.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from digitsite.testing import image_bytes
from digitsite.tests.test_delivery_settings import production_env

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _manage(env, *args, timeout=240):
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, f"{args}: {result.stdout}\n{result.stderr}"
    return result


def _request(url: str, *, data: bytes | None = None, headers: dict | None = None, timeout: float = 60):
    request = urllib.request.Request(url, data=data, headers={"X-Forwarded-Proto": "https", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - local test server
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def _multipart(field: str, filename: str, payload: bytes, content_type: str) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n"
        ).encode()
        + payload
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def _digits_png() -> bytes:
    """Dark digits drawn with OpenCV on light paper ("42"), generated in code."""
    import cv2
    import numpy as np

    page = np.full((120, 220), 235, np.uint8)
    cv2.putText(page, "42", (30, 95), cv2.FONT_HERSHEY_SIMPLEX, 3.0, 20, 9, cv2.LINE_AA)
    ok, encoded = cv2.imencode(".png", page)
    assert ok
    return encoded.tobytes()


def test_gunicorn_serves_probes_metrics_static_and_recognitions(tmp_path):
    port = _free_port()
    env = production_env(
        tmp_path,
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        MEDIA_ROOT=str(tmp_path / "media"),
        CLASSIFIERS_MODEL_DIR=str(tmp_path / "models"),
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "prometheus"),
        GUNICORN_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="2",
        GUNICORN_THREADS="2",
        GUNICORN_WORKER_TMP_DIR=str(tmp_path),
        FORWARDED_ALLOW_IPS="127.0.0.1",
        API_THROTTLE_ANON="1000/min",
        REVIEW_LOW_CONFIDENCE="1.01",  # every recognised digit counts as low-confidence
        RECOGNIZER_VERIFIER="0",  # each worker would train it (~30–60 s); recognizer tests cover it
    )
    _manage(env, "collectstatic", "--noinput", "-v", "0")
    _manage(env, "deploy_prepare", "--skip-classifier", "-v", "0")
    _manage(env, "train_classifier", "--algorithm", "logreg", "--data", "sklearn-digits", "--activate", "-v", "0")

    log = (tmp_path / "gunicorn.log").open("w")
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "--config", "gunicorn.conf.py", "digitsite.wsgi:application"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, (tmp_path / "gunicorn.log").read_text()
            try:
                status, _, _ = _request(f"{base}/healthz", timeout=5)
                if status == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "gunicorn did not answer /healthz in 120 s"
            time.sleep(0.5)

        status, headers, body = _request(f"{base}/healthz", headers={"X-Request-ID": "smoke-1"})
        assert (status, json.loads(body)) == (200, {"status": "ok"})
        assert headers["X-Request-ID"] == "smoke-1"

        # Plain http (no X-Forwarded-Proto) is redirected to https, probes excepted.
        plain = urllib.request.Request(f"{base}/uploads/")
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            opener.open(plain, timeout=30)  # noqa: S310 - local test server
            raise AssertionError("expected a redirect")
        except urllib.error.HTTPError as exc:
            assert exc.code == 301 and exc.headers["Location"].startswith("https://127.0.0.1")

        for _ in range(2):  # both workers (probably) load the classifier
            status, _, body = _request(f"{base}/readyz")
            assert status == 200, body
            assert json.loads(body)["checks"] == {"database": "ok", "classifier": "ok"}

        status, headers, body = _request(f"{base}/static/css/site.css")
        assert status == 200 and headers.get("Cache-Control")

        status, headers, body = _request(f"{base}/uploads/")
        assert status == 200
        assert headers["Strict-Transport-Security"].startswith("max-age=31536000")

        form, content_type = _multipart("image", "digits.png", _digits_png(), "image/png")
        status, _, body = _request(f"{base}/api/v1/recognitions", data=form, headers={"Content-Type": content_type})
        assert status == 201, body
        recognition = json.loads(body)
        assert recognition["classifier"]["name"] == "logreg"
        assert recognition["digits"], recognition

        form, content_type = _multipart("image", "red.png", image_bytes(size=(40, 40)), "image/png")
        status, _, _ = _request(f"{base}/api/v1/recognitions", data=form, headers={"Content-Type": content_type})
        assert status == 201

        status, headers, body = _request(f"{base}/metrics")
        assert status == 200
        text = body.decode()
        # Summed over the two workers by the multiprocess collector, whichever worker answered.
        assert 'digitsite_recognitions_total{classifier="logreg"} 2.0' in text, text[-3000:]
        assert 'digitsite_recognition_digits_count{classifier="logreg"} 2.0' in text
        # The plain red square has no digits: recognised, but no confidence to be low.
        assert 'digitsite_recognitions_low_confidence_total{classifier="logreg"} 1.0' in text
        assert 'digitsite_classifier_load_seconds_count{classifier="logreg"}' in text
        assert 'digitsite_http_request_duration_seconds_count{method="POST",route="/api/v1/recognitions"' in text
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)
        log.close()

    # Structured logs: JSON lines with request ids, the upload named, no image bytes.
    lines = [json.loads(line) for line in (tmp_path / "gunicorn.log").read_text().splitlines() if line.startswith("{")]
    requests = [e for e in lines if e.get("logger") == "digitsite.request"]
    assert not any(e.get("request_id") == "smoke-1" for e in lines)  # /healthz is not logged line by line
    assert all(len(e["request_id"]) == 32 for e in requests)
    posted = [e for e in requests if e.get("path") == "/api/v1/recognitions" and e.get("method") == "POST"]
    assert len(posted) == 2 and all(e["upload_id"] and e["status"] == 201 and e["duration_ms"] > 0 for e in posted)
    assert any(e.get("logger") == "gunicorn.error" for e in lines)
    assert "PNG" not in (tmp_path / "gunicorn.log").read_text()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
