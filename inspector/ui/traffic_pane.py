"""The traffic list pane: filter box, group toggle, the list itself and its right-click menu.

The list follows new rows (auto-scroll) until the user scrolls up, and follows again once
they are back at the bottom.

It shows the live capture (`TrafficModel`, rows in memory, through the `TrafficFilter`
proxy) or a stored session (`StoredTrafficModel`, shown as it is: it reads its rows from the
file as they are shown and filters and groups itself in SQL, maybe on a worker thread; its
`searched` signal says when a result is on screen). A proxy in front of a million stored
rows would cost Python calls per row on every layout.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    Qt,
    Signal,
)
from PySide6.QtGui import QGuiApplication, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from ..core.records import Exchange
from .traffic_model import TrafficFilter, TrafficModel

COLUMN_WIDTHS = (92, 56, 170, 120, 66, 110, 56, 100)
Action = Callable[[], object]


class TrafficPane(QWidget):
    current_changed = Signal(object)  # the Exchange now current, or None
    message = Signal(str)  # a short note for the status bar

    def __init__(self, base_url: Callable[[], str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._base_url = base_url
        self.current_id: int | None = None
        # Set by the window: the whole exchange behind a (possibly light, stored) row, and
        # more right-click entries (cURL, replay, diff).
        self.resolve: Callable[[Exchange], Exchange] = lambda x: x
        self.extra_actions: Callable[[Exchange], list[tuple[str, Action | None]]] | None = None
        self.live_model = TrafficModel(self)
        self.model: Any = self.live_model  # or a StoredTrafficModel (show_model)
        self.proxy = TrafficFilter(self)  # the live list's filter
        self.proxy.setSourceModel(self.live_model)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

        row = QHBoxLayout()
        self.filter_field = QLineEdit(self)
        self.filter_field.setPlaceholderText(
            "Filter (Ctrl+F): path, method, status, request_id, header value, body text"
        )
        self.filter_field.setClearButtonEnabled(True)
        self.filter_field.setToolTip(
            "Shows only rows whose path, method, status, request_id, header values or body "
            "contain this text (case-insensitive); Esc clears it"
        )
        self.filter_field.textChanged.connect(self._on_filter)
        self.filter_count = QLabel("", self)
        self.filter_count.setToolTip("Rows shown by the filter, of all rows")
        self.group_button = QToolButton(self)
        self.group_button.setText("Group by request_id")
        self.group_button.setToolTip("Attempts of one callback under one node (Ctrl+G)")
        self.group_button.setCheckable(True)
        self.group_button.toggled.connect(self.set_grouped)
        row.addWidget(self.filter_field, 1)
        row.addWidget(self.filter_count)
        row.addWidget(self.group_button)
        layout.addLayout(row)

        self.table = QTreeView(self)
        self.table.setModel(self.proxy)
        self.table.setRootIsDecorated(False)
        self.table.setUniformRowHeights(True)
        self.table.setAlternatingRowColors(True)
        self.table.setAllColumnsShowFocus(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.table.setToolTip(
            "Every request and WebSocket as it arrives; Up/Down to move, right-click to copy"
        )
        header = self.table.header()
        header.setStretchLastSection(True)
        for col, width in enumerate(COLUMN_WIDTHS):
            header.resizeSection(col, width)
        self.table.selectionModel().currentRowChanged.connect(self._on_current)
        self.proxy.rowsInserted.connect(self._expand_new)
        self._model_searched: Any = None  # the stored model whose `searched` we listen to
        self._follow = True  # auto-scroll; off while the user has scrolled up
        bar = self.table.verticalScrollBar()
        bar.valueChanged.connect(self._on_scroll)
        bar.rangeChanged.connect(self._on_range)
        layout.addWidget(self.table, 1)
        self.scroll_note = QLabel("", self)
        layout.addWidget(self.scroll_note)
        self.update_filter_count()

    # -- filter and grouping ----------------------------------------------------------
    def focus_filter(self) -> None:
        self.filter_field.setFocus()
        self.filter_field.selectAll()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and self.filter_field.hasFocus():
            self.filter_field.clear()
            self.table.setFocus()
            return
        super().keyPressEvent(event)

    def _on_filter(self, text: str) -> None:
        self.proxy.set_needle(text)
        if self._stored:
            self.model.set_needle(self.proxy.needle)
        self.update_filter_count()

    @property
    def _stored(self) -> bool:
        return self.model is not self.live_model

    @property
    def searching(self) -> bool:
        """A stored session's filter or grouping is still being worked out (off the UI
        thread); the list shows the previous result meanwhile."""
        return self._stored and bool(self.model.busy)

    def update_filter_count(self) -> None:
        total = self.model.exchange_count()
        if self.searching:
            self.filter_count.setText(f"searching {total:,}…")
        elif self.proxy.needle:
            shown = self.model if self._stored else self.proxy
            self.filter_count.setText(f"{shown.shown_exchanges()} of {total}")
        else:
            self.filter_count.setText(f"{total} total")

    def show_model(self, model: Any) -> None:
        """List `model` instead (the live `TrafficModel` or a `StoredTrafficModel`), with the
        same grouping and filter text."""
        self.forget_current()
        model.set_grouped(self.group_button.isChecked())
        if self._model_searched is not None:
            self._model_searched.searched.disconnect(self._on_searched)
            self._model_searched = None
        self.model = model
        if model is not self.live_model:
            model.set_needle(self.proxy.needle)
            model.searched.connect(self._on_searched)
            self._model_searched = model
            self._set_view_model(model)
        else:
            self._set_view_model(self.proxy)
        self.table.setRootIsDecorated(model.grouped)
        if model.grouped:
            self.table.expandAll()
        self.update_filter_count()

    def _set_view_model(self, model: QAbstractItemModel) -> None:
        """Point the list at `model`, keeping the column widths the user chose."""
        if self.table.model() is model:
            return
        header = self.table.header()
        widths = [header.sectionSize(col) for col in range(header.count())]
        old = self.table.selectionModel()
        self.table.setModel(model)
        if old is not None:
            old.deleteLater()
        self.table.selectionModel().currentRowChanged.connect(self._on_current)
        for col, width in enumerate(widths):
            header.resizeSection(col, width)

    def _on_searched(self) -> None:
        """A stored session's new filter or grouping result is in the list."""
        self.table.setRootIsDecorated(self.model.grouped)
        if self.model.grouped:
            self.table.expandAll()
        if self.current_id is not None:
            if self.model.index_of(self.current_id).isValid():
                self.select_exchange(self.current_id)
            else:  # filtered out, as the live list's selection would be
                self.current_id = None
                self.current_changed.emit(None)
        self.update_filter_count()

    def set_grouped(self, grouped: bool) -> None:
        selected = self.current_id
        self.model.set_grouped(grouped)
        if self._stored:  # the rest in _on_searched, once the grouping is done
            self.update_filter_count()
            return
        self.table.setRootIsDecorated(grouped)
        if grouped:
            self.table.expandAll()
        if selected is not None:
            self.select_exchange(selected)
        self.update_filter_count()

    def _expand_new(self, parent: QModelIndex, first: int, last: int) -> None:
        """Grouped: new groups and groups with new attempts open (not a full expandAll)."""
        if self._stored or not self.model.grouped:
            return
        if parent.isValid():
            self.table.expand(parent)
            return
        for row in range(first, last + 1):
            self.table.expand(self.proxy.index(row, 0))

    # -- selection --------------------------------------------------------------------
    def _to_view(self, index: QModelIndex) -> QModelIndex:
        return index if self._stored else self.proxy.mapFromSource(index)

    def select_exchange(self, exchange_id: int) -> None:
        index = self._to_view(self.model.index_of(exchange_id))
        if not index.isValid():
            return
        if index.parent().isValid():
            self.table.expand(index.parent())
        self.table.setCurrentIndex(index)
        self.table.scrollTo(index)

    def exchange_at(self, index: QModelIndex | QPersistentModelIndex) -> Exchange | None:
        if not index.isValid():
            return None
        if self._stored:
            return self.model.exchange_at(index)
        return self.model.exchange_at(self.proxy.mapToSource(index))

    def _on_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        x = self.exchange_at(current)
        self.current_id = x.id if x is not None else None
        self.current_changed.emit(x)

    def forget_current(self) -> None:
        """Nothing is selected any more (after Clear, or when a demo starts)."""
        self.current_id = None
        self.table.clearSelection()
        self.table.setCurrentIndex(QModelIndex())

    # -- auto-scroll --------------------------------------------------------------------
    def _on_scroll(self, value: int) -> None:
        self._follow = value >= self.table.verticalScrollBar().maximum() - 2
        self.scroll_note.setText(
            "" if self._follow else "Auto-scroll paused: scroll to the bottom to follow new rows"
        )

    def _on_range(self, _minimum: int, maximum: int) -> None:
        if self._follow:
            self.table.verticalScrollBar().setValue(maximum)

    # -- right-click --------------------------------------------------------------------
    def context_actions(self, x: Exchange) -> list[tuple[str, Action | None]]:
        """The right-click menu of a row: (text, action, or None when not applicable)."""
        row, x = x, self.resolve(x)
        url = self._base_url() + x.target
        body = x.body.decode("utf-8", errors="backslashreplace")
        rid = x.request_id or ""
        actions: list[tuple[str, Action | None]] = [
            ("Copy URL", lambda: self._copy(url, "URL")),
            ("Copy body", (lambda: self._copy(body, "body")) if x.body else None),
            ("Copy request_id", (lambda: self._copy(rid, "request_id")) if rid else None),
        ]
        if rid:
            actions.append(("Filter by this request_id", lambda: self.filter_field.setText(rid)))
        if self.extra_actions is not None:
            actions += self.extra_actions(row)
        return actions

    def _context_menu(self, pos: QPoint) -> None:
        x = self.exchange_at(self.table.indexAt(pos))
        if x is None:
            return
        menu = QMenu(self)
        for text, action in self.context_actions(x):
            entry = menu.addAction(text)
            if action is None:
                entry.setEnabled(False)
            else:
                entry.triggered.connect(action)
        menu.exec(self.table.viewport().mapToGlobal(pos))

    def _copy(self, text: str, what: str) -> None:
        QGuiApplication.clipboard().setText(text)
        self.message.emit(f"Copied the {what}")
