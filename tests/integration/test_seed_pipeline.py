"""The seed through the plain pipeline: idempotent, edits become versions, whitespace does not."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from pipeline.app import App
from pipeline.config import SEEDS_DIR
from pipeline.plan import run_in_process
from pipeline.settings import Settings
from storage.models import Release, ReleaseVersion, SourceRun

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def app_for(db_url: str, config: Path | None = None) -> App:
    return App.load(config, Settings(database_url=db_url))


def table_counts(app: App) -> tuple[int, int]:
    db = app.open_db()
    try:
        with db.session() as s:
            return (
                s.scalar(select(func.count()).select_from(Release)) or 0,
                s.scalar(select(func.count()).select_from(ReleaseVersion)) or 0,
            )
    finally:
        db.dispose()


def test_seed_run_twice_keeps_one_release_with_one_version(db_url: str) -> None:
    app = app_for(db_url)
    first = run_in_process(app, now=NOW)
    assert first.totals()["new_releases"] == 1
    second = run_in_process(app, now=NOW)
    assert second.totals()["new_releases"] == 0
    assert second.totals()["new_versions"] == 0
    assert second.totals()["unchanged"] == 1
    assert table_counts(app) == (1, 1)
    db = app.open_db()
    with db.session() as s:
        release = s.scalars(select(Release)).one()
        assert release.published_at == datetime(2023, 11, 7, tzinfo=UTC)
        assert release.key.startswith("file://seeds/")
        runs = s.scalars(select(SourceRun).order_by(SourceRun.id)).all()
        assert [r.status for r in runs] == ["ok", "ok"]
        assert [r.new_releases for r in runs] == [1, 0]
    db.dispose()


def test_edit_adds_a_version_and_whitespace_does_not(db_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "releases"
    shutil.copytree(SEEDS_DIR / "releases", folder)
    config = tmp_path / "deskwatch.yaml"
    config.write_text("sources:\n  - {name: local, type: files, path: releases}\n")
    app = app_for(db_url, config)
    [seed] = folder.glob("*.txt")
    run_in_process(app, now=NOW)

    original = seed.read_text(encoding="utf-8")
    seed.write_text(
        "  " + original.replace("\n\n", "\n\n\n").replace(". ", ".  "), encoding="utf-8"
    )
    assert run_in_process(app, now=NOW).totals()["new_versions"] == 0

    seed.write_text(original.replace("up to 500%", "up to 600%"), encoding="utf-8")
    summary = run_in_process(app, now=NOW)
    assert summary.totals()["new_versions"] == 1
    assert summary.totals()["new_releases"] == 0
    assert table_counts(app) == (1, 2)


def test_a_broken_file_is_recorded_and_the_rest_still_ingests(db_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.txt").write_text(
        "Statement on 3 March 2024. We call for calm.", encoding="utf-8"
    )
    (folder / "empty.txt").write_text("   \n", encoding="utf-8")
    (folder / "bad.txt.meta.yaml").write_text("title: [unclosed\n", encoding="utf-8")
    (folder / "bad.txt").write_text("Text with a broken sidecar.", encoding="utf-8")
    config = tmp_path / "c.yaml"
    config.write_text(
        "sources:\n  - {name: in, type: files, path: in}\n  - {name: gone, type: files, path: missing}\n"
    )
    summary = run_in_process(app_for(db_url, config), now=NOW)
    by_name = {s.source: s for s in summary.sources}
    assert by_name["in"].status == "partial"
    assert by_name["in"].new_releases == 1
    assert any("empty.txt" in p and "no text" in p for p in by_name["in"].problems)
    assert any("bad.txt.meta.yaml" in p for p in by_name["in"].problems)
    assert by_name["gone"].status == "error"
    assert "does not exist" in (by_name["gone"].error or "")
    assert summary.errors == 1
