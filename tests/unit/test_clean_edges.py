"""Clean edges (issue 17): what reaches the operator's terminal, the config values that end up
in mail headers, and the one line an error becomes."""

from __future__ import annotations

import errno
import json

import pytest

from core.errors import ConfigError, DeskwatchError, FetchError
from deskwatch.cli import ERROR_WIDTH, environment_error, error_line
from deskwatch.output import print_json, terminal_safe, terminal_text
from pipeline.alerting import SmtpConfig
from pipeline.settings import Settings, mail_settings

# --- the terminal -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, shown",
    [
        ("Statement on Freedonia", "Statement on Freedonia"),
        ("clear\x1b[2J\x1b[Hscreen", "clearscreen"),  # CSI: erase, cursor home
        ("red \x1b[1;31mtitle\x1b[0m", "red title"),
        ("title\x1b]0;window title\x07 set", "title set"),  # OSC with BEL
        ("link \x1b]8;;http://evil.example\x1b\\here\x1b]8;;\x1b\\", "link here"),  # OSC 8
        ("eight-bit \x9b31mCSI", "eight-bit CSI"),
        ("nul\x00 bell\x07 back\x08 cr\r del\x7f nel\x85", "nul bell back cr del nel"),
        ("keeps\ttab and\nnewline", "keeps\ttab and\nnewline"),
        ("bidi \u202egnp.exe\u202c", "bidi gnp.exe"),
        ("café 中文 – ok", "café 中文 – ok"),
    ],
)
def test_terminal_text_drops_what_a_terminal_would_act_on(raw, shown):
    assert terminal_text(raw) == shown


def test_terminal_safe_cleans_every_string_of_a_record():
    record = {"title": "a\x1b[31m", "tags": ["b\x07", ("c\x1b]0;x\x07",)], "id": 3, "at": None}
    assert terminal_safe(record) == {"title": "a", "tags": ["b", ["c"]], "id": 3, "at": None}


def test_json_escapes_control_characters_and_keeps_the_data(capsys):
    title = "x\x1b[31m\x9b\u202e y"
    print_json({"title": title})
    out = capsys.readouterr().out
    assert not any(c in out for c in "\x1b\x9b\u202e")
    assert json.loads(out) == {"title": title}


# --- header values in the config --------------------------------------------------------------


@pytest.mark.parametrize(
    "key, value",
    [
        ("unsubscribe", "mailto:desk@example.org\r\nBcc: all@example.org"),
        ("unsubscribe", "https://example.org/unsub\nX-Evil: 1"),
        ("unsubscribe", "https://example.org/a b"),
        ("unsubscribe", "https://example.org/>, <mailto:x@y.example"),
        ("mail_from", "desk@example.org\r\nBcc: all@example.org"),
        ("mail_from", "desk@example.org\n"),
    ],
)
def test_header_values_with_line_breaks_are_refused_at_load(key, value):
    with pytest.raises(ValueError, match="unsubscribe|invalid email"):
        SmtpConfig(**{key: value})


def test_an_ordinary_unsubscribe_and_from_load():
    smtp = SmtpConfig(unsubscribe="https://example.org/unsub?x=1", mail_from=" desk@example.org ")
    assert smtp.mail_from == "desk@example.org"


def test_deskwatch_mail_from_is_checked_as_the_file_is():
    """The variable wins over the file, so a CR/LF in it would reach every message's From."""
    bad = Settings(mail_from="desk@example.org\r\nBcc: all@example.org")
    with pytest.raises(ConfigError, match="DESKWATCH_MAIL_FROM") as caught:
        mail_settings(bad, SmtpConfig())
    assert "\n" not in error_line(caught.value)
    good = mail_settings(Settings(mail_from="desk@example.org"), SmtpConfig())
    assert good.mail_from == "desk@example.org"


# --- one line per error -----------------------------------------------------------------------


def test_a_short_error_is_its_own_line():
    assert error_line(FetchError("http://x.example/: HTTP 404")) == "http://x.example/: HTTP 404"


def test_a_long_error_is_cut_to_its_first_line_and_says_where_the_rest_is():
    sql = "tag: IntegrityError: (psycopg.errors.UniqueViolation) duplicate key " + "x" * 2700
    line = error_line(FetchError(sql + "\n[SQL: INSERT INTO tags ...]\n[parameters: ...]"))
    assert len(line) < ERROR_WIDTH + 120 and "\n" not in line
    assert line.startswith("tag: IntegrityError") and "deskwatch sources --json" in line
    assert "[SQL:" not in line


def test_a_long_error_of_no_known_kind_is_kept_in_a_file():
    text = "first line\n" + "detail " * 100
    line = error_line(DeskwatchError(text))
    path = line.rsplit("whole text is in ", 1)[1].rstrip("]")
    try:
        with open(path, encoding="utf-8") as file:
            assert file.read().strip() == text.strip()
    finally:
        import os

        os.unlink(path)


def test_an_error_line_carries_no_escape_sequence():
    assert error_line(FetchError("http://x.example/\x1b[2J: HTTP 500")) == (
        "http://x.example/: HTTP 500"
    )


def test_a_bug_is_not_dressed_up_as_an_environment_error():
    assert environment_error(KeyError("title")) is None
    assert environment_error(OSError(errno.ENOENT, "No such file")) is None
