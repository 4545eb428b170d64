"""Version triage (diffing.classify): pairs of short travel-advice versions written for these
tests, each with the class a reader gives the change, checked by reading them."""

from __future__ import annotations

import pytest

from diffing.compare import version_diff

HEAD = "Ruritania travel advice.\n\n"


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        # trivial: contact details, dates, link text, typography
        (
            "For help call the embassy on +44 20 7946 0000.",
            "For help call the embassy on +44 20 7946 0999.",
            "trivial",
        ),
        (
            "If you are worried, call 020 7008.",
            "If you are worried, call 020 7008 5000.",
            "trivial",
        ),
        (
            "Write to consular@example.org for help.",
            "Write to desk@example.org for help.",
            "trivial",
        ),
        (
            "Lines are open Monday to Friday 9am to 5pm.",
            "Lines are open Monday to Saturday 8am to 8pm.",
            "trivial",
        ),
        (
            "Stay safe.",
            "Stay safe.\nYou can also send an enquiry via the web contact form.",
            "trivial",
        ),
        ("Take care on the roads.", "See Road travel Take care on the roads.", "trivial"),
        ("Updated: 4 March 2026\nStay safe.", "Updated: 9 March 2026\nStay safe.", "trivial"),
        # minor: wording without a formula, a level or a name
        (
            "Adults who live with you because of a medical illness count as family.",
            "Adults who live with you because of a medical condition count as family.",
            "minor",
        ),
        ("The office is near the station.", "The office is beside the station.", "minor"),
        ("Keep your docments safe.", "Keep your documents safe.", "minor"),
        # substantive: advice level, formula, modality, status, names, figures, new advice
        (
            "The FCDO advises against all but essential travel to Ruritania.",
            "The FCDO advises against all travel to Ruritania.",
            "substantive",
        ),
        (
            "You should follow local advice.",
            "If you cannot leave, stay indoors and follow local advice.",
            "substantive",
        ),
        (
            "Any military action would affect our ability to help.",
            "Any military action will affect our ability to help.",
            "substantive",
        ),
        (
            "The embassy in the capital is open.",
            "The embassy in the capital is closed.",
            "substantive",
        ),
        ("Consular staff work from Kyiv.", "Consular staff work from Lviv.", "substantive"),
        (
            "The UK has given £5 million in humanitarian aid.",
            "The UK has given £8 million in humanitarian aid.",
            "substantive",
        ),
        (
            "Stay safe.",
            "Stay safe.\nRoads to the northern border may be closed without warning.",
            "substantive",
        ),
        ("Stay safe.\nThe northern crossings are busy at night.", "Stay safe.", "substantive"),
    ],
)
def test_version_triage(old: str, new: str, expected: str) -> None:
    diff = version_diff(HEAD + old, HEAD + new, "a note")
    assert diff.classification == expected, diff.reasons
    assert diff.reasons


def test_contact_details_alone_are_never_a_silent_edit() -> None:
    phone = version_diff("Call +44 20 7946 0000.", "Call +44 20 7946 0999.", None)
    assert phone.classification == "trivial" and not phone.silent_edit
    level = version_diff(
        "We advise against all but essential travel.", "We advise against all travel.", None
    )
    assert level.classification == "substantive" and level.silent_edit


def test_the_reasons_name_what_weighed() -> None:
    diff = version_diff(
        "We advise against all but essential travel.", "We advise against all travel.", None
    )
    assert any("advice" in reason for reason in diff.reasons)
    minor = version_diff(
        "Adults living with you due to an illness count.",
        "Adults living with you due to a condition count.",
        None,
    )
    assert minor.reasons == ["wording: condition, illness"]
