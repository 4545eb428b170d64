"""What moved, ranked (diffing.significance): pairs of short statements written for these tests,
each with the moves a reader names, checked by reading them."""

from __future__ import annotations

import json

from diffing.significance import significance


def labels(old: str, new: str) -> list[list[str]]:
    """The labels of each move, most significant move first."""
    return [[str(label) for label in move.labels] for move in significance(old, new).moves]


def test_a_reworded_sentence_is_one_move_shown_as_the_pair() -> None:
    old = "The UK calls for humanitarian pauses to let aid into Gaza."
    new = "The UK calls for a sustainable ceasefire to let aid into Gaza."
    moved = significance(old, new)
    assert len(moved.moves) == 1
    move = moved.moves[0]
    assert move.kind == "reworded" and (move.before, move.after) == (old, new)
    assert [str(label) for label in move.labels] == [
        "formula_added: sustainable ceasefire",
        "formula_dropped: humanitarian pause",
    ]
    assert ("-", "humanitarian pauses") in move.word_diff
    assert ("+", "a sustainable ceasefire") in move.word_diff


def test_a_move_along_the_advice_scale_leads() -> None:
    old = "The FCDO advises against all but essential travel to Ruritania.\n\nCarry your passport."
    new = "The FCDO advises against all travel to Ruritania.\n\nCarry your passport."
    moved = significance(old, new)
    lead = moved.headlines()[0]
    assert lead.kind == "scale" and lead.label == "scale: advice all-but-essential -> all"
    assert lead.before is not None and "all but essential" in lead.before
    assert lead.after is not None and "against all travel" in lead.after
    assert lead.category == "advice"


def test_the_condemnation_scale_counts_the_steps_moved() -> None:
    concern = significance(
        "We express concern about the attacks.", "We condemn the attacks."
    ).moves[0]
    strongly = significance(
        "We express concern about the attacks.", "We strongly condemn the attacks."
    ).moves[0]
    assert concern.label == "scale: condemnation concern -> condemn"
    assert strongly.label == "scale: condemnation concern -> strongly-condemn"
    assert strongly.score == 2 * concern.score


def test_modal_and_negation_shifts_inside_a_reworded_sentence() -> None:
    assert labels("The UK would support talks.", "The UK will support talks.") == [
        ["scale: modality would -> will"]
    ]
    assert labels(
        "The parties should release the detainees.", "The parties must release the detainees."
    ) == [["scale: modality should -> must"]]
    assert labels("We do not support the resolution.", "We support the resolution.") == [
        ["negation: do not support -> support"]
    ]
    assert labels("We support the resolution.", "We cannot support the resolution.") == [
        ["negation: support -> cannot support"]
    ]


def test_a_figure_of_aid_moves_but_a_bare_amount_is_a_detail() -> None:
    moved = significance(
        "The UK will provide £10 million in humanitarian aid.",
        "The UK will provide £25 million in humanitarian aid.\n\nThe reception cost £5,000.",
    )
    assert [str(label) for label in moved.moves[0].labels] == ["figure: £10 million -> £25 million"]
    assert all("£5,000" not in str(label) for move in moved.moves for label in move.labels)
    assert ("money", "£5,000") in {(d.kind, d.text) for d in moved.details}


def test_a_named_party_added_and_a_formula_added() -> None:
    old = "We are working with partners on a diplomatic solution."
    new = (
        "We are working with partners on a diplomatic solution.\n\n"
        "We will stand with Ruritania for as long as it takes, and we urge Iran to stop."
    )
    (move,) = significance(old, new).moves
    assert move.kind == "added" and move.after == new.split("\n\n")[1]
    assert [str(label) for label in move.labels] == [
        "formula_added: as long as it takes",
        "formula_added: unwavering support",
        "party_added: Iran",
    ]


def test_a_formula_that_moves_to_another_sentence_did_not_move() -> None:
    old = "We call for a ceasefire. Aid must reach civilians."
    new = "Aid must reach civilians now. A ceasefire is needed."
    assert not any(
        str(label).startswith("formula")
        for move in significance(old, new).moves
        for label in move.labels
    )


def test_a_general_formula_inside_a_specific_one_is_not_dropped() -> None:
    old = "There must be a ceasefire."
    new = "We welcome the ceasefire negotiations in Doha."
    flat = [label for move in labels(old, new) for label in move]
    assert "formula_added: ceasefire negotiations" in flat
    assert "formula_dropped: ceasefire" not in flat


def test_boilerplate_names_dates_and_contact_details_are_details_not_moves() -> None:
    old = (
        "The Prime Minister spoke to President Maria Lopez of Ruritania this morning.\n\n"
        "For help call +44 20 7946 0000 or write to help@example.org."
    )
    new = (
        "The Prime Minister spoke to President Jon Berg of Ruritania this afternoon.\n\n"
        "For help call +44 20 7946 0999 or write to desk@example.org.\n\n"
        "Updated: 4 March 2026"
    )
    moved = significance(old, new)
    assert moved.moves == ()
    details = {(d.kind, d.text) for d in moved.details}
    assert ("boilerplate", new.split("\n\n")[0]) in details
    assert ("phone", "+44 20 7946 0999") in details
    assert ("email", "desk@example.org") in details


def test_identical_texts_have_no_moves_and_the_result_is_json() -> None:
    assert significance("We call for a ceasefire.", "We call for a ceasefire.").moves == ()
    moved = significance(
        "We call for humanitarian pauses in Gaza now.", "We call for a ceasefire in Gaza now."
    )
    payload = json.loads(json.dumps(moved.to_dict()))
    assert payload["headlines"] == ["formula_added: ceasefire"]
    assert payload["moves"][0]["labels"] == [
        "formula_added: ceasefire",
        "formula_dropped: humanitarian pause",
    ]
    assert payload["moves"][0]["before"] == "We call for humanitarian pauses in Gaza now."
    assert payload["lexicon_version"].startswith("2026")


def test_headlines_are_the_top_few_that_matter() -> None:
    old = "The embassy is in the capital."
    new = (
        "The embassy is in the capital.\n\n"
        "We call for an immediate ceasefire.\n\n"
        "Sanctions will follow.\n\n"
        "The right to self-defence is not in doubt.\n\n"
        "Hostages must be released.\n\n"
        "The weather was fine."
    )
    moved = significance(old, new)
    assert len(moved.moves) == 5
    assert [m.label for m in moved.headlines()] == [
        "formula_added: immediate ceasefire",
        "formula_added: sanctions",
        "formula_added: right to self-defence",
    ]
    assert moved.moves[-1].label == "sentence added" and moved.moves[-1].score < 1.5
    assert [m.label for m in moved.headlines(k=10)][-1] == "formula_added: release of hostages"


def test_an_alignment_the_caller_has_is_used_as_given() -> None:
    from diffing.align import align
    from diffing.compare import Text

    old = Text("We call for humanitarian pauses in Gaza now.\n\nAid must flow.")
    new = Text("We call for a ceasefire in Gaza now.\n\nAid must flow.")
    given = align(old.sentences, new.sentences)
    assert significance(old, new, alignment=given) == significance(old, new)
    nothing = align([], [])  # an alignment that pairs nothing: nothing moved
    assert significance(old, new, alignment=nothing).moves == ()
