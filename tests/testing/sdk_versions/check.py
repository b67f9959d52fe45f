"""By hand, not a test (it installs from PyPI): `DeepgramEmulator.sdk_client()` with every
major version of the official SDK, 3.x to 7.x, each in a venv of its own.

    python -m tests.testing.sdk_versions.check 3.11.0 4.8.1 5.3.4 6.1.1 7.17.0

For each version: a venv under /tmp with `deepgram-sdk==V` (and orjson, which the client
script's `import inspector.testing.emulator` needs), then `client.py` in it, through
`sdk_client()`, against one emulator and receiver running here: a transcript, a callback
(its arrival at the receiver), `fail_next(429, count=3)` (which SDKs retry it: the rejections
counted), a live stream, and one dropped by `drop_next_stream(2)` (the close code the SDK
saw). Last run, 2026-12-02: every step passed on 3.11.0, 4.8.1, 5.3.4, 6.1.1 and 7.17.0; 3.x
to 5.x raise on the first 429, 6.x and 7.x retry it twice first. (5.x's `send_media` takes a
`ListenV1MediaMessage`, not bytes: there the script's stream sends nothing, and ends by the
emulator's idle close, 1011 NET-0001; the drop is still seen as 1011.)
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

from inspector.testing import CallbackReceiver, DeepgramEmulator, sample_path

ROOT = Path(__file__).resolve().parents[3]
CLIENT = Path(__file__).with_name("client.py")


def sdk_python(version: str) -> str:
    where = Path(f"/tmp/callback-inspector-deepgram-sdk-{version}")
    python = where / "bin" / "python"
    if not python.exists():
        venv.EnvBuilder(with_pip=True).create(where)
        subprocess.run(
            [python, "-m", "pip", "install", "-q", f"deepgram-sdk=={version}", "orjson"],
            check=True,
        )
    return str(python)


def run(python: str, step: str, emulator: DeepgramEmulator, callback: str) -> None:
    done = subprocess.run(
        [python, CLIENT, step, emulator.url, callback, str(sample_path("numbers"))],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    print(f"  {step} -> {done.stdout.strip() or done.stderr.strip()[-800:]}")


def main(versions: list[str]) -> None:
    with DeepgramEmulator() as emulator, CallbackReceiver() as receiver:
        for version in versions:
            python = sdk_python(version)
            print(f"deepgram-sdk {version}")
            emulator.reset()
            receiver.clear()
            run(python, "sync", emulator, receiver.url)
            run(python, "callback", emulator, receiver.url + "/hook")
            [callback] = receiver.wait_for(timeout=60)
            print(f"  callback arrived: {callback.method} {callback.path}, {callback.transcript}")
            emulator.fail_next(429, count=3, retry_after=1)
            run(python, "error", emulator, receiver.url)
            print(f"  429s sent: {len(emulator.rejections())}")
            emulator.clear_faults()
            run(python, "live", emulator, receiver.url)
            emulator.drop_next_stream(2)
            run(python, "live", emulator, receiver.url)
            print(f"  streams closed: {[(s.close_code, s.messages) for s in emulator.streams()]}")


if __name__ == "__main__":
    main(sys.argv[1:] or ["3.11.0", "4.8.1", "5.3.4", "6.1.1", "7.17.0"])
