"""The send stage fails at once on a bad setting (no wait mends it) and is retried on an outage;
the From address may name a host without a dot (the default, deskwatch@localhost), and a header
break in it is refused at load."""

from __future__ import annotations

import pytest

from core.errors import ConfigError, DeliveryError, UsageError
from pipeline.alerting import check_mail_from
from pipeline.plan import send_retries
from pipeline.scheduling import RunConfig


def test_send_is_retried_on_an_outage_but_not_on_a_bad_setting() -> None:
    retries = send_retries(RunConfig(send_retries=2))
    assert retries.wanted(DeliveryError("mail server unavailable"))
    assert retries.wanted(OSError("connection reset"))
    assert not retries.wanted(ConfigError("smtp.mail_from: invalid email address"))
    assert not retries.wanted(UsageError("unknown channel"))


@pytest.mark.parametrize(
    "value", ["deskwatch@localhost", "alerts@fcdo.gov.uk", " desk@example.org "]
)
def test_a_from_address_a_header_can_carry_is_accepted(value: str) -> None:
    check_mail_from(value)


@pytest.mark.parametrize(
    "value", ["desk@example.org\r\nBcc: x@example.org", "no-at-sign", "@host", "desk@", "a b@host"]
)
def test_a_from_address_that_would_break_a_header_is_refused(value: str) -> None:
    with pytest.raises(ValueError, match="invalid email address"):
        check_mail_from(value)
