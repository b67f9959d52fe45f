"""The filter box of the traffic pane: an expression filters the live list and a stored session
to the same rows; a mistake is said under the box, and the list keeps its last filter."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from inspector.core.events import ExchangeAdded
from inspector.ui.stored_model import StoredTrafficModel
from inspector.ui.stored_session import StoredSession
from inspector.ui.traffic_model import EXCHANGE_ROLE
from inspector.ui.traffic_pane import TrafficPane
from tests.exchange_set import varied_exchanges, write_session


@pytest.fixture
def pane(qtbot):
    pane = TrafficPane(lambda: "http://127.0.0.1:1")
    qtbot.addWidget(pane)
    pane.resize(900, 500)
    pane.show()
    pane.live_model.apply_events([ExchangeAdded(x) for x in varied_exchanges()])
    return pane


def _ids(pane):
    """Exchange ids listed (attempts under their node), in list order."""
    view = pane.table.model()
    ids = []
    for row in range(view.rowCount()):
        top = view.index(row, 0)
        children = view.rowCount(top)
        if children:
            ids += [view.index(r, 0, top).data(EXCHANGE_ROLE) for r in range(children)]
        else:
            ids.append(top.data(EXCHANGE_ROLE))
    return ids


EXPRESSIONS = {
    "status:5xx": [1, 2, 9, 13],
    "method:PUT OR is:open": [4, 5, 22],
    "-ws attempt:>1": [2, 3],
    "transcript:\"nine o'clock\" -status:503": [3],
    "body:needle": [15, 16, 17],
}


def test_an_expression_shows_the_same_rows_live_and_in_a_stored_session(qtbot, pane, tmp_path):
    stored = StoredSession(write_session(tmp_path / "s.cisession", varied_exchanges()))
    stored_model = StoredTrafficModel(stored)
    try:
        for grouped in (False, True):
            pane.group_button.setChecked(grouped)
            for text, expected in EXPRESSIONS.items():
                pane.show_model(pane.live_model)
                pane.filter_field.setText(text)
                assert not pane.filter_error.isVisible(), pane.filter_error.text()
                assert sorted(_ids(pane)) == expected, (grouped, text)
                assert pane.filter_count.text() == f"{len(expected)} of 30"
                live = _ids(pane)
                pane.show_model(stored_model)  # the same text, now as SQL
                qtbot.waitUntil(lambda: not pane.searching)
                assert _ids(pane) == live, (grouped, text)
                assert pane.filter_count.text() == f"{len(expected)} of 30"
                pane.filter_field.clear()
    finally:
        stored_model.close()
        stored.close()


def test_a_mistake_is_said_under_the_box_and_the_last_filter_stays(pane):
    pane.filter_field.setText("status:503")
    assert _ids(pane) == [1, 2] and not pane.filter_error.isVisible()
    pane.filter_field.setText("stauts:503")
    assert pane.filter_error.isVisible()
    assert "did you mean `status`?" in pane.filter_error.text()
    assert pane.filter_error.accessibleName() == "Filter mistake"
    assert _ids(pane) == [1, 2] and pane.filter_count.text() == "2 of 30"
    pane.filter_field.setText("status:503 OR")
    assert "`OR` needs something on both sides" in pane.filter_error.text()
    pane.filter_field.setText("status:503 OR code:1011")
    assert not pane.filter_error.isVisible() and _ids(pane) == [1, 2, 24]
    pane.filter_field.clear()
    assert len(_ids(pane)) == 30 and pane.filter_count.text() == "30 total"


def test_filter_by_this_request_id_writes_a_request_id_term(pane):
    x = varied_exchanges()[0]
    actions = dict(pane.context_actions(x))
    actions["Filter by this request_id"]()
    assert pane.filter_field.text() == f"request_id:{x.request_id}"
    assert _ids(pane) == [1, 2, 3, 29]


def test_typing_offers_the_languages_words_and_takes_the_one_chosen(qtbot, pane):
    completer = pane.filter_completer
    pane.filter_field.setFocus()
    qtbot.keyClicks(pane.filter_field, "-is:e")
    qtbot.waitUntil(lambda: completer.choices == ["is:error"])
    popup = completer.completer.popup()
    assert popup.accessibleName() == "Filter suggestions"
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    assert pane.filter_field.text() == "-is:error "
    assert not popup.isVisible()
    assert set(_ids(pane)) == {x.id for x in varied_exchanges()} - {
        1, 2, 7, 9, 13, 15, 17, 18, 24, 26, 27
    }
    # A plain word that is also a field's name: Enter alone leaves it a word.
    pane.filter_field.clear()
    qtbot.keyClicks(pane.filter_field, "note")
    qtbot.waitUntil(lambda: completer.choices == ["note:"])
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    assert pane.filter_field.text() == "note"
