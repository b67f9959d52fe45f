"""The real Deepgram key goes to the OS keyring only: never QSettings, never the log."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend

from inspector.engine.keyring_store import DEEPGRAM_KEY, SERVICE
from inspector.ui.main_window import MainWindow
from inspector.ui.submit_panel import TARGET_DEEPGRAM

KEY = "dg-secret-key-0123456789abcdef"


class DirectoryKeyring(KeyringBackend):
    """A real keyring backend keeping its secrets in a JSON file in a temp dir."""

    priority = 1  # type: ignore[assignment]

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path

    def _load(self) -> dict[str, str]:
        return json.loads(self.path.read_text()) if self.path.exists() else {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}/{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        data = self._load()
        data[f"{service}/{username}"] = password
        self.path.write_text(json.dumps(data))

    def delete_password(self, service: str, username: str) -> None:
        data = self._load()
        data.pop(f"{service}/{username}", None)
        self.path.write_text(json.dumps(data))


@pytest.fixture
def temp_keyring(tmp_path, monkeypatch):
    monkeypatch.delenv("DEEPGRAM_API_KEY", raising=False)
    previous = keyring.get_keyring()
    backend = DirectoryKeyring(tmp_path / "keyring" / "secrets.json")
    backend.path.parent.mkdir()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def test_api_key_is_kept_in_the_keyring_only(qtbot, start_engine, qsettings, temp_keyring, caplog):
    caplog.set_level(logging.DEBUG)
    engine, _ = start_engine()
    window = MainWindow(engine, qsettings)
    qtbot.addWidget(window)
    panel = window.submit_panel
    panel.target.setCurrentText(TARGET_DEEPGRAM)
    assert panel.key.echoMode() == panel.key.EchoMode.Password
    panel.key.setText(KEY)
    panel.save_key.click()
    assert temp_keyring.get_password(SERVICE, DEEPGRAM_KEY) == KEY
    assert panel.key.text() == ""
    assert KEY not in panel.key_state.text() and "dg-s…cdef" in panel.key_state.text()
    assert "port" in panel.preflight.text()  # Deepgram's port rule, no relaxed ports there
    panel.callback.setText("http://127.0.0.1:8080/cb")
    assert "cannot reach your localhost" in panel.preflight.text()
    window.close()  # saves geometry and the last choices

    settings_text = Path(qsettings.fileName()).read_text()
    assert "Deepgram (api.deepgram.com)" in settings_text  # the choice is remembered
    assert KEY not in settings_text
    assert KEY not in caplog.text

    again = MainWindow(engine, qsettings)
    qtbot.addWidget(again)
    # The keyring is read on a helper thread, so the window shows without waiting for it.
    qtbot.waitUntil(lambda: "dg-s…cdef" in again.submit_panel.key_state.text(), timeout=10_000)


def test_unreachable_deepgram_fake_closed_port_is_said_in_the_panel(
    qtbot, start_engine, qsettings, temp_keyring
):
    """The real Deepgram is outside this machine: a closed local port stands in for it
    (as `gui --deepgram-url` sets it)."""
    engine, _ = start_engine()
    window = MainWindow(engine, qsettings)
    qtbot.addWidget(window)
    panel = window.submit_panel
    panel.deepgram_url = "http://127.0.0.1:9"
    panel.target.setCurrentText(TARGET_DEEPGRAM)
    panel.key.setText(KEY)
    panel.use_callback.setChecked(False)
    assert panel.submit() is not None
    qtbot.waitUntil(lambda: "could not reach" in panel.state.text(), timeout=15_000)
    assert "127.0.0.1:9" in panel.state.text() and KEY not in panel.state.text()
    assert panel.state.text().startswith("Failed: could not reach http://127.0.0.1:9")
