"""How an allow-list of hosts reads a URL's host and port (ingest.fetch.host_allowed): the rule
every redirect hop and every followed entry link is held to."""

from __future__ import annotations

import pytest

from ingest.fetch import host_allowed, origin_of


@pytest.mark.parametrize(
    "url, allowed",
    [
        ("https://www.example.org/a", True),  # a bare host: its default port
        ("http://www.example.org/a", True),
        ("http://www.example.org:80/a", True),
        ("https://WWW.Example.org:443/a", True),
        ("https://www.example.org:8443/a", False),  # another port of an allowed host
        ("http://www.example.org:6379/", False),
        ("http://www.example.org:443/", False),  # 443 is not http's default
        ("http://127.0.0.1:8080/feed", True),  # host:port admits that port
        ("http://127.0.0.1/feed", False),
        ("http://127.0.0.1:8081/feed", False),
        ("http://www.example.org:99999/", False),  # not a port at all
        ("http://evil.example/", False),
        ("http://www.example.org.evil.example/", False),
    ],
)
def test_host_allowed(url, allowed):
    assert host_allowed(url, {"www.example.org", "127.0.0.1:8080"}) is allowed


def test_origin_names_a_port_only_when_it_is_not_the_default():
    assert origin_of("https://www.example.org/x") == "www.example.org"
    assert origin_of("http://www.example.org:80/x") == "www.example.org"
    assert origin_of("http://127.0.0.1:8080/x") == "127.0.0.1:8080"
    assert host_allowed("http://127.0.0.1:8080/y", {origin_of("http://127.0.0.1:8080/x")})
