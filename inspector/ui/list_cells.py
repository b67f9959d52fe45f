"""A list column's cells as Qt sees them (text, whole-text tooltip, colour, font, alignment),
from `core.columns`: the one place the live list (`traffic_model`) and a stored session's
list (`stored_model`) take their cells and header from."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from ..core.columns import COLUMNS, Align, Column
from ..core.exchange_display import GroupSummary, Tone, group_tone, status_tone
from ..core.records import Exchange

_NCOLS = len(COLUMNS)
EXCHANGE_ROLE = Qt.ItemDataRole.UserRole + 1

Index = QModelIndex | QPersistentModelIndex

# Colours only add to the text symbols (✓ ↪ ✗ …), never replace them.
TONE_COLOURS = {
    Tone.OK: "#2e8b57",
    Tone.REDIRECT: "#b8860b",
    Tone.FAIL: "#d0343a",
    Tone.PENDING: "#6a7b8c",
    Tone.NEUTRAL: "#6a7b8c",
}
_BRUSHES = {tone: QBrush(QColor(colour)) for tone, colour in TONE_COLOURS.items()}
_DISPLAY, _TIP, _FG, _FONT, _ALIGN = (
    int(Qt.ItemDataRole.DisplayRole),
    int(Qt.ItemDataRole.ToolTipRole),
    int(Qt.ItemDataRole.ForegroundRole),
    int(Qt.ItemDataRole.FontRole),
    int(Qt.ItemDataRole.TextAlignmentRole),
)
_ALIGNMENTS = {
    Align.LEFT: int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
    Align.RIGHT: int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
}


def header_data(section: int, orientation: Qt.Orientation, role: int) -> Any:
    """A list header's title, tooltip and alignment, from the column's declaration."""
    if orientation != Qt.Orientation.Horizontal or not 0 <= section < _NCOLS:
        return None
    column = COLUMNS[section]
    if role == _DISPLAY:
        return column.title
    if role == _TIP:
        return column.about
    return None


def cell_roles(
    column: Column, x: Exchange, mono: QFont, node: GroupSummary | None = None
) -> dict[int, Any]:
    """Everything a list cell shows of `x` in `column`, by role: the one place both the live
    and the stored lists take their cells from. `node` is set when the row is a
    request_id's node (then `x` is its latest attempt)."""
    values: dict[int, Any] = {_DISPLAY: column.cell_text(x, node), EXCHANGE_ROLE: x.id}
    tip = column.cell_tip(x, node)
    if tip:
        values[_TIP] = tip
    if column.toned:
        values[_FG] = _BRUSHES[group_tone(node) if node is not None else status_tone(x)]
    if column.mono:
        values[_FONT] = mono
    if column.align is not Align.LEFT:
        values[_ALIGN] = _ALIGNMENTS[column.align]
    return values


def fill_span(span: Any, values: dict[int, Any]) -> None:
    """Answer a `multiData` role span from a cell's values; a role without one is cleared
    (the delegate reuses its span from cell to cell)."""
    for cell in span:
        value = values.get(cell.role())
        if value is None:
            cell.clearData()
        else:
            cell.setData(value)


def row_cells(x: Exchange, mono: QFont) -> list[dict[int, Any]]:
    """Every cell of a row showing `x` (not a request_id's node)."""
    return [cell_roles(column, x, mono) for column in COLUMNS]
