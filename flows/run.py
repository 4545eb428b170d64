"""The `deskwatch-run` flow: a thin Prefect wrapper over deskwatch.pipeline.

Tasks get plain values (the config path, source names, ISO times) and build what they need;
never a Session or an HTTP client. One task per source, never one per release."""

from __future__ import annotations

from datetime import UTC, datetime

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.context import get_run_context

from deskwatch import pipeline
from deskwatch.app import App
from deskwatch.stages.ingest import ingest_source
from deskwatch.summary import RunSummary, SourceSummary


def _app(config_path: str | None) -> App:
    return App.load(config_path)


@task(name="ingest-source", task_run_name="ingest {source_name}", retries=0)
def ingest_source_task(
    config_path: str | None, source_name: str, now_iso: str, run_id: str
) -> SourceSummary:
    app = _app(config_path)
    source = next(s for s in app.config.sources if s.name == source_name)
    db = app.open_db()
    try:
        return ingest_source(db, source, now=datetime.fromisoformat(now_iso), run_id=run_id)
    finally:
        db.dispose()


@task(name="process-new-releases")
def after_ingest_task(config_path: str | None, now_iso: str) -> dict[str, int]:
    app = _app(config_path)
    db = app.open_db()
    try:
        return pipeline.after_ingest(app, db, now=datetime.fromisoformat(now_iso))
    finally:
        db.dispose()


@flow(name="deskwatch-run", log_prints=False)
def deskwatch_run(config_path: str | None = None, now_iso: str | None = None) -> dict[str, object]:
    """Ingest every enabled source, then tag, diff and alert. Returns the run summary as a dict."""
    logger = get_run_logger()
    app = _app(config_path)
    now_iso = now_iso or datetime.now(UTC).isoformat()
    run_id = str(get_run_context().flow_run.id)  # type: ignore[union-attr]
    pipeline.prepare(app).dispose()
    summary = RunSummary()
    for source in pipeline.enabled_sources(app):
        summary.sources.append(ingest_source_task(config_path, source.name, now_iso, run_id))
    summary.stages.update(after_ingest_task(config_path, now_iso))
    markdown = summary.to_markdown()
    create_markdown_artifact(
        markdown, key="deskwatch-run-summary", description="deskwatch run summary"
    )
    logger.info("run summary\n%s", markdown)
    return summary.to_dict()
