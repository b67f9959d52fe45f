"""`callback-inspector submit` against the real emulator in a real `serve` process."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.samples import sample_wavs, word_overlap
from tests.serve_process import EXE, ServeProcess


@pytest.fixture(scope="module")
def serve():
    with ServeProcess("--port", "0", "--emulator-port", "0", "--relaxed-ports") as s:
        yield s


def _submit(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    full_env = {k: v for k, v in os.environ.items() if k != "DEEPGRAM_API_KEY"}
    full_env.update(env or {})
    return subprocess.run(
        [*EXE, "submit", *args], capture_output=True, text=True, timeout=120, env=full_env
    )


def test_submit_file_prints_the_transcript_reply(serve):
    wav = sample_wavs()[1]
    result = _submit(str(wav), "--base-url", serve.emulator_url, "--param", "punctuate=true")
    assert result.returncode == 0, result.stderr
    reply = json.loads(result.stdout.splitlines()[-1])
    transcript = reply["results"]["channels"][0]["alternatives"][0]["transcript"]
    assert word_overlap(transcript, wav) >= 0.6


def test_submit_with_callback_prints_request_id_and_the_callback_arrives(serve):
    result = _submit(
        str(sample_wavs()[0]),
        "--base-url",
        serve.emulator_url,
        "--callback",
        f"{serve.url}/from-submit",
        "--callback-method",
        "PUT",
    )
    assert result.returncode == 0, result.stderr
    reply = json.loads(result.stdout)
    assert list(reply) == ["request_id"]
    line = serve.wait_for("request", timeout=60, request_id=reply["request_id"])
    assert (line["method"], line["path"]) == ("PUT", "/from-submit")


def test_submit_stream_prints_each_message_and_the_close(serve):
    result = _submit(
        str(sample_wavs()[0]),
        "--base-url",
        serve.emulator_url,
        "--stream",
        "--speed",
        "20",
        "--param",
        "interim_results=true",
    )
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert any(m.get("type") == "Results" and m["is_final"] for m in lines)
    assert lines[-2]["type"] == "Metadata"
    assert lines[-1] == {"event": "closed", "code": 1000, "reason": ""}


def test_key_from_environment_is_used_and_never_printed():
    key = "env-key-abcdef0123456789"
    with ServeProcess("--port", "0", "--emulator-port", "0", "--api-key", key) as serve:
        ok = _submit(
            str(sample_wavs()[0]), "--base-url", serve.emulator_url, env={"DEEPGRAM_API_KEY": key}
        )
        refused = _submit(
            str(sample_wavs()[0]), "--base-url", serve.emulator_url
        )  # placeholder key
    assert ok.returncode == 0 and key not in ok.stdout + ok.stderr
    assert refused.returncode == 1 and json.loads(refused.stdout)["err_code"] == "INVALID_AUTH"


def test_deepgram_without_a_key_exits_2_with_a_hint():
    result = _submit(
        str(sample_wavs()[0]),
        "--deepgram",
        env={"PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"},
    )
    assert result.returncode == 2 and "DEEPGRAM_API_KEY" in result.stderr


def test_missing_file_and_unreachable_emulator_are_clear_errors(tmp_path):
    missing = _submit(str(tmp_path / "nope.wav"))
    assert missing.returncode == 2 and "no such audio file" in missing.stderr
    unreachable = _submit(str(sample_wavs()[0]), "--base-url", "http://127.0.0.1:9")
    assert unreachable.returncode == 1 and "could not reach" in unreachable.stderr
    assert "Traceback" not in unreachable.stderr


def test_an_unreachable_deepgram_fake_closed_port_exits_1_with_one_clear_line():
    """The real Deepgram is outside this machine: a closed local port stands in for it."""
    wav = sample_wavs()[0]
    result = _submit(
        str(wav), "--base-url", "http://127.0.0.1:9", env={"DEEPGRAM_API_KEY": "k" * 40}
    )
    assert result.returncode == 1
    assert result.stderr.startswith("callback-inspector: could not reach http://127.0.0.1:9")
    assert "Traceback" not in result.stderr and "k" * 40 not in result.stderr


def test_a_refused_callback_port_prints_the_emulators_reason_and_the_flag():
    """Deepgram's body says only "Invalid callback url."; submit also says why and what to do."""
    with ServeProcess("--port", "0", "--emulator-port", "0") as strict:  # no --relaxed-ports
        result = _submit(
            str(sample_wavs()[0]),
            "--base-url",
            strict.emulator_url,
            "--callback",
            "http://127.0.0.1:9999/hook",
        )
    assert result.returncode == 1
    assert json.loads(result.stdout)["err_msg"] == "Invalid callback url."  # Deepgram's, exact
    assert "answered 400: Invalid callback url." in result.stderr
    assert "port 9999" in result.stderr and "--relaxed-ports" in result.stderr
