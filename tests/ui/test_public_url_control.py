"""The window's Public URL control, Guards and "Forward to" field drive the same engine
settings as serve's flags; the detail pane shows what the user's app replied (issue 13)."""

from __future__ import annotations

import http.client
from urllib.parse import urlsplit

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from inspector.cli import build_parser
from inspector.core.public_url import PublicUrlPhase, PublicUrlSettings
from inspector.core.settings import EngineSettings, ReceiverSettings
from inspector.public_cli import public_settings_from_args
from inspector.ui.public_url_control import GuardsDialog
from tests.forward_apps import HttpApp

TIMEOUT_MS = 15_000
TOKEN = "11111111-2222-3333-4444-555555555555"


def _flags(*flags: str) -> dict:
    """What `serve FLAGS` gives the engine, read by the real parser."""
    return public_settings_from_args(build_parser().parse_args(["serve", *flags]))


def _post(port: int, path: str, headers: dict[str, str]) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("POST", path, body=b'{"metadata":{"request_id":"ui-1"}}', headers=headers)
    status = conn.getresponse().status
    conn.close()
    return status


def test_forward_field_public_url_and_guards_set_what_the_flags_set_and_the_apps_reply_shows(
    qtbot, window_on
):
    with HttpApp() as app:
        w = window_on(EngineSettings(receiver=ReceiverSettings(port=0)))
        engine = w.engine
        port = urlsplit(engine.receiver_url).port

        # Forward to: the field and its switch.
        forward = w.forward_control
        forward.url.setText(f"{app.url}/deepgram")
        forward.url.editingFinished.emit()
        forward.switch.setChecked(True)
        assert engine.forwarding == _flags("--forward-to", f"{app.url}/deepgram")["forward"]

        # Guards: the dialog, as a user fills it.
        def fill() -> None:
            dialog = QApplication.activeModalWidget()
            assert isinstance(dialog, GuardsDialog)
            dialog.auth_on.setChecked(True)
            dialog.user.setText("deepgram")
            dialog.password.setText("s3cret")
            dialog.token_on.setChecked(True)
            dialog.token.setText(TOKEN)
            dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()

        QTimer.singleShot(0, fill)
        w.public_control.guards_button.click()
        wanted = _flags("--require-basic-auth", "deepgram:s3cret", "--require-dg-token", TOKEN)
        qtbot.waitUntil(lambda: engine.guards == wanted["guard"], timeout=TIMEOUT_MS)

        # Public URL: your own, probed through --probe-connect-to (as `gui` would be given).
        control = w.public_control
        connect_to = f"hooks.example.test:80:127.0.0.1:{port}"
        control.base = PublicUrlSettings(connect_to=connect_to, probe_timeout=10)
        control.provider.setCurrentIndex(control.provider.findData("url"))
        assert control.own_url.isVisibleTo(control)
        control.own_url.setText("http://hooks.example.test")
        control.start_button.click()
        flags = (
            "--public-url",
            "http://hooks.example.test",
            "--probe-connect-to",
            connect_to,
            "--probe-timeout",
            "10",
        )
        assert engine.public_url_settings == _flags(*flags)["public"]
        qtbot.waitUntil(lambda: control.state.phase is PublicUrlPhase.REACHABLE, timeout=TIMEOUT_MS)
        assert control.state_label.text() == "reachable ✓"
        callback = engine.public_url.callback_url or ""
        secret = urlsplit(callback).path.strip("/").split("/")[-1]  # /cb/<secret>/
        shown = f"http://deepgram:•••@hooks.example.test/cb/{secret}/"
        assert control.url_field.text() == shown and "s3cret" not in control.url_field.text()
        control.copy_button.click()
        assert QApplication.clipboard().text() == shown.replace("•••", "s3cret")
        assert control.start_button.text() == "Stop"

        # A callback through the guarded receiver goes to the app; the detail pane shows it.
        headers = {"Authorization": "Basic ZGVlcGdyYW06czNjcmV0", "dg-token": TOKEN}
        assert _post(port, f"/cb/{secret}/job", headers) == 202
        assert app.next_request().target == "/deepgram/job"
        qtbot.waitUntil(
            lambda: any(x.forward is not None for x in w.model.exchanges()), timeout=TIMEOUT_MS
        )
        (x,) = [x for x in w.model.exchanges() if x.forward is not None]
        w.select_exchange(x.id)
        tab = w.detail.forward
        qtbot.waitUntil(lambda: tab.summary.text().startswith("Your app replied 202 in "))
        assert tab.summary.text().endswith(" ms")
        assert w.detail.isTabEnabled(w.detail.indexOf(tab))
        # The list's rows are light (the engine is another process): the app's reply body
        # is fetched from the engine once the row is shown.
        qtbot.waitUntil(lambda: '"accepted": true' in tab.body.toPlainText(), timeout=TIMEOUT_MS)
        assert f"{app.url}/deepgram/job" in tab.where.text()
        # The probe is listed, marked, and not counted as traffic.
        assert any(p.probe for p in w.model.exchanges())
        assert w.count_label.text().startswith("1 exchange ")

        control.start_button.click()
        qtbot.waitUntil(lambda: control.state.phase is PublicUrlPhase.STOPPED, timeout=TIMEOUT_MS)
        assert control.state_label.text() == "○ off" and engine.public_url_settings is None


def test_a_bad_forward_url_is_said_and_forwarding_stays_off(qtbot, window_on):
    w = window_on(EngineSettings(receiver=ReceiverSettings(port=0)))
    forward = w.forward_control
    forward.url.setText("ftp://nope")
    forward.switch.setChecked(True)
    assert not forward.switch.isChecked()
    assert not w.engine.forwarding.active
    assert "http://" in forward.url.toolTip()


def test_every_control_has_an_accessible_name(qtbot, window_on):
    w = window_on(EngineSettings(receiver=ReceiverSettings(port=0)))
    c = w.public_control
    for widget in (
        c.provider,
        c.own_url,
        c.start_button,
        c.url_field,
        c.copy_button,
        c.state_label,
        c.guards_button,
        w.forward_control.url,
        w.forward_control.switch,
    ):
        assert widget.accessibleName(), widget
