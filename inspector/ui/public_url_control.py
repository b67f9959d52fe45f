"""The toolbar's Public URL control: provider, Start/Stop, the callback URL with Copy, its
state (starting / reachable ✓ / not reachable ✗ and why), and the receiver's guards.

It drives the same engine settings as `serve --public ... --require-basic-auth ...`
(`Engine.start_public_url` with a `PublicUrlSettings`, `Engine.set_guards` with a
`GuardSettings`) and shows the engine's `PublicUrlEvent`s. The callback URL is shown with
its password masked; Copy copies it whole, for Deepgram's `callback=`.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..core.guard import GuardSettingError, GuardSettings, new_secret
from ..core.public_url import (
    PublicUrlEvent,
    PublicUrlPhase,
    PublicUrlSettingError,
    PublicUrlSettings,
)
from .forward_view import ForwardControl
from .widgets import plain_label

PROVIDERS = (
    ("cloudflared", "cloudflared"),
    ("ngrok", "ngrok"),
    ("url", "own URL"),
)
SETTINGS_PROVIDER = "public/provider"
SETTINGS_OWN_URL = "public/own_url"
_PASSWORD = re.compile(r"(://[^/:@]*:)([^@/]*)(@)")


def masked(url: str) -> str:
    """`url` with the password of its userinfo shown as dots."""
    return _PASSWORD.sub(lambda m: f"{m.group(1)}•••{m.group(3)}", url)


def state_text(event: PublicUrlEvent) -> tuple[str, str]:
    """(short text, tooltip) for the state label; symbols, never colour alone."""
    phase = event.phase
    if phase is PublicUrlPhase.STARTING:
        return "… starting", f"Starting {event.provider}"
    if phase is PublicUrlPhase.PROBING:
        return (
            "… probing",
            "Checking that the URL reaches this receiver (quick tunnels take a while)",
        )
    if phase is PublicUrlPhase.REACHABLE:
        return "reachable ✓", "A probe sent to the public URL arrived here"
    if phase is PublicUrlPhase.UNREACHABLE:
        return "not reachable ✗", f"The probe did not arrive: {event.error}"
    if phase is PublicUrlPhase.FAILED:
        return "failed ✗", event.error or "the provider failed"
    return "○ off", "No public URL: the receiver is on this machine only"


class GuardsDialog(QDialog):
    """Require basic auth / a dg-token; pin the secret path (empty: a new one per run)."""

    def __init__(self, current: GuardSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Guards of the public receiver")
        form = QFormLayout()
        self.auth_on = QCheckBox("Require basic auth (else 401)", self)
        self.user = QLineEdit(current.user or "", self)
        self.password = QLineEdit(current.password or "", self)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.token_on = QCheckBox("Require this dg-token (else 403)", self)
        self.token = QLineEdit(current.dg_token or "", self)
        self.token.setPlaceholderText("your API key's identifier, a uuid")
        self.secret_on = QCheckBox("Pin the secret path (else a new one per run)", self)
        self.secret = QLineEdit(current.secret or "", self)
        self.secret.setPlaceholderText("at least 22 of A-Z a-z 0-9 - _")
        generate = QToolButton(self)
        generate.setText("New")
        generate.setToolTip("A new random secret (144 bits)")
        generate.setAccessibleName("New random secret")
        generate.clicked.connect(lambda: self.secret.setText(new_secret()))
        secret_row = QHBoxLayout()
        secret_row.addWidget(self.secret, 1)
        secret_row.addWidget(generate)
        self.auth_on.setChecked(current.basic_auth is not None)
        self.token_on.setChecked(current.dg_token is not None)
        self.secret_on.setChecked(current.secret is not None)
        for widget, name in (
            (self.auth_on, "Require basic auth"),
            (self.user, "Basic auth user"),
            (self.password, "Basic auth password"),
            (self.token_on, "Require dg-token"),
            (self.token, "Required dg-token"),
            (self.secret_on, "Pin the secret path"),
            (self.secret, "Secret path"),
        ):
            widget.setAccessibleName(name)
        form.addRow(self.auth_on)
        form.addRow("User", self.user)
        form.addRow("Password", self.password)
        form.addRow(self.token_on)
        form.addRow("dg-token", self.token)
        form.addRow(self.secret_on)
        form.addRow("Secret", secret_row)
        self.error = plain_label("", self)
        self.error.setStyleSheet("color: #b3261e;")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(
            plain_label(
                "Anyone can reach a public URL. Requests outside the secret callback path "
                "get 404; with these, others get 401 or 403. Each refusal is listed.",
                self,
            )
        )
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.result_settings: GuardSettings = current

    def settings(self) -> GuardSettings:
        auth = f"{self.user.text()}:{self.password.text()}" if self.auth_on.isChecked() else None
        return GuardSettings(
            secret=self.secret.text().strip() if self.secret_on.isChecked() else None,
            basic_auth=auth,
            dg_token=self.token.text().strip() if self.token_on.isChecked() else None,
        )

    def _accept(self) -> None:
        try:
            self.result_settings = self.settings().check()
        except GuardSettingError as exc:
            self.error.setText(str(exc))
            return
        self.accept()


class PublicUrlControl(QWidget):
    """Provider, Start/Stop, callback URL with Copy, state, Guards…"""

    message = Signal(str)  # for the status bar

    def __init__(
        self,
        start: Callable[[PublicUrlSettings], None],
        stop: Callable[[], None],
        set_guards: Callable[[GuardSettings], None],
        guards: Callable[[], GuardSettings],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._start, self._stop = start, stop
        self._set_guards, self._guards = set_guards, guards
        self._callback_url = ""
        self.state = PublicUrlEvent("", PublicUrlPhase.STOPPED, 0.0)
        self.base = PublicUrlSettings()  # limits from the command line (timeouts, connect-to)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        label = QLabel("Public URL", self)
        label.setToolTip("A URL the real Deepgram can reach, in front of this receiver")
        self.provider = QComboBox(self)
        for key, text in PROVIDERS:
            self.provider.addItem(text, key)
        self.provider.setAccessibleName("Public URL provider")
        self.provider.setToolTip(
            "cloudflared: a quick tunnel, no account (needs the cloudflared program). "
            "ngrok: needs NGROK_AUTHTOKEN or a token in the keyring. Your own URL: a reverse "
            "proxy or a tunnel you run, pointing at this receiver."
        )
        label.setBuddy(self.provider)
        self.own_url = QLineEdit(self)
        self.own_url.setPlaceholderText("https://hooks.example.com")
        self.own_url.setAccessibleName("Your own public URL")
        self.own_url.setToolTip(
            "The public URL that reaches this receiver (a reverse proxy, a tunnel)"
        )
        self.own_url.setMaximumWidth(180)
        self.start_button = QPushButton("Start", self)
        self.start_button.setAccessibleName("Start or stop the public URL")
        self.start_button.setToolTip("Start the public URL (it is probed once known), or stop it")
        self.start_button.clicked.connect(self.toggle)
        self.url_field = QLineEdit(self)
        self.url_field.setReadOnly(True)
        self.url_field.setMinimumWidth(200)  # the row still fits a 1024-px window
        self.url_field.setMaximumWidth(440)
        self.url_field.setPlaceholderText("the callback URL for Deepgram appears here")
        self.url_field.setAccessibleName("Public callback URL")
        self.url_field.setToolTip("Give this to Deepgram as callback= (Copy copies it whole)")
        self.copy_button = QToolButton(self)
        self.copy_button.setText("Copy")
        self.copy_button.setAccessibleName("Copy the public callback URL")
        self.copy_button.setToolTip("Copy the public callback URL")
        self.copy_button.clicked.connect(self.copy)
        self.state_label = QLabel(self)
        self.state_label.setTextFormat(Qt.TextFormat.PlainText)
        self.state_label.setAccessibleName("Public URL state")
        self.guards_button = QToolButton(self)
        self.guards_button.setText("Guards…")
        self.guards_button.setAccessibleName("Guards of the public receiver")
        self.guards_button.setToolTip("Require basic auth or a dg-token; pin the secret path")
        self.guards_button.clicked.connect(self.edit_guards)
        for w in (
            label,
            self.provider,
            self.own_url,
            self.start_button,
            self.url_field,
            self.copy_button,
            self.state_label,
            self.guards_button,
        ):
            layout.addWidget(w)
        layout.setStretch(layout.indexOf(self.url_field), 1)
        self.provider.currentIndexChanged.connect(self._update)
        self.show_state(self.state)

    # -- what the user does ----------------------------------------------------------------
    def chosen(self) -> PublicUrlSettings:
        key = self.provider.currentData()
        if key == "url":
            return PublicUrlSettings(
                url=self.own_url.text().strip() or None,
                cloudflared=self.base.cloudflared,
                start_timeout=self.base.start_timeout,
                probe_timeout=self.base.probe_timeout,
                connect_to=self.base.connect_to,
            )
        return PublicUrlSettings(
            provider=str(key),
            cloudflared=self.base.cloudflared,
            start_timeout=self.base.start_timeout,
            probe_timeout=self.base.probe_timeout,
            connect_to=self.base.connect_to,
        )

    def toggle(self) -> None:
        if self.state.active:
            self._stop()
            return
        settings = self.chosen()
        if settings.chosen is None:
            self.message.emit("Type your own public URL first")
            return
        try:
            self._start(settings)
        except (PublicUrlSettingError, RuntimeError) as exc:
            self.message.emit(str(exc))
            return
        self.show_state(PublicUrlEvent(settings.chosen, PublicUrlPhase.STARTING, 0.0))

    def copy(self) -> None:
        if self._callback_url:
            QGuiApplication.clipboard().setText(self._callback_url)
            self.message.emit("Public callback URL copied: give it to Deepgram as callback=")

    def edit_guards(self) -> None:
        dialog = GuardsDialog(self._guards(), self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self._set_guards(dialog.result_settings)
            self.message.emit("Guards applied from the next request")

    # -- what the engine says --------------------------------------------------------------
    def show_state(self, event: PublicUrlEvent) -> None:
        self.state = event
        text, tip = state_text(event)
        self.state_label.setText(text if len(text) < 40 else text[:39] + "…")
        self.state_label.setToolTip(tip)
        self._callback_url = event.callback_url or ""
        self.url_field.setText(masked(self._callback_url))
        self.url_field.setCursorPosition(0)  # the start of the URL, not its tail
        self.url_field.setToolTip(
            f"Give this to Deepgram as callback=: {masked(self._callback_url)}"
            if self._callback_url
            else "Start a public URL: its callback URL for Deepgram appears here"
        )
        if event.active and event.provider:
            index = self.provider.findData(event.provider)
            if index >= 0:
                self.provider.setCurrentIndex(index)
        self._update()

    def _update(self) -> None:
        active = self.state.active
        self.start_button.setText("Stop" if active else "Start")
        self.provider.setEnabled(not active)
        own = self.provider.currentData() == "url"
        self.own_url.setVisible(own)
        self.own_url.setEnabled(not active)
        self.copy_button.setEnabled(bool(self._callback_url))

    def load_settings(self, s: QSettings) -> None:
        index = self.provider.findData(str(s.value(SETTINGS_PROVIDER, "cloudflared")))
        if index >= 0 and not self.state.active:
            self.provider.setCurrentIndex(index)
        if not self.own_url.text():
            self.own_url.setText(str(s.value(SETTINGS_OWN_URL, "") or ""))

    def save_settings(self, s: QSettings) -> None:
        s.setValue(SETTINGS_PROVIDER, self.provider.currentData())
        s.setValue(SETTINGS_OWN_URL, self.own_url.text().strip())


def add_public_toolbar(window: QMainWindow) -> tuple[PublicUrlControl, ForwardControl]:
    """A toolbar row of its own under the main one: the Public URL control and the
    "Forward to" field, both wired to `window.engine` and its status bar."""
    engine = window.engine  # type: ignore[attr-defined]
    bar = QToolBar("Public URL and forwarding", window)
    bar.setObjectName("public_toolbar")
    bar.setMovable(False)
    public = PublicUrlControl(
        engine.start_public_url,
        engine.stop_public_url,
        engine.set_guards,
        lambda: engine.guards,
        bar,
    )
    if engine.public_url_settings is not None:
        public.base = engine.public_url_settings
    public.show_state(engine.public_url)
    forward = ForwardControl(engine.forwarding, engine.set_forwarding, bar)
    for control in (public, forward):
        control.message.connect(lambda text: window.statusBar().showMessage(text, 8000))
    bar.addWidget(public)
    bar.addSeparator()
    bar.addWidget(forward)
    window.addToolBarBreak()
    window.addToolBar(bar)
    return public, forward
