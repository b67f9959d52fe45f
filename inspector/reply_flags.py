"""`serve`'s reply flags: `--rules FILE`, and the shorthand flags for a one-rule list.

The shorthand flags build rule tables and go through `core.rules_file.rule_from_table`, the
constructor the rules file and the window's rule editor use too, so `--fail-first 2
--reply-status 503` is exactly the rule `{ fail_first = 2, status = 503 }` of a file or of the
editor. A mistake (`--fail-first 2 --reply-status 200`) is said in the flags' own words.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any

from .core.rules import DEFAULT_FAIL_STATUS, Rule
from .core.rules_file import RuleError, delay_ms, quick_tables, rule_from_table
from .store.rules_files import read_rules_file

# Values are checked by the rule constructor, as a file's are: argparse only parses numbers.
# The rule-table key each shorthand flag fills, to say a mistake in the flag's name.
_FLAG_OF_KEY = {
    "status": "--reply-status",
    "delay_ms": "--reply-delay",
    "fail_first": "--fail-first",
    "close_after_messages": "--ws-close-after",
    "close_after_seconds": "--ws-close-after-seconds",
    "close_code": "--ws-close-code",
    "close_reason": "--ws-close-reason",
}
_SHORTHAND = (
    "reply_status",
    "reply_delay",
    "fail_first",
    "ws_refuse",
    "ws_close_after",
    "ws_close_after_seconds",
    "ws_close_code",
    "ws_close_reason",
)


class ReplyFlagsError(ValueError):
    """Reply flags that make no rule: the message names the flags."""


_RULES_HELP = (
    "an ordered list of reply rules in TOML ([[rule]] tables; README: Reply rules); the first "
    "enabled rule that matches answers. A mistake in it exits 2 naming the line and key"
)


def add_rules_file_flag(parser: argparse.ArgumentParser) -> None:
    """`gui --rules FILE`: the window starts with these rules (instead of its saved ones)."""
    parser.add_argument("--rules", type=Path, metavar="FILE", help=_RULES_HELP)


def add_reply_flags(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group(
        "reply rules (what the receiver answers; 200 when no rule matches)"
    )
    g.add_argument(
        "--rules",
        type=Path,
        metavar="FILE",
        help=f"{_RULES_HELP}. The shorthand flags below make a one-rule list instead",
    )
    g.add_argument(
        "--reply-status",
        type=int,
        metavar="CODE",
        help="status of every reply (200-599); with --fail-first, the status of the failing "
        f"attempts (default {DEFAULT_FAIL_STATUS})",
    )
    g.add_argument(
        "--reply-delay",
        type=float,
        metavar="SECONDS",
        help="wait this long before each reply (default: 0)",
    )
    g.add_argument(
        "--fail-first",
        type=int,
        metavar="N",
        help="fail the first N attempts of each callback (its request_id; a streaming "
        "message by its request_id and the message) with --reply-status, then answer 200",
    )
    g.add_argument(
        "--ws-refuse",
        type=int,
        metavar="STATUS",
        help="refuse WebSocket upgrades with this HTTP status",
    )
    g.add_argument(
        "--ws-close-after",
        type=int,
        metavar="N",
        help="close each WebSocket after the client's Nth message",
    )
    g.add_argument(
        "--ws-close-after-seconds",
        type=float,
        metavar="SECONDS",
        help="close each WebSocket this long after it opened",
    )
    g.add_argument(
        "--ws-close-code",
        type=int,
        metavar="CODE",
        help="close code for --ws-close-after(-seconds) (default: 1000)",
    )
    g.add_argument(
        "--ws-close-reason",
        metavar="TEXT",
        help="close reason for --ws-close-after(-seconds)",
    )


def shorthand_tables(args: argparse.Namespace) -> list[dict[str, Any]]:
    """The rule tables of the shorthand flags (`core.rules_file.quick_tables`)."""
    return quick_tables(
        status=args.reply_status,
        delay_ms=None if args.reply_delay is None else delay_ms(args.reply_delay),
        fail_first=args.fail_first,
        ws_refuse=args.ws_refuse,
        ws_close_after=args.ws_close_after,
        ws_close_after_seconds=args.ws_close_after_seconds,
        ws_close_code=args.ws_close_code,
        ws_close_reason=args.ws_close_reason,
    )


def rules_from_args(args: argparse.Namespace) -> tuple[Rule, ...]:
    """The rules `--rules FILE` or the shorthand flags give (none: 200 to everything).

    Raises core.rules_file.RulesFileError for a bad file, ReplyFlagsError for flags that
    make no rule."""
    given = [f"--{n.replace('_', '-')}" for n in _SHORTHAND if getattr(args, n) is not None]
    if args.rules is not None:
        if given:
            raise ReplyFlagsError(
                f"--rules and {', '.join(given)} both given: put every rule in the file"
            )
        return read_rules_file(args.rules)
    for flag, seconds in (
        ("--reply-delay", args.reply_delay),
        ("--ws-close-after-seconds", args.ws_close_after_seconds),
    ):
        if seconds is not None and not (math.isfinite(seconds) and seconds >= 0):
            raise ReplyFlagsError(f"{flag}: {seconds} is not a number of seconds (0 or more)")
    closes = args.ws_close_after is not None or args.ws_close_after_seconds is not None
    if args.ws_refuse is not None and closes:
        raise ReplyFlagsError("--ws-refuse with --ws-close-after: a refused socket never opens")
    if not closes and (args.ws_close_code is not None or args.ws_close_reason is not None):
        raise ReplyFlagsError(
            "--ws-close-code and --ws-close-reason need --ws-close-after or "
            "--ws-close-after-seconds"
        )
    rules = []
    for table in shorthand_tables(args):
        try:
            rules.append(rule_from_table(table))
        except RuleError as exc:
            refusing = "match" in table  # the --ws-refuse rule: its status is that flag's
            flag = "--ws-refuse" if refusing else _FLAG_OF_KEY.get(exc.key, exc.key)
            raise ReplyFlagsError(f"{flag}: {exc.message}") from None
    return tuple(rules)
