"""Flags made from the settings dataclasses (`core.settings` and the others that declare
`cli_flag` in their fields' metadata), and the argument types they use.

Every command that takes settings (`serve`, `gui`, `check-handler`, the public URL and fault
flag groups) builds its flags here, so `--help` and the defaults can never drift apart; the
commands' modules import this one, never `cli` (which imports them).
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Callable, Sequence
from typing import Any


def _zero_or_more(text: str, parse: Callable[[str], Any], what: str) -> Any:
    try:
        value = parse(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not {what}: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more: {text!r}")
    return value


def positive_float(text: str) -> float:
    return float(_zero_or_more(text, float, "a number"))


def non_negative_int(text: str) -> int:
    return int(_zero_or_more(text, int, "a whole number"))


def port(text: str) -> int:
    value = non_negative_int(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"not a port (0-65535): {text!r}")
    return value


_TYPES: dict[str, Any] = {"port": port, "float": positive_float, "int": non_negative_int}


def add_settings_flags(
    parser: argparse.ArgumentParser | argparse._ArgumentGroup, cls: type, skip: Sequence[str] = ()
) -> None:
    """One flag per settings field that declares `cli_flag`, with its help and default."""
    for f in dataclasses.fields(cls):
        flag = f.metadata.get("cli_flag")
        if not flag or f.name in skip:
            continue
        default = f.default
        shown = default is not None and not isinstance(default, bool)
        help_text = f"{f.metadata['help']}" + (f" (default: {default})" if shown else "")
        dest = f"{cls.__name__}.{f.name}"
        if isinstance(default, bool):
            # A flag that is on by default needs its --no- form to be of any use.
            action = argparse.BooleanOptionalAction if default else "store_true"
            parser.add_argument(flag, dest=dest, action=action, default=default, help=help_text)
            continue
        kind = (
            "port"
            if f.name.endswith("port")
            else (
                "float"
                if isinstance(default, float)
                else "int"
                if isinstance(default, int)
                else None
            )
        )
        parser.add_argument(
            flag,
            dest=dest,
            type=_TYPES.get(kind or "", str),
            default=default,
            metavar=f.metadata.get("metavar"),
            help=help_text,
        )


def settings_from_args(args: argparse.Namespace, cls: type) -> Any:
    values = {
        name.split(".", 1)[1]: value
        for name, value in vars(args).items()
        if name.startswith(cls.__name__ + ".")
    }
    return cls(**values)
