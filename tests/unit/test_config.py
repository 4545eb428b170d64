"""The config file: the bundled default, and one clear line for every kind of mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import ConfigError
from ingest.config import FilesSource
from pipeline.app import App
from pipeline.config import DEFAULT_CONFIG_PATH, load_config
from pipeline.settings import Settings


def test_bundled_default_reads_the_seeds_folder() -> None:
    config = load_config(None)
    assert config.path == DEFAULT_CONFIG_PATH.resolve()
    [source] = config.sources
    assert isinstance(source, FilesSource)
    assert source.path.is_dir()
    assert any(source.path.glob("*.txt"))


def test_relative_paths_are_relative_to_the_config_file(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    path = tmp_path / "c.yaml"
    path.write_text("sources:\n  - {name: a, type: files, path: in}\n")
    [source] = load_config(path).sources
    assert source.path == (tmp_path / "in").resolve()


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (
            "sources:\n  - {name: a, type: files, path: x, colour: red}\n",
            "sources.0.colour: unknown key",
        ),
        ("sources:\n  - {name: a, type: rss, url: x}\n", "sources.0: unknown source type 'rss'"),
        ("sources:\n  - {name: a, path: x}\n", "sources.0: missing key 'type'"),
        ("sources:\n  - {type: files, path: x}\n", "sources.0.name: missing required key"),
        (
            "sources:\n  - {name: a, type: files, path: x, enabled: perhaps}\n",
            "sources.0.enabled: Input should be a valid boolean",
        ),
        ("sources: 3\n", "sources: Input should be a valid list"),
        ("colour: red\n", "colour: unknown key"),
        ("- just\n- a list\n", "the top level must be a mapping"),
        ("sources: [\n", "invalid YAML"),
        (
            "sources:\n  - {name: a, type: files, path: x}\n  - {name: a, type: files, path: y}\n",
            "two sources are named 'a'",
        ),
    ],
)
def test_bad_config_names_file_key_and_problem(tmp_path: Path, content: str, problem: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    assert problem in message
    assert "\n" not in message
    assert info.value.exit_code == 2


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.yaml")


def test_environment_wins_over_the_file(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("database_url: sqlite:///from-file.db\n")
    assert App.load(path, Settings()).database_url == "sqlite:///from-file.db"
    app = App.load(path, Settings(database_url="sqlite:///from-env.db"))
    assert app.database_url == "sqlite:///from-env.db"
    assert App.load(None, Settings()).database_url == "sqlite:///deskwatch.db"


def test_settings_read_the_prefixed_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DESKWATCH_DATABASE_URL", "sqlite:///x.db")
    monkeypatch.setenv("DESKWATCH_CONFIG", str(tmp_path / "c.yaml"))
    settings = Settings()
    assert settings.database_url == "sqlite:///x.db"
    assert settings.config == tmp_path / "c.yaml"
