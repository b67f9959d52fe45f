"""Suggestions under the filter box as the user types: the field names of the filter
language (`st` offers `status:`), the states after `is:` and the names after `has:`
(`core.filter_hints.complete` decides; this module only shows them and puts the one chosen
in place of the word typed). Typing goes on into the box while the list is open; Down picks a
suggestion and Enter or Tab takes it (nothing is picked for the user: a plain word that is
also a field's name stays a word), Esc closes the list."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QObject, QStringListModel, Qt
from PySide6.QtWidgets import QAbstractItemView, QCompleter, QLineEdit

from ..core.filter_hints import Completion, complete


class FilterCompleter(QObject):
    """Offers the filter language's words under `field` (a `QLineEdit`)."""

    def __init__(self, field: QLineEdit) -> None:
        super().__init__(field)
        self.field = field
        self._model = QStringListModel(self)
        self.completer = QCompleter(self._model, self)
        self.completer.setWidget(field)
        self.completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setMaxVisibleItems(10)
        popup = self._popup()
        popup.setAccessibleName("Filter suggestions")
        popup.setToolTip("Down to pick, Enter or Tab to take it, Esc to close")
        self._at = Completion(0, 0, ())
        self.completer.activated.connect(self.take)
        field.textEdited.connect(self._on_edited)

    def _popup(self) -> QAbstractItemView:
        popup = self.completer.popup()
        assert popup is not None  # a QCompleter makes its own list view
        return popup

    @property
    def choices(self) -> list[str]:
        """The suggestions shown now (empty when the list is closed)."""
        return self._model.stringList() if self._popup().isVisible() else []

    def _on_edited(self, text: str) -> None:
        self._at = complete(text, self.field.cursorPosition())
        if not self._at.choices:
            self._popup().hide()
            return
        self._model.setStringList(list(self._at.choices))
        popup = self._popup()
        bar = popup.verticalScrollBar()
        rect = self.field.cursorRect()
        rect.setWidth(popup.sizeHintForColumn(0) + (bar.sizeHint().width() if bar else 0))
        self.completer.complete(rect)
        popup.setCurrentIndex(QModelIndex())  # none chosen yet: Enter stays the box's own

    def take(self, choice: str) -> None:
        """Put `choice` in place of the word it was offered for."""
        at, text = self._at, self.field.text()
        if text[at.start : at.end].lower() != choice[: at.end - at.start].lower():
            return  # the text moved on since
        tail = "" if choice.endswith(":") else " "
        self.field.setText(text[: at.start] + choice + tail + text[at.end :])
        self.field.setCursorPosition(at.start + len(choice) + len(tail))
        self._popup().hide()
