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
