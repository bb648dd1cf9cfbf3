"""Production settings: `check --deploy` is clean, security follows the environment, local default unchanged."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SECRET = "k3T9v-pQ2zR8wL5xN7mB4cH6dJ1fG0sAyUeIoPq8Wr5Ty2Ui9Op3As6Df"  # 57 characters, test only


def _clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL", "STORAGE_S3", "METRICS_TOKEN", "PROMETHEUS_MULTIPROC"))
    }
    env.update({"DIGITSITE_VAR_DIR": str(tmp_path / "var"), "STATIC_ROOT": str(tmp_path / "static")})
    env.update(extra)
    return env


def production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    production = {
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": SECRET,
        "DJANGO_ALLOWED_HOSTS": "digits.example.com",
        "DJANGO_CSRF_TRUSTED_ORIGINS": "https://digits.example.com",
    }
    return _clean_env(tmp_path, **{**production, **extra})


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _settings(env: dict[str, str], expr: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); from django.conf import settings as s; print({expr})"],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "digitsite.settings"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_check_deploy_is_clean_with_a_production_environment(tmp_path):
    # Every check, every level: security settings included (the classifier check is silent before migrate).
    result = _manage(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout, result.stdout + result.stderr


def test_check_deploy_warns_when_the_security_settings_are_switched_off(tmp_path):
    env = production_env(tmp_path, DJANGO_SECURE_SSL_REDIRECT="0", DJANGO_SECURE_HSTS_SECONDS="0")
    result = _manage(env, "check", "--deploy", "--tag", "security")
    assert "security.W008" in result.stderr + result.stdout  # SSL redirect
    assert "security.W004" in result.stderr + result.stdout  # HSTS


def test_production_security_and_static_settings(tmp_path):
    env = production_env(tmp_path)
    values = _settings(
        env,
        "s.SECURE_PROXY_SSL_HEADER, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE, s.STORAGES['staticfiles']['BACKEND'], s.LOG_FORMAT, s.REQUEST_LOG, "
        "'whitenoise.middleware.WhiteNoiseMiddleware' in s.MIDDLEWARE",
    )
    assert values == (
        "('HTTP_X_FORWARDED_PROTO', 'https') True 31536000 True True "
        "whitenoise.storage.CompressedManifestStaticFilesStorage json True True"
    )


def test_local_default_keeps_debug_conveniences(tmp_path):
    values = _settings(
        _clean_env(tmp_path),
        "s.DEBUG, s.DATABASES['default']['ENGINE'], s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, "
        "s.STORAGES['staticfiles']['BACKEND'], s.LOG_FORMAT, s.REQUEST_LOG",
    )
    assert values == (
        "True django.db.backends.sqlite3 False False django.contrib.staticfiles.storage.StaticFilesStorage text False"
    )


def test_s3_media_storage_is_configured_from_the_environment(tmp_path):
    env = production_env(tmp_path, STORAGE_S3_BUCKET="media-bucket", STORAGE_S3_ENDPOINT_URL="https://s3.example.com")
    values = _settings(
        env,
        "s.STORAGES['default']['OPTIONS']['bucket_name'], s.STORAGES['default']['OPTIONS']['endpoint_url'], "
        "__import__('django.core.files.storage').core.files.storage.storages['default'].__class__.__name__",
    )
    assert values == "media-bucket https://s3.example.com S3Storage"


@pytest.mark.parametrize(("name", "value"), [("DJANGO_LOG_FORMAT", "xml"), ("DJANGO_SECURE_HSTS_SECONDS", "a year")])
def test_bad_delivery_settings_name_the_variable(tmp_path, name, value):
    result = subprocess.run(
        [sys.executable, "-c", "import digitsite.settings"],
        cwd=ROOT,
        env=production_env(tmp_path, **{name: value}),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert name in result.stderr
