"""core.release_dates: published, else updated, else first seen, and the label that says which."""

from __future__ import annotations

from datetime import date, datetime

from core.release_dates import FIRST_SEEN, PUBLISHED, UPDATED, date_label, release_date

P, U, S = datetime(2023, 10, 9, 8), datetime(2023, 10, 12, 9), datetime(2026, 11, 27, 6)


def test_the_first_date_given_wins() -> None:
    assert release_date(P, U, S) == (P, PUBLISHED)
    assert release_date(None, U, S) == (U, UPDATED)
    assert release_date(None, None, S) == (S, FIRST_SEEN)
    assert release_date(None, None, None) == (None, FIRST_SEEN)


def test_the_label_says_which_date_unless_it_is_the_publication_date() -> None:
    assert date_label(P, PUBLISHED) == "2023-10-09"
    assert date_label(U, UPDATED) == "2023-10-12 (updated)"
    assert date_label(date(2026, 11, 27), FIRST_SEEN) == "2026-11-27 (seen)"
    assert date_label(None, FIRST_SEEN) == ""
