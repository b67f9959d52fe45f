import pytest

from inspector.core.reply_rules import (
    ATTEMPT_MEMORY,
    AttemptCounter,
    ReplyRule,
    attempt_key,
    decide_reply,
    select_rule,
)


def test_fail_first_two_then_200_per_request_id():
    rule = ReplyRule(fail_first=2, fail_status=503)
    assert [decide_reply(rule, n).status for n in (1, 2, 3, 4)] == [503, 503, 200, 200]


def test_plain_status_applies_to_every_attempt():
    rule = ReplyRule(status=418, delay=0.5)
    replies = [decide_reply(rule, n) for n in (1, 7)]
    assert {r.status for r in replies} == {418}
    assert replies[0].delay == 0.5


def test_failing_reply_says_it_came_from_a_rule():
    reply = decide_reply(ReplyRule(status=500), 3)
    assert b"attempt 3" in reply.body


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


def test_first_matching_rule_wins_and_default_is_200():
    rules = [
        ReplyRule(status=404, match_method="PUT"),
        ReplyRule(status=500, match_path_prefix="/fail"),
    ]
    assert select_rule(rules, "put", "/x").status == 404
    assert select_rule(rules, "POST", "/fail/1").status == 500
    assert select_rule(rules, "POST", "/ok").status == 200


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
