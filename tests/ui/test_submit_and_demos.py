"""The submit panel and the demos, end to end on the real emulator (real PocketSphinx)."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import replace

import pytest
from PySide6.QtCore import Qt

from inspector.core.columns import column_index
from inspector.core.events import EmulatorEvent
from inspector.core.rules_file import load_rules
from inspector.ui.main_window import MainWindow
from inspector.ui.submit_panel import SOURCE_SAMPLE, TARGET_EMULATOR
from tests.samples import SAMPLES, silent_wav, word_overlap

COL_METHOD = column_index("method")
COL_REQUEST_ID = column_index("request_id")

ASR_TIMEOUT_MS = 45_000  # speech recognition on a loaded 2-core machine
USER_RULES = load_rules('[[rule]]\nname = "mine"\nmatch = { path = "/mine*" }\nstatus = 202\n')


@pytest.fixture
def window(qtbot, qsettings, emulator_engine):
    w = MainWindow(emulator_engine, qsettings)
    qtbot.addWidget(w)
    w.show()
    # the engine's retry delay (1 s) a step: the audience's 3 s would be slow here
    w.demo_runner.pace = emulator_engine.emulator_settings().retry_delay
    yield w
    w.demo_runner.end()


@contextmanager
def leaves_nothing_behind(qtbot, w):
    """Issue 17 acceptance 5: after a demo, the rules and the emulator's settings are those
    from before it (here the user's own rule, and settings no demo would choose)."""
    engine = w.engine
    start = engine.emulator_settings()
    before = replace(
        start, retry_delay=7.0, max_retries=5, relaxed_ports=False, attempt_timeout=12.0
    )
    engine.set_emulator_settings(before)
    w.rules_ui.set_rules(USER_RULES)
    receiver = engine.receiver_settings()
    try:
        yield
        qtbot.waitUntil(lambda: w.demo_runner.active is None, timeout=ASR_TIMEOUT_MS)
        assert w.rules_panel.rules() == engine.rules() == USER_RULES
        assert engine.emulator_settings() == before and engine.receiver_settings() == receiver
        assert w.demo_banner.title.text().endswith("finished")
        assert w.demo_runner.story_so_far()[-1].endswith("back as before the demo.")
    finally:
        engine.set_emulator_settings(start)  # the module's engine, as the other tests want it


def _rows(w):
    return [w.model.exchange_at(w.model.index(r, 0)) for r in range(w.model.rowCount())]


def _sample_to(w, path: str) -> None:
    """The submit panel set to send the "numbers" sample to the emulator, callback `path`."""
    panel = w.submit_panel
    panel.target.setCurrentText(TARGET_EMULATOR)
    panel.source.setCurrentText(SOURCE_SAMPLE)
    panel.sample.setCurrentText("numbers")
    panel.streaming.setChecked(False)
    panel.reset_callback(path)


def test_submitting_a_sample_links_the_callback_with_transcript_and_latency(qtbot, window):
    w = window
    panel = w.submit_panel
    _sample_to(w, "/hooks/dg")
    assert panel.callback.text() == w.engine.receiver_url + "/hooks/dg"
    assert panel.check_callback() and panel.preflight.text().startswith("✓ will call")
    panel.send.click()
    qtbot.waitUntil(lambda: panel.links_model.rowCount() == 1, timeout=ASR_TIMEOUT_MS)
    sub = panel.submissions[-1]
    assert sub.request_id and f'"request_id": "{sub.request_id}"' in panel.reply.toPlainText()
    callback = w.model.exchange(sub.callbacks[0])
    assert callback is not None and callback.path == "/hooks/dg"
    assert callback.request_id == sub.request_id
    assert word_overlap(callback.view.transcript or "", SAMPLES / "numbers.wav") >= 0.5
    transcript_cell = panel.links_model.index(0, 3).data()
    assert transcript_cell == callback.view.transcript
    latency = panel.links_model.index(0, 2).data()
    assert latency.startswith("+") and latency.endswith(" s")
    panel.links.doubleClicked.emit(panel.links_model.index(0, 0))
    shown = w.selected_exchange()  # the list's light row, or the whole one once fetched
    assert shown is not None and (shown.id, shown.request_id) == (callback.id, callback.request_id)
    assert w.detail.transcript.words_model.rowCount() > 3
    headers = w.detail.headers.model
    token_row = next(
        r for r in range(headers.rowCount()) if headers.index(r, 1).data() == "dg-token"
    )
    assert headers.index(token_row, 3).data().endswith("✓ the submit panel's emulator key")


def test_preflight_explains_a_bad_callback_url_before_sending(qtbot, window):
    panel = window.submit_panel
    panel.callback.setText("http://my_host:8080/hook")
    assert "underscore" in panel.preflight.text()
    before = len(panel.submissions)
    panel.send.click()
    assert len(panel.submissions) == before
    assert "Fix the callback URL" in panel.state.text()
    panel.callback.setText("ftp://example.com/hook")
    assert "scheme 'ftp' is not supported" in panel.preflight.text()
    # What the emulator itself refuses shows in the status bar (here: a missing file's URL).
    panel.source.setCurrentText("URL")
    panel.url.setText("http://127.0.0.1:9/nothing.wav")
    panel.reset_callback()
    panel.send.click()
    qtbot.waitUntil(lambda: "emulator refused 1" in window.count_label.text(), timeout=30_000)
    assert "The emulator refused a request: 400" in window.statusBar().currentMessage()


def test_retry_storm_demo_times_four_attempts_with_countdowns(qtbot, window):
    w = window
    seen: set[str] = set()

    def delivered() -> bool:
        text = w.timeline.summary.text()
        if "next retry in" in text:
            seen.add(text)
        return text == "4 of 4 attempts, delivered"

    with leaves_nothing_behind(qtbot, w):
        assert w.run_demo("retry-storm") is not None
        qtbot.waitUntil(delivered, timeout=ASR_TIMEOUT_MS)
    story = w.demo_runner.story_so_far()
    assert "Attempt 1: the receiver answered 503, a failure; the emulator retries in 1 s" in (
        " ".join(story)
    )
    assert [t for t in story if t.startswith(("Delivered", "Gave up"))] == [
        "Delivered after 4 attempts. Deepgram stops here."
    ]
    assert len(seen) >= 2  # the countdown ticked between attempts
    table = w.timeline.model
    assert [table.index(r, 2).data() for r in range(4)] == ["503 ✗", "503 ✗", "503 ✗", "200 ✓"]
    assert all(table.index(r, 3).data().endswith(" ms") for r in range(4))
    # The submit panel numbers the callbacks as the timeline does, the delivered one in view
    # (issue 14 item 7: it showed list ids beside the timeline's numbers, 3 rows of 4).
    links, view = w.submit_panel.links_model, w.submit_panel.links
    qtbot.waitUntil(lambda: links.rowCount() == 4, timeout=ASR_TIMEOUT_MS)
    numbers = [links.index(r, 0).data() for r in range(4)]
    assert numbers == [table.index(r, 0).data() for r in range(4)] == ["1", "2", "3", "4"]
    assert links.index(3, 1).data() == "200 ✓"
    assert view.viewport().rect().contains(view.visualRect(links.index(3, 0)))
    job = w.timeline.job
    rows = [x for x in _rows(w) if x.request_id == job.request_id]
    assert [x.status for x in rows] == [503, 503, 503, 200]
    w.group_action.trigger()
    group = next(
        w.proxy.index(r, 0)
        for r in range(w.proxy.rowCount())
        if w.proxy.index(r, COL_REQUEST_ID).data(Qt.ItemDataRole.ToolTipRole) == job.request_id
    )
    assert w.proxy.rowCount(group) == 4
    assert group.siblingAtColumn(3).data() == "4 attempts, delivered"


def test_put_and_basic_auth_demos_deliver_as_described(qtbot, window):
    w = window
    with leaves_nothing_behind(qtbot, w):
        w.run_demo("put-callback")
        qtbot.waitUntil(lambda: w.demo_runner.active is None, timeout=ASR_TIMEOUT_MS)
        w.run_demo("put-callback")  # twice: the same twice, each run marked in the list
    puts = [x for x in _rows(w) if x.path == "/demo/put-callback"]
    assert [x.method for x in puts] == ["PUT", "PUT"] and [x.status for x in puts] == [200, 200]
    marks = [w.model.index_of(x.id).siblingAtColumn(0) for x in puts]
    assert [m.data().startswith("▶ ") for m in marks] == [True, True]
    assert [m.data(Qt.ItemDataRole.ToolTipRole) for m in marks] == [
        "▶ Demo PUT callback, run 1 starts here",
        "▶ Demo PUT callback, run 2 starts here",
    ]
    with leaves_nothing_behind(qtbot, w):
        w.run_demo("basic-auth")
        qtbot.waitUntil(
            lambda: any(x.path == "/demo/basic-auth" for x in _rows(w)), timeout=ASR_TIMEOUT_MS
        )
    x = next(x for x in _rows(w) if x.path == "/demo/basic-auth")
    assert x.basic_auth is not None and x.basic_auth.user == "demo"
    w.select_exchange(x.id)
    text = w.detail.headers.auth.text()
    assert "user 'demo'" in text and "s3cret-pass" not in text and "•" in text
    assert w.proxy.index(w.table.currentIndex().row(), COL_METHOD).data() == "POST"


def test_give_up_demo_stops_after_three_retries(qtbot, window):
    w = window
    with leaves_nothing_behind(qtbot, w):
        w.run_demo("give-up")
        qtbot.waitUntil(
            lambda: w.timeline.summary.text() == "4 of 4 attempts, gave up",
            timeout=ASR_TIMEOUT_MS,
        )
    failed = [x for x in _rows(w) if x.path == "/demo/give-up"]
    assert [x.status for x in failed] == [500] * 4 and [x.attempt for x in failed] == [1, 2, 3, 4]


def test_body_cap_demo_answers_413_until_the_emulator_gives_up(qtbot, window):
    w = window
    with leaves_nothing_behind(qtbot, w):
        w.run_demo("body-cap")
        qtbot.waitUntil(
            lambda: w.timeline.summary.text() == "4 of 4 attempts, gave up",
            timeout=ASR_TIMEOUT_MS,
        )
    capped = [x for x in _rows(w) if x.path == "/demo/body-cap"]
    assert [x.status for x in capped] == [413] * 4
    assert "over the 1024-byte limit" in capped[0].note
    # Refused, yet attempts of one job (issue 14 item 4): the kept start names its request_id.
    assert [x.attempt for x in capped] == [1, 2, 3, 4]
    assert {x.request_id for x in capped} == {w.timeline.job.request_id}
    w.select_exchange(capped[0].id)
    info = w.detail.body.info.text()  # the transcript is kept whole (under 16 KiB)
    assert "refused" in info and "1024-byte limit" in info


def test_stream_kill_demo_shows_the_stream_closed_with_1011(qtbot, window):
    w = window
    with leaves_nothing_behind(qtbot, w):
        w.run_demo("stream-kill")
        qtbot.waitUntil(
            lambda: (
                w.timeline.summary.text().startswith("Stream:")
                and "closed 1011" in w.timeline.summary.text()
            ),
            timeout=ASR_TIMEOUT_MS,
        )
    assert "was lost" in w.timeline.summary.text()
    table = w.timeline.model
    last = table.rowCount() - 1
    assert table.index(last, 0).data() == "end"
    assert table.index(last, 2).data() == "closed 1011 internal error"
    qtbot.waitUntil(lambda: "Stream closed 1011" in w.submit_panel.state.text(), timeout=30_000)
    sockets = [x for x in _rows(w) if x.path == "/demo/stream-kill"]
    assert sockets and sockets[0].ws_end is not None and sockets[0].ws_end.code == 1001
    links = w.submit_panel.links_model
    assert links.rowCount() == 1 and links.index(0, 0).data() == "WS"
    tip = links.index(0, 0).data(Qt.ItemDataRole.ToolTipRole)
    assert f"row #{sockets[0].id} of the list" in tip
    assert links.index(0, 1).data() == "closed 1001 going away ✗"
    # Issue 14 item 17: the stream's words are seen before the kill, in the story and the
    # Transcript column (the socket carried a final result before the kill)
    words = links.index(0, 3).data()
    assert words and word_overlap(words, SAMPLES / "callback.wav") > 0
    story = w.demo_runner.story_so_far()
    told = [t for t in story if t.startswith("Message ")]
    assert len(told) == 3 and any(", a final result: “" in t for t in told), story


def test_end_demo_puts_everything_back_at_once_and_the_demo_rule_answers_no_more(qtbot, window):
    """Issue 17 item 6: End demo, pressed while the demo runs, closes its scope there and
    then; the job already sent goes on, answered by the user's own rules (none match: 200)."""
    w = window
    engine = w.engine
    start = engine.emulator_settings()
    before = replace(start, retry_delay=7.0, max_retries=5, attempt_timeout=12.0)
    engine.set_emulator_settings(before)
    w.rules_ui.set_rules(USER_RULES)
    receiver = engine.receiver_settings()
    try:
        assert w.run_demo("retry-storm") is not None
        assert engine.rules() != USER_RULES and engine.emulator_settings() != before
        note = w.rules_panel.scope_note  # the panel says whose rules it shows, till when
        assert note.isVisible() and "your own come back" in note.text()
        assert w.demo_banner.end_button.text() == "End demo"
        w.demo_banner.end_button.click()
        assert w.demo_runner.active is None
        assert w.rules_panel.rules() == engine.rules() == USER_RULES
        assert engine.emulator_settings() == before and engine.receiver_settings() == receiver
        assert not note.isVisible()
        assert w.demo_banner.title.text() == "Demo: Retry storm, ended"
        assert w.demo_runner.story_so_far()[-1].endswith("back as before the demo.")
        qtbot.waitUntil(
            lambda: any(x.path == "/demo/retry-storm" and x.status for x in _rows(w)),
            timeout=ASR_TIMEOUT_MS,
        )
        (late,) = [x for x in _rows(w) if x.path == "/demo/retry-storm"]
        assert (late.status, late.rule, late.attempt) == (200, None, 1)
        mark = w.model.index_of(late.id).siblingAtColumn(0)
        assert not mark.data().startswith("▶ ")  # no run marker: the demo was over
        w.demo_banner.end_button.click()  # now "Close": the story goes away
        assert not w.demo_banner.isVisible()
    finally:
        engine.set_emulator_settings(start)


def test_a_panel_built_before_the_servers_start_sees_the_emulator_once_it_listens(
    qtbot, qsettings, emulator_engine
):
    """Issue 14 item 2: the window shows before the servers start (run_gui); the panel
    said "The emulator is not running" for ever."""
    emulator_engine.stop()
    try:
        w = MainWindow(emulator_engine, qsettings)
        qtbot.addWidget(w)
        w.show()
        panel = w.submit_panel
        assert panel.state.text() == "The servers are not listening: press Start."
        assert not panel.relaxed.isEnabled()
        w.toggle_running()  # what run_gui does once the window shows
        qtbot.waitUntil(lambda: emulator_engine.running, timeout=30_000)
        qtbot.waitUntil(lambda: w.listening_label.text().startswith("● Listening"))
    finally:
        if not emulator_engine.running:
            emulator_engine.start()
    assert panel.state.text() == ""
    assert panel.relaxed.isEnabled() and panel.relaxed.isChecked()  # demo settings: relaxed


def test_relaxed_ports_are_turned_on_from_the_panel(qtbot, window, tmp_path):
    """Issue 14 item 3: the check said "turn on relaxed ports", with nowhere to do it."""
    from dataclasses import replace

    engine, panel = window.engine, window.submit_panel
    relaxed = engine.emulator_settings()
    engine.set_emulator_settings(replace(relaxed, relaxed_ports=False))
    try:
        panel.refresh_engine_state()
        panel.target.setCurrentText(TARGET_EMULATOR)
        panel.source.setCurrentText("File")
        panel.file.setText(str(silent_wav(tmp_path / "quiet.wav")))  # the port matters here
        panel.streaming.setChecked(False)
        panel.reset_callback("/relaxed")  # the receiver's own port: not 80/443/8080/8443
        assert not panel.relaxed.isChecked() and panel.relaxed.isVisible()
        assert panel.preflight.text().startswith("✗") and "relaxed ports" in panel.preflight.text()
        panel.relaxed.click()
        assert engine.emulator_settings().relaxed_ports
        check = panel.preflight.text()
        assert check.startswith("✓") and "(relaxed ports)" in check
        panel.send.click()  # the emulator itself now accepts the port: 200 with a request_id
        qtbot.waitUntil(lambda: "HTTP " in panel.reply.toPlainText(), timeout=30_000)
        assert panel.reply.toPlainText().startswith("HTTP 200") and "request_id" in (
            panel.reply.toPlainText()
        )
        panel.target.setCurrentText("Deepgram (api.deepgram.com)")
        assert not panel.relaxed.isVisible()  # Deepgram has no such setting
    finally:
        engine.set_emulator_settings(relaxed)


BREAKPOINT_RULES = """
[[rule]]
name = "look"
match = { path = "/bp*" }
hold = true
hold_timeout = 2

[[rule]]
name = "then fine"
match = { path = "/bp*" }
status = 200
body = "ok"
"""


def test_a_held_callback_waits_for_the_edited_reply_then_the_next_rule_answers(qtbot, window):
    """Issue 17 acceptance 3: a held POST from the emulator waits; the user's edited 418
    reaches the emulator as that attempt's status; unanswered, the next rule answers at the
    hold's timeout."""
    w = window
    listener = w.engine.subscribe()
    seen: list[EmulatorEvent] = []
    w.rules_ui.set_rules(load_rules(BREAKPOINT_RULES))
    _sample_to(w, "/bp/cb")
    w.submit_panel.send.click()

    dialog = w.rules_ui.breakpoints
    qtbot.waitUntil(dialog.isVisible, timeout=ASR_TIMEOUT_MS)
    held = dialog.current
    assert held is not None and held.rule == "look" and held.exchange.attempt == 1
    assert (dialog.status.value(), dialog.body.toPlainText()) == (200, "ok")  # the next rule's
    assert f"Transcript: “{held.exchange.view.transcript[:20]}" in dialog.what.text()
    row = w.model.index_of(held.exchange_id).row()
    assert w.model.index(row, column_index("status")).data().startswith("held ‖ ")  # countdown
    assert w.rules_ui.chip.text().endswith("‖ 1 held")
    rid = held.exchange.request_id

    def attempts() -> list[EmulatorEvent]:
        """The emulator's attempts of this job so far (other tests' retries may still come)."""
        for event in listener.drain():
            if isinstance(event, EmulatorEvent) and event.name == "attempt":
                seen.append(event)
        return [a for a in seen if a.fields["request_id"] == rid]

    def answered(attempt: int):
        return next(
            (
                x
                for x in w.model.exchanges()
                if x.request_id == rid and x.attempt == attempt and x.status
            ),
            None,
        )

    assert attempts() == []  # the sender waits too
    dialog.status.setValue(418)
    dialog.body.setPlainText("edited in the window")
    dialog.send_button.click()
    qtbot.waitUntil(lambda: len(attempts()) == 1, timeout=ASR_TIMEOUT_MS)
    assert (attempts()[0].fields["attempt"], attempts()[0].fields["status"]) == (1, 418)
    qtbot.waitUntil(lambda: answered(1) is not None, timeout=10_000)
    w.select_exchange(answered(1).id)  # the detail pane fetches the row whole from the engine
    qtbot.waitUntil(
        lambda: (
            (shown := w.selected_exchange()) is not None
            and shown.reply_body == b"edited in the window"
        ),
        timeout=10_000,
    )

    # 418 is a failure: the emulator retries (1 s in the test engine); left unanswered, the
    # hold times out after 2 s and the next rule answers 200
    qtbot.waitUntil(lambda: len(attempts()) == 2, timeout=ASR_TIMEOUT_MS)
    assert (attempts()[1].fields["attempt"], attempts()[1].fields["status"]) == (2, 200)
    qtbot.waitUntil(lambda: answered(2) is not None, timeout=10_000)
    assert answered(2).rule == "look" and "no answer within 2 s" in answered(2).note
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10_000)
    w.engine.unsubscribe(listener)


