from inspector.core.reply_rules import (
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
