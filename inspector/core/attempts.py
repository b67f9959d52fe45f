"""Which attempt of a callback a request is: plain decisions over plain data (h11 habit).

Deepgram retries a failed callback with the same body, so the receiver numbers the requests
it sees per callback: 1 the first time, then 2, 3... [CB]. That number is what "fail the first
N attempts" (rules) and the Attempt column read.

What makes two requests "the same callback":
- a pre-recorded result (or its error body): its request_id;
- a streaming result POSTed to an http(s) callback: every message of one stream carries the
  stream's request_id, so the request_id alone would number a stream's *different* messages
  1, 2, 3... (issue 15 item 9). A repeat is the same request_id and the same message
  (`BodyView.stream_message`: type, channel, start, duration, is_final); the first POST of each
  message is attempt 1;
- a body with no request_id: its method and path (and, for a streaming message without one,
  such as SpeechStarted or UtteranceEnd [AAS], the message).
"""

from __future__ import annotations

from collections import OrderedDict


def attempt_key(
    method: str, path: str, request_id: str | None, stream_message: str | None = None
) -> str:
    """What makes two requests the same callback (see the module's docstring)."""
    key = f"id:{request_id}" if request_id else f"route:{method.upper()} {path}"
    return key if stream_message is None else f"{key} {stream_message}"


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