def test_the_empty_list_guides_a_first_callback_in_one_click(qtbot, window):
    """Issue 14 item 15: a first start showed an empty list and nothing else."""
    from PySide6.QtGui import QGuiApplication

    from inspector.ui.first_run import SERVE_LINE

    w = window
    guide = w.first_run
    assert w.traffic.showing_guide and guide.isVisible()
    text = " ".join(label.text() for label in guide.findChildren(type(guide.where)))
    assert "cannot reach 127.0.0.1" in text and w.engine.receiver_url in text
    guide.copy_button.click()
    assert QGuiApplication.clipboard().text() == SERVE_LINE
    opened = []
    w.public_url_opener = lambda: opened.append(True)  # what the Public URL control sets
    guide.real_button.click()
    assert opened == [True]
    w.public_url_opener = None
    guide.real_button.click()  # no such control: what it takes, in the help page
    assert w.callbacks_help is not None and w.callbacks_help.isVisible()
    w.callbacks_help.close()
    guide.try_button.click()  # a bundled sample through the emulator, called back here
    qtbot.waitUntil(
        lambda: any(x.path == "/callback" for x in _rows(w)), timeout=ASR_TIMEOUT_MS
    )
    assert not w.traffic.showing_guide and w.table.isVisible()
    callback = next(x for x in _rows(w) if x.path == "/callback")
    assert callback.status == 200 and callback.view.transcript
    assert callback.request_id == w.submit_panel.submissions[-1].request_id
