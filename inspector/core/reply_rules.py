"""Which reply the receiver gives: plain decisions over plain data (h11 habit).

A `ReplyRule` says what to answer an HTTP request or a WebSocket upgrade. `decide_reply`
turns a rule and an attempt number into a `Reply`; `AttemptCounter` numbers attempts per
request_id (or per method+path when a body carries none), which is how "fail the first N
attempts, then 200" watches Deepgram's retries [CB].
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from .headers import Header

SUCCESS_STATUS = 200  # what "then succeed" answers after the failing attempts
DEFAULT_FAIL_STATUS = 500  # what the failing attempts get when no status is chosen


@dataclass(frozen=True)
class Reply:
    status: int
    headers: tuple[Header, ...] = ()
    body: bytes = b""
    delay: float = 0.0  # seconds to wait before answering


@dataclass(frozen=True)
class ReplyRule:
    """What to answer. With `fail_first` > 0 the first N attempts of each request_id get
    `fail_status` and later ones `SUCCESS_STATUS`; otherwise every reply gets `status`."""

    status: int = 200
    headers: tuple[Header, ...] = ()
    body: bytes = b""
    delay: float = 0.0
    fail_first: int = 0
    fail_status: int = DEFAULT_FAIL_STATUS
    # Matching (None = any). `path_prefix` matches the target's path.
    match_method: str | None = None
    match_path_prefix: str | None = None
    # WebSockets
    ws_refuse_status: int | None = None  # refuse the upgrade with this HTTP status
    ws_close_after_messages: int | None = None  # close after N messages from the client
    ws_close_after_seconds: float | None = None
    ws_close_code: int = 1000
    ws_close_reason: str = ""

    def matches(self, method: str, path: str) -> bool:
        if self.match_method is not None and method.upper() != self.match_method.upper():
            return False
        if self.match_path_prefix is not None and not path.startswith(self.match_path_prefix):
            return False
        return True


DEFAULT_RULE = ReplyRule()  # what the receiver answers when no rule matches: 200


def select_rule(rules: Sequence[ReplyRule], method: str, path: str) -> ReplyRule:
    """The first rule matching method and path; `DEFAULT_RULE` when none does."""
    for rule in rules:
        if rule.matches(method, path):
            return rule
    return DEFAULT_RULE


def decide_reply(rule: ReplyRule, attempt: int) -> Reply:
    """The reply for `attempt` (1-based) under `rule`."""
    if rule.fail_first > 0:
        status = rule.fail_status if attempt <= rule.fail_first else SUCCESS_STATUS
    else:
        status = rule.status
    body = rule.body
    headers = rule.headers
    if not body and status >= 400:
        # A failing reply says why, so a user reading Deepgram's side can tell it was us.
        body = f"callback-inspector: reply rule answered {status} (attempt {attempt})\n".encode()
        headers = (*headers, ("Content-Type", "text/plain; charset=utf-8"))
    return Reply(status=status, headers=headers, body=body, delay=rule.delay)


def attempt_key(method: str, path: str, request_id: str | None) -> str:
    """What makes two requests "the same callback": the request_id, else method + path."""
    if request_id:
        return f"id:{request_id}"
    return f"route:{method.upper()} {path}"


# How many keys `AttemptCounter` remembers. It is an LRU: every attempt moves its key to the
# newest end, so a key has to outlive only the gap between two attempts of one callback, not
# the whole retry window. Deepgram's gap is the retry delay (30 s) after an attempt that may
# itself take up to its timeout (30 s) [CB]: at most ~60 s. 16,384 keys cover that gap at
# ~270 new request_ids per second (the soak's 200 req/s with margin), and cost ~3 MB when full
# (~180 bytes a key, measured with tracemalloc). A bound by count, not by age, because only
# the count bounds memory: a flood of distinct ids would fill any time window.
ATTEMPT_MEMORY = 16_384


class AttemptCounter:
    """Numbers the attempts of each key: 1, 2, 3... Bounded (`max_keys`, default
    `ATTEMPT_MEMORY`): beyond it the least recently seen key is forgotten, and its next
    attempt counts as 1 again. A flood of distinct request_ids cannot grow memory forever."""

    def __init__(self, max_keys: int = ATTEMPT_MEMORY) -> None:
        if max_keys < 1:
            raise ValueError(f"an attempt counter needs room for at least one key, not {max_keys}")
        self._counts: OrderedDict[str, int] = OrderedDict()
        self._max_keys = max_keys

    @property
    def max_keys(self) -> int:
        return self._max_keys

    def __len__(self) -> int:
        """Keys remembered now (never more than `max_keys`)."""
        return len(self._counts)

    def next_attempt(self, key: str) -> int:
        count = self._counts.pop(key, 0) + 1
        self._counts[key] = count  # the newest end: a key seen again is kept longest
        if len(self._counts) > self._max_keys:
            self._counts.popitem(last=False)
        return count

    def reset(self) -> None:
        self._counts.clear()
