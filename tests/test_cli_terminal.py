"""Terminal sanitising (monuv_async.cli.terminal): server text shown, never obeyed."""

from __future__ import annotations

import json

import pytest

from monuv_async.cli.terminal import for_terminal, json_for_terminal


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("\x1b]52;c;ZXZpbA==\x07", "\\x1b]52;c;ZXZpbA==\\x07"),  # OSC 52 writes the clipboard
        ("\x1b[2J", "\\x1b[2J"),  # clears the screen
        ("failed\rok: client blocked", "failed\\x0dok: client blocked"),
        ("a\nb", "a\\x0ab"),
        ("\x9b31m", "\\x9b31m"),  # C1 CSI
        ("\x7f", "\\x7f"),
        ("abc\u202etxt.exe", "abc\\u202etxt.exe"),  # bidi override
        ("\x00", "\\x00"),
    ],
)
def test_control_characters_are_escaped_visibly(text: str, shown: str) -> None:
    """ESC, BEL, CR, LF, C1, DEL, NUL and bidi overrides become visible escapes."""
    assert for_terminal(text) == shown


def test_ordinary_text_is_untouched() -> None:
    """Accents, tabs and punctuation pass as they are."""
    text = "Câmera IP\tSão Paulo: 11.222.333/0001-81 — ok"
    assert for_terminal(text) == text


def test_newlines_may_be_kept_for_text_the_command_composed() -> None:
    """With keep_newlines, a table keeps its lines but not a CR or ESC inside them."""
    assert for_terminal("a\nb\r\x1b", keep_newlines=True) == "a\nb\\x0d\\x1b"


def test_no_control_character_survives() -> None:
    """Every C0/C1 control and DEL, whatever its neighbours, comes out escaped (tab aside)."""
    text = "".join(chr(c) for c in [*range(0x20), *range(0x7F, 0xA0)])
    shown = for_terminal(text)
    assert all(c == "\t" or c.isprintable() for c in shown)


def test_json_for_terminal_escapes_c1_and_bidi_and_stays_the_same_json() -> None:
    """The C1 CSI and a bidi override that json.dumps lets through become \\uNNNN:
    no control character is left, the text still parses to the same value, and the
    newlines between values stay."""
    value = {"name": "x\x9b31m\u202etxt.exe\x1b", "n": 1}
    text = json.dumps(value, ensure_ascii=False, indent=2) + "\n"
    assert "\x9b" in text  # what the fix is about: json.dumps keeps it
    shown = json_for_terminal(text)
    assert not any(c in shown for c in "\x9b\u202e\x1b")
    assert json.loads(shown) == value
    assert shown.count("\n") == text.count("\n")
