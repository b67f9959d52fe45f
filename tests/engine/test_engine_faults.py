"""`Engine.set_emulator_faults`: what the window and `serve` use, on the real engine."""

from __future__ import annotations

import pytest

from inspector.core.emulator_faults import EmulatorFaults, FailRequests
from inspector.core.events import EmulatorEvent, EmulatorFaultsChanged
from inspector.core.settings import EmulatorSettings, ReceiverSettings
from inspector.engine.engine import Engine, EngineSettings
from tests.conftest import EventLog
from tests.emulator_http import listen


def test_faults_are_announced_used_up_and_kept_across_a_restart():
    faults = EmulatorFaults(fail=(FailRequests(429, count=1, retry_after=2),))
    engine = Engine(
        EngineSettings(
            receiver=ReceiverSettings(port=0),
            emulator=EmulatorSettings(port=0),
            faults=faults,
        )
    )
    log = EventLog(engine.subscribe())
    engine.start()
    try:
        announced = log.wait_for(lambda e: isinstance(e, EmulatorFaultsChanged))
        assert announced.faults == faults
        assert engine.emulator_url is not None
        status, headers, body = listen(engine.emulator_url)
        assert status == 429 and headers["Retry-After"] == "2"
        assert body["err_code"] == "TOO_MANY_REQUESTS" and body["request_id"]
        assert headers["dg-request-id"] == body["request_id"]
        injected = log.wait_for(lambda e: isinstance(e, EmulatorEvent) and e.name == "fault")
        assert injected.fields == {
            "request_id": body["request_id"],
            "fault": "fail",
            "status": 429,
            "err_code": "TOO_MANY_REQUESTS",
        }
        used = log.wait_for(lambda e: isinstance(e, EmulatorFaultsChanged) and not e.faults.fail)
        assert not used.faults.active and not engine.emulator_faults().active

        # Set while running, then Stop and Start: the fault is still there, and used then.
        engine.set_emulator_faults(EmulatorFaults(fail=(FailRequests(402, count=None),)))
        engine.stop()
        engine.start()
        assert engine.emulator_faults().fail == (FailRequests(402, count=None),)
        for _ in range(2):
            status, _headers, body = listen(engine.emulator_url)
            assert (status, body["err_code"]) == (402, "ASR_PAYMENT_REQUIRED")
    finally:
        engine.stop()


def test_an_engine_without_emulator_refuses_faults():
    engine = Engine(EngineSettings(receiver=ReceiverSettings(port=0)))
    with pytest.raises(RuntimeError, match="no emulator"):
        engine.set_emulator_faults(EmulatorFaults(callback_delay=1))
