"""Tools → Check my handler (issue 19, acceptance 4): the real window on a real engine, a
handler on 127.0.0.1 that takes 0.2 s per reply, so the cases visibly finish one by one."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from inspector.core.handler_checks import CaseId, Verdict
from inspector.core.settings import EngineSettings, ReceiverSettings
from tests.check_handlers import HandlerServer, Seen, scripted_app

CASES = (CaseId.ORDINARY, CaseId.RETRY, CaseId.PUT, CaseId.STREAM_HTTP)


def _selected_ids(window) -> set[int]:
    rows = window.table.selectionModel().selectedRows()
    return {x.id for x in (window.traffic.exchange_at(i) for i in rows) if x is not None}


def test_the_table_fills_as_cases_finish_and_opening_a_case_selects_its_exchanges(
    window_on, qtbot, tmp_path: Path
) -> None:
    w = window_on(EngineSettings(receiver=ReceiverSettings(port=0), data_dir=tmp_path))
    seen = Seen()
    with HandlerServer(scripted_app(seen, delay=0.2)) as handler:
        w.check_handler_action.trigger()
        dialog = w.check_dialog
        assert dialog is not None and dialog.isVisible()
        dialog.url_field.setText(handler.url())
        assert "Only http://127.0.0.1:" in dialog.note.text()
        for case, action in dialog.case_actions.items():
            action.setChecked(case in CASES)
        assert dialog.cases_button.text() == "4 of 11 cases"
        qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
        # Filled as the cases finish: one verdict shown while the others still run.
        qtbot.waitUntil(lambda: dialog.model.finished() >= 1, timeout=90_000)
        # One snapshot (no event is handled while it is taken): verdicts, then the rest.
        states = [dialog.model.data(dialog.model.index(n, 1)) for n in range(len(CASES))]
        done = dialog.model.finished()
        assert dialog.summary is None and 1 <= done < len(CASES)
        assert states[:done] == ["✓ pass"] * done
        assert states[done] == "… running" and set(states[done + 1 :]) <= {"waiting"}
        assert [r.case for r in dialog.model.rows] == list(CASES)
        qtbot.waitUntil(lambda: dialog.summary is not None, timeout=60_000)
    assert dialog.summary.verdict is Verdict.PASS, dialog.status.text()
    assert dialog.status.text().startswith("Ready for Deepgram: 4 pass")
    assert [dialog.model.data(dialog.model.index(n, 1)) for n in range(4)] == ["✓ pass"] * 4
    assert dialog.run_button.isEnabled() and not dialog.stop_button.isEnabled()

    # Opening a case (double-click) selects its exchanges in the main list.
    stream = dialog.model.result_at(3)
    assert stream is not None and len(stream.exchange_ids) > 3  # one POST per live message
    qtbot.waitUntil(lambda: w.model.index_of(stream.exchange_ids[-1]).isValid())
    view = dialog.table
    index = dialog.model.index(3, 0)
    dialog.table.setCurrentIndex(index)
    assert "Exchanges: #" in dialog.detail.toPlainText()
    where = view.visualRect(index).center()
    # A double-click as a user makes it: press and release, then the double-click.
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=where)
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=where)
    assert _selected_ids(w) == set(stream.exchange_ids)
    current = w.selected_exchange()
    assert current is not None and current.id == stream.exchange_ids[0]
    assert current.method == "POST" and current.note.startswith("check-handler")
    # Another case, opened with Enter: only its own exchange.
    retry = dialog.model.result_at(1)
    assert retry is not None
    dialog.table.setCurrentIndex(dialog.model.index(1, 0))
    qtbot.keyClick(dialog.table, Qt.Key.Key_Return)
    assert _selected_ids(w) == set(retry.exchange_ids)
    assert w.selected_exchange().attempt == 2  # the retry of the ordinary callback
    # And with the button.
    dialog.table.setCurrentIndex(dialog.model.index(0, 0))
    qtbot.mouseClick(dialog.show_button, Qt.MouseButton.LeftButton)
    assert _selected_ids(w) == set(dialog.model.result_at(0).exchange_ids)


def test_a_url_beyond_this_machine_is_named_and_asked_about_before_anything_is_sent(
    window_on, qtbot
) -> None:
    w = window_on(EngineSettings(receiver=ReceiverSettings(port=0)))
    dialog = w.show_check_handler()
    dialog.url_field.setText("https://callbacks.example.com/deepgram")
    assert dialog.note.text().startswith("⚠ callbacks.example.com is not on this machine")
    asked: list[str] = []

    def answer_no() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        asked.append(box.text())
        box.button(QMessageBox.StandardButton.No).click()

    QTimer.singleShot(0, answer_no)
    assert dialog.run() is False
    assert asked and "callbacks.example.com is not on this machine" in asked[0]
    assert dialog.run_id is None and dialog.listener is None  # nothing started


def test_a_bad_url_is_said_in_the_dialog(window_on) -> None:
    w = window_on(EngineSettings(receiver=ReceiverSettings(port=0)))
    dialog = w.show_check_handler()
    dialog.url_field.setText("localhost:3000/hook")
    assert dialog.run() is False
    assert "scheme" in dialog.status.text()
