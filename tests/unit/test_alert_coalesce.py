"""Which claimed alerts go out as one mail and which wait (alerts.coalesce): pure, every expected
plan worked out by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from alerts.coalesce import Queued, plan_mails

NOW = datetime(2023, 10, 9, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def q(
    alert_id: int, number: int, email: str = "a@x.org", release: int = 7, freq: str = "immediate"
):
    return Queued(alert_id, email, release, number, freq)


def test_successive_versions_of_one_page_to_one_person_are_one_mail_led_by_the_newest() -> None:
    plan = plan_mails(
        [q(3, 4), q(1, 2), q(2, 3), q(4, 2, email="b@x.org")], {}, now=NOW, window=HOUR
    )
    assert [[a.alert_id for a in m.alerts] for m in plan.mails] == [[1, 2, 3], [4]]
    assert [(m.leader.alert_id, m.first_number) for m in plan.mails] == [(3, 2), (4, 2)]
    assert plan.held == {}


def test_a_page_that_mailed_the_person_within_the_window_waits_for_its_end() -> None:
    mailed = {("a@x.org", 7): NOW - timedelta(minutes=20), ("b@x.org", 7): NOW - 2 * HOUR}
    plan = plan_mails([q(1, 3), q(2, 4), q(3, 3, email="b@x.org")], mailed, now=NOW, window=HOUR)
    assert plan.held == {NOW + timedelta(minutes=40): [1, 2]}
    assert [m.leader.alert_id for m in plan.mails] == [3]  # b's last mail is older than the window


def test_digests_and_a_zero_window_never_hold() -> None:
    mailed = {("a@x.org", 7): NOW - timedelta(minutes=1)}
    daily = plan_mails([q(1, 3, freq="daily"), q(2, 4, freq="daily")], mailed, now=NOW, window=HOUR)
    assert daily.held == {} and [m.leader.alert_id for m in daily.mails] == [2]
    zero = plan_mails([q(1, 3)], mailed, now=NOW, window=timedelta(0))
    assert zero.held == {} and len(zero.mails) == 1
