"""The main window: receiver URL, traffic list, plain-text detail.

Fed by draining the engine's event queue on a ~30 Hz timer: one batched insert per tick,
nothing touched from the engine thread.
"""

from __future__ import annotations

from collections import defaultdict

from PySide6.QtCore import QItemSelection, Qt, QTimer
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPlainTextEdit,
    QSplitter,
    QTableView,
    QToolBar,
    QToolButton,
)

from ..core.events import WsMessageAdded
from ..core.records import WsMessage
from ..engine.engine import Engine
from .detail_text import describe_exchange
from .traffic_model import TrafficModel

DRAIN_INTERVAL_MS = 33  # about 30 Hz (DESIGN.md)


class MainWindow(QMainWindow):
    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self.engine = engine
        self.listener = engine.subscribe()
        self.setWindowTitle("Callback Inspector")
        self.resize(1200, 720)
        self._messages: dict[int, list[WsMessage]] = defaultdict(list)

        toolbar = QToolBar("Receiver", self)
        toolbar.setMovable(False)
        toolbar.addWidget(QLabel(" Receiver: ", self))
        self.url_field = QLineEdit(engine.receiver_url, self)
        self.url_field.setReadOnly(True)
        self.url_field.setMinimumWidth(260)
        self.url_field.setToolTip("Give this URL to Deepgram as callback=...")
        toolbar.addWidget(self.url_field)
        self.copy_button = QToolButton(self)
        self.copy_button.setText("Copy")
        self.copy_button.setToolTip("Copy the receiver URL")
        self.copy_button.clicked.connect(self.copy_receiver_url)
        toolbar.addWidget(self.copy_button)
        self.addToolBar(toolbar)

        self.model = TrafficModel(self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        for col, width in enumerate((95, 60, 200, 80, 70, 130, 60, 120)):
            header.resizeSection(col, width)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.selectionModel().selectionChanged.connect(self._on_selection)

        self.detail = QPlainTextEdit(self)
        self.detail.setReadOnly(True)
        self.detail.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.detail.setPlaceholderText("Select a request to see its headers and body.")
        self.detail.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)

        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail)
        splitter.setSizes([720, 480])
        self.setCentralWidget(splitter)

        self.count_label = QLabel(self)
        self.statusBar().addPermanentWidget(self.count_label)
        self.statusBar().showMessage(f"Listening on {engine.receiver_url}")
        self._update_count()

        self.timer = QTimer(self)
        self.timer.setInterval(DRAIN_INTERVAL_MS)
        self.timer.timeout.connect(self.drain_events)
        self.timer.start()

    def copy_receiver_url(self) -> None:
        QGuiApplication.clipboard().setText(self.url_field.text())
        self.statusBar().showMessage("Receiver URL copied", 3000)

    def drain_events(self) -> None:
        events = self.listener.drain()
        if not events:
            return
        for event in events:
            if isinstance(event, WsMessageAdded):
                self._messages[event.message.exchange_id].append(event.message)
        at_bottom = self._at_bottom()
        added = self.model.apply_events(events)
        if added:
            self._update_count()
            if at_bottom:
                self.table.scrollToBottom()
        self._refresh_detail()

    def _at_bottom(self) -> bool:
        bar = self.table.verticalScrollBar()
        return bar.value() >= bar.maximum() - 2

    def _update_count(self) -> None:
        n = self.model.rowCount()
        self.count_label.setText(f"{n} request{'s' if n != 1 else ''}")

    def _on_selection(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self._refresh_detail()

    def _refresh_detail(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return
        x = self.model.exchange_at(rows[0].row())
        text = describe_exchange(x, self._messages.get(x.id, ()))
        if text != self.detail.toPlainText():
            self.detail.setPlainText(text)

    def closeEvent(self, event: object) -> None:
        self.timer.stop()
        self.engine.unsubscribe(self.listener)
        super().closeEvent(event)  # type: ignore[arg-type]
