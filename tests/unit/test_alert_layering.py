"""The alert stage's pure modules (matching, composition, subscription specs, digest periods)
import no IO library: only alerts/mailer.py talks to the outside world."""

from __future__ import annotations

import pytest

from tests.unit.test_layering import FORBIDDEN, PACKAGES, ROOT, imported_roots

PURE = ["alerts/matching.py", "alerts/compose.py", "alerts/digest.py", "core/subscriptions.py"]


@pytest.mark.parametrize("name", PURE)
def test_pure_alert_modules_import_no_io(name: str) -> None:
    assert not imported_roots(ROOT / name) & (FORBIDDEN | (PACKAGES - {"core", "alerts"}))


def test_only_the_mailer_uses_smtplib() -> None:
    users = sorted(
        str(p.relative_to(ROOT))
        for p in (ROOT / "alerts").glob("*.py")
        if "smtplib" in imported_roots(p)
    )
    assert users == ["alerts/mailer.py"]
