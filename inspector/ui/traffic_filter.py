"""The filter box over the live list: a proxy that shows the rows a `core.row_expr` condition
(a filter expression, `core/filter_expr.py`) holds for, the condition compiled to Python once
and evaluated on each exchange of `ui/traffic_model.TrafficModel`. A stored session's list
filters itself with the same condition as SQL (`ui/stored_model.py`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QSortFilterProxyModel

from ..core.records import Exchange
from ..core.row_expr import Pred
from .list_cells import Index
from .traffic_model import TrafficModel


class TrafficFilter(QSortFilterProxyModel):
    """The filter box over the live list: a `core.row_expr` condition (a filter expression,
    `core/filter_expr.py`), evaluated on each exchange. Grouped, a request_id's node is
    shown with those of its attempts that match. (A stored session's list filters itself,
    with the same condition as SQL: `stored_model`.)"""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._condition: Pred | None = None
        self._accepts: Callable[[Exchange], bool] | None = None
        self._traffic: TrafficModel | None = None
        self.setRecursiveFilteringEnabled(True)
        self.setAutoAcceptChildRows(True)

    @property
    def condition(self) -> Pred | None:
        return self._condition

    @property
    def active(self) -> bool:
        """A filter is set: some rows may be hidden."""
        return self._condition is not None

    def set_condition(self, condition: Pred | None) -> None:
        """Show only the rows `condition` holds for (all of them with None)."""
        if condition == self._condition:
            return
        self.beginFilterChange()
        self._condition = condition
        self._accepts = None
        self.endFilterChange()

    def multiData(self, index: Index, roleDataSpan: Any) -> None:
        # Qt's proxy answers `multiData` with one `data()` per role, each mapped to the
        # source: one call into Python per cell instead (`TrafficModel.multiData`).
        model = self._traffic
        if model is not None:
            model.multiData(self.mapToSource(index), roleDataSpan)
        else:
            super().multiData(index, roleDataSpan)

    def setSourceModel(self, model: QAbstractItemModel) -> None:
        self._traffic = model if isinstance(model, TrafficModel) else None
        self._accepts = None
        super().setSourceModel(model)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        if self._condition is None:
            return True
        model = self._traffic
        assert model is not None
        if self._accepts is None:
            self._accepts = model.compile(self._condition)
        index = model.index(source_row, 0, source_parent)
        return index.isValid() and model.accepts(index, self._accepts)

    def shown_exchanges(self) -> int:
        """How many exchanges (attempts, not groups) are visible through the filter."""
        model = self.sourceModel()
        if isinstance(model, TrafficModel) and not model.grouped:
            return self.rowCount()  # flat: a row is an exchange
        total = 0
        for row in range(self.rowCount()):
            total += self.rowCount(self.index(row, 0)) or 1
        return total
