"""The Prefect automations deskwatch installs or ships are valid for the installed Prefect: the
crash automation serve installs (flows.crash_detection) and deploy/prefect-failed-runs.yaml."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import yaml
from prefect.events.schemas.automations import AutomationCore, Posture

from flows.crash_detection import AUTOMATION_NAME, MISSED, crash_automation

ROOT = Path(__file__).resolve().parents[2]


def test_the_crash_automation_watches_deskwatch_heartbeats() -> None:
    automation = crash_automation(30)
    assert automation.name == AUTOMATION_NAME and automation.enabled
    trigger = automation.trigger
    assert trigger.posture == Posture.Proactive
    assert trigger.after == {"prefect.flow-run.heartbeat"}
    assert "prefect.flow-run.Completed" in trigger.expect
    assert trigger.within == timedelta(seconds=MISSED * 30)
    assert trigger.for_each == {"prefect.resource.id"}
    assert trigger.match_related.root["prefect.resource.id"] == "prefect.tag.deskwatch"
    [action] = automation.actions
    assert (action.type, action.state.value, action.force) == (
        "change-flow-run-state",
        "CRASHED",
        False,
    )


def test_the_shipped_failed_runs_automation_is_valid() -> None:
    data = yaml.safe_load((ROOT / "deploy" / "prefect-failed-runs.yaml").read_text())
    automation = AutomationCore.model_validate(data)
    assert automation.trigger.expect == {"prefect.flow-run.Failed", "prefect.flow-run.Crashed"}
    assert automation.actions[0].type == "send-notification"
