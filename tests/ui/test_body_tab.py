"""The Body tab: a collapsible JSON tree with JSON's types, coloured pretty JSON with line
numbers, wrap on and off, and a refused body's kept prefix said as such."""

from __future__ import annotations

import json

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QPlainTextEdit

from inspector.core.records import Exchange
from inspector.ui.body_tab import BodyTab
from inspector.ui.code_view import CodeView
from tests.factories import changed, http_exchange

BODY = {
    "metadata": {"request_id": "r-1", "duration": 1.5, "channels": 1, "tags": ["a"]},
    "results": {"channels": [{"alternatives": [{"transcript": "one two", "ok": True}]}]},
    "extra": None,
}


def _exchange(body: bytes, body_size: int | None = None, note: str = "") -> Exchange:
    x = http_exchange(1, body=body, headers=(), status=None, target="/cb", note=note)
    return x if body_size is None else changed(x, body_size=body_size)


def _rows(model, parent=None):
    from PySide6.QtCore import QModelIndex

    parent = parent or QModelIndex()
    return {
        model.index(r, 0, parent).data(): (
            model.index(r, 1, parent).data(),
            model.index(r, 2, parent).data(),
            model.index(r, 0, parent),
        )
        for r in range(model.rowCount(parent))
    }


def test_tree_names_json_types_and_keeps_whole_values_in_tooltips(qtbot):
    tab = BodyTab()
    qtbot.addWidget(tab)
    tab.show_exchange(_exchange(json.dumps(BODY).encode()))
    top = _rows(tab.tree_model)
    assert top["metadata"][1] == "object {4}" and top["results"][1] == "object {1}"
    assert top["extra"][1] == "null"
    meta = _rows(tab.tree_model, top["metadata"][2])
    assert meta["duration"][:2] == ("1.5", "number") and meta["channels"][1] == "number"
    assert meta["request_id"][:2] == ("r-1", "string")
    assert meta["tags"][:2] == ('["a"]', "array [1]")  # a container previews its JSON
    assert top["metadata"][2].data(Qt.ItemDataRole.ToolTipRole) == ".metadata"
    assert tab.tree.isExpanded(top["metadata"][2])  # the first level opens
    tab.tree.collapseAll()
    assert not tab.tree.isExpanded(top["metadata"][2])
    actions = dict(tab.tree_actions(meta["duration"][2]))
    actions["Copy path"]()
    assert QGuiApplication.clipboard().text() == ".metadata.duration"
    actions["Copy value"]()
    assert QGuiApplication.clipboard().text() == "1.5"


def _wraps(view) -> bool:
    return view.lineWrapMode() is not QPlainTextEdit.LineWrapMode.NoWrap


def _coloured(view) -> bool:
    """Any character of the shown text in a colour of the highlighter's."""
    block = view.document().firstBlock()
    while block.isValid():
        if block.layout().formats():
            return True
        block = block.next()
    return False


def test_pretty_json_is_highlighted_with_line_numbers_and_wraps_on_demand(qtbot, tmp_path):
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    tab = BodyTab()
    qtbot.addWidget(tab)
    tab.resize(500, 400)
    tab.show()
    tab.show_exchange(_exchange(json.dumps(BODY).encode()))
    pretty = tab.pretty
    assert isinstance(pretty, CodeView)
    block = pretty.document().findBlockByNumber(2)  # '    "request_id": "r-1",'
    kinds = {r.format.foreground().color().name() for r in block.layout().formats()}
    assert len(kinds) >= 2  # the key and the string in two colours
    assert pretty.gutter.width() >= pretty.fontMetrics().horizontalAdvance("99")
    assert pretty.blockCount() == len(json.dumps(BODY, indent=2).splitlines())
    assert not _wraps(pretty)
    tab.wrap.setChecked(True)
    assert _wraps(pretty) and _wraps(tab.raw)
    tab.save_settings(settings)
    again = BodyTab()
    qtbot.addWidget(again)
    again.load_settings(settings)
    assert _wraps(again.pretty)
    tab.show_exchange(_exchange(b"plain text, not JSON"))
    assert not _coloured(pretty) and tab.info.text() == "20 B, not JSON"


def test_a_refused_body_says_what_was_kept_of_how_much():
    tab = BodyTab()
    prefix = b'{"metadata":{"request_id":"r-9"'
    tab.show_exchange(_exchange(prefix, body_size=1300, note="over the 1024-byte limit"))
    assert tab.info.text().startswith(f"first {len(prefix)} B of 1.3 KB kept, the rest was cut")
    assert "over the 1024-byte limit" in tab.info.text()
    tab.show_exchange(_exchange(b"", body_size=1300, note="refused"))
    assert tab.info.text() == "1.3 KB arrived; none of it was kept (refused)"
