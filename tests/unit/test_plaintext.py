"""Title and date inference for plain-text releases."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from ingest.plaintext import infer_published_date, infer_title

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the seed's own style: weekday and day-month, no year -> latest past year that fits
        ("Arriving in Japan today (Tuesday 7 November) for the G7", date(2023, 11, 7)),
        ("On Tuesday, 7th November the minister", date(2023, 11, 7)),
        ("Speaking on Friday 1 March, she said", date(2024, 3, 1)),
        # 29 February on a Monday: only leap years count
        ("Monday 29 February", date(2016, 2, 29)),
        # no weekday: the latest such day not in the future
        ("On 12 December the talks resume", date(2025, 12, 12)),
        ("On 3 January the talks resume", date(2026, 1, 3)),
        # with a year, in several styles
        ("Published 3 March 2021.", date(2021, 3, 3)),
        ("Tuesday, November 7, 2023 - Washington", date(2023, 11, 7)),
        ("November 7th, 2023", date(2023, 11, 7)),
        ("Release date: 2023-11-07", date(2023, 11, 7)),
        ("Dated 07/11/2023 (London)", date(2023, 11, 7)),
        ("7 Nov. 2023", date(2023, 11, 7)),
        ("Wed 8 Nov", date(2023, 11, 8)),
        # the first date in the text wins, whatever its style
        ("On 2 May 2022 we wrote; on 2023-01-01 we wrote again", date(2022, 5, 2)),
    ],
)
def test_infer_published_date(text: str, expected: date) -> None:
    assert infer_published_date(text, NOW) == expected


@pytest.mark.parametrize(
    "text",
    ["No date at all here.", "Room 101 on floor 31", "The 45th president", "31 February 2023"],
)
def test_no_date(text: str) -> None:
    assert infer_published_date(text, NOW) is None


def test_future_dates_without_year_roll_back() -> None:
    # 28 November has not yet come in 2026 at NOW (27 November): last year's
    assert infer_published_date("Thursday 28 November", NOW) == date(2024, 11, 28)
    assert infer_published_date("28 November", NOW) == date(2025, 11, 28)


def test_infer_title_uses_first_sentence_without_asides() -> None:
    text = "Arriving in Japan today (Tuesday 7 November) for talks. More follows.\n\nSecond."
    assert infer_title(text) == "Arriving in Japan today for talks"


def test_infer_title_cuts_long_sentences_at_a_word() -> None:
    text = (
        "The Foreign Secretary will travel to the region this week to meet partners and "
        "discuss the situation with counterparts from across the world."
    )
    title = infer_title(text)
    assert title.endswith("…")
    assert len(title.split()) <= 14
    assert not title[:-1].endswith(("the", "to", "and"))


def test_infer_title_of_empty_text() -> None:
    assert infer_title("   \n ") == "Untitled release"
