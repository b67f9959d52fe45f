"""Issue 16's promises, seen from the window: its engine is a child process that may die and
is replaced while capture goes on; `gui --attach` steers a `serve` elsewhere; closing the
window (or SIGTERM to it) leaves no engine process behind."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from inspector.core.glob import Glob
from inspector.core.rules import Match, Respond, Rule
from inspector.core.settings import EngineSettings, ReceiverSettings
from inspector.engine.remote_engine import RemoteEngine, read_token
from inspector.store.session_reader import SessionReader
from inspector.ui.main_window import MainWindow
from tests.ui.window_engine import window_engine

TIMEOUT_MS = 60_000


def _post(port: int, path: str, body: bytes = b'{"request_id":"r"}') -> int | None:
    """POST and the status, or None when the receiver was not there to answer."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("POST", path, body, {"Content-Type": "application/json"})
        return conn.getresponse().status
    except OSError:
        return None
    finally:
        conn.close()


def _children_of(pid: int) -> set[int]:
    """Every live process whose parent is `pid` (Linux /proc)."""
    out = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            out.add(int(entry.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_sigkill_of_the_engine_while_traffic_flows_is_said_restarted_and_nothing_answered_is_lost(
    qtbot, qsettings, tmp_path
):
    data = tmp_path / "data"
    engine = window_engine(EngineSettings(receiver=ReceiverSettings(port=0), data_dir=data))
    engine.start(timeout=60)
    w = MainWindow(engine, qsettings)
    qtbot.addWidget(w)
    w.show()
    port = urlsplit(engine.receiver_url).port
    assert port is not None
    answered: list[str] = []
    stop = threading.Event()

    def traffic() -> None:  # one request after another until told to stop (at most 3 min)
        deadline = time.monotonic() + 180
        n = 0
        while not stop.is_set() and time.monotonic() < deadline:
            n += 1
            path = f"/flow/{n}"
            if _post(port, path) == 200:
                answered.append(path)
            else:  # refused while no engine listens: try again shortly
                stop.wait(0.02)

    sender = threading.Thread(target=traffic, daemon=True)
    sender.start()
    try:
        qtbot.waitUntil(lambda: len(answered) >= 5, timeout=TIMEOUT_MS)
        first_pid = engine.pid
        assert first_pid is not None
        os.kill(first_pid, signal.SIGKILL)
        qtbot.waitUntil(lambda: w.engine_banner.state == "restarted", timeout=TIMEOUT_MS)
        assert "ended" in w.engine_banner.text() or "took over" in w.engine_banner.text()
        assert engine.pid != first_pid and urlsplit(engine.receiver_url).port == port
        before = len(answered)
        qtbot.waitUntil(lambda: len(answered) >= before + 5, timeout=TIMEOUT_MS)  # goes on
        qtbot.waitUntil(lambda: len(w.model.exchanges()) >= before + 5, timeout=TIMEOUT_MS)
    finally:
        stop.set()
        sender.join(30)
        session = engine.session_path
        engine.stop()
    assert session is not None
    with SessionReader(session) as reader:
        kept = {x.target for x in reader.exchanges()}
    missing = [p for p in answered if p not in kept]
    assert not missing, f"answered but not in the session: {missing[:5]}"
    assert not _alive(first_pid)


@pytest.fixture
def remote(control_serve):
    return control_serve


def test_attach_lists_the_remotes_traffic_its_rules_are_steered_and_the_token_is_never_shown(
    qtbot, qsettings, remote, tmp_path, caplog
):
    serve, token_file = remote
    token = read_token(token_file)
    engine = RemoteEngine(serve.listening["control"], token, mirror_dir=tmp_path / "mirror")
    w = MainWindow(engine, qsettings)
    qtbot.addWidget(w)
    w.show()
    w.toggle_running()
    qtbot.waitUntil(lambda: w.engine_banner.state == "attached", timeout=TIMEOUT_MS)
    try:
        banner = w.engine_banner.text()
        assert serve.listening["control"] in banner and str(serve.proc.pid) in banner
        port = urlsplit(serve.url).port
        assert port is not None
        assert _post(port, "/remote/1") == 200
        qtbot.waitUntil(lambda: len(w.model.exchanges()) == 1, timeout=TIMEOUT_MS)
        assert w.model.exchanges()[0].target == "/remote/1"

        # A rule set in the window changes what the remote answers.
        w.rules_ui.set_rules([Rule(Match(path=Glob.parse("/remote/*")), Respond(status=503))])
        engine.settle()  # in force at the remote: the command crossed the socket
        assert _post(port, "/remote/2") == 503
        qtbot.waitUntil(lambda: len(w.model.exchanges()) >= 2, timeout=TIMEOUT_MS)

        # The token is in no log, setting or export.
        har = tmp_path / "mirror.har"
        dialog = w.sessions.show_export()
        w.sessions.export_har(har, True, engine.session_path)
        dialog.close()
        w.close()  # writes the window's settings
    finally:
        engine.stop()
    qtbot.waitUntil(har.exists, timeout=TIMEOUT_MS)
    places = {
        "log": caplog.text,
        "serve's stderr": "\n".join(serve.stderr_lines),
        "serve's stdout": "".join(serve.raw_stdout),
        "settings": Path(qsettings.fileName()).read_text(),
        "HAR": har.read_text(),
        "banner": banner,
    }
    for name, text in places.items():
        assert token not in text, f"the control token is in the {name}"
    assert serve.proc.poll() is None  # detaching leaves the remote running


@pytest.mark.parametrize("token", [None, "not-the-token"])
def test_attach_without_the_right_token_is_refused_and_the_window_says_why(
    qtbot, qsettings, remote, token
):
    serve, _ = remote
    url = serve.listening["control"]
    if token is None:  # no Authorization header at all
        engine = RemoteEngine(url, "")
    else:
        engine = RemoteEngine(url, token)
    w = MainWindow(engine, qsettings)
    qtbot.addWidget(w)
    w.show()
    w.toggle_running()
    qtbot.waitUntil(lambda: getattr(w, "start_error_box", None) is not None, timeout=TIMEOUT_MS)
    text = w.start_error_box.text()
    assert "401" in text and "token" in text
    if token:
        assert token not in text
    assert w.start_stop_action.text() == "Start"


def _gui(tmp_path: Path, *extra: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path)}
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "inspector",
            "gui",
            "--port",
            "0",
            "--emulator-port",
            "0",
            "--no-session",
            *extra,
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _wait_for_engine_child(gui: subprocess.Popen[bytes]) -> int:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        children = _children_of(gui.pid)
        if children:
            return children.pop()
        assert gui.poll() is None, "the window ended before starting its engine"
        time.sleep(0.05)  # polling /proc: there is no event to wait on from outside
    raise AssertionError("the window started no engine process")


def _wait_gone(pid: int, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("how", ["close", "SIGTERM"])
def test_closing_the_window_or_sigterm_leaves_no_engine_process(tmp_path, how):
    extra = ("--quit-after", "8") if how == "close" else ()
    gui = _gui(tmp_path, *extra)
    try:
        child = _wait_for_engine_child(gui)
        if how == "SIGTERM":
            gui.send_signal(signal.SIGTERM)
        assert gui.wait(60) == 0
        assert _wait_gone(child), f"engine process {child} outlived the window"
    finally:
        if gui.poll() is None:
            gui.kill()
            gui.wait(10)
