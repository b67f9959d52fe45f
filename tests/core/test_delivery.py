from inspector.core.delivery import Attempt, RetryPolicy, attempt_succeeded, next_retry_at

POLICY = RetryPolicy(max_retries=2, retry_delay=0.5)


def _attempt(n, status=None, error=None):
    return Attempt(number=n, started=100.0, latency_ms=5.0, status=status, error=error)


def test_only_2xx_succeeds_and_3xx_is_a_failure_by_default():
    assert attempt_succeeded(_attempt(1, 204), POLICY)
    assert not attempt_succeeded(_attempt(1, 302), POLICY)
    assert attempt_succeeded(_attempt(1, 302), RetryPolicy(redirect_is_failure=False))
    assert not attempt_succeeded(_attempt(1, 500), POLICY)
    assert not attempt_succeeded(_attempt(1, error="connection refused"), POLICY)


def test_next_retry_is_delay_after_the_attempt_until_max_attempts():
    assert next_retry_at(_attempt(1, 500), 200.0, POLICY) == 200.5
    assert next_retry_at(_attempt(2, error="timeout"), 201.0, POLICY) == 201.5
    assert next_retry_at(_attempt(3, 500), 202.0, POLICY) is None  # 1 + 2 retries used
    assert next_retry_at(_attempt(1, 200), 200.0, POLICY) is None


def test_deepgram_defaults_are_eleven_attempts_thirty_seconds_apart():
    policy = RetryPolicy()
    assert (policy.max_attempts, policy.retry_delay) == (11, 30.0)


def test_apply_builds_a_job_from_its_events_and_never_changes_the_one_before():
    from inspector.core.delivery import apply

    job = apply(None, "job", 0.0, {"request_id": "r", "mode": "callback", "max_attempts": 3})
    first = apply(job, "attempt", 1.0, {"attempt": 1, "status": 503, "latency_ms": 4,
                                       "next_retry_at": "1970-01-01T00:00:02Z"})  # fmt: skip
    done = apply(
        apply(first, "attempt", 2.0, {"attempt": 2, "status": 200, "latency_ms": 3}),
        "job_done",
        2.0,
        {"outcome": "delivered"},
    )
    assert (job.attempts, job.max_attempts, job.in_flight) == ((), 3, True)
    assert [a.text() for a in first.attempts] == ["503 ✗"] and first.next_retry_at == 2.0
    assert [a.number for a in done.attempts] == [1, 2]
    assert (done.outcome, done.next_retry_at, done.in_flight) == ("delivered", None, False)


def test_a_long_stream_keeps_its_last_marks_and_counts_them_all():
    from inspector.core.delivery import MARKS_KEPT, apply

    d = apply(None, "stream_open", 0.0, {"request_id": "s", "mode": "ws-callback"})
    for n in range(MARKS_KEPT + 50):
        d = apply(d, "stream_message", float(n), {"type": "Results", "is_final": n % 2 == 0})
    d = apply(d, "stream_close", 9e3, {"code": 1011, "reason": "callback lost"})
    assert d.message_count == MARKS_KEPT + 50 and len(d.messages) == MARKS_KEPT
    assert d.messages[-1].time == float(MARKS_KEPT + 49)
    assert d.closed == (9e3, 1011, "callback lost") and not d.in_flight


def test_fields_of_the_wrong_kind_are_read_as_unknown_not_raised():
    from inspector.core.delivery import apply

    d = apply(None, "attempt", 1.0, {"attempt": "x", "status": "200", "latency_ms": None})
    assert (d.attempts[0].number, d.attempts[0].status, d.attempts[0].latency_ms) == (1, None, 0)
    assert apply(d, "stream_close", 2.0, {"code": True}).closed == (2.0, None, "")
