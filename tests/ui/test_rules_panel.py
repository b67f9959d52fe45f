"""The Rules panel (issue 17 item 3): the ordered list always in view, edited with the rule
editor, reordered, switched off, imported and exported; the chip; the rule that answered in
the list and the detail pane; the rules kept with the window's settings."""

from __future__ import annotations

import concurrent.futures
import http.client
import urllib.parse

import pytest
from PySide6.QtCore import QModelIndex, Qt
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from inspector.cli import build_parser
from inspector.core.columns import column_index
from inspector.core.rules import CloseSocket, FailFirst, Respond
from inspector.core.rules_file import load_rules
from inspector.reply_flags import rules_from_args
from inspector.ui.main_window import MainWindow
from inspector.ui.rule_editor import RuleEditor
from tests.ui.test_main_window import window  # noqa: F401  (the fixture)

TIMEOUT_MS = 15_000
COL_RULE = column_index("rule")


def _post(url: str, path: str, body: bytes = b"{}", method: str = "POST") -> int:
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    conn.request(method, path, body=body)
    status = conn.getresponse().status
    conn.close()
    return status


def _edit(editor: RuleEditor, kind: str, **fields) -> None:
    """Fill the editor as a user would: the action, then each field's widget."""
    editor.set_kind(kind)
    for key, value in fields.items():
        if key == "name":
            editor.name.setText(value)
        else:
            editor.editor(key).set_value(value)


def _add(qtbot, w: MainWindow, kind: str, **fields) -> None:
    editor = w.rules_panel.add_rule()
    _edit(editor, kind, **fields)
    ok = editor.buttons.buttons()[0]
    assert ok.isEnabled(), editor.problem.text()
    editor.accept()
    qtbot.waitUntil(lambda: w.rules_panel._editor is None, timeout=TIMEOUT_MS)


def test_rules_made_in_the_panel_answer_the_next_request_in_order(
    qtbot, start_engine, window  # noqa: F811
):
    engine, _ = start_engine()
    w = window(engine)
    panel = w.rules_panel
    assert w.reply_dock.isVisible() and w.submit_dock.isVisible()  # not behind each other
    assert not w.tabifiedDockWidgets(w.reply_dock)
    assert w.rules_ui.chip.text() == "No rules (200)"
    _add(
        qtbot, w, "fail_first", name="two fail", fail_first=2, status=503, **{"match.path": "/cb*"}
    )
    _add(qtbot, w, "reply", name="teapot", status=418, **{"match.method": "PUT"})
    assert w.rules_ui.chip.text() == "2 rules active"
    assert engine.rules() == panel.rules()
    engine.settle()  # the engine has them (they go over the control pipe, the POSTs do not)
    job = b'{"metadata":{"request_id":"job-7"}}'
    assert [_post(engine.receiver_url, "/cb", job) for _ in range(3)] == [503, 503, 200]
    assert _post(engine.receiver_url, "/x", method="PUT") == 418

    # the rule that answered: its own column, and the detail pane
    qtbot.waitUntil(lambda: w.model.rowCount() == 4, timeout=TIMEOUT_MS)
    rules_shown = [w.model.index(r, COL_RULE).data() for r in range(4)]
    assert rules_shown == ["two fail", "two fail", "", "teapot"]
    w.select_exchange(w.model.exchange_at(w.model.index(3, 0)).id)
    assert "rule: teapot" in w.detail.headers.auth.text()

    # off with its checkbox, then moved first with the keyboard's Move up
    model = panel.model
    model.setData(model.index(0, 0), Qt.CheckState.Unchecked.value, Qt.ItemDataRole.CheckStateRole)
    assert w.rules_ui.chip.text() == "1 rule active"
    engine.settle()
    assert _post(engine.receiver_url, "/cb", b'{"metadata":{"request_id":"job-8"}}') == 200
    panel.list.setCurrentIndex(model.index(1, 0))
    panel.up_button.click()
    assert [r.name for r in engine.rules()] == ["teapot", "two fail"]
    # dragged back below (what the view's drop does to the model)
    mime = model.mimeData([model.index(0, c) for c in range(3)])
    model.dropMimeData(mime, Qt.DropAction.MoveAction, 2, 0, QModelIndex())
    assert [r.name for r in engine.rules()] == ["two fail", "teapot"]
    assert [model.index(0, c).data() for c in range(3)] == [
        "two fail",
        "/cb*",
        "503 to attempts 1-2 of each callback, then the next rule",
    ]

    panel.list.setCurrentIndex(model.index(1, 0))
    panel.duplicate_button.click()
    assert [r.name for r in engine.rules()] == ["two fail", "teapot", "teapot (copy)"]
    panel.delete_button.click()
    panel.delete_button.click()
    assert [r.name for r in engine.rules()] == ["two fail"]
    w.reply_dock.hide()
    w.activateWindow()  # the editor dialogs had the focus
    qtbot.waitUntil(w.isActiveWindow, timeout=TIMEOUT_MS)
    w.rules_ui.chip.click()  # the status bar's chip opens the panel
    assert w.reply_dock.isVisible()
    qtbot.waitUntil(panel.list.hasFocus, timeout=TIMEOUT_MS)


