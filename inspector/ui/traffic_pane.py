"""The traffic list pane: filter box, group toggle, the list itself and its right-click menu.

The list follows new rows (auto-scroll) until the user scrolls up, and follows again once
they are back at the bottom.

It shows the live capture (`TrafficModel`, rows in memory, through the `TrafficFilter`
proxy) or a stored session (`StoredTrafficModel`, shown as it is: it reads its rows from the
file as they are shown and filters and groups itself in SQL, maybe on a worker thread; its
`searched` signal says when a result is on screen). A proxy in front of a million stored
rows would cost Python calls per row on every layout.

The flat live list is a `QTableView` (`flat_view`): rows appended at the end cost the view
O(new rows), all in C++ (its hidden vertical header of fixed-height sections), where a
`QTreeView` lays out every row again after each insert at the top level (issue 8: with a
drain every 33 ms that made each drain O(all rows) and the window fall seconds behind). A
tree (`tree_view`) shows what has two levels: the live list grouped by request_id, and
stored sessions. One of the two is shown at a time (`table`); the other has no model.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QEvent,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QSettings,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QGuiApplication,
    QKeyEvent,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QStackedWidget,
    QTableView,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from ..core.exchange_display import Tone
from ..core.filter_expr import parse_filter, quote_value
from ..core.filter_hints import filter_help
from ..core.records import Exchange
from .filter_completer import FilterCompleter
from .list_cells import TONE_COLOURS
from .list_columns import ListColumns
from .traffic_filter import TrafficFilter
from .traffic_model import TrafficModel
from .widgets import flat_table, plain_label, text_row_height

Action = Callable[[], object]


class TrafficPane(QWidget):
    current_changed = Signal(object)  # the Exchange now current, or None
    message = Signal(str)  # a short note for the status bar
    guide_shown = Signal(bool)  # the empty list's guide took the list's place, or gave it back

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
        self.filter_field.setAccessibleName("Filter")
        self.filter_field.setPlaceholderText(
            "Filter (Ctrl+F): text, status:5xx, method:PUT, path:/hook*, -ws, body:\"…\""
        )
        self.filter_field.setClearButtonEnabled(True)
        self.filter_field.setToolTip(
            "Shows only the rows that match; Esc clears it.\n" + filter_help()
        )
        self.filter_field.textChanged.connect(self._on_filter)
        self.filter_completer = FilterCompleter(self.filter_field)  # st -> status:
        self.filter_count = QLabel("", self)
        self.filter_count.setAccessibleName("Rows shown")
        self.filter_count.setToolTip("Rows shown by the filter, of all rows")
        self.group_button = QToolButton(self)
        self.group_button.setText("Group by request_id")
        self.group_button.setAccessibleName("Group by request_id")
        self.group_button.setToolTip("Attempts of one callback under one node (Ctrl+G)")
        self.group_button.setCheckable(True)
        self.group_button.toggled.connect(self.set_grouped)
        row.addWidget(self.filter_field, 1)
        row.addWidget(self.filter_count)
        row.addWidget(self.group_button)
        layout.addLayout(row)
        # A mistake in the filter is said here (the list keeps the last filter that parsed).
        self.filter_error = plain_label("", self)
        self.filter_error.setAccessibleName("Filter mistake")
        self.filter_error.setStyleSheet(f"color: {TONE_COLOURS[Tone.FAIL]};")
        self.filter_error.hide()
        layout.addWidget(self.filter_error)

        self.tree_view = QTreeView(self)
        self.tree_view.setRootIsDecorated(False)
        self.tree_view.setUniformRowHeights(True)
        self.tree_view.setAllColumnsShowFocus(True)
        self.flat_view = flat_table(self)  # fixed-height rows, no grid (widgets.py)
        self._stack = QStackedWidget(self)
        for view in (self.flat_view, self.tree_view):
            view.setAlternatingRowColors(True)
            view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
            view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
            view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
            view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            view.customContextMenuRequested.connect(self._context_menu)
            view.setToolTip(
                "Every request and WebSocket as it arrives; Up/Down to move, right-click to copy"
            )
            view.setAccessibleName("Traffic list")
            bar = view.verticalScrollBar()
            bar.valueChanged.connect(partial(self._on_scroll, view))
            bar.rangeChanged.connect(partial(self._on_range, view))
            self._stack.addWidget(view)
        self.table: QTableView | QTreeView = self.flat_view  # the view shown
        self.flat_view.setModel(self.proxy)
        self.flat_view.selectionModel().currentRowChanged.connect(self._on_current)
        # Widths that fit the content, Path taking the rest; middle elision with the whole
        # text in the tooltip; resizing remembered by column name (list_columns.py).
        self.columns = ListColumns(self.flat_view)
        for view in (self.flat_view, self.tree_view):
            view.setTextElideMode(Qt.TextElideMode.ElideMiddle)
            header = self._header(view)
            header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            header.customContextMenuRequested.connect(partial(self._header_menu, header))
        self._laying_out = False
        self._column_models: set[int] = set()  # models whose resets keep the widths
        self._keep_widths_across_resets(self.proxy)
        self.columns.apply(self._header(self.flat_view))
        self._fitted = False
        self.proxy.rowsInserted.connect(self._expand_new)
        # The empty live list shows a guide in its place (set by the window: first_run.py).
        self.guide: QWidget | None = None
        self.live_model.rowsInserted.connect(self.update_empty)
        self.live_model.modelReset.connect(self.update_empty)
        self._model_searched: Any = None  # the stored model whose `searched` we listen to
        self._follow = True  # auto-scroll; off while the user has scrolled up
        layout.addWidget(self._stack, 1)
        self._fit_row_height()
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
        """Filter by the expression in the box; a mistake is said under it, and the list
        keeps the last filter that parsed (typing `stat` on the way to `status:5xx` must not
        flash every row)."""
        self.update_empty()
        parsed = parse_filter(text)
        if not parsed.ok:
            self.filter_error.setText(f"✗ {parsed.error}")
            self.filter_error.show()
            return
        self.filter_error.hide()
        self.filter_error.setText("")
        self.proxy.set_condition(parsed.condition)
        if self._stored:
            self.model.set_condition(self.proxy.condition)
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
        elif self.proxy.active:
            shown = self.model if self._stored else self.proxy
            self.filter_count.setText(f"{shown.shown_exchanges():,} of {total:,}")
        else:
            self.filter_count.setText(f"{total:,} total")

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
            model.set_condition(self.proxy.condition)
            model.searched.connect(self._on_searched)
            self._model_searched = model
            self._set_view_model(model)
        else:
            self._set_view_model(self.proxy)
        self._show_tree()
        self.update_filter_count()

    def _show_tree(self) -> None:
        """A tree shows its nodes open, with their branch marks (none when flat)."""
        if self.table is self.tree_view:
            self.tree_view.setRootIsDecorated(self.model.grouped)
            if self.model.grouped:
                self.tree_view.expandAll()

    @staticmethod
    def _header(view: QTableView | QTreeView) -> QHeaderView:
        return view.horizontalHeader() if isinstance(view, QTableView) else view.header()

    def _fit_row_height(self) -> None:
        """The flat list's fixed row height: what the tree's uniform rows measure."""
        self.flat_view.verticalHeader().setDefaultSectionSize(text_row_height(self.flat_view))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.StyleChange, QEvent.Type.FontChange):
            self._fit_row_height()
        super().changeEvent(event)

    def _set_view_model(self, model: QAbstractItemModel) -> None:
        """Point the list at `model`, keeping the column widths the user chose: the flat
        live list in the table, the rest (grouped, stored sessions) in the tree."""
        flat = model is self.proxy and not self.live_model.grouped
        view: QTableView | QTreeView = self.flat_view if flat else self.tree_view
        if view is self.table and view.model() is model:
            return
        old_view = self.table
        self._take_widths()
        follow = self._follow
        if view is not old_view:
            old_selection = old_view.selectionModel()
            old_view.setModel(None)  # a hidden view does no work for the rows that arrive
            if old_selection is not None:
                old_selection.deleteLater()
        old = view.selectionModel()
        view.setModel(model)
        if old is not None:
            old.deleteLater()
        view.selectionModel().currentRowChanged.connect(self._on_current)
        self.table = view
        self._keep_widths_across_resets(model)
        self.relayout_columns()
        self._stack.setCurrentWidget(view)
        self.update_empty()
        self._follow = follow
        if follow:
            view.scrollToBottom()

    # -- the empty list ------------------------------------------------------------------
    def set_guide(self, guide: QWidget) -> None:
        self.guide = guide
        self._stack.addWidget(guide)
        self.update_empty()

    @property
    def showing_guide(self) -> bool:
        return self.guide is not None and self._stack.currentWidget() is self.guide

    def update_empty(self, *_args: object) -> None:
        """The guide while the live list has no row (and no filter hides rows), else the
        list."""
        if self.guide is None:
            return
        empty = (
            not self._stored
            and self.live_model.exchange_count() == 0
            and not self.filter_field.text().strip()
        )
        was = self.showing_guide
        self._stack.setCurrentWidget(self.guide if empty else self.table)
        if self.showing_guide != was:
            self.guide_shown.emit(self.showing_guide)

    # -- columns ------------------------------------------------------------------------
    def _take_widths(self) -> None:
        if self._laying_out:
            return
        tree = self.table is self.tree_view
        indent = self.tree_view.indentation()
        self.columns.take(self._header(self.table), tree=tree, indent=indent)

    def relayout_columns(self) -> None:
        """The column layout onto the view shown (after a change of view or of choice)."""
        tree = self.table is self.tree_view
        indent = self.tree_view.indentation()
        self._laying_out = True
        try:
            self.columns.apply(self._header(self.table), tree=tree, indent=indent)
        finally:
            self._laying_out = False

    def _keep_widths_across_resets(self, model: QAbstractItemModel) -> None:
        """A model reset (Clear, regrouping) gives a header Qt's default widths back: the
        user's are taken just before and laid out again just after."""
        if id(model) in self._column_models:
            return
        self._column_models.add(id(model))
        model.modelAboutToBeReset.connect(self._take_widths)
        model.modelReset.connect(self.relayout_columns)

    def _header_menu(self, header: QHeaderView, pos: QPoint) -> None:
        self._take_widths()
        self.columns.show_menu(header, pos, self.relayout_columns)

    def load_settings(self, s: QSettings) -> None:
        self.columns.load(s)
        self.relayout_columns()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        # The first widths fit the list's first real width (unless the user's are known).
        if not self._fitted and not self.columns.loaded and self.width() > 200:
            self._fitted = True
            scrollbar = self.table.verticalScrollBar().sizeHint().width()
            self.columns.fit(self.width() - scrollbar)
            self.relayout_columns()

    def save_settings(self, s: QSettings) -> None:
        self._take_widths()
        self.columns.save(s)

    def _on_searched(self) -> None:
        """A stored session's new filter or grouping result is in the list."""
        self._show_tree()
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
        self._set_view_model(self.proxy)  # grouped: the tree; flat: the table
        self._show_tree()
        if selected is not None:
            self.select_exchange(selected)
        self.update_filter_count()

    def _expand_new(self, parent: QModelIndex, first: int, last: int) -> None:
        """Grouped: new groups and groups with new attempts open (not a full expandAll)."""
        if self._stored or not self.model.grouped or self.table is not self.tree_view:
            return
        if parent.isValid():
            self.tree_view.expand(parent)
            return
        for row in range(first, last + 1):
            index = self.proxy.index(row, 0)
            if self.proxy.hasChildren(index):
                self.tree_view.expand(index)

    # -- selection --------------------------------------------------------------------
    def _to_view(self, index: QModelIndex) -> QModelIndex:
        return index if self._stored else self.proxy.mapFromSource(index)

    def select_exchange(self, exchange_id: int) -> None:
        index = self._to_view(self.model.index_of(exchange_id))
        if not index.isValid():
            return
        if index.parent().isValid() and isinstance(self.table, QTreeView):
            self.table.expand(index.parent())
        self.table.setCurrentIndex(index)
        self.table.scrollTo(index)

    def select_exchanges(self, exchange_ids: Sequence[int]) -> int:
        """Select the rows of `exchange_ids` (the first becomes current, its detail shown);
        how many of them the list shows."""
        found = [(i, self._to_view(self.model.index_of(i))) for i in exchange_ids]
        shown = [(i, index) for i, index in found if index.isValid()]
        if not shown:
            return 0
        self.select_exchange(shown[0][0])
        selection = QItemSelection()
        for _, index in shown:
            selection.select(index, index)
        flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
        self.table.selectionModel().select(selection, flags)
        return len(shown)

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
    def _on_scroll(self, view: QAbstractItemView, value: int) -> None:
        if view is not self.table:
            return
        self._follow = value >= view.verticalScrollBar().maximum() - 2
        self.scroll_note.setText(
            "" if self._follow else "Auto-scroll paused: scroll to the bottom to follow new rows"
        )

    def _on_range(self, view: QAbstractItemView, _minimum: int, maximum: int) -> None:
        if self._follow and view is self.table:
            view.verticalScrollBar().setValue(maximum)

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
            by_id = f"request_id:{quote_value(rid)}"
            actions.append(("Filter by this request_id", lambda: self.filter_field.setText(by_id)))
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
