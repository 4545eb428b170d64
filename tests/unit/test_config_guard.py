"""pipeline.config_guard.refusal: when a run must not sync its config into the archive."""

from __future__ import annotations

from pipeline.config_guard import Fingerprint, refusal

PROD = Fingerprint("/etc/deskwatch.yaml", "a" * 64, sources=6, subscriptions=5)
BUNDLED = Fingerprint(
    "/opt/seeds/deskwatch.yaml", "b" * 64, sources=1, subscriptions=0, bundled=True
)


def test_nothing_undone_is_never_refused() -> None:
    assert refusal(PROD, BUNDLED, disabling=0, ending=0, archive_sources=6) is None


def test_the_same_file_edited_is_the_operators_change() -> None:
    edited = Fingerprint(PROD.path, "c" * 64, sources=5, subscriptions=5)
    assert refusal(PROD, edited, disabling=1, ending=0, archive_sources=6) is None


def test_the_bundled_default_against_a_production_archive() -> None:
    assert refusal(PROD, BUNDLED, disabling=6, ending=5, archive_sources=6) == (
        "this archive was last run with /etc/deskwatch.yaml (6 sources); this run uses the "
        "bundled default config: not disabling 6 sources or ending 5 subscriptions; pass --sync "
        "to make this config the archive's"
    )


def test_an_archive_with_no_record_names_what_it_holds() -> None:
    reason = refusal(None, BUNDLED, disabling=1, ending=0, archive_sources=1)
    assert reason is not None
    assert reason.startswith("this archive has no record of the config it was last run with")
    assert "not disabling 1 source;" in reason


def test_a_fingerprint_survives_the_archive() -> None:
    assert Fingerprint.from_dict(PROD.to_dict()) == PROD
    assert Fingerprint.from_dict(None) is None
