import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from digitsite.env import env_bool, env_int, env_list


def test_env_readers_parse_values(monkeypatch):
    monkeypatch.setenv("X_BOOL", "off")
    monkeypatch.setenv("X_INT", "10_000")
    monkeypatch.setenv("X_LIST", "a.example, b.example,,")
    assert env_bool("X_BOOL", True) is False
    assert env_int("X_INT", 1) == 10_000
    assert env_list("X_LIST", []) == ["a.example", "b.example"]
    assert env_int("X_UNSET", 7) == 7


@pytest.mark.parametrize(("reader", "value"), [(env_bool, "perhaps"), (env_int, "ten")])
def test_a_bad_value_names_the_variable(monkeypatch, reader, value):
    monkeypatch.setenv("INTAKE_MAX_BYTES", value)
    with pytest.raises(ImproperlyConfigured, match="INTAKE_MAX_BYTES"):
        reader("INTAKE_MAX_BYTES", 1)


def test_env_int_enforces_its_minimum(monkeypatch):
    monkeypatch.setenv("INTAKE_MIN_SIDE", "0")
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        env_int("INTAKE_MIN_SIDE", 8, minimum=1)


def _load_settings(env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    return subprocess.run(
        [sys.executable, "-c", "import digitsite.settings as s; print(s.DEBUG, s.DATABASES['default']['ENGINE'])"],
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_without_a_secret_key_refuses_to_start():
    result = _load_settings({"DJANGO_DEBUG": "0"})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_settings_read_the_environment(tmp_path):
    result = _load_settings(
        {"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "x" * 50, "DATABASE_URL": "postgres://u:p@db:5432/d"}
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "django.db.backends.postgresql"]


def test_local_default_is_debug_with_sqlite():
    result = _load_settings({})
    assert result.stdout.split() == ["True", "django.db.backends.sqlite3"]
