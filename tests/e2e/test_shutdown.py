"""Issue 9, faults: the emulator shut down with callback jobs in flight. Each one ends with a
`job_done` "cancelled" line, whether it was still transcribing or waiting for a retry; none
vanishes."""

from __future__ import annotations

import json
import urllib.request
import wave
from pathlib import Path
from typing import Any

from tests.samples import sample_wavs, shortest_sample
from tests.serve_process import ServeProcess


def _long_wav(path: Path, seconds: float = 120.0) -> Path:
    """The samples one after the other until `seconds`: minutes of speech to transcribe."""
    frames: list[bytes] = []
    total = 0.0
    with wave.open(str(sample_wavs()[0])) as first:
        params = first.getparams()
    while total < seconds:
        for sample in sample_wavs():
            with wave.open(str(sample)) as w:
                frames.append(w.readframes(w.getnframes()))
                total += w.getnframes() / w.getframerate()
    with wave.open(str(path), "wb") as out:
        out.setparams(params)
        out.writeframes(b"".join(frames))
    return path


def _submit(emulator_url: str, callback: str, audio: Path) -> str:
    request = urllib.request.Request(
        f"{emulator_url}/v1/listen?callback={callback}",
        data=audio.read_bytes(),
        headers={"Authorization": "Token any-key", "Content-Type": "audio/wav"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as reply:
        return str(json.loads(reply.read())["request_id"])


def test_sigterm_with_jobs_in_flight_ends_each_one_cancelled(tmp_path):
    lines: list[dict[str, Any]] = []
    with ServeProcess(
        "--port", "0", "--emulator-port", "0", "--relaxed-ports",
        "--reply-status", "500", "--retry-delay", "30",  # every attempt fails, 30 s apart
    ) as serve:  # fmt: skip
        waiting = _submit(str(serve.emulator_url), f"{serve.url}/fails", shortest_sample())
        serve.wait_for("attempt", timeout=60, request_id=waiting)  # now waiting 30 s to retry
        transcribing = _submit(
            str(serve.emulator_url), f"{serve.url}/long", _long_wav(tmp_path / "long.wav")
        )
        serve.wait_for("job", timeout=30, request_id=transcribing)
        assert serve.stop() == 0
        while not serve.lines.empty():
            lines.append(serve.lines.get_nowait())
    done = {e["request_id"]: e for e in lines if e["event"] == "job_done"}
    assert (done[waiting]["outcome"], done[waiting]["attempts"]) == ("cancelled", 1)
    assert (done[transcribing]["outcome"], done[transcribing]["attempts"]) == ("cancelled", 0)
    assert not [e for e in lines if e["event"] == "attempt" and e["request_id"] == transcribing]
    assert not any("Traceback" in line for line in serve.stderr_lines), "".join(serve.stderr_lines)
