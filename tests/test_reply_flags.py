"""`serve`'s reply flags: the shorthand for a one-rule list, and what makes no rule."""

from __future__ import annotations

import pytest

from inspector.cli import build_parser
from inspector.core.rules import CloseSocket, FailFirst, Respond
from inspector.reply_flags import ReplyFlagsError, rules_from_args


def _rules(*flags: str):
    return rules_from_args(build_parser().parse_args(["serve", *flags]))


def test_the_shorthand_flags_make_the_rules_they_say():
    assert _rules() == ()
    (only,) = _rules("--reply-status", "503", "--reply-delay", "0.3")
    assert only.action == Respond(503, delay=0.3) and not only.for_websockets
    fail, slow = _rules("--fail-first", "2", "--reply-delay", "1")  # passing attempts too
    assert fail.action == FailFirst(2, Respond(500, delay=1.0))
    assert slow.action == Respond(200, delay=1.0)
    (ws,) = _rules("--ws-close-after-seconds", "2.5", "--ws-close-code", "4001")
    assert ws.action == CloseSocket(after_seconds=2.5, code=4001)
    (refuse,) = _rules("--ws-refuse", "403")
    assert refuse.for_websockets and refuse.action.status == 403


@pytest.mark.parametrize(
    ("flags", "says"),
    [
        (["--fail-first", "2", "--reply-status", "200"], "--reply-status: 200 with fail_first"),
        (["--reply-status", "700"], "--reply-status: 700 is out of range (200-599)"),
        (["--reply-delay", "-1"], "--reply-delay: -1.0 is not a number of seconds"),
        (["--fail-first", "0", "--reply-status", "503"], "--fail-first: 0 fails no attempt"),
        (["--ws-close-code", "1011"], "--ws-close-code and --ws-close-reason need"),
        (["--ws-close-after", "2", "--ws-close-code", "1006"], "--ws-close-code: 1006 is never"),
        (["--ws-refuse", "403", "--ws-close-after", "1"], "a refused socket never opens"),
        (["--ws-refuse", "101"], "--ws-refuse: 101 is an interim status"),
        (["--rules", "r.toml", "--fail-first", "1"], "--rules and --fail-first both given"),
    ],
)
def test_flags_that_make_no_rule_say_so_by_the_flags_names(flags, says):
    with pytest.raises(ReplyFlagsError) as caught:
        _rules(*flags)
    assert says in str(caught.value)
