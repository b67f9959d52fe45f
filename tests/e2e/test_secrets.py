"""Issue 9, acceptance 3: the Deepgram key never appears in anything the app writes.

`serve --api-key KEY` (verbose logging), `submit` with the key in DEEPGRAM_API_KEY (a
callback job, a live stream, a failing call), `export --mask-secrets`, `sessions`, the
window, and a crash in a process that knows the key. Every process runs with HOME, XDG
dirs and TMPDIR inside this test's folder, so "every file the app wrote" is every file under
it; each file and every output stream is searched for the key's bytes (raw, URL-encoded).
"""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.parse
from pathlib import Path

from tests.samples import shortest_sample
from tests.serve_process import EXE, ServeProcess

KEY = "3f2a9c0d5e8b41a7b6c2d9e0f1a2b3c4d5e6f7a8"  # the shape of a Deepgram key: 40 hex


def _env(root: Path) -> dict[str, str]:
    homes = {
        "HOME": root / "home",
        "XDG_DATA_HOME": root / "xdg-data",
        "XDG_CONFIG_HOME": root / "xdg-config",
        "XDG_CACHE_HOME": root / "xdg-cache",
        "XDG_STATE_HOME": root / "xdg-state",
        "TMPDIR": root / "tmp",
    }
    for path in homes.values():
        path.mkdir(parents=True, exist_ok=True)
    return {**os.environ, **{k: str(v) for k, v in homes.items()}, "DEEPGRAM_API_KEY": KEY}


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*args], capture_output=True, text=True, timeout=120, env=env)


def _leaks(data: bytes) -> bool:
    forms = {KEY, urllib.parse.quote(KEY, safe=""), KEY.upper()}
    return any(form.encode() in data for form in forms)


def test_the_key_never_appears_in_any_output_or_file(tmp_path):
    root = tmp_path / "app"
    env = _env(root)
    data = root / "data"
    audio = shortest_sample()
    outputs: list[str] = []

    serve = ServeProcess(
        "-v", "--port", "0", "--emulator-port", "0", "--relaxed-ports", "--api-key", KEY,
        "--data-dir", str(data), env=env,
    )  # fmt: skip
    try:
        job = _run(env, *EXE, "-v", "submit", str(audio), "--base-url", str(serve.emulator_url),
                   "--callback", f"{serve.url}/cb", "--param", "punctuate=true")  # fmt: skip
        assert job.returncode == 0, job.stderr
        serve.wait_for("job_done", timeout=90, outcome="delivered")
        live = _run(env, *EXE, "-v", "submit", str(audio), "--base-url", str(serve.emulator_url),
                    "--stream", "--speed", "8")  # fmt: skip
        assert live.returncode == 0, live.stderr
        failing = _run(env, *EXE, "-v", "submit", str(audio), "--base-url",
                       "http://127.0.0.1:9/v1")  # fmt: skip  (nothing listens on port 9)
        assert failing.returncode != 0
        outputs += [p.stdout + p.stderr for p in (job, live, failing)]
    finally:
        assert serve.stop() == 0
    outputs += ["".join(serve.raw_stdout), "".join(serve.stderr_lines)]

    har = root / "out.har"
    export = _run(env, *EXE, "export", "--data-dir", str(data), "--session", "latest",
                  "--har", str(har), "--mask-secrets")  # fmt: skip
    listing = _run(env, *EXE, "sessions", "--data-dir", str(data))
    assert export.returncode == 0 and listing.returncode == 0, export.stderr + listing.stderr
    outputs += [p.stdout + p.stderr for p in (export, listing)]

    # The window, which reads the key from the environment for its submit panel, and saves
    # its settings (QSettings under XDG_CONFIG_HOME) when it quits.
    window = _run({**env, "QT_QPA_PLATFORM": "offscreen"}, *EXE, "gui", "--port", "0",
                  "--emulator-port", "0", "--data-dir", str(root / "gui-data"),
                  "--screenshot", str(root / "window.png"), "--quit-after", "1")  # fmt: skip
    assert window.returncode == 0, window.stderr
    outputs.append(window.stdout + window.stderr)

    # A crash in a process that knows the key: the real handler, in a real process.
    crash = _run(env, sys.executable, "-c", (
        "import os, pathlib\n"
        "from inspector import redact\n"
        f"redact.install_crash_handler(lambda: pathlib.Path({str(data)!r}) / 'crash-reports')\n"
        "key = os.environ['DEEPGRAM_API_KEY']\n"
        "raise RuntimeError(f'Authorization: Token {key} for https://me:{key}@example.com')\n"
    ))  # fmt: skip
    assert crash.returncode == 1
    outputs.append(crash.stdout + crash.stderr)
    (report,) = (data / "crash-reports").glob("crash-*.txt")
    assert "RuntimeError: Authorization: Token •••" in report.read_text()
    assert report.stat().st_mode & 0o077 == 0  # readable by the user only

    assert "request_id" in outputs[0] and '"event": "listening"' in outputs[3]
    assert har.stat().st_size > 0 and any((data / "sessions").iterdir())
    for i, text in enumerate(outputs):
        assert not _leaks(text.encode()), f"output stream {i} contains the key"
    written = [p for p in root.rglob("*") if p.is_file()]
    names = {p.suffix for p in written}
    assert {".cisession", ".har", ".txt", ".png", ".conf"} <= names, names
    for path in written:
        assert not _leaks(path.read_bytes()), f"{path} contains the key"
