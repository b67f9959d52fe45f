"""`inspector.redact`: what masks the key in logs, stderr and crash reports."""

from __future__ import annotations

import logging
import subprocess
import sys

from inspector import redact

KEY = "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567"


def test_a_registered_key_is_masked_wherever_it_appears():
    redact.register(KEY)
    assert redact.mask(f"x{KEY}y and again {KEY}") == f"x{redact.MASK}y and again {redact.MASK}"


def test_the_environment_key_is_masked_without_registering(monkeypatch):
    monkeypatch.setenv("DEEPGRAM_API_KEY", "env-key-9f8e7d6c5b4a")
    assert "env-key" not in redact.mask("sent env-key-9f8e7d6c5b4a to Deepgram")


def test_authorization_values_and_url_passwords_are_masked_but_prose_is_not():
    text = "Authorization: Token abcdefghijklmnop0123 via https://alice:pw123@example.com/cb"
    assert redact.mask(text) == (
        f"Authorization: Token {redact.MASK} via https://alice:{redact.MASK}@example.com/cb"
    )
    assert redact.mask("the dg-token limit was reached") == "the dg-token limit was reached"


def test_short_strings_are_not_registered_as_secrets():
    redact.register("ab")
    assert redact.mask("a tab") == "a tab"


def test_log_records_are_masked_in_message_args_and_traceback(caplog):
    redact.register(KEY)
    logger = logging.getLogger("tests.redact")
    logger.addFilter(redact.MaskingFilter())
    try:
        with caplog.at_level(logging.INFO, logger="tests.redact"):
            logger.info("calling with %s", KEY)
            try:
                raise ValueError(f"bad key {KEY}")
            except ValueError:
                logger.exception("failed")
    finally:
        logger.filters.clear()
    text = caplog.text
    assert KEY not in text
    assert f"calling with {redact.MASK}" in text and f"ValueError: bad key {redact.MASK}" in text


def test_a_crash_report_is_masked_and_private(tmp_path):
    redact.register(KEY)
    try:
        raise RuntimeError(f"boom {KEY}")
    except RuntimeError:
        kind, value, tb = sys.exc_info()
    assert kind is not None and value is not None
    text = redact.crash_report(kind, value, tb, "main thread")
    path = redact.save_crash_report(text, tmp_path / "reports")
    assert path is not None
    saved = path.read_text()
    assert KEY not in saved and f"RuntimeError: boom {redact.MASK}" in saved
    assert "Callback Inspector" in saved and path.stat().st_mode & 0o777 == 0o600


def test_a_report_that_cannot_be_saved_returns_none(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert redact.save_crash_report("text", blocker / "reports") is None


def test_a_log_call_with_a_bad_format_does_not_raise_through_the_filter():
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "bad %d", ("text",), None)
    assert redact.MaskingFilter().filter(record) is True


def test_the_same_crash_again_writes_no_second_report(tmp_path):
    script = (
        "import pathlib, threading\n"
        "from inspector import redact\n"
        f"redact.install_crash_handler(lambda: pathlib.Path({str(tmp_path)!r}))\n"
        "def boom():\n"
        "    raise RuntimeError('again and again')\n"
        "threads = [threading.Thread(target=boom) for _ in range(20)]\n"
        "for t in threads: t.start(); t.join()\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0
    assert len(list(tmp_path.glob("crash-*.txt"))) == 1
    assert result.stderr.count("(again; no new report)") == 19
