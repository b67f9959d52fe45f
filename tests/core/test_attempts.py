import json

import pytest

from inspector.core.attempts import ATTEMPT_MEMORY, AttemptCounter, attempt_key
from inspector.core.body_view import view_body


def test_attempts_are_counted_per_request_id_else_per_method_and_path():
    counter = AttemptCounter()
    a = attempt_key("POST", "/cb", "id-1")
    b = attempt_key("POST", "/cb", "id-2")
    c = attempt_key("post", "/cb", None)
    assert [counter.next_attempt(k) for k in (a, a, b, c, a, c)] == [1, 2, 1, 1, 3, 2]
    assert attempt_key("PUT", "/cb", None) != c


def test_counter_forgets_oldest_keys_beyond_its_bound():
    counter = AttemptCounter(max_keys=2)
    for key in ("a", "b", "c"):
        counter.next_attempt(key)
    assert counter.next_attempt("a") == 1  # forgotten
    assert counter.next_attempt("c") == 2


def test_counter_never_holds_more_than_its_bound_under_distinct_ids():
    counter = AttemptCounter(max_keys=1_000)
    assert counter.max_keys == 1_000
    for n in range(25_000):  # a soak's flood of distinct request_ids
        assert counter.next_attempt(attempt_key("POST", "/cb", f"req-{n}")) == 1
        assert len(counter) <= 1_000
    assert len(counter) == 1_000
    # The newest are remembered, the oldest forgotten.
    assert counter.next_attempt(attempt_key("POST", "/cb", "req-24999")) == 2
    assert counter.next_attempt(attempt_key("POST", "/cb", "req-0")) == 1
    assert len(counter) == 1_000


def test_counter_is_least_recently_seen_so_a_retried_id_outlives_the_flood():
    """Each attempt refreshes its key: a callback retried more often than the bound turns over
    keeps its count however long its retries go on."""
    counter = AttemptCounter(max_keys=100)
    retried = attempt_key("POST", "/cb", "retried")
    attempts = [counter.next_attempt(retried)]
    for round_ in range(20):  # 20 x 99 new ids: 20 times the bound in all
        for n in range(99):
            counter.next_attempt(attempt_key("POST", "/cb", f"new-{round_}-{n}"))
        attempts.append(counter.next_attempt(retried))
    assert attempts == list(range(1, 22))
    assert len(counter) == 100


def test_default_bound_keeps_deepgram_retries_numbered_at_200_new_ids_per_second():
    """The default cap's sizing (ATTEMPT_MEMORY): Deepgram's attempts of one request_id come
    at most ~60 s apart (30 s timeout + 30 s delay); 200 new ids/s for 60 s stay in bounds."""
    counter = AttemptCounter()
    assert counter.max_keys == ATTEMPT_MEMORY
    job = attempt_key("POST", "/cb", "deepgram-job")
    assert counter.next_attempt(job) == 1
    for n in range(200 * 60):
        counter.next_attempt(attempt_key("POST", "/cb", f"other-{n}"))
    assert counter.next_attempt(job) == 2
    for n in range(ATTEMPT_MEMORY):  # a full turnover forgets it
        counter.next_attempt(attempt_key("POST", "/cb", f"later-{n}"))
    assert counter.next_attempt(job) == 1
    assert len(counter) == ATTEMPT_MEMORY


def test_counter_needs_room_for_one_key():
    with pytest.raises(ValueError):
        AttemptCounter(max_keys=0)


def _key(message: dict) -> str:
    view = view_body(json.dumps(message).encode())
    return attempt_key("POST", "/cb", view.request_id, view.stream_message)


def _results(start: float, duration: float, is_final: bool, rid: str = "stream-1") -> dict:
    return {
        "type": "Results",
        "channel_index": [0, 1],
        "start": start,
        "duration": duration,
        "is_final": is_final,
        "speech_final": is_final,
        "channel": {"alternatives": [{"transcript": "one two", "confidence": 0.9}]},
        "metadata": {"request_id": rid},
    }


def test_each_message_of_a_stream_is_attempt_1_and_its_repeat_attempt_2():
    """Issue 15 item 9: every POST of one stream shares the request_id; a repeat is the same
    request_id and the same message (type, channel, start, is_final)."""
    counter = AttemptCounter()
    messages = [
        _results(0.0, 1.0, False),  # interim results of one stretch share their start...
        _results(0.0, 1.5, False),  # ...and differ in duration: two messages, not a retry
        _results(0.0, 2.0, True),
        _results(2.0, 1.0, True),
        {"type": "SpeechStarted", "channel": [0], "timestamp": 2.1},
        {"type": "UtteranceEnd", "channel": [0], "last_word_end": 2.9},
        {"type": "Metadata", "request_id": "stream-1", "duration": 3.0, "channels": 1},
    ]
    assert [counter.next_attempt(_key(m)) for m in messages] == [1] * len(messages)
    assert counter.next_attempt(_key(_results(0.0, 2.0, True))) == 2  # a repeat
    assert counter.next_attempt(_key(_results(0.0, 2.0, True))) == 3
    assert counter.next_attempt(_key(_results(0.0, 2.0, True, rid="stream-2"))) == 1


def test_pre_recorded_attempts_still_count_by_request_id_alone():
    counter = AttemptCounter()
    body = {"metadata": {"request_id": "job-1"}, "results": {"channels": []}}
    assert view_body(json.dumps(body).encode()).stream_message is None
    assert [counter.next_attempt(_key(body)) for _ in range(3)] == [1, 2, 3]


def test_a_hostile_stream_message_makes_a_short_key():
    kind, start, duration = "R" * 9000, "9" * 4000, "x" * 10**6
    body = f'{{"type": "{kind}", "start": {start}, "duration": "{duration}"}}'
    message = view_body(body.encode()).stream_message
    assert message is not None and len(message) <= 256
    assert "duration" not in message  # a string is not a position in a stream
