"""The submit panel: send audio to the emulator (or the real Deepgram) with a callback.

The callback URL is checked against Deepgram's rules before anything is sent
(`core.callback_url`), and the reply's request_id links the callbacks that come back, with
their latency. The real Deepgram key lives only in the OS keyring (`keyring_store`); choices
are remembered in QSettings, never the key or the basic-auth password.

Why this module is long: the panel's form, keyring lookup and submission; its split (Deepgram
query building into core, the form's construction) is issue 15 item 6, branch `window`.
"""

from __future__ import annotations

import base64
import concurrent.futures
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from .. import bundled, redact
from ..core.callback_url import CallbackUrlError, validate_callback_url
from ..core.control import Submit
from ..core.deepgram_auth import (
    DEEPGRAM_BASE_URL,
    EMULATOR_PLACEHOLDER_KEY,
    key_identifier,
    mask_key,
)
from ..core.exchange_display import status_text
from ..core.listen_query import (
    LISTEN_FLAGS,
    ListenChoices,
    listen_params,
    swap_scheme,
    with_userinfo,
)
from ..core.records import Direction, Exchange, ExchangeKind, WsMessage
from ..core.stream_words import StreamWords
from ..core.ws_close_codes import close_code_text
from ..engine.api import EngineApi
from ..engine.keyring_store import KeyStoreError, load_api_key, save_api_key
from .body_format import plural, pretty_text
from .engine_calls import EngineCalls
from .widgets import ElidedLabel, item, plain_label, rows_height, set_rows, table_view, text_view

log = logging.getLogger(__name__)

SAMPLES_DIR = bundled.samples_dir()
KEYRING_WAIT = 10.0  # seconds a send or an export waits for the keyring lookup, at most
DEFAULT_CALLBACK_PATH = "/callback"
TARGET_EMULATOR, TARGET_DEEPGRAM = "Built-in emulator", "Deepgram (api.deepgram.com)"
SOURCE_SAMPLE, SOURCE_FILE, SOURCE_URL = "Sample", "File", "URL"
EMULATOR_OFF = "The built-in emulator is off (started without it): send to Deepgram instead."


LINK_ROWS_MIN = 2  # callbacks listed at least (the latest kept in view); more as room allows
LINK_COLUMN_TIPS = (
    "The attempt number, as the retry timeline counts it (WS: a callback socket)",
    "What the receiver answered",
    "From the API's reply (or the stream's start) to the callback's arrival",
    "The transcript the callback carried",
)


def _form(parent: QWidget) -> QFormLayout:
    """A compact form: labels beside fields, fields growing with the dock."""
    form = QFormLayout(parent)
    form.setContentsMargins(6, 4, 6, 4)
    form.setVerticalSpacing(4)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    return form


def sample_files() -> list[Path]:
    return sorted(SAMPLES_DIR.glob("*.wav"))


@dataclass
class Submission:
    number: int
    sent: float
    streaming: bool
    replied: float | None = None
    request_id: str | None = None
    callback_path: str | None = None  # where a ws:// callback socket is expected
    callbacks: list[int] = field(default_factory=list)  # exchange ids


