"""A recognition process whose parent is gone (the app stopped, or was killed, while the
speech model was still loading) ends quietly: exit status 0, no BrokenPipeError traceback on
the terminal the app was started from."""

from __future__ import annotations

import multiprocessing

from inspector.engine.emulator.asr_worker import worker_main

# Any class made without arguments serves: the test is about the pipe, not about speech.
STAND_IN_TRANSCRIBER = "builtins:object"


def test_a_worker_whose_parent_is_gone_ends_quietly(capfd):
    context = multiprocessing.get_context("spawn")  # as AsrWorker starts it
    parent_end, child_end = context.Pipe()
    process = context.Process(target=worker_main, args=(child_end, STAND_IN_TRANSCRIBER))
    process.start()
    child_end.close()
    parent_end.close()  # gone long before the spawned child has imported and says "ready"
    process.join(60)
    assert process.exitcode == 0
    assert "Traceback" not in capfd.readouterr().err