def test_editing_a_rule_prefills_it_and_a_mistake_is_shown_not_applied(
    qtbot, start_engine, window  # noqa: F811
):
    engine, _ = start_engine()
    w = window(engine)
    _add(qtbot, w, "reply", status=500, **{"match.path": "/a*"})
    editor = w.rules_panel.edit_rule()
    assert editor is not None and editor.editor("status").value() == 500
    assert editor.editor("match.path").value() == "/a*"
    editor.editor("match.path").set_value("/a[")
    assert "match.path" in editor.problem.text() and "never closed" in editor.problem.text()
    assert not editor.buttons.buttons()[0].isEnabled()
    editor.editor("match.path").set_value("/b*")
    editor.editor("match.body").set_value({"metadata.request_id": "42", "n": 1})
    editor.accept()
    qtbot.waitUntil(lambda: w.rules_panel._editor is None, timeout=TIMEOUT_MS)
    rule = engine.rules()[0]
    assert rule.match.path.pattern == "/b*"
    assert {(f.path.text, f.value) for f in rule.match.body} == {
        ("metadata.request_id", "42"),  # the text "42" stays text
        ("n", 1),
    }


def test_websocket_rules_refuse_or_close(qtbot, start_engine, window):  # noqa: F811
    engine, _ = start_engine()
    w = window(engine)
    _add(qtbot, w, "ws_refuse", status=403, **{"match.path": "/no*"})
    _add(qtbot, w, "ws_close", close_after_messages=1, close_code=1011, **{"match.path": "/ws*"})
    url = engine.receiver_url.replace("http", "ws")
    with pytest.raises(InvalidStatus) as refused:
        connect(url + "/no")
    assert refused.value.response.status_code == 403
    with connect(url + "/ws") as ws:
        ws.send("one")
        with pytest.raises(Exception):  # noqa: B017 (closed: ConnectionClosedError)
            ws.recv(timeout=10)
    assert ws.protocol.close_rcvd.code == 1011


def test_the_cli_flags_and_the_windows_form_make_equal_rule_lists(
    qtbot, start_engine, window  # noqa: F811
):
    """Issue 17 acceptance 1: one constructor for both (the window used 500 below 300)."""
    args = build_parser().parse_args(
        ["serve", "--fail-first", "2", "--reply-status", "503", "--ws-close-after", "3",
         "--ws-close-code", "1011", "--ws-close-reason", "bye"]
    )  # fmt: skip
    from_flags = rules_from_args(args)
    engine, _ = start_engine()
    w = window(engine)
    _add(qtbot, w, "fail_first", fail_first=2, status=503)
    _add(qtbot, w, "ws_close", close_after_messages=3, close_code=1011, close_reason="bye")
    assert w.rules_panel.rules() == from_flags
    assert [type(r.action) for r in from_flags] == [FailFirst, CloseSocket]
    # --fail-first alone and the form's fail_first left at its status: both 500
    alone = rules_from_args(build_parser().parse_args(["serve", "--fail-first", "1"]))
    editor = w.rules_panel.add_rule()
    _edit(editor, "fail_first", fail_first=1)
    assert (editor.rule(),) == alone and alone[0].action.reply == Respond(500)
    editor.reject()


def test_rules_are_imported_exported_and_kept_with_the_settings(
    qtbot, start_engine, window, qsettings, tmp_path  # noqa: F811
):
    engine, _ = start_engine()
    w = window(engine)
    good = tmp_path / "rules.toml"
    good.write_text(
        '[[rule]]\nname = "slow PUT"\nmatch = { method = "PUT" }\nstatus = 202\ndelay_ms = 50\n'
        "[[rule]]\nenabled = false\nstatus = 500\n"
    )
    assert w.rules_panel.import_file(str(good))
    assert [r.name for r in engine.rules()] == ["slow PUT", ""]
    bad = tmp_path / "bad.toml"
    bad.write_text("[[rule]]\nstatus = 700\n")
    assert not w.rules_panel.import_file(str(bad))
    assert "bad.toml:2: status" in w.rules_panel.problem.text()
    assert len(engine.rules()) == 2  # nothing changed
    out = tmp_path / "out.toml"
    assert w.rules_panel.export_file(str(out))
    assert load_rules(out.read_text()) == engine.rules()
    w.close()

    again = MainWindow(engine, qsettings)  # a restart of the window: the same rules
    qtbot.addWidget(again)
    engine.set_rules(())
    again.rules_ui.start(qsettings)
    assert again.rules_panel.rules() == load_rules(good.read_text())
    assert engine.rules() == again.rules_panel.rules()
    assert again.rules_ui.chip.text() == "1 rule active"


