"""Tools → Check my handler: the report card of `check-handler`, live in the window (issue 19).

A URL (and the credentials the handler expects), Run, and a table of the cases that fills as
each one finishes, with its verdict, status, time and fix; the detail of the case selected
below it. Opening a case (double-click, Enter, or *Show in list*) selects its exchanges in the
main list: the engine publishes them like any other traffic, so they are already there.

The check runs in the engine (`start_handler_check`, plain data in; `Check*` events out):
this dialog only reads its own listener's events, on a timer, and never waits for the network.

Why this module is long: one dialog (its form, the live table of cases and a case's detail, all fed
by the one listener's events) and the table's model, used only here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSettings,
    Qt,
    QTimer,
)
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..core.callback_url import CallbackUrlError, validate_callback_url
from ..core.events import Event
from ..core.handler_checks import (
    CASES,
    SPECS,
    CaseId,
    CaseResult,
    CheckCaseDone,
    CheckFinished,
    CheckRequest,
    CheckStarted,
    CheckSummary,
    HandlerCheckSettings,
    Verdict,
)
from ..engine.api import EngineApi
from ..engine.binding import is_loopback
from .engine_calls import EngineCalls
from .widgets import plain_label

log = logging.getLogger(__name__)

DRAIN_INTERVAL_MS = 100
VERDICT_TEXT = {Verdict.PASS: "✓ pass", Verdict.WARN: "! warn", Verdict.FAIL: "✗ fail"}
COLUMNS = ("Case", "Verdict", "Status", "Time", "Fix")
_SETTINGS_URL = "check_handler/url"
_SETTINGS_TOKEN = "check_handler/dg_token"
_SETTINGS_ATTEMPT = "check_handler/attempt_time"


@dataclass
class _Row:
    case: CaseId
    result: CaseResult | None = None
    running: bool = False


class CaseTableModel(QAbstractTableModel):
    """The run's cases in run order: waiting, running, or with their verdict."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[_Row] = []

    def start(self, cases: Sequence[CaseId]) -> None:
        self.beginResetModel()
        self.rows = [_Row(c) for c in cases]
        if self.rows:
            self.rows[0].running = True
        self.endResetModel()

    def finish(self, result: CaseResult) -> None:
        for n, row in enumerate(self.rows):
            if row.case is result.case:
                row.result, row.running = result, False
                self.dataChanged.emit(self.index(n, 0), self.index(n, len(COLUMNS) - 1))
                if n + 1 < len(self.rows) and self.rows[n + 1].result is None:
                    self.rows[n + 1].running = True
                    self.dataChanged.emit(self.index(n + 1, 1), self.index(n + 1, 1))
                return

    def stop(self) -> None:
        for n, row in enumerate(self.rows):
            if row.running:
                row.running = False
                self.dataChanged.emit(self.index(n, 1), self.index(n, 1))

    def finished(self) -> int:
        return sum(1 for row in self.rows if row.result is not None)

    def result_at(self, row: int) -> CaseResult | None:
        return self.rows[row].result if 0 <= row < len(self.rows) else None

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        r = row.result
        if role == Qt.ItemDataRole.DisplayRole:
            column = index.column()
            if column == 0:
                return SPECS[row.case].title
            if column == 1:
                if r is not None:
                    return VERDICT_TEXT[r.verdict]
                return "… running" if row.running else "waiting"
            if r is None:
                return ""
            if column == 2:
                return "" if r.status is None else str(r.status)
            if column == 3:
                return "" if r.latency_ms is None else _duration(r.latency_ms)
            return r.fix or ""
        if role == Qt.ItemDataRole.ToolTipRole:
            if r is None:
                return SPECS[row.case].sends
            return "\n".join(p for p in (r.detail, r.fix and f"Fix: {r.fix}") if p)
        if role == Qt.ItemDataRole.AccessibleTextRole and r is not None:
            return f"{SPECS[row.case].title}: {r.verdict.value}"
        return None


def _duration(ms: float) -> str:
    return f"{ms / 1000:.1f} s" if ms >= 1000 else f"{ms:.0f} ms"


