"""Two minutes of the soak (`make soak` runs an hour): nothing in serve grows without bound.

Marked slow: two minutes are nearly half of `make test`, so `make test-slow` (which CI runs
too, after `make test`) carries it.

The real `serve --data-dir` on port 0 under 200 req/s of 2 KB callbacks with retries and
WebSockets (tests/soak_driver.py, the same driver as bench/soak.py). Asserts counts, not
timings: every request answered and printed with the right attempt number, WebSockets back to
the long-lived ones and then none, serve's fds and threads back where they started, and the
receiver's attempt memory bounded (a retry of the oldest id, after more than ATTEMPT_MEMORY
newer ids, counts as attempt 1 again; its per-key bound is tested in tests/core).
"""

from __future__ import annotations

import pytest

from inspector.core.attempts import ATTEMPT_MEMORY
from tests.soak_driver import FD_SLACK, run_soak

MINUTES = 2.0
RATE = 200.0


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_two_minutes_at_200_per_second_nothing_grows(tmp_path):
    report = run_soak(tmp_path / "data", minutes=MINUTES, rate=RATE)
    print(report.summary())  # the figures, for whoever reads the test log

    assert report.errors == []
    assert report.serve_exit == 0
    # Every request answered 200, printed once, with the attempt number it was sent as.
    planned = round(MINUTES * 60 * RATE) + 2  # + the two probes
    assert report.requests_sent == report.requests_planned == planned
    assert report.requests_answered == planned and report.requests_failed == 0
    assert report.serve_requests == planned
    assert report.serve_statuses == {200: planned}
    assert report.retries_sent > 0
    assert report.attempts_checked == planned and report.attempt_mismatches == 0
    # The attempt memory: bounded, and still remembers the recent ids.
    first_ids = planned - 2 - report.retries_sent
    assert first_ids > ATTEMPT_MEMORY + 1  # enough distinct ids to turn the memory over
    assert report.probes == {"newest": 2, "oldest-forgotten": 1}
    # WebSockets: every one seen opened and closed, every message listed; the long-lived
    # ones are the only ones live once the short ones are done, and none after.
    assert report.websockets_failed == 0
    assert report.websockets > report.long_lived
    assert report.serve_ws_opened == report.serve_ws_closed == report.websockets
    assert report.websockets_closed == report.websockets
    assert report.serve_ws_messages == report.ws_messages_sent
    assert report.ws_live_before_long_lived_closed == report.long_lived
    assert report.ws_live_end == 0
    # serve's resources back where they started.
    assert report.end.fds <= report.start.fds + FD_SLACK
    assert report.end.threads == report.start.threads
    # Memory: a generous bound between minute 1 (the attempt memory is then near full) and
    # the end; the one-hour figure against minute 5 is `make soak`'s.
    assert report.end.rss_kb < report.baseline.rss_kb * 1.5
