"""The process-wide politeness pacer hands out each host's request slots in turn."""

from __future__ import annotations

from ingest.fetch import PACER, Fetcher, FetchPolicy, HostPacer


def test_slots_per_host_in_turn() -> None:
    now = [100.0]
    pacer = HostPacer(clock=lambda: now[0])
    assert pacer.reserve("www.gov.uk", 1.0) == 0.0
    assert pacer.reserve("www.gov.uk", 1.0) == 1.0  # a second source at the same moment
    assert pacer.reserve("www.gov.uk", 1.0) == 2.0
    assert pacer.reserve("example.org", 1.0) == 0.0  # another host does not wait
    now[0] = 110.0
    assert pacer.reserve("www.gov.uk", 1.0) == 0.0  # long after: no wait
    assert pacer.reserve("www.gov.uk", 0.0) == 1.0  # the slot already taken still counts
    assert pacer.reserve("www.gov.uk", 0.0) == 1.0


def test_fetchers_share_the_process_pacer_unless_given_a_clock() -> None:
    with Fetcher(FetchPolicy()) as one, Fetcher(FetchPolicy()) as two:
        assert one._pacer is PACER and two._pacer is PACER
    with (
        Fetcher(FetchPolicy(), clock=lambda: 0.0) as own,
        Fetcher(FetchPolicy(), sleep=lambda _s: None) as fake,
    ):
        assert own._pacer is not PACER and fake._pacer is not PACER