class SubmitPanel(QWidget):
    """Form, pre-flight check, reply and the callbacks linked to it."""

    sending = Signal()  # a submission is leaving now
    submitted = Signal(str)  # request_id, once the reply names it
    callback_activated = Signal(int)  # exchange id the user picked in the links list
    key_looked_up = Signal()  # the keyring lookup (on a helper thread) is over

    def __init__(
        self, engine: EngineApi, calls: EngineCalls, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.engine = engine
        # Where "Deepgram" is: the real API, or a self-hosted one (gui --deepgram-url).
        self.deepgram_url = DEEPGRAM_BASE_URL
        self.calls = calls
        self.submissions: list[Submission] = []
        self._by_request_id: dict[str, Submission] = {}
        self._link_rows: list[int] = []
        self._socket_words: dict[int, StreamWords] = {}  # a callback socket's words so far
        # The Send row stays at the top; the form scrolls under it, and the reply with the
        # callbacks that came back share the rest (a splitter), so each part stays usable
        # when the dock has half of a 700-pixel screen.
        form = QWidget(self)
        outer = QVBoxLayout(form)
        outer.setContentsMargins(6, 2, 6, 2)
        outer.setSpacing(4)

        for build in (self._build_target, self._build_audio, self._build_callback):
            outer.addWidget(build())
        self._build_options(outer)

        outer.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(form)

        send_row = self._build_send_row()

        results = self._build_results()
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.setChildrenCollapsible(False)
        split.addWidget(scroll)
        split.addWidget(results)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        self.splitter = split
        whole = QVBoxLayout(self)
        whole.setContentsMargins(0, 0, 0, 0)
        whole.setSpacing(0)
        whole.addLayout(send_row)
        whole.addWidget(split, 1)

        self.source.currentTextChanged.connect(self._update_visibility)
        self.target.currentTextChanged.connect(self._update_visibility)
        self.target.currentTextChanged.connect(self._on_target)
        self.streaming.toggled.connect(self._on_streaming)
        self.use_callback.toggled.connect(self._update_visibility)
        for line in (self.callback, self.user, self.password):
            line.textChanged.connect(self.check_callback)
        self.reset_callback()
        self._update_visibility()
        # The keyring's first use loads its backends (about a second): on a helper thread, so
        # the window shows without waiting (issue 8's cold start).
        self._stored_key: concurrent.futures.Future[str | None] = concurrent.futures.Future()
        self.key_looked_up.connect(self._show_key_state)
        self._show_key_state()
        threading.Thread(
            target=self._look_up_key, args=(self._stored_key,), name="keyring-lookup", daemon=True
        ).start()

    # -- the form's parts, top to bottom ------------------------------------------------
    def _build_target(self) -> QGroupBox:
        """Send to: the emulator or Deepgram, and the key."""
        tgt = QGroupBox("Send to", self)
        tf = _form(tgt)
        self.target = QComboBox(self)
        self.target.addItems([TARGET_EMULATOR, TARGET_DEEPGRAM])
        self.target.setToolTip(
            "The built-in emulator (offline), or the real Deepgram with your key"
        )
        key_row = QHBoxLayout()
        self.key = QLineEdit(self)
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        self.key.setPlaceholderText("Deepgram API key (kept in the OS keyring only)")
        self.key.setToolTip(
            "Your Deepgram API key; stored only in the OS keyring, never in settings"
        )
        self.save_key = QPushButton("Save to keyring", self)
        self.save_key.setToolTip("Store the key in the OS keyring (not in any settings file)")
        self.save_key.clicked.connect(self._save_key)
        key_row.addWidget(self.key, 1)
        key_row.addWidget(self.save_key)
        self.key_state = plain_label("", self)
        tf.addRow("Target", self.target)
        tf.addRow("API key", key_row)
        tf.addRow("", self.key_state)
        self._target_form = tf
        self._key_row = key_row
        return tgt

    def _build_audio(self) -> QGroupBox:
        """Audio: a sample, a file or a URL; streamed or not."""
        audio = QGroupBox("Audio", self)
        af = _form(audio)
        self.source = QComboBox(self)
        self.source.addItems([SOURCE_SAMPLE, SOURCE_FILE, SOURCE_URL])
        self.source.setToolTip("Send a bundled sample, a local file, or a URL Deepgram downloads")
        self.sample = QComboBox(self)
        for wav in sample_files():
            self.sample.addItem(wav.stem, str(wav))
        self.sample.setToolTip("Bundled spoken samples (their text is in the .txt beside them)")
        file_row = QHBoxLayout()
        self.file = QLineEdit(self)
        self.file.setPlaceholderText("/path/to/audio.wav")
        self.file.setToolTip("A local audio file")
        self.browse = QPushButton("Browse…", self)
        self.browse.setToolTip("Pick an audio file")
        self.browse.clicked.connect(self._browse)
        file_row.addWidget(self.file, 1)
        file_row.addWidget(self.browse)
        self.url = QLineEdit(self)
        self.url.setPlaceholderText("https://example.com/audio.wav")
        self.url.setToolTip('Sent as {"url": ...}; the API downloads it')
        stream_row = QHBoxLayout()
        self.streaming = QCheckBox("Stream, speed", self)
        self.streaming.setToolTip(
            "Stream the file over the /v1/listen WebSocket, paced like live audio, at this speed"
        )
        self.speed = QDoubleSpinBox(self)
        self.speed.setRange(0.1, 20.0)
        self.speed.setValue(1.0)
        self.speed.setSuffix(" ×")
        self.speed.setToolTip("Pacing of the stream: 1 is real time, 4 is four times faster")
        stream_row.addWidget(self.streaming)
        stream_row.addWidget(self.speed)
        stream_row.addStretch(1)
        af.addRow("Source", self.source)
        af.addRow("Sample", self.sample)
        af.addRow("File", file_row)
        af.addRow("URL", self.url)
        af.addRow("", stream_row)
        self._audio_form = af
        return audio

    def _build_callback(self) -> QGroupBox:
        """Callback: the URL, method, basic auth and the pre-flight check."""
        cb = QGroupBox("Callback", self)
        cf = _form(cb)
        self.use_callback = QCheckBox("ask for a callback", self)
        self.use_callback.setChecked(True)
        self.use_callback.setToolTip("Without a callback the reply carries the transcript itself")
        self.callback = QLineEdit(self)
        self.callback.setToolTip("Where the API delivers the result (prefilled: this receiver)")
        self.method = QComboBox(self)
        self.method.addItems(["POST", "PUT"])
        self.method.setToolTip("callback_method: PUT is what S3 presigned URLs need")
        auth = QHBoxLayout()
        self.user = QLineEdit(self)
        self.user.setPlaceholderText("user (optional)")
        self.user.setToolTip("Basic-auth user, put into the callback URL as user:pass@")
        self.password = QLineEdit(self)
        self.password.setPlaceholderText("password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setToolTip("Basic-auth password (masked; never saved)")
        auth.addWidget(self.user)
        auth.addWidget(self.password)
        self.preflight = plain_label("", self)
        self.preflight.setToolTip(
            "Deepgram's callback URL rules: http(s) (ws(s) when streaming), "
            "ports 80/443/8080/8443, no underscore in the host"
        )
        self.relaxed = QCheckBox("Relaxed ports: any port", self)
        self.relaxed.setToolTip(
            "Deepgram calls back only on ports 80, 443, 8080 and 8443; a receiver on "
            "localhost:9000 needs the emulator to accept any port (serve --relaxed-ports)"
        )
        self.relaxed.toggled.connect(self._set_relaxed_ports)
        cf.addRow("", self.use_callback)
        cf.addRow("URL", self.callback)
        cf.addRow("Method", self.method)
        cf.addRow("Basic auth", auth)
        cf.addRow("Check", self.preflight)
        cf.addRow("", self.relaxed)
        self._callback_form = cf
        return cb

    def _build_options(self, outer: QVBoxLayout) -> None:
        """The /v1/listen options, folded under their button."""
        self.options_button = QToolButton(self)
        self.options_button.setText("Options (model, punctuate, extra…)")
        self.options_button.setCheckable(True)
        self.options_button.setArrowType(Qt.ArrowType.RightArrow)
        self.options_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.options_button.setAutoRaise(True)
        self.options_button.setToolTip("Show or hide the /v1/listen options")
        opts = QGroupBox(self)
        of = _form(opts)
        self.model = QLineEdit(self)
        self.model.setPlaceholderText("default model")
        self.model.setToolTip("model= (e.g. nova-3); empty: the API's default")
        flags = QGridLayout()
        # One checkbox per on/off option, named as the query names it (core/listen_query).
        self.flags = {name: QCheckBox(name, self) for name in LISTEN_FLAGS}
        for n, box in enumerate(self.flags.values()):
            box.setToolTip(f"{box.text()}=true")
            flags.addWidget(box, n // 2, n % 2)
        self.punctuate, self.interim = self.flags["punctuate"], self.flags["interim_results"]
        self.extra = QLineEdit(self)
        self.extra.setPlaceholderText("callback_secret:s3cret, team:qa")
        self.extra.setToolTip("extra=key:value pairs, comma separated; echoed in metadata.extra")
        self.tag = QLineEdit(self)
        self.tag.setPlaceholderText("tag1, tag2")
        self.tag.setToolTip("tag= values, comma separated")
        of.addRow("model", self.model)
        of.addRow("", flags)
        of.addRow("extra", self.extra)
        of.addRow("tag", self.tag)
        self.options = opts
        self.options_button.toggled.connect(self._show_options)
        self._show_options(False)
        outer.addWidget(self.options_button)
        outer.addWidget(opts)

    def _build_send_row(self) -> QHBoxLayout:
        """Send and the submission's state, above the form."""
        send_row = QHBoxLayout()
        send_row.setContentsMargins(6, 4, 6, 2)
        self.send = QPushButton("Send", self)
        self.send.setDefault(True)
        self.send.setToolTip("Submit now (Ctrl+Return)")
        self.send.clicked.connect(self.submit)
        self.state = ElidedLabel("", self)  # one line: a long reason must not grow the row
        self.state.setAccessibleName("Submission state")
        send_row.addWidget(self.send)
        send_row.addWidget(self.state, 1)
        return send_row

    def _build_results(self) -> QWidget:
        """The API's reply and the callbacks that came back for it."""
        results = QWidget(self)
        outer = QVBoxLayout(results)
        outer.setContentsMargins(6, 0, 6, 0)
        self.reply = text_view(self, "The reply (request_id or transcript) appears here.")
        self.reply.setToolTip("What the API answered")
        self.reply.setAccessibleName("API reply")
        self.reply.setLineWrapMode(self.reply.LineWrapMode.WidgetWidth)
        self.reply.setMinimumHeight(3 * self.reply.fontMetrics().lineSpacing())
        self.reply.setMaximumHeight(8 * self.reply.fontMetrics().lineSpacing())
        outer.addWidget(self.reply, 2)
        self.links_model = QStandardItemModel(0, 4, self)
        self.links_model.setHorizontalHeaderLabels(["Attempt", "Status", "Latency", "Transcript"])
        for col, tip in enumerate(LINK_COLUMN_TIPS):
            self.links_model.setHeaderData(
                col, Qt.Orientation.Horizontal, tip, Qt.ItemDataRole.ToolTipRole
            )
        self.links = table_view(self.links_model, self)
        self.links.setAccessibleName("Callbacks of this submission")
        self.links.setToolTip(
            "Callbacks that came back for this submission, numbered as the retry timeline "
            "numbers its attempts; double-click to open one in the list"
        )
        for col, width in enumerate((60, 64, 66)):  # Transcript has the rest (300 px column)
            self.links.setColumnWidth(col, width)
        self.links.doubleClicked.connect(
            lambda index: self.callback_activated.emit(self._link_rows[index.row()])
        )
        self.links.setMinimumHeight(rows_height(self.links, LINK_ROWS_MIN))
        # The latest row stays whole at the bottom: scrolled by the pixel, and no sideways
        # scroll bar that comes with a long transcript and covers it (the tooltip has it all).
        self.links.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.links.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        outer.addWidget(self.links, 3)
        return results

    # -- form -------------------------------------------------------------------------
    def reset_callback(self, path: str = DEFAULT_CALLBACK_PATH) -> None:
        """The receiver's URL + `path`; left as it is until the receiver first listens. With
        Target = Deepgram and a public URL active, the public callback URL itself (Deepgram
        cannot reach localhost, and its port rule is then met: 443)."""
        public = (
            self.target.currentText() == TARGET_DEEPGRAM
            and self.engine.public_url.callback_url is not None
        )
        try:
            url = self.engine.callback_url("/" if public else path, public=public)
        except RuntimeError:
            return
        self.callback.setText(swap_scheme(url, self.streaming.isChecked()))

    def _on_target(self, text: str) -> None:
        """To Deepgram: the public callback URL when there is one; back: the local one."""
        public = self.engine.public_url.callback_url
        if public and (text == TARGET_DEEPGRAM or self.callback.text().startswith(public)):
            self.reset_callback()

    def _browse(self) -> QFileDialog:
        dialog = QFileDialog(
            self, "Audio file", "", "Audio (*.wav *.mp3 *.flac *.ogg *.m4a *.webm);;All (*)"
        )
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.fileSelected.connect(self.file.setText)
        dialog.open()  # never exec(): nothing blocks on the user
        return dialog

    def _on_streaming(self, on: bool) -> None:
        self.callback.setText(swap_scheme(self.callback.text(), on))
        self._update_visibility()

    def _set_row_visible(self, field_widget: QWidget | QHBoxLayout, visible: bool) -> None:
        self._audio_form.setRowVisible(field_widget, visible)

    def _update_visibility(self) -> None:
        source = self.source.currentText()
        self._set_row_visible(self.sample, source == SOURCE_SAMPLE)
        self._audio_form.setRowVisible(2, source == SOURCE_FILE)
        self._set_row_visible(self.url, source == SOURCE_URL)
        if source == SOURCE_URL and self.streaming.isChecked():
            self.streaming.setChecked(False)
        self.streaming.setEnabled(source != SOURCE_URL)
        self.speed.setEnabled(self.streaming.isChecked())
        self.interim.setEnabled(self.streaming.isChecked())
        self.method.setEnabled(not self.streaming.isChecked() and self.use_callback.isChecked())
        for w in (self.callback, self.user, self.password):
            w.setEnabled(self.use_callback.isChecked())
        deepgram = self.target.currentText() == TARGET_DEEPGRAM
        self._target_form.setRowVisible(self._key_row, deepgram)
        self._target_form.setRowVisible(self.key_state, deepgram)
        self._callback_form.setRowVisible(self.relaxed, not deepgram)
        self.refresh_engine_state()

    def _show_options(self, shown: bool) -> None:
        self.options.setVisible(shown)
        self.options_button.setArrowType(
            Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow
        )

    def refresh_engine_state(self) -> None:
        """Say whether the emulator can take a submission now, and show its relaxed-ports
        setting: called when the servers start or stop and when a demo changes settings
        (the panel is built before the servers start: issue 14 item 2)."""
        settings = self.engine.emulator_settings()
        running = self.engine.running and self.engine.emulator_url is not None
        self.relaxed.blockSignals(True)
        self.relaxed.setChecked(bool(settings is not None and settings.relaxed_ports))
        self.relaxed.blockSignals(False)
        self.relaxed.setEnabled(running)
        if self.target.currentText() == TARGET_EMULATOR and not running:
            self.state.setText(
                EMULATOR_OFF if settings is None else "The servers are not listening: press Start."
            )
        elif self.state.text() in (EMULATOR_OFF, "The servers are not listening: press Start."):
            self.state.setText("")
        self.check_callback()

    def _set_relaxed_ports(self, on: bool) -> None:
        settings = self.engine.emulator_settings()
        if settings is None or not self.engine.running or self.engine.emulator_url is None:
            return
        self.engine.set_emulator_settings(replace(settings, relaxed_ports=on))
        self.check_callback()

    def known_tokens(self) -> dict[str, str]:
        """The dg-token identifiers of the keys this panel sends with, and whose they are."""
        tokens = {key_identifier(EMULATOR_PLACEHOLDER_KEY): "the submit panel's emulator key"}
        if self._key_from_store:
            tokens[key_identifier(self._key_from_store)] = (
                "your stored key, as the emulator names it"
            )
        return tokens

    def secrets(self) -> list[str]:
        """Every API key this window knows (stored, typed, the emulator's `--api-key`): what
        an export with "mask secrets" must never contain."""
        emulator = self.engine.emulator_settings()
        keys = [self._key_from_store, self.key.text().strip()]
        keys.append(emulator.api_key if emulator is not None else None)
        return [k for k in keys if k]

    def _look_up_key(self, found: concurrent.futures.Future[str | None]) -> None:
        """On the lookup thread: fills `found` whatever happens (a keyring backend may raise
        anything, e.g. a D-Bus error); a key saved meanwhile has replaced it, and wins."""
        key: str | None = None
        try:
            key = load_api_key()
        except Exception as exc:
            log.warning("could not read the OS keyring: %s", type(exc).__name__)
        finally:
            redact.register(key)
            found.set_result(key)
        try:
            self.key_looked_up.emit()
        except RuntimeError:  # the panel was closed meanwhile
            pass

    @property
    def _key_from_store(self) -> str | None:
        """The stored key (DEEPGRAM_API_KEY or the keyring); waits for the lookup if it is
        still under way, at most KEYRING_WAIT seconds."""
        try:
            return self._stored_key.result(timeout=KEYRING_WAIT)
        except TimeoutError:
            log.warning("the keyring did not answer within %s s", KEYRING_WAIT)
            return None

    @_key_from_store.setter
    def _key_from_store(self, key: str | None) -> None:
        done: concurrent.futures.Future[str | None] = concurrent.futures.Future()
        done.set_result(key)
        self._stored_key = done

    def _show_key_state(self) -> None:
        if not self._stored_key.done():
            self.key_state.setText("Looking in the keyring…")
            return
        key = self._key_from_store
        self.key_state.setText(
            f"Key in keyring: {mask_key(key)}"
            if key
            else "No key stored (keyring or DEEPGRAM_API_KEY)"
        )

    def _save_key(self) -> None:
        key = self.key.text().strip()
        if not key:
            self.key_state.setText("Type a key first.")
            return
        try:
            save_api_key(key)
        except KeyStoreError as exc:
            self.key_state.setText(str(exc))
            return
        redact.register(key)
        self._key_from_store = key
        self.key.clear()
        self._show_key_state()

    def callback_url(self) -> str | None:
        if not self.use_callback.isChecked():
            return None
        return with_userinfo(self.callback.text().strip(), self.user.text(), self.password.text())

    def _relaxed_ports(self) -> bool:
        if self.target.currentText() == TARGET_DEEPGRAM:
            return False
        settings = self.engine.emulator_settings()
        return settings is not None and settings.relaxed_ports

    def check_callback(self) -> bool:
        """Pre-flight: the callback URL against Deepgram's rules; explains what is wrong."""
        url = self.callback_url()
        if url is None:
            self.preflight.setText("No callback: the reply will carry the transcript.")
            return True
        try:
            target = validate_callback_url(
                url, streaming=self.streaming.isChecked(), relaxed_ports=self._relaxed_ports()
            )
        except CallbackUrlError as exc:
            self.preflight.setText(f"✗ {exc.reason}")
            return False
        note = ""
        if self.target.currentText() == TARGET_DEEPGRAM and target.host in (
            "127.0.0.1",
            "localhost",
            "::1",
        ):
            note = (
                " (Deepgram's servers cannot reach your localhost: start a Public URL in the "
                "toolbar)"
            )
        relaxed = (
            " (relaxed ports)"
            if self._relaxed_ports() and target.port not in (80, 443, 8080, 8443)
            else ""
        )
        auth = f", basic auth as {target.username!r}" if target.username else ""
        self.preflight.setText(f"✓ will call {target.url_without_userinfo}{auth}{relaxed}{note}")
        return True

    def choices(self) -> ListenChoices:
        return ListenChoices(
            model=self.model.text(),
            **{name: box.isChecked() for name, box in self.flags.items()},
            extra=self.extra.text(),
            tag=self.tag.text(),
            callback=self.callback_url(),
            callback_method=self.method.currentText(),
        )

    def audio_source(self) -> Path | str | None:
        source = self.source.currentText()
        if source == SOURCE_SAMPLE:
            data = self.sample.currentData()
            return Path(data) if data else None
        if source == SOURCE_FILE:
            text = self.file.text().strip()
            return Path(text) if text else None
        return self.url.text().strip() or None

    # -- sending ----------------------------------------------------------------------
    def submit(self) -> Submission | None:
        if not self.check_callback():
            self.state.setText("Fix the callback URL first (see Check).")
            return None
        source = self.audio_source()
        if source is None:
            self.state.setText("Choose the audio to send.")
            return None
        if isinstance(source, Path) and not source.is_file():
            self.state.setText(f"No such file: {source}")
            return None
        if self.target.currentText() == TARGET_DEEPGRAM:
            base = self.deepgram_url
            key = self._key_from_store or self.key.text().strip()
            redact.register(key)
            if not key:
                self.state.setText("Deepgram needs an API key: type it and save it to the keyring.")
                return None
        else:
            if self.engine.emulator_url is None:
                self.state.setText("The emulator is not running.")
                return None
            base = self.engine.emulator_url
            key = EMULATOR_PLACEHOLDER_KEY
        streaming = self.streaming.isChecked() and isinstance(source, Path)
        params = listen_params(self.choices(), streaming)
        sub = Submission(number=len(self.submissions) + 1, sent=time.time(), streaming=streaming)
        callback = self.callback_url()
        if streaming and callback and callback.startswith(("ws://", "wss://")):
            sub.callback_path = urlsplit(callback).path or "/"
        self.submissions.append(sub)
        self.sending.emit()
        set_rows(self.links_model, [])
        self._link_rows = []
        self._socket_words = {}
        self.reply.setPlainText("")
        what = "Streaming" if streaming else "Sending"
        self.state.setText(f"{what} {getattr(source, 'name', source)}…")
        command = submit_command(
            base, key, source, params, streaming, self.speed.value(), self.engine.shares_files
        )
        on_done = self._on_stream_done if streaming else self._on_reply
        self.calls.send(
            lambda: self.engine.submit(command),
            lambda result, error: on_done(sub, result, error),
        )
        return sub

    def _on_reply(self, sub: Submission, reply: Any, error: BaseException | None) -> None:
        sub.replied = time.time()
        if error is not None:
            self.state.setText(f"Failed: {error}")
            self.reply.setPlainText(str(error))
            return
        took = (sub.replied - sub.sent) * 1000
        status = reply["status"]
        self.state.setText(f"Reply {status} in {took:.0f} ms")
        body = reply["body"]
        text = pretty_text(body.encode()) if isinstance(body, str) else _json_text(body)
        self.reply.setPlainText(f"HTTP {status}\n{text}")
        if reply.get("request_id"):
            self._register(sub, reply["request_id"])

    def _on_stream_done(self, sub: Submission, result: Any, error: BaseException | None) -> None:
        sub.replied = time.time()
        if error is not None:
            self.state.setText(f"Stream failed: {error}")
            self.reply.setPlainText(str(error))
            return
        code, reason, messages = result["code"], result["reason"], result["messages"]
        finals = [m for m in messages if m.get("type") == "Results" and m.get("is_final")]
        transcript = " ".join(
            str(m.get("channel", {}).get("alternatives", [{}])[0].get("transcript", ""))
            for m in finals
        ).strip()
        closed = close_code_text(code) or "without a code"
        self.state.setText(f"Stream closed {closed}" + (f": {reason}" if reason else ""))
        self.reply.setPlainText(
            f"closed {closed} {reason}\n{plural(len(messages), 'message')}, {len(finals)} final"
            f"\n{transcript}"
        )
        request_id = next((rid for m in messages if (rid := _message_request_id(m))), None)
        if request_id:
            self._register(sub, request_id)

    def _register(self, sub: Submission, request_id: str) -> None:
        sub.request_id = request_id
        self._by_request_id[request_id] = sub
        self.submitted.emit(request_id)

    def _owner(self, x: Exchange) -> Submission | None:
        """The submission `x` is a callback of: by request_id, or (a ws:// callback socket,
        which carries no request_id) the latest stream whose callback path it opened."""
        sub = self._by_request_id.get(x.request_id or "")
        if sub is not None or x.kind is not ExchangeKind.WEBSOCKET or not self.submissions:
            return sub
        latest = self.submissions[-1]
        if latest.callback_path == x.path and x.started >= latest.sent:
            return latest
        return None

    def link(self, x: Exchange) -> bool:
        """Called for every captured exchange; lists it when it is a callback of ours."""
        sub = self._owner(x)
        if sub is None or sub is not self.submissions[-1]:
            return sub is not None
        status = status_text(x)
        if x.id in sub.callbacks:  # an update (a reply left, a socket closed)
            row = self._link_rows.index(x.id)
            self.links_model.setItem(row, 1, item(status, tooltip=status))
            return True
        sub.callbacks.append(x.id)
        latency = x.started - (sub.replied or sub.sent)
        self._link_rows.append(x.id)
        # Numbered as the retry timeline numbers attempts; the list's row number is in the
        # tooltip (two numberings side by side read as one: issue 14 item 7).
        ws = x.kind is ExchangeKind.WEBSOCKET
        where = f"{'WebSocket' if ws else x.method} {x.target}: row #{x.id} of the list"
        transcript = x.view.transcript or ""
        self.links_model.appendRow(
            [
                item("WS" if ws else str(x.attempt), tooltip=where),
                item(status, tooltip=status),
                item(f"{latency:+.2f} s", tooltip="from the reply (or the stream's start)"),
                item(transcript, tooltip=transcript),
            ]
        )
        self.links.scrollToBottom()  # the latest attempt (the delivered one) in view
        return True

    def show_ws_message(self, message: WsMessage) -> None:
        """A message the emulator sent over a callback socket listed here: the row's
        Transcript shows the stream's words as they come (issue 14 item 17)."""
        if message.direction is not Direction.IN or message.exchange_id not in self._link_rows:
            return
        words = self._socket_words.setdefault(message.exchange_id, StreamWords())
        if words.add(message.data):
            row = self._link_rows.index(message.exchange_id)
            self.links_model.setItem(row, 3, item(words.text, tooltip=words.text))

    # -- remembered choices (never the key or basic auth, which demos also fill in) ----
    def save_settings(self, s: QSettings) -> None:
        s.beginGroup("submit")
        s.setValue("source", self.source.currentText())
        s.setValue("sample", self.sample.currentText())
        s.setValue("file", self.file.text())
        s.setValue("url", self.url.text())
        s.setValue("streaming", self.streaming.isChecked())
        s.setValue("speed", self.speed.value())
        s.setValue("method", self.method.currentText())
        s.setValue("model", self.model.text())
        for name, box in self.flags.items():
            s.setValue(name, box.isChecked())
        s.setValue("extra", self.extra.text())
        s.setValue("tag", self.tag.text())
        s.setValue("target", self.target.currentText())
        s.endGroup()

    def load_settings(self, s: QSettings) -> None:
        s.beginGroup("submit")

        def text(name: str, default: str = "") -> str:
            return str(s.value(name, default) or default)

        def flag(name: str) -> bool:
            return str(s.value(name, "false")).lower() == "true"

        self.source.setCurrentText(text("source", SOURCE_SAMPLE))
        if text("sample"):
            self.sample.setCurrentText(text("sample"))
        self.file.setText(text("file"))
        self.url.setText(text("url"))
        self.streaming.setChecked(flag("streaming"))
        try:
            self.speed.setValue(float(text("speed", "1.0")))
        except ValueError:
            pass
        self.method.setCurrentText(text("method", "POST"))
        self.model.setText(text("model"))
        for name, box in self.flags.items():
            box.setChecked(flag(name))
        self.extra.setText(text("extra"))
        self.tag.setText(text("tag"))
        self.target.setCurrentText(text("target", TARGET_EMULATOR))
        s.endGroup()


def _json_text(body: Any) -> str:
    import json

    return json.dumps(body, indent=2, ensure_ascii=False)


def _message_request_id(message: dict[str, Any]) -> str | None:
    metadata = message.get("metadata")
    if isinstance(metadata, dict) and isinstance(metadata.get("request_id"), str):
        return str(metadata["request_id"])
    rid = message.get("request_id")
    return rid if isinstance(rid, str) else None


def submit_command(
    base: str,
    key: str,
    source: Path | str,
    params: Sequence[tuple[str, str]],
    streaming: bool,
    speed: float,
    engine_reads_files: bool,
) -> Submit:
    """The `submit` command for the engine: a file by its path when the engine can read this
    machine's files, else its bytes (an attached engine elsewhere)."""
    audio: dict[str, Any] = {}
    if isinstance(source, Path):
        if engine_reads_files:
            audio["path"] = str(source)
        else:
            audio["audio"] = base64.b64encode(source.read_bytes()).decode("ascii")
            audio["filename"] = source.name
    else:
        audio["url"] = source
    return Submit(
        base_url=base, key=key, params=tuple(params), stream=streaming, speed=speed, **audio
    )
