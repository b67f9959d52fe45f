"""The Rules panel: the receiver's ordered reply rules, always in view.

A list of rules (first enabled match answers, 200 when none does), each with a checkbox;
drag to reorder (or Move up / Move down from the keyboard); Add, Edit (double-click),
Duplicate, Delete; Import and Export the rules file `serve --rules FILE` reads. Every change
emits `rules_changed` with the whole list, which the window hands to the engine at once
(`Engine.set_rules`, an atomic swap) and keeps with its settings. Below: the buttons for the
selected live WebSocket (close with a code, drop).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QByteArray,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QDialog,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from ..core.records import Exchange, ExchangeKind
from ..core.rule_text import describe_action, describe_match, describe_rule, describe_rules
from ..core.rules import Rule, active_count
from ..core.rules_file import RulesFileError
from ..store.rules_files import read_rules_file, write_rules_file
from .rule_editor import RuleEditor
from .widgets import FlowLayout, narrow_to_text, plain_label

Index = QModelIndex | QPersistentModelIndex
_ROW_MIME = "application/x-callback-inspector-rule-row"
WS_CLOSE_CODES = (1000, 1001, 1008, 1011, 4000)
RULES_FILTER = "Rules files (*.toml);;All files (*)"


COLUMNS = ("Rule", "Matches", "Then")


class RulesModel(QAbstractTableModel):
    """The rules, one row each (its label, what it matches, what it does): checkable
    (enabled) in the first column, movable by drag and drop."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rules: list[Rule] = []

    def rules(self) -> tuple[Rule, ...]:
        return tuple(self._rules)

    def set_rules(self, rules: Sequence[Rule]) -> None:
        self.beginResetModel()
        self._rules = list(rules)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self._rules)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        n, column = index.row(), index.column()
        rule = self._rules[n]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            if column == 0:
                return rule.label(n)
            if column == 1:
                return describe_match(rule.match, rule.for_websockets)
            return describe_action(rule)
        if role == Qt.ItemDataRole.ToolTipRole:
            state = "enabled" if rule.enabled else "disabled: skipped"
            return f"Rule {rule.label(n)} ({state}): {describe_rule(rule)}"
        if role == Qt.ItemDataRole.CheckStateRole and column == 0:
            return Qt.CheckState.Checked if rule.enabled else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.ForegroundRole and not rule.enabled:  # skipped: greyed
            return QApplication.palette().color(
                QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text
            )
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsDropEnabled
        if not index.isValid():
            return base
        flags = (
            base
            | Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemIsDragEnabled
        )
        return flags | Qt.ItemFlag.ItemIsUserCheckable if index.column() == 0 else flags

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or role != Qt.ItemDataRole.CheckStateRole:
            return False
        enabled = Qt.CheckState(value) == Qt.CheckState.Checked
        n = index.row()
        self._rules[n] = replace(self._rules[n], enabled=enabled)
        self.dataChanged.emit(self.index(n, 0), self.index(n, len(COLUMNS) - 1))
        self.changed.emit()
        return True

    # -- editing ---------------------------------------------------------------------------
    def put(self, row: int, rule: Rule) -> None:
        self._rules[row] = rule
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
        self.changed.emit()

    def insert(self, row: int, rule: Rule) -> None:
        self.beginInsertRows(QModelIndex(), row, row)
        self._rules.insert(row, rule)
        self.endInsertRows()
        self._relabel()
        self.changed.emit()

    def remove(self, row: int) -> None:
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._rules[row]
        self.endRemoveRows()
        self._relabel()
        self.changed.emit()

    def move(self, row: int, to: int) -> bool:
        """Move rule `row` to position `to` (as it will be after the move)."""
        if row == to or not (0 <= row < len(self._rules) and 0 <= to < len(self._rules)):
            return False
        destination = to + 1 if to > row else to  # Qt counts the destination before removal
        self.beginMoveRows(QModelIndex(), row, row, QModelIndex(), destination)
        self._rules.insert(to, self._rules.pop(row))
        self.endMoveRows()
        self._relabel()
        self.changed.emit()
        return True

    def _relabel(self) -> None:
        """Unnamed rules are called by their place (#N): a move renames them."""
        if self._rules:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rules) - 1, 0))

    # -- drag and drop (within the list) -------------------------------------------------
    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:
        return [_ROW_MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        data = QMimeData()
        rows = sorted({i.row() for i in indexes if i.isValid()})
        data.setData(_ROW_MIME, QByteArray(str(rows[0] if rows else -1).encode()))
        return data

    def dropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index
    ) -> bool:
        if action != Qt.DropAction.MoveAction or not data.hasFormat(_ROW_MIME):
            return False
        try:
            source = int(bytes(data.data(_ROW_MIME).data()).decode())
        except ValueError:
            return False
        if row < 0:  # dropped on an item (its row) or below the last
            row = parent.row() if parent.isValid() else len(self._rules)
        target = row - 1 if row > source else row
        self.move(source, max(0, min(target, len(self._rules) - 1)))
        return False  # moved here already: Qt must not remove the source row itself


