"""docker-compose.yml, checked statically (there is no Docker engine here): valid YAML, the four
services and their dependencies, every DESKWATCH_* variable a real setting, no secret written in
the file, and the mounted config file valid. The same stack runs natively in
tests/e2e/test_scheduled_smoke.py."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipeline.config import load_config
from pipeline.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
INTERPOLATION = re.compile(r"\$\{([A-Z0-9_]+)(?::?[-?][^}]*)?\}")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def service(compose: dict[str, Any], name: str) -> dict[str, Any]:
    return compose["services"][name]


def environment(svc: dict[str, Any]) -> dict[str, str]:
    env = svc.get("environment", {})
    assert isinstance(env, dict), "environment is written as a mapping"
    return {k: str(v) for k, v in env.items()}


def test_the_services(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) == {
        "postgres",
        "prefect-server",
        "deskwatch",
        "worker",
        "web",
        "mailpit",
    }
    # the worker is for scale-out only: `docker compose up` does not start it
    assert service(compose, "worker")["profiles"] == ["workers"]


def test_postgres_has_a_healthcheck_and_a_named_volume(compose: dict[str, Any]) -> None:
    postgres = service(compose, "postgres")
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    [data] = [v for v in postgres["volumes"] if v.endswith(":/var/lib/postgresql/data")]
    assert data.split(":")[0] in compose["volumes"]
    for mount in postgres["volumes"]:
        source = mount.split(":")[0]
        if source.startswith("./"):
            assert (ROOT / source).is_file(), f"{source} is missing"


def test_prefect_runs_on_that_postgres_through_asyncpg(compose: dict[str, Any]) -> None:
    prefect = service(compose, "prefect-server")
    env = environment(prefect)
    assert env["PREFECT_SERVER_DATABASE_DRIVER"] == "postgresql+asyncpg"
    assert (env["PREFECT_SERVER_DATABASE_HOST"], env["PREFECT_SERVER_DATABASE_NAME"]) == (
        "postgres",
        "prefect",
    )
    assert prefect["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "--analytics-off" in " ".join(prefect["command"])
    assert environment(prefect)["PREFECT_SERVER_ANALYTICS_ENABLED"] == "false"


def test_deskwatch_migrates_then_serves_after_its_dependencies(compose: dict[str, Any]) -> None:
    deskwatch = service(compose, "deskwatch")
    command = " ".join(deskwatch["command"])
    assert command.index("deskwatch db upgrade") < command.index("deskwatch serve")
    assert "&&" in command  # serve only when the migrations succeeded
    depends = deskwatch["depends_on"]
    assert depends["postgres"]["condition"] == "service_healthy"
    assert depends["prefect-server"]["condition"] == "service_healthy"
    assert "mailpit" in depends
    env = environment(deskwatch)
    assert env["PREFECT_API_URL"] == "http://prefect-server:4200/api"
    assert "@postgres:5432/deskwatch" in env["DESKWATCH_DATABASE_URL"]
    assert (
        env["DESKWATCH_SMTP_HOST"].endswith("mailpit}") or env["DESKWATCH_SMTP_HOST"] == "mailpit"
    )
    assert (ROOT / "Dockerfile").is_file() and deskwatch["build"]["context"] == "."


def test_every_deskwatch_variable_is_a_real_setting(compose: dict[str, Any]) -> None:
    fields = {f"DESKWATCH_{name.upper()}" for name in Settings.model_fields}
    used = {
        name
        for svc in compose["services"].values()
        for name in environment(svc)
        if name.startswith("DESKWATCH_")
    }
    used |= {
        name for name in INTERPOLATION.findall(COMPOSE.read_text()) if name.startswith("DESKWATCH_")
    }
    assert used, "the deskwatch service is configured through DESKWATCH_* variables"
    assert used - fields == set()


def test_no_secret_is_written_in_the_file(compose: dict[str, Any]) -> None:
    for name, svc in compose["services"].items():
        for key, value in environment(svc).items():
            if "PASSWORD" in key and not key.endswith("_FILE"):
                assert INTERPOLATION.fullmatch(value), f"{name}.{key} holds a literal secret"
            for url in re.findall(r"\w+(?:\+\w+)?://\S+", INTERPOLATION.sub("<var>", value)):
                userinfo = url.split("://", 1)[1].split("@", 1)
                if len(userinfo) == 2 and ":" in userinfo[0]:
                    password = userinfo[0].split(":", 1)[1]
                    assert password == "<var>", f"{name}.{key} holds a password"


def test_the_mounted_config_is_valid(compose: dict[str, Any]) -> None:
    deskwatch = service(compose, "deskwatch")
    target = environment(deskwatch)["DESKWATCH_CONFIG"]
    [mount] = [v for v in deskwatch["volumes"] if v.split(":")[1] == target]
    config = load_config(ROOT / mount.split(":")[0])
    assert config.sources and config.schedule.run.interval_seconds == 900


def test_the_reading_room_is_behind_auth_on_the_same_archive(compose: dict[str, Any]) -> None:
    web, deskwatch = service(compose, "web"), service(compose, "deskwatch")
    assert web["build"] == deskwatch["build"]  # the same image
    command = web["command"]
    assert command[:2] == ["deskwatch", "web"]
    assert command[command.index("--host") + 1] == "0.0.0.0"
    env = environment(web)
    # bound beyond loopback, deskwatch web refuses to start without auth
    assert env["DESKWATCH_WEB_AUTH"] in ("basic", "proxy")
    if env["DESKWATCH_WEB_AUTH"] == "basic":
        target = env["DESKWATCH_WEB_USERS_FILE"]
        assert any(v.split(":")[1] == target for v in web["volumes"])
    assert INTERPOLATION.fullmatch(env["DESKWATCH_WEB_SECRET"]), "the secret comes from .env"
    assert env["DESKWATCH_DATABASE_URL"] == environment(deskwatch)["DESKWATCH_DATABASE_URL"]
    assert env["DESKWATCH_CONFIG"] == environment(deskwatch)["DESKWATCH_CONFIG"]
    assert web["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert all(p.startswith("127.0.0.1:") for p in web["ports"])
    assert "/healthz" in " ".join(web["healthcheck"]["test"])


# -- issue 15 part 8: a compose file that would run ------------------------------------------


def installed_prefect() -> str:
    from importlib.metadata import version

    return version("prefect")


def test_every_image_is_pinned_and_prefect_matches_the_client(compose: dict[str, Any]) -> None:
    for name, svc in compose["services"].items():
        if "image" in svc:
            repository, _, tag = svc["image"].rpartition(":")
            assert repository and tag and tag != "latest", f"{name}: {svc['image']} is not pinned"
            assert re.search(r"\d+\.\d+", tag), f"{name}: pin a version, not {tag!r}"
    server = service(compose, "prefect-server")["image"].rpartition(":")[2]
    assert server.split("-")[0] == installed_prefect()
    # the image deskwatch runs in installs that same client (the Dockerfile's build argument)
    for name in ("deskwatch", "worker", "web"):
        build = service(compose, name)["build"]
        assert build["args"]["PREFECT_VERSION"] == installed_prefect(), name
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert f"ARG PREFECT_VERSION={installed_prefect()}" in dockerfile
    assert '"prefect==${PREFECT_VERSION}"' in dockerfile


def test_every_long_running_service_has_a_healthcheck(compose: dict[str, Any]) -> None:
    for name, svc in compose["services"].items():
        if name != "worker":  # a worker has no endpoint; Prefect shows it offline
            assert svc["healthcheck"]["test"], name
    # deskwatch's own health command: it exits 1 when a check fails, which a healthcheck wants
    deskwatch = service(compose, "deskwatch")
    assert deskwatch["healthcheck"]["test"] == ["CMD", "deskwatch", "health"]
    assert deskwatch["healthcheck"]["start_period"]  # the first run has to happen first
    assert "/api/health" in " ".join(service(compose, "prefect-server")["healthcheck"]["test"])


def test_secrets_are_files_not_urls_or_environment(compose: dict[str, Any]) -> None:
    declared = compose["secrets"]
    assert {"postgres_password", "prefect_auth"} <= set(declared)
    for secret in declared.values():
        assert secret["file"].startswith("./secrets/")
    assert "/secrets/" in (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    text = COMPOSE.read_text(encoding="utf-8")
    assert "POSTGRES_PASSWORD}" not in text and "POSTGRES_PASSWORD:" not in text
    for name in ("deskwatch", "worker", "web"):
        svc = service(compose, name)
        env = environment(svc)
        assert "@" in env["DESKWATCH_DATABASE_URL"]
        assert ":" not in env["DESKWATCH_DATABASE_URL"].split("://", 1)[1].split("@", 1)[0]
        assert env["DESKWATCH_DATABASE_PASSWORD_FILE"] == "/run/secrets/postgres_password"
        assert "postgres_password" in svc["secrets"], name
    postgres = service(compose, "postgres")
    assert environment(postgres)["POSTGRES_PASSWORD_FILE"] == "/run/secrets/postgres_password"


def test_the_prefect_api_is_behind_basic_auth(compose: dict[str, Any]) -> None:
    server = " ".join(service(compose, "prefect-server")["command"])
    assert 'PREFECT_SERVER_API_AUTH_STRING="$$(cat /run/secrets/prefect_auth)"' in server
    for name in ("deskwatch", "worker"):
        svc = service(compose, name)
        command = " ".join(svc["command"])
        assert 'PREFECT_API_AUTH_STRING="$$(cat /run/secrets/prefect_auth)"' in command, name
        assert "prefect_auth" in svc["secrets"]
    # both names are settings of the installed Prefect
    from prefect.settings import Settings as PrefectSettings

    settings = PrefectSettings()
    assert hasattr(settings.server.api, "auth_string") and hasattr(settings.api, "auth_string")


def test_every_service_rotates_its_log(compose: dict[str, Any]) -> None:
    for name, svc in compose["services"].items():
        logging = svc["logging"]
        assert logging["driver"] == "json-file", name
        assert logging["options"]["max-size"] and int(logging["options"]["max-file"]) >= 2, name


def test_workers_get_deskwatchs_prefect_environment(compose: dict[str, Any]) -> None:
    from flows.prefect_env import DEFAULTS

    worker = service(compose, "worker")
    env = environment(worker)
    for key in (
        "PREFECT_LOGGING_EXTRA_LOGGERS",
        "PREFECT_FLOWS_HEARTBEAT_FREQUENCY",
        "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW",
    ):
        assert env[key] == DEFAULTS[key], key
    assert "prefect worker start --pool deskwatch" in " ".join(worker["command"])
    assert (
        environment(service(compose, "deskwatch"))["PREFECT_FLOWS_HEARTBEAT_FREQUENCY"]
        == (DEFAULTS["PREFECT_FLOWS_HEARTBEAT_FREQUENCY"])
    )


def test_stopping_serve_does_not_pause_the_schedules() -> None:
    source = (ROOT / "deskwatch" / "commands" / "serve.py").read_text(encoding="utf-8")
    assert "Runner(pause_on_shutdown=False)" in source
