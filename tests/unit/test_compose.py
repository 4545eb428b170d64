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


def test_the_five_services(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) == {
        "postgres",
        "prefect-server",
        "deskwatch",
        "web",
        "mailpit",
    }


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
    url = environment(prefect)["PREFECT_SERVER_DATABASE_CONNECTION_URL"]
    assert url.startswith("postgresql+asyncpg://") and "@postgres:5432/" in url
    assert prefect["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "--analytics-off" in prefect["command"]
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
    assert (ROOT / "Dockerfile").is_file() and deskwatch["build"] == "."


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
