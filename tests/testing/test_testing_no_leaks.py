"""Acceptance 3 of issue 18: 200 uses of the fixtures in a row leave no thread, port, file
descriptor or process behind (the 200 in make test-slow, 20 in make test).

The plugin's fixtures run in a pytest session of their own (`pytester`, in this process), on
a generated test file: N tests that each use `deepgram_emulator` and `callback_receiver`
(an injected failure, a request, a callback), and one that transcribes (recognition process
started and stopped). What this process holds is compared before and after. One thing may
appear and stay by design: multiprocessing's resource tracker, started once per interpreter
at its first spawned process and kept until exit, with one pipe to it."""

from __future__ import annotations

import multiprocessing
import multiprocessing.resource_tracker
import os
import threading

import pytest

# numpy (under the emulator's speech stack) loads once per process, and each in-process pytester
# run unloads the modules it imported: loaded here, it stays for every run of this file.
import inspector.engine.emulator.server  # noqa: F401

PROJECT_TESTS = '''
import http.client
import json
import urllib.error
import urllib.request

import pytest

from inspector.testing import silence


def _listen(url):
    request = urllib.request.Request(
        url + "/v1/listen", data=b"x", headers={"Authorization": "Token k"}, method="POST"
    )
    try:
        urllib.request.urlopen(request, timeout=30)
    except urllib.error.HTTPError as exc:
        return exc.code
    return 200


@pytest.mark.parametrize("n", range(USES))
def test_use(n, deepgram_emulator, callback_receiver):
    deepgram_emulator.fail_next(429)
    assert _listen(deepgram_emulator.url) == 429
    conn = http.client.HTTPConnection("127.0.0.1", callback_receiver.port, timeout=30)
    conn.request("POST", "/hook", body=json.dumps({"metadata": {"request_id": str(n)}}))
    assert conn.getresponse().status == 200
    conn.close()
    [callback] = callback_receiver.wait_for(request_id=str(n))


def test_one_that_transcribes(deepgram_emulator, callback_receiver):
    reply = deepgram_emulator.submit(silence(0.1), callback=callback_receiver.url)
    assert deepgram_emulator.wait_for_job(reply["request_id"], timeout=120).delivered
'''


def _held() -> tuple[set[str], dict[str, str], set[int]]:
    """Threads (by name and id), open fds (number -> what), child processes (pids)."""
    threads = {f"{t.name}#{t.ident}" for t in threading.enumerate()}
    fds = {}
    for fd in os.listdir("/proc/self/fd"):
        try:
            fds[fd] = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:  # the directory listing's own fd, closed meanwhile
            pass
    children = {p.pid for p in multiprocessing.active_children() if p.pid is not None}
    return threads, fds, children


# 200 in a row is the acceptance (make test-slow, which CI runs); 20 in make test.
@pytest.mark.timeout(600)  # a busy machine: 200 starts and stops of two servers
@pytest.mark.parametrize("uses", [20, pytest.param(200, marks=pytest.mark.slow)])
def test_fixture_uses_in_a_row_leave_nothing_behind(pytester, uses):
    pytester.makepyfile(test_uses=f"USES = {uses}\n" + PROJECT_TESTS)
    threads, fds, children = _held()
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=uses + 1)
    threads_after, fds_after, children_after = _held()
    # What the run started and left running; a thread of an earlier test that ends meanwhile
    # (a subprocess's pipe reader draining) is not the plugin's.
    assert not threads_after - threads, threads_after - threads
    tracker = multiprocessing.resource_tracker._resource_tracker._fd  # once per interpreter
    opened = {
        fd: what
        for fd, what in fds_after.items()
        if fds.get(fd) != what and int(fd) != tracker
    }
    assert not opened, opened  # sockets (ports) are fds too
    assert not children_after - children, children_after - children
