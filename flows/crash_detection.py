"""Runs that end: Prefect's own zombie detection, installed by deskwatch.

A flow run's process sends a heartbeat event every PREFECT_FLOWS_HEARTBEAT_FREQUENCY seconds
(flows.prefect_env sets 30, Prefect's minimum; serve, workers and `deskwatch run --prefect` all
read it). When the process dies (`kill -9`, a container or machine lost, a worker killed) the
heartbeats stop, and this automation on the Prefect server marks the run Crashed: that ends it
in the UI, releases its work-pool and deployment concurrency slots, and lets the next scheduled
run start. It is Prefect's documented "detect zombie flows" automation, limited to deskwatch's
runs (tagged `deskwatch`), created or updated by name whenever `deskwatch serve` starts.

    crash_automation(frequency)        the automation (a proactive event trigger)
    ensure_crash_automation(frequency) create it, or update the one of the same name: idempotent

A run is declared dead after MISSED heartbeats are missed, so within about
MISSED x frequency seconds (90 s at the default) plus the server's trigger evaluation.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

AUTOMATION_NAME = "deskwatch: crash flow runs whose heartbeats stopped"
TAG = "deskwatch"
MISSED = 3
"""Heartbeats missed in a row before a run is declared crashed (Prefect's docs use 3)."""
TERMINAL_EVENTS = (
    "prefect.flow-run.Completed",
    "prefect.flow-run.Failed",
    "prefect.flow-run.Cancelled",
    "prefect.flow-run.Crashed",
)


def crash_automation(frequency: int) -> Any:
    """After a heartbeat of a deskwatch flow run, expect another heartbeat (or the run's end)
    within MISSED heartbeats; if none comes, change that run's state to Crashed."""
    from prefect.automations import Automation
    from prefect.client.schemas.objects import StateType
    from prefect.events.actions import ChangeFlowRunState
    from prefect.events.schemas.automations import EventTrigger, Posture
    from prefect.events.schemas.events import ResourceSpecification

    return Automation(
        name=AUTOMATION_NAME,
        enabled=True,
        description=(
            "Installed by `deskwatch serve` (flows/crash_detection.py): a deskwatch flow run "
            f"that stops sending heartbeats for {MISSED * frequency} s is marked Crashed."
        ),
        trigger=EventTrigger(
            after={"prefect.flow-run.heartbeat"},
            expect={"prefect.flow-run.heartbeat", *TERMINAL_EVENTS},
            match=ResourceSpecification({"prefect.resource.id": ["prefect.flow-run.*"]}),
            match_related=ResourceSpecification(
                {"prefect.resource.role": "tag", "prefect.resource.id": f"prefect.tag.{TAG}"}
            ),
            for_each={"prefect.resource.id"},
            posture=Posture.Proactive,
            threshold=1,
            within=timedelta(seconds=MISSED * frequency),
        ),
        actions=[
            ChangeFlowRunState(
                name="Crashed",
                state=StateType.CRASHED,
                force=False,  # a run that has ended meanwhile keeps its state
                message=(
                    f"No heartbeat for {MISSED * frequency} s: the process running this flow "
                    "run died (marked by the deskwatch crash automation)."
                ),
            )
        ],
    )


def heartbeat_frequency() -> int | None:
    """The heartbeat interval flow runs started from here will use (None: heartbeats off)."""
    from prefect.settings import get_current_settings

    return get_current_settings().flows.heartbeat_frequency


def ensure_crash_automation(frequency: int | None = None) -> str:
    """Create the automation, or bring the existing one of that name up to date (the same
    definition, enabled). Returns its id. Needs PREFECT_API_URL to point at a server."""
    from prefect.client.orchestration import get_client
    from prefect.events.schemas.automations import AutomationCore

    frequency = frequency or heartbeat_frequency() or 30
    # only the fields set here: the server's update refuses the create-only ones (owner_resource)
    automation = crash_automation(frequency)
    wanted = AutomationCore(**automation.model_dump(exclude={"id"}, exclude_unset=True))
    with get_client(sync_client=True) as client:
        found = client.read_automations_by_name(AUTOMATION_NAME)
        if not found:
            return str(client.create_automation(wanted))
        first, *extra = found
        client.update_automation(first.id, wanted)
        for duplicate in extra:  # two serves started at once: keep one
            client.delete_automation(duplicate.id)
        return str(first.id)