def test_held_requests_queue_up_and_are_answered_as_the_next_rule_or_dropped(
    qtbot, start_engine, window  # noqa: F811
):
    """Issue 17 item 4, the dialog's other two answers: two held requests wait in order; the
    first is answered as the next rule would, the second's connection is dropped."""
    engine, _ = start_engine(
        rules=load_rules(
            '[[rule]]\nname = "bp"\nmatch = { path = "/held*" }\nhold = true\n'
            '[[rule]]\nname = "teapot"\nstatus = 418\n'
        )
    )
    w = window(engine)
    dialog = w.rules_ui.breakpoints
    pool = concurrent.futures.ThreadPoolExecutor(2)
    first = pool.submit(_post, engine.receiver_url, "/held/1")
    qtbot.waitUntil(lambda: len(dialog.held_ids()) == 1, timeout=TIMEOUT_MS)
    second = pool.submit(_post, engine.receiver_url, "/held/2")
    qtbot.waitUntil(lambda: len(dialog.held_ids()) == 2, timeout=TIMEOUT_MS)
    pool.shutdown(wait=False)
    assert dialog.isVisible() and dialog.current.exchange.target == "/held/1"
    assert dialog.queue.text() == "1 more held after this one."
    assert "The next rule answers (418) in" in dialog.countdown.text()
    assert w.rules_ui.chip.text().endswith("‖ 2 held")
    assert not first.done() and not second.done()  # both senders wait

    dialog.next_button.click()
    assert first.result(10) == 418
    assert dialog.current.exchange.target == "/held/2" and dialog.queue.text() == ""
    assert not second.done()
    dialog.drop_button.click()
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        second.result(10)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=TIMEOUT_MS)
    qtbot.waitUntil(
        lambda: all(x.held_until is None for x in w.model.exchanges()), timeout=TIMEOUT_MS
    )
    rows = {x.target: x for x in w.model.exchanges()}
    assert (rows["/held/1"].status, rows["/held/1"].rule) == (418, "bp")
    assert rows["/held/2"].status is None and "dropped" in rows["/held/2"].note
    qtbot.waitUntil(lambda: not w.rules_ui.chip.text().endswith("held"), timeout=TIMEOUT_MS)


def test_clear_starts_the_attempt_count_again_so_fail_first_fails_anew(
    qtbot, start_engine, window  # noqa: F811
):
    engine, _ = start_engine(rules=load_rules("[[rule]]\nfail_first = 1\nstatus = 503\n"))
    w = window(engine)
    job = b'{"metadata":{"request_id":"job-c"}}'
    assert [_post(engine.receiver_url, "/cb", job) for _ in range(2)] == [503, 200]
    qtbot.waitUntil(lambda: w.model.rowCount() == 2, timeout=TIMEOUT_MS)
    w.clear_action.trigger()  # the list and the engine's attempt counters
    engine.settle()  # a barrier: the engine took the clear
    assert _post(engine.receiver_url, "/cb", job) == 503
    qtbot.waitUntil(lambda: w.model.rowCount() == 1, timeout=TIMEOUT_MS)
    assert w.model.exchange_at(w.model.index(0, 0)).attempt == 1


def test_a_demo_without_the_emulator_says_so_and_changes_no_rule(
    qtbot, start_engine, window  # noqa: F811
):
    from PySide6.QtWidgets import QMessageBox

    engine, _ = start_engine(rules=load_rules('[[rule]]\nname = "mine"\nstatus = 202\n'))
    w = window(engine)  # an engine without the emulator
    assert w.run_demo("retry-storm") is None
    (box,) = [b for b in w.findChildren(QMessageBox) if b.isVisible()]
    assert "emulator, which is not running" in box.text()
    assert [r.name for r in engine.rules()] == ["mine"] and w.demo_runner.active is None
    box.close()
    qtbot.waitUntil(lambda: not w.findChildren(QMessageBox), timeout=TIMEOUT_MS)  # deleted
