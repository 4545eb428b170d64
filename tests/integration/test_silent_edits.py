"""A "silent edit" is a substantive edit without a change note only where the publisher normally
gives notes (issue 18): a GOV.UK page, never a `page` source or another site's file. On SQLite
and Postgres."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.app import App
from pipeline.plan import run_in_process
from pipeline.settings import Settings
from pipeline.stages.diff import gives_change_notes

TEXT = (
    "The Foreign Secretary met the Ukrainian Foreign Minister in Kyiv today to discuss support "
    "for Ukraine through the winter.\n\nThe UK will provide generators to Ukrainian forces."
)
EDIT = "\n\nThe UK will also send 200 air defence missiles to Ukraine."


@pytest.mark.parametrize(
    ("url", "silent"),
    [("https://www.gov.uk/government/news/winter", 1), ("https://mfa.example.org/winter", 0)],
)
def test_only_a_gov_uk_edit_without_a_note_is_silent(
    tmp_path: Path, db_url: str, url: str, silent: int
) -> None:
    folder = tmp_path / "releases"
    folder.mkdir()
    (folder / "winter.txt").write_text(TEXT, encoding="utf-8")
    (folder / "winter.txt.meta.yaml").write_text(f"url: {url}\n", encoding="utf-8")
    config = tmp_path / "deskwatch.yaml"
    config.write_text("sources:\n  - {name: desk, type: files, path: releases}\n")
    app = App.load(config, Settings(database_url=db_url))
    run_in_process(app, now=datetime(2026, 11, 27, tzinfo=UTC))
    (folder / "winter.txt").write_text(TEXT + EDIT, encoding="utf-8")
    summary = run_in_process(app, now=datetime(2026, 11, 28, tzinfo=UTC))
    assert summary.stages["version_diffs"] == 1
    assert summary.stages["silent_edits"] == silent


def test_which_publishers_give_change_notes() -> None:
    assert gives_change_notes("govuk", None)
    assert gives_change_notes("files", "https://www.gov.uk/guidance/x")
    assert gives_change_notes("feed", "https://www.gov.uk/government/news/x")
    assert not gives_change_notes("page", "https://mfa.example.org/statement")
    assert not gives_change_notes("files", None)
    assert not gives_change_notes("files", "https://www.gov.uk.example.org/x")
    assert not gives_change_notes("page", "https://www.gov.uk/government/news/x")