class LiveSocketBox(QGroupBox):
    """Close or drop the WebSocket selected in the list, now: one row under the rules."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Selected live WebSocket", parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        self.live_label = plain_label("Select an open WebSocket in the list.", self)
        self.live_label.setAccessibleName("The selected WebSocket")
        row = QHBoxLayout()
        self.ws_code = QComboBox(self)
        self.ws_code.setEditable(True)
        self.ws_code.addItems([str(c) for c in WS_CLOSE_CODES])
        self.ws_code.setToolTip("Close code (1000 normal, 1011 server error, 4000-4999 your own)")
        self.ws_code.setAccessibleName("Close code")
        self.ws_code.setMinimumContentsLength(5)
        self.ws_reason = QLineEdit(self)
        self.ws_reason.setPlaceholderText("reason")
        self.ws_reason.setToolTip("Close reason sent in the close frame")
        self.ws_reason.setAccessibleName("Close reason")
        self.close_button = QPushButton("Close", self)
        self.close_button.setToolTip("Send a close frame with this code and reason, now")
        self.close_button.setAccessibleName("Close the WebSocket with the code")
        self.drop_button = QPushButton("Drop", self)
        self.drop_button.setToolTip("Abort the TCP connection without a close frame (a crash)")
        self.drop_button.setAccessibleName("Drop the WebSocket now")
        narrow_to_text(self.ws_reason, self.close_button, self.drop_button)
        row.addWidget(self.ws_code)
        row.addWidget(self.ws_reason, 1)
        row.addWidget(self.close_button)
        row.addWidget(self.drop_button)
        layout.addWidget(self.live_label)
        layout.addLayout(row)
        self.live_exchange: Exchange | None = None
        self.set_live(None)

    def ws_close_code(self) -> int:
        try:
            code = int(self.ws_code.currentText().split()[0])
        except (ValueError, IndexError):
            return 1000
        return code if 1000 <= code <= 4999 and code not in (1004, 1005, 1006, 1015) else 1000

    def set_live(self, x: Exchange | None) -> None:
        """The exchange selected in the list; buttons work only for an open WebSocket."""
        live = (
            x is not None
            and x.kind is ExchangeKind.WEBSOCKET
            and x.status == 101
            and x.ws_end is None
        )
        self.live_exchange = x if live else None
        self.close_button.setEnabled(live)
        self.drop_button.setEnabled(live)
        if live and x is not None:
            self.live_label.setText(f"WebSocket #{x.id} {x.path}: open, {x.ws_messages} messages")
        elif x is not None and x.kind is ExchangeKind.WEBSOCKET:
            self.live_label.setText(f"WebSocket #{x.id} is not open.")
        else:
            self.live_label.setText("Select an open WebSocket in the list.")


def _tool(text: str, tip: str, parent: QWidget) -> QToolButton:
    button = QToolButton(parent)
    button.setText(text)
    button.setToolTip(tip)
    button.setAccessibleName(tip.split(":")[0])
    return button


class RulesPanel(QWidget):
    """The ordered rules and their buttons; `rules_changed(tuple)` on every change."""

    rules_changed = Signal(object)  # tuple[Rule, ...]
    message = Signal(str)  # for the status bar

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Reply rules")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(4, 4, 4, 4)
        self.model = RulesModel(self)
        self.list = QTreeView(self)
        self.list.setModel(self.model)
        self.list.setRootIsDecorated(False)
        self.list.setItemsExpandable(False)
        self.list.setUniformRowHeights(True)
        self.list.setAllColumnsShowFocus(True)
        self.list.setAccessibleName("Reply rules, first match answers")
        self.list.setToolTip(
            "The first enabled rule that matches a request answers it; none: 200. Drag to "
            "reorder; the checkbox turns a rule on or off; double-click to edit."
        )
        self.list.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.list.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.list.setDragEnabled(True)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list.setMinimumHeight(72)
        header = self.list.header()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.resizeSection(0, 130)
        header.resizeSection(1, 170)
        self.list.doubleClicked.connect(lambda _i: self.edit_rule())
        self.empty = plain_label(
            "No rules: every request gets 200. Add a rule, or Import a rules file.", self
        )
        self.empty.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)

        bar = FlowLayout()  # wraps in a narrow dock (1024 px) rather than widen it
        self.add_button = _tool("Add…", "Add a rule: after the selected one", self)
        self.edit_button = _tool("Edit…", "Edit the selected rule (or double-click it)", self)
        self.duplicate_button = _tool("Duplicate", "Duplicate the selected rule", self)
        self.delete_button = _tool("Delete", "Delete the selected rule", self)
        self.up_button = _tool("↑", "Move up: the selected rule is tried earlier", self)
        self.down_button = _tool("↓", "Move down: the selected rule is tried later", self)
        self.import_button = _tool("Import…", "Import: replace the rules with a rules file", self)
        self.export_button = _tool(
            "Export…", "Export: save the rules as a file for serve --rules", self
        )
        for button, slot in (
            (self.add_button, self.add_rule),
            (self.edit_button, self.edit_rule),
            (self.duplicate_button, self.duplicate_rule),
            (self.delete_button, self.delete_rule),
            (self.up_button, lambda: self.move_selected(-1)),
            (self.down_button, lambda: self.move_selected(1)),
            (self.import_button, self.import_rules),
            (self.export_button, self.export_rules),
        ):
            button.clicked.connect(slot)
            bar.addWidget(button)
        self.scope_note = plain_label("", self)  # a demo's rules: whose they are, till when
        self.scope_note.setAccessibleName("Whose rules these are")
        self.scope_note.setToolTip(
            "Change them to experiment: when the demo ends (or End demo is pressed), your own "
            "rules and emulator settings come back and changes made here are dropped."
        )
        self.scope_note.setVisible(False)
        self.problem = plain_label("", self)  # an import that failed, said until the next change
        self.problem.setWordWrap(True)
        self.problem.setAccessibleName("What went wrong with the rules")
        self.live = LiveSocketBox(self)
        outer.addLayout(bar)
        outer.addWidget(self.scope_note)
        outer.addWidget(self.list, 1)
        outer.addWidget(self.empty, 1)  # the room the list has when there are rules
        outer.addWidget(self.problem)
        outer.addWidget(self.live)
        self.model.changed.connect(self._on_changed)
        self.model.modelReset.connect(self._show_state)
        self.list.selectionModel().currentChanged.connect(lambda *_: self._show_state())
        self._editor: RuleEditor | None = None
        self._show_state()

    # -- the rules -----------------------------------------------------------------------
    def rules(self) -> tuple[Rule, ...]:
        return self.model.rules()

    def set_rules(self, rules: Sequence[Rule], announce: bool = True) -> None:
        """Show `rules`; with `announce`, hand them on (`rules_changed`) as any change is."""
        self.model.set_rules(rules)
        if rules:
            self.list.setCurrentIndex(self.model.index(0, 0))
        if announce:
            self._on_changed()
        else:
            self._show_state()

    def set_scope_note(self, text: str) -> None:
        """Say above the list whose rules these are (a demo's), or nothing (the user's)."""
        self.scope_note.setText(text)
        self.scope_note.setVisible(bool(text))

    def selected_row(self) -> int | None:
        index = self.list.currentIndex()
        return index.row() if index.isValid() else None

    def _on_changed(self) -> None:
        self.problem.setText("")
        self._show_state()
        self.rules_changed.emit(self.rules())

    def _show_state(self) -> None:
        rules = self.rules()
        self.empty.setVisible(not rules)
        self.list.setVisible(bool(rules))
        self.list.setToolTip(describe_rules(rules))
        self.problem.setVisible(bool(self.problem.text()))
        selected = self.selected_row() is not None
        for button in (self.edit_button, self.duplicate_button, self.delete_button):
            button.setEnabled(selected)
        row = self.selected_row()
        self.up_button.setEnabled(row is not None and row > 0)
        self.down_button.setEnabled(row is not None and row < len(rules) - 1)
        self.export_button.setEnabled(bool(rules))

    # -- buttons ---------------------------------------------------------------------------
    def _open_editor(self, rule: Rule | None, done: Any) -> RuleEditor:
        editor = RuleEditor(rule, self)
        editor.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def finished(result: int) -> None:
            self._editor = None
            if result == QDialog.DialogCode.Accepted:
                done(editor.result_rule())

        editor.finished.connect(finished)
        self._editor = editor
        editor.open()
        return editor

    def add_rule(self) -> RuleEditor:
        row = self.selected_row()
        at = len(self.rules()) if row is None else row + 1

        def add(rule: Rule) -> None:
            self.model.insert(at, rule)
            self.list.setCurrentIndex(self.model.index(at, 0))

        return self._open_editor(None, add)

    def edit_rule(self) -> RuleEditor | None:
        row = self.selected_row()
        if row is None:
            return None
        return self._open_editor(self.rules()[row], lambda rule: self.model.put(row, rule))

    def duplicate_rule(self) -> None:
        row = self.selected_row()
        if row is None:
            return
        rule = self.rules()[row]
        copy = replace(rule, name=f"{rule.name} (copy)" if rule.name else "")
        self.model.insert(row + 1, copy)
        self.list.setCurrentIndex(self.model.index(row + 1, 0))

    def delete_rule(self) -> None:
        row = self.selected_row()
        if row is None:
            return
        self.model.remove(row)
        left = len(self.rules())
        if left:
            self.list.setCurrentIndex(self.model.index(min(row, left - 1), 0))
        self._show_state()

    def move_selected(self, step: int) -> None:
        row = self.selected_row()
        if row is not None and self.model.move(row, row + step):
            self.list.setCurrentIndex(self.model.index(row + step, 0))

    # -- the rules file ----------------------------------------------------------------
    def import_rules(self) -> QFileDialog:
        dialog = QFileDialog(self, "Import reply rules", "", RULES_FILTER)
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(self.import_file)
        dialog.open()
        return dialog

    def import_file(self, path: str) -> bool:
        try:
            rules = read_rules_file(path)
        except RulesFileError as exc:
            self.message.emit(f"Rules not imported: {exc}")
            self.problem.setText(f"⚠ Not imported: {exc}")
            self._show_state()
            return False
        self.set_rules(rules)
        n = len(rules)
        self.message.emit(f"Imported {n} rule{'s' if n != 1 else ''} from {path}")
        return True

    def export_rules(self) -> QFileDialog:
        dialog = QFileDialog(self, "Export reply rules", "rules.toml", RULES_FILTER)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("toml")
        dialog.fileSelected.connect(self.export_file)
        dialog.open()
        return dialog

    def export_file(self, path: str) -> bool:
        try:
            write_rules_file(path, self.rules())
        except OSError as exc:
            self.message.emit(f"Rules not exported: {path}: {exc.strerror or exc}")
            return False
        self.message.emit(f"Exported the rules to {path} (serve --rules {path})")
        return True


def chip_text(rules: Sequence[Rule]) -> str:
    """The status bar's chip: how many rules answer."""
    n = active_count(rules)
    if n == 0:
        return "No rules (200)"
    return f"{n} rule{'s' if n != 1 else ''} active"
