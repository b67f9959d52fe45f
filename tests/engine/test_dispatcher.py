"""The dispatcher against the real receiver: methods, headers, failures, retries, outcomes."""

from __future__ import annotations

import asyncio
import socket

from inspector.core.callback_url import validate_callback_url
from inspector.core.delivery import Outcome, RetryPolicy
from inspector.core.events import EmulatorEvent, ExchangeAdded
from inspector.core.rules_file import rule_from_table
from inspector.engine.dispatcher import Dispatcher


def _deliver(engine, url: str, policy: RetryPolicy, method: str = "POST", timeout: float = 5.0):
    events: list[EmulatorEvent] = []

    async def run() -> Outcome:
        dispatcher = Dispatcher(policy, timeout, "test-agent", events.append)
        await dispatcher.start()
        try:
            target = validate_callback_url(url, relaxed_ports=True)
            return await dispatcher.deliver(
                "rid-1", target, method, {"metadata": {"request_id": "rid-1"}}, "key-id"
            )
        finally:
            await dispatcher.stop()

    return engine.call(run()).result(60), events


def test_put_with_basic_auth_dg_token_and_json(start_engine):
    engine, log = start_engine()
    url = engine.receiver_url.replace("http://", "http://user:pa%3Ass@") + "/cb?x=1"
    outcome, events = _deliver(engine, url, RetryPolicy(max_retries=0), method="PUT")
    x = log.wait_for(lambda e: isinstance(e, ExchangeAdded)).exchange
    assert outcome is Outcome.DELIVERED
    assert (x.method, x.target, x.dg_token, x.request_id) == ("PUT", "/cb?x=1", "key-id", "rid-1")
    assert (x.basic_auth.user, x.basic_auth.password) == ("user", "pa:ss")
    assert dict(x.headers)["Content-Type"] == "application/json"
    assert [e.name for e in events] == ["attempt", "job_done"]


def test_3xx_counts_as_failure_and_gives_up_after_retries(start_engine):
    engine, _ = start_engine(
        rules=(rule_from_table({"status": 302, "headers": {"Location": "/elsewhere"}}),)
    )
    outcome, events = _deliver(
        engine, engine.receiver_url + "/r", RetryPolicy(max_retries=2, retry_delay=0.05)
    )
    attempts = [e.fields for e in events if e.name == "attempt"]
    assert outcome is Outcome.GAVE_UP
    assert [a["status"] for a in attempts] == [302, 302, 302]
    assert attempts[-1]["next_retry_at"] is None and attempts[0]["next_retry_at"] is not None
    assert events[-1].fields == {"request_id": "rid-1", "outcome": "gave_up", "attempts": 3}


def test_connection_refused_is_an_attempt_with_an_error():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there

    from inspector.core.settings import ReceiverSettings
    from inspector.engine.engine import Engine, EngineSettings

    engine = Engine(EngineSettings(receiver=ReceiverSettings(port=0)))
    engine.start()
    try:
        outcome, events = _deliver(
            engine, f"http://127.0.0.1:{port}/cb", RetryPolicy(max_retries=1, retry_delay=0.01)
        )
    finally:
        engine.stop()
    attempts = [e.fields for e in events if e.name == "attempt"]
    assert outcome is Outcome.GAVE_UP and len(attempts) == 2
    assert all(a["status"] is None and a["error"] for a in attempts)


def test_slow_reply_beyond_attempt_timeout_is_a_failure(start_engine):
    engine, _ = start_engine(rules=(rule_from_table({"delay_ms": 2000}),))
    outcome, events = _deliver(
        engine, engine.receiver_url + "/slow", RetryPolicy(max_retries=0), timeout=0.2
    )
    attempt = next(e.fields for e in events if e.name == "attempt")
    assert outcome is Outcome.GAVE_UP and "timed out" in attempt["error"]


def test_stop_cancels_jobs_in_flight_and_says_so(start_engine):
    engine, _ = start_engine(rules=(rule_from_table({"status": 500}),))
    events: list[EmulatorEvent] = []

    async def run() -> None:
        first_attempt = asyncio.Event()

        def publish(event: EmulatorEvent) -> None:
            events.append(event)
            if event.name == "attempt":
                first_attempt.set()

        dispatcher = Dispatcher(RetryPolicy(max_retries=5, retry_delay=30), 5.0, "ua", publish)
        await dispatcher.start()
        target = validate_callback_url(engine.receiver_url + "/x", relaxed_ports=True)
        dispatcher.deliver("rid-2", target, "POST", {}, "k")
        await first_attempt.wait()
        await dispatcher.stop()  # the job now waits 30 s for its retry: cancelled

    engine.call(run()).result(30)
    assert events[-1].name == "job_done" and events[-1].fields["outcome"] == "cancelled"


def test_a_job_keeps_its_retry_policy_when_the_settings_change_meanwhile(start_engine):
    """The `job` event announced a maximum; a later settings change applies to later jobs."""
    engine, _ = start_engine(rules=(rule_from_table({"status": 503}),))
    events: list[EmulatorEvent] = []

    async def run() -> Outcome:
        first_attempt = asyncio.Event()

        def publish(event: EmulatorEvent) -> None:
            events.append(event)
            if event.name == "attempt":
                first_attempt.set()

        dispatcher = Dispatcher(RetryPolicy(max_retries=2, retry_delay=0.05), 5.0, "ua", publish)
        await dispatcher.start()
        try:
            target = validate_callback_url(engine.receiver_url + "/p", relaxed_ports=True)
            job = dispatcher.deliver("rid-3", target, "POST", {}, "k")
            await first_attempt.wait()
            dispatcher.policy = RetryPolicy(max_retries=6, retry_delay=0.05)  # new settings
            return await job
        finally:
            await dispatcher.stop()

    outcome = engine.call(run()).result(30)
    assert outcome is Outcome.GAVE_UP
    assert [e.fields["attempt"] for e in events if e.name == "attempt"] == [1, 2, 3]
