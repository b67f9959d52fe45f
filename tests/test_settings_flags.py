"""Flags made from a settings dataclass (inspector/settings_flags.py): one flag per field that
declares `cli_flag`, its default and help from the field, and argument types that say what
is wrong with a value."""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field

import pytest

from inspector.settings_flags import (
    add_settings_flags,
    non_negative_int,
    port,
    positive_float,
    settings_from_args,
)


@dataclass(frozen=True)
class Knobs:
    port: int = field(default=8080, metadata={"cli_flag": "--port", "help": "where"})
    delay: float = field(default=0.5, metadata={"cli_flag": "--delay", "help": "how long"})
    count: int = field(default=3, metadata={"cli_flag": "--count", "help": "how many"})
    loud: bool = field(default=True, metadata={"cli_flag": "--loud", "help": "say it"})
    name: str | None = field(default=None, metadata={"cli_flag": "--name", "help": "who"})
    hidden: int = 7  # no cli_flag: no flag


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="t", exit_on_error=False)
    add_settings_flags(parser, Knobs)
    return parser


def test_flags_come_from_the_fields_with_their_defaults_and_types():
    parser = _parser()
    assert settings_from_args(parser.parse_args([]), Knobs) == Knobs()
    args = parser.parse_args(["--port", "0", "--delay", "2", "--count", "0", "--no-loud"])
    assert settings_from_args(args, Knobs) == Knobs(port=0, delay=2.0, count=0, loud=False)
    assert "(default: 8080)" in parser.format_help() and "--hidden" not in parser.format_help()


@pytest.mark.parametrize(
    ("parse", "text", "message"),
    [
        (non_negative_int, "x", "not a whole number: 'x'"),
        (non_negative_int, "1.5", "not a whole number: '1.5'"),
        (non_negative_int, "-1", "must be 0 or more: '-1'"),
        (positive_float, "abc", "not a number: 'abc'"),
        (positive_float, "-0.1", "must be 0 or more: '-0.1'"),
        (port, "65536", "not a port (0-65535): '65536'"),
        (port, "-2", "must be 0 or more: '-2'"),
    ],
)
def test_a_bad_value_says_what_is_wrong(parse, text, message):
    with pytest.raises(argparse.ArgumentTypeError) as raised:
        parse(text)
    assert str(raised.value) == message


def test_good_values_are_read():
    assert (non_negative_int("0"), positive_float("2.5"), port("65535")) == (0, 2.5, 65535)
