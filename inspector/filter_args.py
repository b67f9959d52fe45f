"""`--filter EXPR` for the commands that take one (`serve`, `export`): the filter language of
the window's filter box (core/filter_expr.py). A mistake is argparse's exit 2 with the same
message the window shows under its box."""

from __future__ import annotations

import argparse

from .core.filter_expr import FIELDS, parse_filter
from .core.row_expr import Pred


def filter_expression(text: str) -> Pred | None:
    """argparse `type=`: the condition of `text`, or ArgumentTypeError saying what is wrong."""
    parsed = parse_filter(text)
    if not parsed.ok:
        raise argparse.ArgumentTypeError(f"{text!r}: {parsed.error}")
    return parsed.condition


def add_filter_flag(parser: argparse.ArgumentParser | argparse._ArgumentGroup, what: str) -> None:
    """Add `--filter EXPR`; `what` says what it narrows ("print only ...")."""
    parser.add_argument(
        "--filter",
        type=filter_expression,
        default=None,
        metavar="EXPR",
        help=f"{what}: a filter expression as in the window's filter box, e.g. "
        "'status:5xx -path:/health*', 'method:PUT OR attempt:>1', 'transcript:\"nine\"'. "
        f"Fields: {', '.join(f + ':' for f in FIELDS)}; ws; any other word is searched for; "
        "space is AND, OR is OR, -x leaves x out, ( ) group (see README: Filter expressions)",
    )
