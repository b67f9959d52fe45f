"""Deepgram's failures through the control API: the window's child engine (the real
`serve --control-stdio`) takes, changes and reports them, and a restarted child keeps them."""

from __future__ import annotations

import os
import signal

from inspector.core.emulator_faults import EmulatorFaults, FailRequests
from inspector.core.events import EmulatorFaultsChanged, EngineProcessEvent
from inspector.core.settings import EmulatorSettings, EngineSettings, ReceiverSettings
from inspector.engine.child_engine import START_TIMEOUT, ChildEngine
from tests.conftest import EventLog
from tests.emulator_http import listen


def test_a_child_engine_takes_changes_and_keeps_its_faults_across_a_restart():
    engine = ChildEngine(
        EngineSettings(
            receiver=ReceiverSettings(port=0),
            emulator=EmulatorSettings(port=0),
            faults=EmulatorFaults(fail=(FailRequests(402, count=None),)),
        )
    )
    log = EventLog(engine.subscribe())  # every event kept: wait_for finds earlier ones too
    try:
        engine.start()
        assert engine.emulator_url is not None
        log.wait_for(lambda e: isinstance(e, EmulatorFaultsChanged) and bool(e.faults.fail))
        assert listen(engine.emulator_url)[2]["err_code"] == "ASR_PAYMENT_REQUIRED"

        left = engine.update_emulator_faults(remove_fail=402, add_fail=FailRequests(429))
        assert left.result(30)["fail"] == [{"status": 429, "count": 1, "retry_after": None}]
        log.wait_for(
            lambda e: isinstance(e, EmulatorFaultsChanged) and e.faults.fail == (FailRequests(429),)
        )
        assert engine.emulator_faults().fail == (FailRequests(429),)

        every_503 = FailRequests(503, count=None)
        engine.update_emulator_faults(add_fail=every_503).result(30)
        log.wait_for(lambda e: isinstance(e, EmulatorFaultsChanged) and every_503 in e.faults.fail)
        pid = engine.pid
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        # The new child has the engine's own start budget (it loads the speech stack): on a
        # busy machine that is well over the log's default 10 s.
        log.wait_for(
            lambda e: isinstance(e, EngineProcessEvent) and e.state == "restarted",
            timeout=START_TIMEOUT,
        )
        # The new child fails as the old one would have: 429 once, then 503 on every request.
        statuses = [listen(engine.emulator_url)[0] for _ in range(3)]
        assert statuses == [429, 503, 503]
    finally:
        engine.stop()