class CheckHandlerDialog(QDialog):
    """Not modal: the main list stays usable while a check runs."""

    def __init__(
        self,
        engine: EngineApi,
        calls: EngineCalls,
        select_exchanges: Callable[[Sequence[int]], int],
        settings: QSettings | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.engine = engine
        self.calls = calls
        self.select_exchanges = select_exchanges
        self.settings = settings
        self.setWindowTitle("Check my handler")
        self.setModal(False)
        self._fit_to_screen(1000, 720)
        self.listener: Any = None
        self.run_id: int | None = None
        self._early: list[Event] = []  # events that came before the run id did
        self.summary: CheckSummary | None = None
        self._build()
        self._restore()
        self.timer = QTimer(self)
        self.timer.setInterval(DRAIN_INTERVAL_MS)
        self.timer.timeout.connect(self.drain_events)

    # -- building ---------------------------------------------------------------------------
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        intro = plain_label(
            "Acts as Deepgram against your own callback handler: sends what Deepgram would "
            "send (a real result, its retry, PUT, a 20 MB transcript, a failed transcription, "
            "wrong credentials, a live stream, unicode) and grades each reply.",
            self,
        )
        layout.addWidget(intro)
        form = QFormLayout()
        self.url_field = QLineEdit(self)
        self.url_field.setPlaceholderText(
            "http://localhost:3000/deepgram  (ws://… for a ws callback)"
        )
        self.url_field.setAccessibleName("Handler URL")
        self.url_field.setToolTip("Your handler: only this URL is contacted")
        self.url_field.textChanged.connect(self._update_note)
        self.url_field.returnPressed.connect(self.run)
        form.addRow("Handler URL", self.url_field)
        auth = QHBoxLayout()
        self.user_field = QLineEdit(self)
        self.user_field.setPlaceholderText("user (if your handler checks basic auth)")
        self.user_field.setAccessibleName("Basic auth user")
        self.password_field = QLineEdit(self)
        self.password_field.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_field.setPlaceholderText("password")
        self.password_field.setAccessibleName("Basic auth password")
        auth.addWidget(self.user_field)
        auth.addWidget(self.password_field)
        form.addRow("Basic auth", auth)
        self.token_field = QLineEdit(self)
        self.token_field.setPlaceholderText(
            "the dg-token your handler expects (empty: the emulator's, for its placeholder key)"
        )
        self.token_field.setAccessibleName("dg-token")
        form.addRow("dg-token", self.token_field)
        options = QHBoxLayout()
        defaults = HandlerCheckSettings()
        self.attempt_field = QDoubleSpinBox(self)
        self.attempt_field.setRange(0.5, 600.0)
        self.attempt_field.setDecimals(1)
        self.attempt_field.setSuffix(" s")
        self.attempt_field.setValue(defaults.attempt_timeout)
        self.attempt_field.setAccessibleName("Attempt time")
        self.attempt_field.setToolTip(
            "How long Deepgram waits for one attempt before retrying it (not published by "
            "Deepgram; the emulator's default is 30 s)"
        )
        options.addWidget(self.attempt_field)
        self.cases_button = QToolButton(self)
        self.cases_button.setAccessibleName("Cases to run")
        self.cases_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.cases_button)
        self.case_actions: dict[CaseId, QAction] = {}
        for spec in CASES:
            action = menu.addAction(spec.title)
            action.setCheckable(True)
            action.setChecked(True)
            action.setToolTip(spec.sends)
            action.toggled.connect(self._update_cases_text)
            self.case_actions[spec.id] = action
        menu.setToolTipsVisible(True)
        self.cases_button.setMenu(menu)
        options.addWidget(self.cases_button)
        options.addStretch(1)
        form.addRow("Attempt time", options)
        layout.addLayout(form)
        self.note = plain_label("", self)
        self.note.setAccessibleName("Where the check sends")
        layout.addWidget(self.note)

        buttons = QHBoxLayout()
        self.run_button = QPushButton("Run", self)
        # Enter opens the case selected in the table; Run is Enter only in the URL field.
        self.run_button.setAutoDefault(False)
        self.run_button.setAccessibleName("Run the check")
        self.run_button.clicked.connect(self.run)
        self.stop_button = QPushButton("Stop", self)
        self.stop_button.setEnabled(False)
        self.stop_button.setAutoDefault(False)
        self.stop_button.setAccessibleName("Stop the check")
        self.stop_button.clicked.connect(self.stop)
        self.status = plain_label("", self)
        self.status.setAccessibleName("Check result")
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.stop_button)
        buttons.addWidget(self.status, 1)
        layout.addLayout(buttons)

        self.model = CaseTableModel(self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setAccessibleName("Cases and verdicts")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        for column, width in enumerate((210, 80, 60, 70)):
            header.resizeSection(column, width)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.setToolTip("Double-click a case (or Enter) to select its exchanges in the list")
        self.table.activated.connect(self.open_case)
        self.table.selectionModel().currentRowChanged.connect(self._show_detail)

        lower = QWidget(self)
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        self.detail = QPlainTextEdit(lower)
        self.detail.setReadOnly(True)
        self.detail.setAccessibleName("Case detail")
        self.detail.setPlaceholderText("Select a case to see what it sent and what came back.")
        lower_layout.addWidget(self.detail)
        row = QHBoxLayout()
        self.show_button = QPushButton("Show in list", lower)
        self.show_button.setAccessibleName("Select the case's exchanges in the list")
        self.show_button.setEnabled(False)
        self.show_button.setAutoDefault(False)
        self.show_button.clicked.connect(lambda: self.open_case(self.table.currentIndex()))
        row.addWidget(self.show_button)
        row.addStretch(1)
        lower_layout.addLayout(row)

        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self.table)
        splitter.addWidget(lower)
        splitter.setSizes([330, 230])
        layout.addWidget(splitter, 1)
        self._update_cases_text()
        self._update_note()

    def _fit_to_screen(self, width: int, height: int) -> None:
        """`width` x `height`, or less on a small screen (9/10 of what it has free)."""
        screen = (self.parentWidget() or self).screen()
        if screen is not None:
            free = screen.availableGeometry()
            width = min(width, free.width() * 9 // 10)
            height = min(height, free.height() * 9 // 10)
        self.resize(width, height)

    def _restore(self) -> None:
        """The last URL, dg-token and attempt time (never the basic-auth credentials)."""
        if self.settings is None:
            return
        self.url_field.setText(str(self.settings.value(_SETTINGS_URL, "")))
        self.token_field.setText(str(self.settings.value(_SETTINGS_TOKEN, "")))
        try:
            attempt = float(str(self.settings.value(_SETTINGS_ATTEMPT, "")))
        except ValueError:
            return
        self.attempt_field.setValue(attempt)

    def _save(self) -> None:
        if self.settings is None:
            return
        self.settings.setValue(_SETTINGS_URL, self._url_without_userinfo())
        self.settings.setValue(_SETTINGS_TOKEN, self.token_field.text().strip())
        self.settings.setValue(_SETTINGS_ATTEMPT, self.attempt_field.value())

    def _url_without_userinfo(self) -> str:
        try:
            return validate_callback_url(
                self.url_field.text().strip(), streaming=True, relaxed_ports=True
            ).url_without_userinfo
        except CallbackUrlError:
            return ""

    # -- the form -----------------------------------------------------------------------------
    def chosen_cases(self) -> tuple[CaseId, ...]:
        return tuple(c for c, action in self.case_actions.items() if action.isChecked())

    def _update_cases_text(self) -> None:
        chosen = len(self.chosen_cases())
        total = len(self.case_actions)
        self.cases_button.setText("All cases" if chosen == total else f"{chosen} of {total} cases")

    def _update_note(self) -> None:
        url = self.url_field.text().strip()
        if not url:
            self.note.setText("Only the URL you give is contacted.")
            return
        try:
            target = validate_callback_url(url, streaming=True, relaxed_ports=True)
        except CallbackUrlError as exc:
            self.note.setText(f"⚠ {exc.reason}")
            return
        if is_loopback(target.host):
            self.note.setText(f"Only {target.url_without_userinfo} is contacted (this machine).")
        else:
            self.note.setText(
                f"⚠ {target.host} is not on this machine: the check sends it what Deepgram "
                "would, a 20 MB body included. Only this URL is contacted."
            )

    def request(self) -> CheckRequest | str:
        """The run the form asks for, or why it cannot run."""
        url = self.url_field.text().strip()
        try:
            target = validate_callback_url(url, streaming=True, relaxed_ports=True)
        except CallbackUrlError as exc:
            return exc.reason if url else "Give your handler's URL first."
        user = self.user_field.text()
        if user and target.username is not None:
            return "Basic auth is given twice (in the URL and in the fields): give it once."
        chosen = self.chosen_cases()
        if not chosen:
            return "Choose at least one case."
        return CheckRequest(
            url=url,
            basic_auth=(user, self.password_field.text()) if user else None,
            dg_token=self.token_field.text().strip() or None,
            only=None if len(chosen) == len(self.case_actions) else chosen,
            settings=HandlerCheckSettings(attempt_timeout=self.attempt_field.value()),
        )

    # -- running ------------------------------------------------------------------------------
    def run(self) -> bool:
        """Start a run; False (and why, in the dialog) when it cannot start."""
        if self.run_id is not None and self.summary is None:
            return False  # one run at a time
        request = self.request()
        if isinstance(request, str):
            self.status.setText(request)
            return False
        target = validate_callback_url(request.url, streaming=True, relaxed_ports=True)
        if not is_loopback(target.host) and not self._confirm_remote(target.host):
            return False
        if self.listener is None:
            self.listener = self.engine.subscribe()
        try:
            future = self.engine.start_handler_check(request)
        except RuntimeError as exc:  # the engine is stopped
            self.status.setText(f"The engine is not running ({exc}): press Start first.")
            return False
        self._save()
        self.run_id, self.summary, self._early = None, None, []
        self.model.start(())
        self.detail.clear()
        self.status.setText("Preparing what to send (recognising the bundled sample)…")
        self.run_button.setEnabled(False)
        self.stop_button.setEnabled(True)
        self.timer.start()
        self.calls.watch(future, self._on_started)
        return True

    def _confirm_remote(self, host: str) -> bool:
        box = QMessageBox(QMessageBox.Icon.Question, "Check a handler elsewhere?", "", parent=self)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setText(
            f"{host} is not on this machine. The check sends it what Deepgram would (about "
            "20 requests, one of 20 MB) and nothing anywhere else. Send?"
        )
        box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        return box.exec() == QMessageBox.StandardButton.Yes

    def _on_started(self, run_id: Any, error: BaseException | None) -> None:
        if error is not None:
            self.status.setText(f"The check could not start: {error}")
            self._idle()
            return
        self.run_id = int(run_id)
        early, self._early = self._early, []
        self._apply(early)

    def stop(self) -> None:
        if self.run_id is not None and self.summary is None:
            self.engine.cancel_handler_check(self.run_id)
            self.status.setText("Stopping…")

    def _idle(self) -> None:
        self.run_button.setEnabled(True)
        self.stop_button.setEnabled(False)
        self.timer.stop()
        if self.listener is not None:
            self.engine.unsubscribe(self.listener)
            self.listener = None

    # -- events -------------------------------------------------------------------------------
    def drain_events(self) -> None:
        if self.listener is None:
            return
        events = [
            e
            for e in self.listener.drain()
            if isinstance(e, CheckStarted | CheckCaseDone | CheckFinished)
        ]
        if self.run_id is None:
            self._early.extend(events)
            return
        self._apply(events)

    def _apply(self, events: Sequence[Event]) -> None:
        for event in events:
            if not isinstance(event, CheckStarted | CheckCaseDone | CheckFinished):
                continue
            if event.run_id != self.run_id:
                continue
            if isinstance(event, CheckStarted):
                self.model.start(event.cases)
                self.status.setText(f"Checking {event.url}: {len(event.cases)} cases…")
                if self.model.rows:
                    self.table.selectRow(0)
            elif isinstance(event, CheckCaseDone):
                self.model.finish(event.result)
                current = self.table.currentIndex()
                if current.isValid() and self.model.rows[current.row()].case is event.result.case:
                    self._show_detail(current)
            else:
                self._finished(event.summary)

    def _finished(self, summary: CheckSummary) -> None:
        self.summary = summary
        self.model.stop()
        counts = ", ".join(
            f"{summary.count(v)} {v.value}" for v in (Verdict.PASS, Verdict.WARN, Verdict.FAIL)
        )
        if summary.error:
            text = f"Could not finish: {summary.error}"
        elif summary.cancelled:
            text = f"Stopped ({counts} so far)."
        elif summary.verdict is Verdict.PASS:
            text = f"Ready for Deepgram: {counts}."
        else:
            text = f"{VERDICT_TEXT[summary.verdict]}: {counts}. Each problem has its fix."
        if summary.session:
            text += f"  Kept as session {PurePath(summary.session).stem}."
        self.status.setText(text)
        self._idle()

    # -- a case -------------------------------------------------------------------------------
    def _show_detail(self, current: QModelIndex, _previous: QModelIndex | None = None) -> None:
        if not current.isValid() or current.row() >= len(self.model.rows):
            self.detail.clear()
            self.show_button.setEnabled(False)
            return
        row = self.model.rows[current.row()]
        spec = SPECS[row.case]
        lines = [spec.title, f"Sends: {spec.sends}", f"Passes when: {spec.passes}", ""]
        r = row.result
        if r is None:
            lines.append("Running…" if row.running else "Waiting.")
        else:
            lines.append(f"{VERDICT_TEXT[r.verdict]}: {r.detail}")
            if r.fix:
                lines.append(f"Fix: {r.fix}")
            if r.note:
                lines.append(f"Note: {r.note}")
            if r.exchange_ids:
                ids = " ".join(f"#{i}" for i in r.exchange_ids)
                lines += ["", f"Exchanges: {ids} (double-click the case to select them)"]
        self.detail.setPlainText("\n".join(lines))
        self.show_button.setEnabled(bool(r and r.exchange_ids))

    def open_case(self, index: QModelIndex | QPersistentModelIndex) -> int:
        """Select the case's exchanges in the main list; how many it shows."""
        result = self.model.result_at(index.row()) if index.isValid() else None
        if result is None or not result.exchange_ids:
            return 0
        shown = self.select_exchanges(result.exchange_ids)
        total = len(result.exchange_ids)
        if shown < total:
            self.status.setText(
                f"{shown} of the case's {total} exchanges are in the list (a filter, or Clear, "
                "hides the others)."
            )
        return shown

    def closeEvent(self, event: Any) -> None:
        self._save()
        super().closeEvent(event)
