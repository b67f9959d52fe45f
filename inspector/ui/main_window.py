"""The main window: toolbar, traffic list, detail tabs, reply/submit/timeline docks, demos.

Fed by draining the engine's event queue on a ~60 Hz timer: one batched insert per slice,
nothing touched from the engine thread, nothing on the UI thread waits for the network
(engine calls come back through `EngineCalls`). A tick applies slices of at most
`DRAIN_SLICE` events until `DRAIN_BUDGET_S` is spent; what is left waits for the next tick,
so a flood's backlog is listed over several ticks, in order, and the window keeps painting
and answering meanwhile (issue 8: one `drain(100_000)` was one multi-second stall). The
status bar's counts are kept as events arrive, never recounted per tick.

Why this module is long: the window's wiring of every dock, menu and the event drain; its parts
are being moved out (issue 15 item 5, branch `window`).
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import (
    QByteArray,
    QSettings,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QGuiApplication,
    QKeySequence,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QSplitter,
    QTableView,
    QToolBar,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from .. import __version__
from ..core.events import (
    EmulatorEvent,
    EmulatorFaultsChanged,
    EngineProcessEvent,
    Event,
    ExchangeAdded,
    ExchangeUpdated,
    ListenOptionWarning,
    StorageEvent,
    WsMessageAdded,
)
from ..core.exchange_display import is_error
from ..core.public_url import PublicUrlEvent
from ..core.records import Exchange, ExchangeKind, WsMessage
from ..engine.api import EngineApi
from ..engine.binding import is_loopback
from .check_handler_dialog import CheckHandlerDialog
from .delivery_track import DeliveryTracker
from .demo_runner import DemoBanner, DemoRunner, fill_submit_panel
from .demos import DEMOS, Demo, demo_named
from .detail_views import DetailPane
from .emulator_menu import EmulatorMenu
from .engine_banner import EngineBanner
from .engine_calls import EngineCalls
from .first_run import FirstRunGuide
from .full_rows import FullRows
from .help import CallbacksHelp, ShortcutsDialog
from .look import THEMES, app_icon, apply_theme
from .public_url_control import add_public_toolbar
from .rules_dock import RulesUi
from .session_browser import SessionBrowser
from .status_bar import StatusBar
from .submit_panel import SubmitPanel
from .timeline import TimelineView
from .traffic_model import COLUMNS
from .traffic_pane import TrafficPane
from .window_layout import (
    STATE_VERSION,
    TIMELINE_HEIGHT,
    available_area,
    detail_below_by_default,
    fits,
    fresh_geometry,
    place_side_docks,
    set_detail_below,
    size_side_docks,
)

log = logging.getLogger(__name__)

FETCH_WAIT_S = 5.0  # a row fetched whole for a user's action (copy, replay) waits this long
DRAIN_INTERVAL_MS = 16  # about 60 Hz, a screen's rate
DRAIN_SLICE = 1000  # events taken from the queue and applied together (one insert)
DRAIN_BUDGET_S = 0.010  # a tick takes more slices only while it has spent less than this
# Try it now (the first-run guide): what the submit panel sends, as a demo would.
TRY_IT = Demo(
    "try-it",
    "Try it now",
    "A bundled sample through the built-in emulator, called back here",
    "/callback",
    sample="numbers",
)
SHORTCUTS = (
    ("Ctrl+F", "Filter the traffic list"),
    ("Esc (in the filter)", "Clear the filter"),
    ("Ctrl+G", "Group by request_id"),
    ("Ctrl+L", "Clear the list"),
    ("Ctrl+Shift+C", "Copy the receiver URL"),
    ("Ctrl+Return", "Send from the submit panel"),
    ("Ctrl+1 … Ctrl+4", "Headers, Body, Transcript, WebSocket tab"),
    ("Up / Down, Page Up / Page Down", "Move through the traffic list"),
    ("F1", "This table"),
    ("Ctrl+Q", "Quit"),
)


RECEIVER_URL_TIP = "Give this URL to Deepgram as callback=… (your endpoint)"
EMULATOR_URL_TIP = "The built-in Deepgram stand-in: POST or WebSocket {URL}/v1/listen"


def _tool_button(text: str, tip: str, parent: QWidget) -> QToolButton:
    button = QToolButton(parent)
    button.setText(text)
    button.setToolTip(tip)
    return button


class MainWindow(QMainWindow):
    engine_restarted = Signal(object)  # exception or None, from the restart thread

    def __init__(self, engine: EngineApi, settings: QSettings | None = None) -> None:
        super().__init__()
        self.engine = engine
        self.settings = settings if settings is not None else QSettings()
        self.listener = engine.subscribe()
        self.calls = EngineCalls(engine, self)
        self.setWindowTitle("Callback Inspector")
        self.setWindowIcon(app_icon())
        # A fresh window fits the screen it opens on (a remembered one: _restore_settings).
        self.setGeometry(fresh_geometry(available_area(self)))
        self._layout_restored = False  # a saved dock layout was restored: keep its sizes
        self._messages: dict[int, list[WsMessage]] = defaultdict(list)
        self._errors: set[int] = set()  # exchanges whose last state is an error
        self._probes: set[int] = set()  # the public URL's probes: listed, not counted
        self.drain_slice = DRAIN_SLICE
        self.drain_budget_s = DRAIN_BUDGET_S
        self._open_ws: set[int] = set()
        self._emulator_errors = 0  # requests the emulator rejected
        self._selected_id: int | None = None
        self._follow_next_job = False
        self._select_path: str | None = None  # a demo's callback path, selected when it arrives
        self.check_dialog: CheckHandlerDialog | None = None
        # An engine not started yet is started by `toggle_running()` once the window shows
        # (run_gui): the window appears without waiting for the servers.
        self._running = engine.running
        self.tracker = DeliveryTracker()
        self.engine_restarted.connect(self._on_engine_restarted)
        self.shortcuts_dialog: ShortcutsDialog | None = None
        # Set by the Public URL control's owner (branch fwd): shows and focuses it.
        self.public_url_opener: Callable[[], None] | None = None
        self.callbacks_help: CallbacksHelp | None = None

        self.setStatusBar(StatusBar(self))  # long messages elided, never over the counters
        self._build_toolbar()
        self._build_center()
        self.sessions = SessionBrowser(self)  # sessions on disk, cURL, replay, diff
        self.sessions.view_changed.connect(self._forget_selected)
        self.sessions.state_changed.connect(self._update_status)
        self.traffic.resolve = self.sessions.full_exchange  # a row whole: copy, replay, diff
        self.sessions.resolve_live = self.live_full_exchange
        self.traffic.extra_actions = self.sessions.row_actions
        self._build_docks()
        self._build_menus()
        self._build_status_bar()
        self._build_emulator_menu()

        self.timer = QTimer(self)
        self.timer.setInterval(DRAIN_INTERVAL_MS)
        self.timer.timeout.connect(self.drain_events)
        self.timer.start()
        self._restore_settings()
        self.start_stop_action.setText("Stop" if self._running else "Start")
        self._update_urls()
        self._update_exposure()
        self._update_status()
        self.traffic.update_filter_count()
        if engine.storage_problem is not None:  # published before this window listened
            self.show_storage_event(engine.storage_problem)
        self.sessions.show_previous_session()

    # -- building -------------------------------------------------------------------------
    def _url_field(self, tip: str) -> QLineEdit:
        field = QLineEdit(self)
        field.setReadOnly(True)
        field.setMinimumWidth(200)
        field.setMaximumWidth(260)
        field.setToolTip(tip)
        return field

    def _build_toolbar(self) -> None:
        bar = QToolBar("Servers", self)
        bar.setObjectName("toolbar")
        bar.setMovable(False)
        bar.addWidget(QLabel(" Receiver ", self))
        self.url_field = self._url_field(RECEIVER_URL_TIP)
        self.url_field.setAccessibleName("Receiver URL")
        bar.addWidget(self.url_field)
        self.copy_button = _tool_button("Copy", "Copy the receiver URL (Ctrl+Shift+C)", self)
        self.copy_button.clicked.connect(self.copy_receiver_url)
        bar.addWidget(self.copy_button)
        # Shown when the receiver listens beyond this machine (--host): anyone who can reach
        # it can send requests and read the replies.
        self.exposure_badge = QLabel(self)
        self.exposure_badge.setObjectName("exposure_badge")
        self.exposure_badge.setTextFormat(Qt.TextFormat.PlainText)
        self.exposure_badge.setStyleSheet(
            "#exposure_badge { background: #b3261e; color: white; border-radius: 3px;"
            " padding: 2px 6px; font-weight: bold; }"
        )
        self.exposure_action = bar.addWidget(self.exposure_badge)
        bar.addSeparator()
        bar.addWidget(QLabel(" Emulator ", self))
        self.emulator_field = self._url_field(EMULATOR_URL_TIP)
        self.emulator_field.setAccessibleName("Emulator URL")
        bar.addWidget(self.emulator_field)
        self.copy_emulator_button = _tool_button("Copy", "Copy the emulator's base URL", self)
        self.copy_emulator_button.clicked.connect(self.copy_emulator_url)
        bar.addWidget(self.copy_emulator_button)
        bar.addSeparator()
        self.start_stop_action = QAction("Stop", self)
        self.start_stop_action.setToolTip("Stop the receiver and emulator (Start listens again)")
        self.start_stop_action.triggered.connect(self.toggle_running)
        bar.addAction(self.start_stop_action)
        self.clear_action = QAction("Clear", self)
        self.clear_action.setShortcut(QKeySequence("Ctrl+L"))
        self.clear_action.setToolTip("Clear the list and the attempt counters (Ctrl+L)")
        self.clear_action.triggered.connect(self.clear)
        bar.addAction(self.clear_action)
        self.addToolBar(bar)
        # Public URL, guards and forwarding to the user's app (issue 13): a row of its own.
        self.public_control, self.forward_control = add_public_toolbar(self)
        self.public_url_opener = self._focus_public_url  # the first-run guide's button

    def _live_session_file(self) -> Path | None:
        """The file the live list's rows are in, for the list to read back the older ones
        (None while storage fails: the list then keeps every row in memory)."""
        engine = self.engine
        return engine.session_path if engine.storage_problem is None else None

    def _build_center(self) -> None:
        self.traffic = TrafficPane(lambda: self.url_field.text(), self)
        self.traffic.current_changed.connect(self._on_current)
        self.traffic.message.connect(lambda text: self.statusBar().showMessage(text, 3000))
        # The list's parts, named for the menus and the tests.
        self.model = self.traffic.live_model
        self.model.set_session(self._live_session_file)
        self.proxy = self.traffic.proxy
        self.filter_field = self.traffic.filter_field
        self.filter_count = self.traffic.filter_count
        self.group_button = self.traffic.group_button
        self.scroll_note = self.traffic.scroll_note
        self.context_actions = self.traffic.context_actions
        self.select_exchange = self.traffic.select_exchange

        self._build_storage_banner()
        self.first_run = FirstRunGuide(self.traffic)
        self.first_run.try_requested.connect(self.try_it_now)
        self.first_run.real_deepgram_requested.connect(self.open_public_url)
        self.first_run.copy_requested.connect(self._copy_text)
        self.traffic.set_guide(self.first_run)
        self.full_rows = FullRows(self.engine, self.calls, self._on_full_row)
        self.detail = DetailPane(self)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.setObjectName("main_splitter")
        splitter.addWidget(self.traffic)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)
        self.splitter = splitter
        self.setCentralWidget(splitter)
        # Nothing to show in the detail before the first row: the guide has its room (at
        # 1024 x 700 its last way in was scrolled away under an empty detail pane).
        self.detail.setVisible(not self.traffic.showing_guide)
        self.traffic.guide_shown.connect(lambda shown: self.detail.setVisible(not shown))

    @property
    def table(self) -> QTableView | QTreeView:
        """The list's view shown now (a table when flat and live, a tree otherwise)."""
        return self.traffic.table

    def _build_storage_banner(self) -> None:
        """Above the list: the session file is not taking the capture (disk full, locked,
        data dir unwritable). The list still has everything."""
        banner = QLabel(self.traffic)
        banner.setObjectName("storage_banner")
        banner.setTextFormat(Qt.TextFormat.PlainText)
        banner.setWordWrap(True)
        banner.setStyleSheet(
            "#storage_banner { background: rgba(179, 38, 30, 0.16); padding: 4px 6px; }"
        )
        banner.setVisible(False)
        layout = self.traffic.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(0, banner)
        self.storage_banner = banner
        self.engine_banner = EngineBanner(self.traffic)
        layout.insertWidget(0, self.engine_banner)

    def show_engine_process_event(self, event: EngineProcessEvent) -> None:
        """The engine process died, was replaced, or is gone for good (the banner says it;
        "gone" leaves the window stopped, with Start to try again)."""
        self.engine_banner.show_process_event(event)
        if event.state == "gone":
            self._running = False
            self.start_stop_action.setText("Start")
            self._update_urls()
        self._update_status()

    def show_storage_event(self, event: StorageEvent) -> None:
        if event.state == "recovered":
            self.storage_banner.setVisible(False)
            self.statusBar().showMessage(f"Sessions: {event.message}", 15000)
            return
        message = event.message[:1].upper() + event.message[1:]
        self.storage_banner.setText(f"⚠ {message}.")
        self.storage_banner.setToolTip(event.path or "")
        self.storage_banner.setVisible(True)

    def _update_exposure(self) -> None:
        host = self.engine.receiver_settings().host
        exposed = not is_loopback(host)
        self.exposure_badge.setText(f"⚠ Exposed on {host}" if exposed else "")
        self.exposure_badge.setToolTip(
            f"The receiver listens on {host}, not only on this machine: anyone who can reach "
            "it can send requests and read the replies. Start without --host to keep it local."
            if exposed
            else ""
        )
        self.exposure_action.setVisible(exposed)

    def _dock(self, title: str, name: str, widget: QWidget, scroll: bool = False) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        if scroll:
            area = QScrollArea(dock)
            area.setWidgetResizable(True)
            # A panel narrower than its form scrolls sideways rather than cut fields off.
            area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
            area.setFrameShape(QScrollArea.Shape.NoFrame)
            area.setWidget(widget)
            dock.setWidget(area)
        else:
            dock.setWidget(widget)
        dock.toggleViewAction().setToolTip(f"Show or hide the {title.lower()} panel")
        return dock

    def _build_docks(self) -> None:
        self.rules_ui = RulesUi(self, self.engine, self.model.refresh_rows)
        self.rules_panel = self.rules_ui.panel
        self.rules_panel.live.close_button.clicked.connect(self.close_live_websocket)
        self.rules_panel.live.drop_button.clicked.connect(self.drop_live_websocket)
        self.submit_panel = SubmitPanel(self.engine, self.calls, self)
        self.submit_panel.submitted.connect(self._on_submitted)
        self.submit_panel.sending.connect(self._on_sending)
        self.submit_panel.callback_activated.connect(self.select_exchange)
        self.timeline = TimelineView(self)

        self.reply_dock = self.rules_ui.dock  # always in view: beside Submit, not behind it
        self.submit_dock = self._dock("Submit", "submit_dock", self.submit_panel)
        self.timeline_dock = self._dock("Retry timeline", "timeline_dock", self.timeline)
        # Both side panels visible at once, one above the other (window_layout.py).
        place_side_docks(self, self.reply_dock, self.submit_dock)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.timeline_dock)
        self.timeline.folded_changed.connect(self._on_timeline_folded)
        self.demo_banner = DemoBanner(self.traffic)  # above the list while a demo runs
        layout = self.traffic.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(1, self.demo_banner)
        self.demo_runner = DemoRunner(
            self.engine, self.rules_ui, self.submit_panel, self.demo_banner, self.model.set_mark
        )
        self.demo_runner.setParent(self)

    def _on_timeline_folded(self, folded: bool) -> None:
        """A job to draw opens the timeline to a usable height; none folds it to its title."""
        if not folded:
            height = min(TIMELINE_HEIGHT, self.height() // 4)  # a quarter of a small window
            # After the dock has taken its widget's new maximum (a layout pass away).
            QTimer.singleShot(
                0,
                lambda: self.resizeDocks([self.timeline_dock], [height], Qt.Orientation.Vertical),
            )

    def set_detail_below(self, below: bool) -> None:
        """The detail under the list (narrow windows) or beside it."""
        self.detail_below_action.setChecked(below)
        set_detail_below(self.splitter, below)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._layout_restored:  # sizes for this window's size, once
            self._layout_restored = True
            size_side_docks(self, self.reply_dock, self.submit_dock)
            # Once it is up: what Qt, the modules and the window made so far lives as long
            # as the window, so Python's full collections stop walking it. They walked
            # about 300,000 objects and held the UI thread up to 190 ms under a flood
            # (bench/README.md, row 5); now they walk what arrived since.
            QTimer.singleShot(0, gc.freeze)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction(self.clear_action)
        file_menu.addAction(self.start_stop_action)
        file_menu.addSeparator()
        self.sessions.add_file_actions(file_menu)
        file_menu.addSeparator()
        quit_action = file_menu.addAction("Quit")
        quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        quit_action.triggered.connect(self.close)

        view = bar.addMenu("&View")
        self.filter_action = view.addAction("Filter…")
        self.filter_action.setShortcut(QKeySequence("Ctrl+F"))
        self.filter_action.triggered.connect(self.focus_filter)
        self.group_action = view.addAction("Group by request_id")
        self.group_action.setCheckable(True)
        self.group_action.setShortcut(QKeySequence("Ctrl+G"))
        self.group_action.toggled.connect(self.group_button.setChecked)
        self.group_button.toggled.connect(self.group_action.setChecked)
        copy_url = view.addAction("Copy receiver URL")
        copy_url.setShortcut(QKeySequence("Ctrl+Shift+C"))
        copy_url.triggered.connect(self.copy_receiver_url)
        view.addSeparator()
        for dock in (self.submit_dock, self.reply_dock, self.timeline_dock):
            view.addAction(dock.toggleViewAction())
        self.detail_below_action = view.addAction("Detail below the list")
        self.detail_below_action.setCheckable(True)
        self.detail_below_action.setToolTip(
            "The detail under the traffic list (the list gets the whole width), or beside it"
        )
        self.detail_below_action.toggled.connect(lambda on: set_detail_below(self.splitter, on))
        view.addSeparator()
        theme_menu = view.addMenu("Theme")
        group = QActionGroup(self)
        self.theme_actions: dict[str, QAction] = {}
        for name in THEMES:
            action = theme_menu.addAction(name.capitalize())
            action.setCheckable(True)
            action.triggered.connect(lambda _=False, n=name: self.set_theme(n))
            group.addAction(action)
            self.theme_actions[name] = action
        for number in range(4):
            action = QAction(self)
            action.setShortcut(QKeySequence(f"Ctrl+{number + 1}"))
            action.triggered.connect(lambda _=False, n=number: self.detail.setCurrentIndex(n))
            self.addAction(action)
        send = QAction(self)
        send.setShortcut(QKeySequence("Ctrl+Return"))
        send.triggered.connect(self.submit_panel.submit)
        self.addAction(send)

        demos = bar.addMenu("&Demos")
        demos.setToolTipsVisible(True)
        for demo in DEMOS:
            action = demos.addAction(demo.title)
            action.setToolTip(demo.explain)
            action.triggered.connect(lambda _=False, d=demo: self.run_demo(d.name))

        tools = bar.addMenu("&Tools")
        self.check_handler_action = tools.addAction("Check my handler…")
        self.check_handler_action.setToolTip(
            "Act as Deepgram against your own callback handler and grade its replies"
        )
        self.check_handler_action.triggered.connect(self.show_check_handler)

        help_menu = bar.addMenu("&Help")
        how = help_menu.addAction("How callbacks work")
        how.triggered.connect(self.show_callbacks_help)
        shortcuts = help_menu.addAction("Keyboard shortcuts")
        shortcuts.setShortcut(QKeySequence("F1"))
        shortcuts.triggered.connect(self.show_shortcuts)
        about = help_menu.addAction("About Callback Inspector")
        about.triggered.connect(self.show_about)

    def _build_status_bar(self) -> None:
        self.listening_label = QLabel(self)
        self.listening_label.setToolTip("Whether the receiver and emulator are listening")
        self.count_label = QLabel(self)
        self.count_label.setToolTip("Exchanges captured, open WebSockets, error replies")
        self.statusBar().addPermanentWidget(self.rules_ui.chip)
        self.statusBar().addPermanentWidget(self.count_label)
        self.statusBar().addPermanentWidget(self.listening_label)

    def _build_emulator_menu(self) -> None:
        """Deepgram's failures on demand (ui/emulator_menu.py), before Help."""
        self.emulator_menu = EmulatorMenu(self.engine, self)
        help_menu = next(a for a in self.menuBar().actions() if a.text() == "&Help")
        self.menuBar().insertMenu(help_menu, self.emulator_menu)
        self.statusBar().insertPermanentWidget(0, self.emulator_menu.chip)
        if self.engine.emulator_settings() is None:
            self.emulator_menu.menuAction().setEnabled(False)  # --no-emulator: nothing to fail
        else:
            self.emulator_menu.show_faults(self.engine.emulator_faults())

    # -- settings -------------------------------------------------------------------------
    def _restore_settings(self) -> None:
        s = self.settings
        geometry = s.value("window/geometry")
        if isinstance(geometry, QByteArray):
            fresh = self.geometry()
            self.restoreGeometry(geometry)
            if not fits(self.geometry(), available_area(self)):  # another, smaller screen
                self.setGeometry(fresh)
        state = s.value("window/state")
        if isinstance(state, QByteArray) and self.restoreState(state, STATE_VERSION):
            self._layout_restored = True
        below = s.value("view/detail_below")
        self.set_detail_below(
            detail_below_by_default(self.width()) if below is None else str(below).lower() == "true"
        )
        self.group_button.setChecked(str(s.value("view/grouped", "false")).lower() == "true")
        theme = str(s.value("view/theme", "system"))
        self.theme_actions.get(theme, self.theme_actions["system"]).setChecked(True)
        self.submit_panel.load_settings(s)
        self.public_control.load_settings(s)
        self.forward_control.load_settings(s)
        self.detail.body.load_settings(s)
        self.rules_ui.start(s)
        self.traffic.load_settings(s)
        self.submit_panel.reset_callback()
        if self.engine.emulator_settings() is None:
            self.timeline_dock.hide()  # no emulator, no jobs to draw

    def save_settings(self) -> None:
        s = self.settings
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState(STATE_VERSION))
        s.setValue("view/detail_below", self.detail_below_action.isChecked())
        s.setValue("view/grouped", self.model.grouped)
        s.setValue("view/theme", self.theme())
        self.submit_panel.save_settings(s)
        self.public_control.save_settings(s)
        self.forward_control.save_settings(s)
        self.detail.body.save_settings(s)
        self.traffic.save_settings(s)
        s.sync()

    def theme(self) -> str:
        return next((n for n, a in self.theme_actions.items() if a.isChecked()), "system")

    def set_theme(self, name: str) -> None:
        self.theme_actions[name].setChecked(True)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, name)

    # -- toolbar actions ------------------------------------------------------------------
    def _update_urls(self) -> None:
        try:
            self.url_field.setText(self.engine.receiver_url)
        except RuntimeError:
            self.url_field.setText("")
        try:
            emulator = self.engine.emulator_url
        except RuntimeError:
            emulator = None
        self.emulator_field.setText(emulator or "(not running)")
        self.first_run.set_receiver(self.url_field.text(), self._running and emulator is not None)
        # Stopped, the URLs stay (Start listens on the same ports) but look it: greyed, and
        # their tooltips say so (issue 14 item 10).
        running = self._running
        stopped = "Stopped: nothing listens here now; Start listens again on this same URL."
        self.url_field.setEnabled(running)
        self.url_field.setToolTip(RECEIVER_URL_TIP if running else stopped)
        self.emulator_field.setEnabled(running and emulator is not None)
        self.emulator_field.setToolTip(EMULATOR_URL_TIP if running else stopped)
        self.copy_emulator_button.setEnabled(running and emulator is not None)

    def copy_receiver_url(self) -> None:
        QGuiApplication.clipboard().setText(self.url_field.text())
        self.statusBar().showMessage("Receiver URL copied", 3000)

    def copy_emulator_url(self) -> None:
        QGuiApplication.clipboard().setText(self.emulator_field.text())
        self.statusBar().showMessage("Emulator URL copied", 3000)

    def clear(self) -> None:
        self.model.clear()
        self._messages.clear()
        self._errors.clear()
        self._probes.clear()
        self._open_ws.clear()
        self.full_rows.clear()
        self._emulator_errors = 0
        self.tracker.clear()
        self.traffic.forget_current()
        self._selected_id = None
        self._refresh_selected()
        self.timeline.show_job(None)
        if self._running:
            self.calls.send(self.engine.clear_attempts)
        self._update_status()

    def toggle_running(self) -> None:
        """Stop or start the servers; runs on a helper thread (stopping joins the engine)."""
        self.start_stop_action.setEnabled(False)
        running = self._running
        self.listening_label.setText("Stopping…" if running else "Starting…")
        engine = self.engine

        def work() -> None:
            error: BaseException | None = None
            try:
                if running:
                    engine.stop()
                else:
                    engine.start()
            except BaseException as exc:  # reported in the status bar
                error = exc
            self.engine_restarted.emit(error)

        threading.Thread(target=work, name="inspector-start-stop", daemon=True).start()

    def _on_engine_restarted(self, error: object) -> None:
        self.start_stop_action.setEnabled(True)
        if error is not None:
            self.statusBar().showMessage(f"Could not start: {error}", 10000)
            self._running = False
            box = QMessageBox(QMessageBox.Icon.Warning, "Could not start", "", parent=self)
            box.setTextFormat(Qt.TextFormat.PlainText)
            box.setText(f"The receiver could not start:\n\n{error}\n\nPress Start to try again.")
            box.open()
            self.start_error_box = box
        else:
            self._running = self.engine.running
            attached = self.engine.attached_to
            if self._running and attached is None:
                self.rules_ui.apply()  # the window's rules are the ones in force
            elif self._running and attached is not None:
                self.rules_ui.adopt_engine_rules()  # that engine's rules, not this window's
                path = self.engine.session_path
                self.engine_banner.show_attached(
                    attached.url, attached.host, attached.pid, str(path) if path else None
                )
            else:
                self.demo_runner.end("ended: the servers stopped")
        self.start_stop_action.setText("Stop" if self._running else "Start")
        self._update_urls()
        self._update_status()
        self.submit_panel.reset_callback()
        self.submit_panel.refresh_engine_state()

    # -- the list ---------------------------------------------------------------------------
    def focus_filter(self) -> None:
        self.traffic.focus_filter()

    def _on_current(self, x: Exchange | None) -> None:
        self._selected_id = x.id if x is not None else None
        self._refresh_selected()
        if x is not None and x.request_id and self.tracker.get(x.request_id) is not None:
            self.timeline.show_job(self.tracker.get(x.request_id))

    def live_messages(self, exchange_id: int) -> Sequence[WsMessage]:
        """The messages of a live WebSocket, as the list holds them (HAR export)."""
        return self._messages.get(exchange_id, ())

    def _forget_selected(self) -> None:
        """The list shows other rows (a stored session, or live again): nothing selected."""
        self._selected_id = None
        self._refresh_selected()

    def selected_exchange(self) -> Exchange | None:
        if self._selected_id is None:
            return None
        if self.sessions.stored is not None:  # a stored row: read with its bodies
            opened = self.sessions.selected(self._selected_id)
            return opened[0] if opened is not None else None
        full = self.full_rows.get(self._selected_id)
        if full is not None:
            return full[0]
        return self.model.exchange(self._selected_id)

    def _refresh_selected(self) -> None:
        x = self.selected_exchange()
        self.detail.known_tokens = self.submit_panel.known_tokens()
        stored = self.sessions.stored is not None
        if x is None:
            messages: Sequence[WsMessage] = ()
        elif stored:
            opened = self.sessions.selected(x.id)
            messages = opened[1] if opened is not None else ()
        else:
            full = self.full_rows.get(x.id)
            messages = full[1] if full is not None else self._messages.get(x.id, ())
            if full is None:  # shown light now, whole when it comes
                self.full_rows.fetch(x.id, read_back=not self.model.in_memory(x.id))
        self.detail.show_exchange(x, messages)
        self.rules_panel.live.set_live(None if stored else x)

    def live_full_exchange(self, x: Exchange) -> Exchange:
        """A live row with its bodies, for what the user asked of it (copy as cURL, copy
        body, replay, diff): a light row fetched from the engine now (a short wait the user
        asked for), else as it is."""
        full = self.full_rows.get(x.id)
        if full is not None:
            return full[0]
        if not self.engine.light_rows and self.model.in_memory(x.id):
            return x
        try:
            return self.engine.fetch_exchange(x.id).result(FETCH_WAIT_S)[0]
        except Exception as exc:  # the engine is gone, or took too long: what the list has
            self.statusBar().showMessage(f"Only the list's copy of #{x.id}: {exc}", 8000)
            return x

    def _on_full_row(self, exchange_id: int) -> None:
        if exchange_id == self._selected_id and self.sessions.stored is None:
            self._refresh_selected()

    # -- draining the engine ----------------------------------------------------------------
    def drain_events(self) -> None:
        """Apply what the engine queued: slices of `drain_slice` events, in order, while this
        tick has spent less than `drain_budget_s`; the rest on the next tick."""
        deadline = time.perf_counter() + self.drain_budget_s
        jobs_touched: set[str] = set()
        applied = False
        while True:
            events = self.listener.drain(self.drain_slice)
            if not events:
                break
            self._apply_events(events, jobs_touched)
            applied = True
            if len(events) < self.drain_slice or time.perf_counter() >= deadline:
                break
        if not applied:
            return
        job = self.timeline.job
        if job is not None and job.request_id in jobs_touched:
            self.timeline.show_job(self.tracker.get(job.request_id))  # its latest state
        self._refresh_selected()
        self._update_status()
        self.traffic.update_filter_count()

    def _apply_events(self, events: Sequence[Event], jobs_touched: set[str]) -> None:
        exchanges: list[Exchange] = []
        messages: list[WsMessage] = []
        not_applied: list[str] = []  # the emulator's warnings: each parameter once a run
        for event in events:
            if isinstance(event, WsMessageAdded):
                self._messages[event.message.exchange_id].append(event.message)
                messages.append(event.message)
                self.full_rows.forget(event.message.exchange_id)
            elif isinstance(event, ExchangeAdded | ExchangeUpdated):
                exchanges.append(event.exchange)
                self.full_rows.forget(event.exchange.id)  # changed: fetched again when shown
            elif isinstance(event, StorageEvent):
                self.show_storage_event(event)
            elif isinstance(event, EngineProcessEvent):
                self.show_engine_process_event(event)
            elif isinstance(event, EmulatorFaultsChanged):
                self.emulator_menu.show_faults(event.faults)
            elif isinstance(event, ListenOptionWarning):
                not_applied.append(event.message)
            elif isinstance(event, PublicUrlEvent):
                self.public_control.show_state(event)
                self.submit_panel.reset_callback()  # with Target = Deepgram: the public URL
            elif isinstance(event, EmulatorEvent):
                if event.name in ("rejected", "error"):
                    self._emulator_errors += 1
                    f = event.fields
                    why = " ".join(str(f.get(k) or "") for k in ("status", "err_msg", "detail"))
                    self.statusBar().showMessage(f"The emulator refused a request: {why}", 10000)
                request_id = self.tracker.apply(event)
                if request_id:
                    jobs_touched.add(request_id)
                    if event.name == "job_done":
                        self.model.set_outcome(request_id, str(event.fields.get("outcome")))
                    if self._follow_next_job and event.name in ("job", "stream_open"):
                        self._follow_next_job = False
                        self.timeline.show_job(self.tracker.get(request_id))
        if not_applied:
            self.statusBar().showMessage("Emulator: " + "; ".join(not_applied), 15000)
        self.model.apply_events(events)
        self.rules_ui.on_events(events)
        self.demo_runner.on_events(events)
        self.sessions.on_live_events(events, nothing_selected=self._selected_id is None)
        live = self.sessions.stored is None
        for x in exchanges:
            self._track(x)
            mine = self.submit_panel.link(x)
            if live and self._selected_id is None and (mine or x.path == self._select_path):
                self.select_exchange(x.id)  # the first callback of the user's own submission
        for message in messages:  # once its socket is linked: a callback socket's words
            self.submit_panel.show_ws_message(message)

    def _track(self, x: Exchange) -> None:
        if x.probe:
            self._probes.add(x.id)
            return
        if x.kind is ExchangeKind.WEBSOCKET:
            if x.status == 101 and x.ws_end is None:
                self._open_ws.add(x.id)
            else:
                self._open_ws.discard(x.id)
        if is_error(x):
            self._errors.add(x.id)
        else:
            self._errors.discard(x.id)

    def _update_status(self) -> None:
        total = self.model.exchange_count() - len(self._probes)  # a probe is not traffic
        errors = len(self._errors)
        parts = [f"{total} exchange{'s' if total != 1 else ''}"]
        if self._open_ws:
            parts.append(f"{len(self._open_ws)} WebSocket open")
        parts.append(f"{errors} error{'s' if errors != 1 else ''} ✗" if errors else "no errors")
        if self._emulator_errors:
            parts.append(f"emulator refused {self._emulator_errors}")
        if self.sessions.stored is not None:  # the list shows a stored session, not these
            parts[0] = f"Showing a stored session (read-only); live: {parts[0]}"
        self.count_label.setText("  ·  ".join(parts))
        if self._running:
            self.listening_label.setText(f"● Listening on {self.url_field.text()}")
        else:
            self.listening_label.setText("○ Stopped")

    # -- live WebSocket controls ------------------------------------------------------------
    def close_live_websocket(self) -> None:
        live = self.rules_panel.live
        x = live.live_exchange
        if x is None:
            return
        code = live.ws_close_code()
        reason = live.ws_reason.text()
        self.calls.send(
            lambda: self.engine.close_websocket(x.id, code, reason),
            lambda ok, error: self.statusBar().showMessage(
                f"WebSocket #{x.id} closed with {code}" if ok else f"WebSocket #{x.id} was gone",
                5000,
            ),
        )

    def drop_live_websocket(self) -> None:
        x = self.rules_panel.live.live_exchange
        if x is None:
            return
        self.calls.send(
            lambda: self.engine.drop_websocket(x.id),
            lambda ok, error: self.statusBar().showMessage(
                f"WebSocket #{x.id} dropped (TCP abort)" if ok else f"WebSocket #{x.id} was gone",
                5000,
            ),
        )

    # -- submissions, timeline, demos -------------------------------------------------------
    def _on_sending(self) -> None:
        self._follow_next_job = True  # the timeline shows the job this submission starts

    def _on_submitted(self, request_id: str) -> None:
        job = self.tracker.get(request_id)
        if job is not None:
            self.timeline.show_job(job)
        for x in self.model.recent_exchanges():  # its callbacks, if any came yet: the newest
            if x.request_id == request_id:
                self.submit_panel.link(x)

    def run_demo(self, name: str) -> Demo | None:
        """Set the reply rule, fill the submit panel and send: one click, end to end."""
        try:
            demo = demo_named(name)
        except ValueError as exc:
            self.statusBar().showMessage(str(exc), 10000)
            return None
        if self.engine.emulator_url is None or not self._running:
            box = QMessageBox(
                QMessageBox.Icon.Information,
                "Demos",
                "Demos run on the built-in emulator, which is not running: press Start.",
                parent=self,
            )
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # its parent holds it till then
            box.open()  # never exec(): nothing waits on the user (every menu item is tried)
            return None
        self._select_path = demo.path
        self._selected_id = None
        self.traffic.forget_current()
        self.submit_dock.raise_()
        self.timeline_dock.show()
        if not self.demo_runner.start(demo):  # saves and restores rules and settings itself
            self.statusBar().showMessage(f"Demo {demo.name}: {self.submit_panel.state.text()}")
            return None
        return demo

    # -- the first-run guide (first_run.py) ----------------------------------------------
    def try_it_now(self) -> bool:
        """Try it now: a bundled sample to the emulator, its callback to this receiver.
        The receiver's port is often not one Deepgram calls back on (80, 443, 8080, 8443):
        then the emulator's relaxed ports are turned on, and the status bar says so."""
        panel = self.submit_panel
        if self.engine.emulator_url is None or not self._running:
            self.statusBar().showMessage("The built-in emulator is not running: press Start")
            return False
        fill_submit_panel(panel, TRY_IT)
        relaxed = ""
        if not panel.check_callback() and not panel.relaxed.isChecked():
            panel.relaxed.setChecked(True)
            relaxed = " (relaxed ports turned on: this receiver's port is not one Deepgram uses)"
        self.submit_dock.show()
        self.timeline_dock.show()
        self._selected_id = None
        self.traffic.forget_current()
        if panel.submit() is None:
            self.statusBar().showMessage(f"Try it now: {panel.state.text()}", 10000)
            return False
        self.statusBar().showMessage(
            f"Sent the {TRY_IT.sample} sample to the emulator; its callback arrives here in a "
            f"few seconds{relaxed}",
            15000,
        )
        return True

    def open_public_url(self) -> None:
        """Use the real Deepgram: the Public URL control when the window has one (branch
        `fwd` sets `public_url_opener` to show and focus it), else what it takes, in Help."""
        if self.public_url_opener is not None:
            self.public_url_opener()
            return
        help_page = self.show_callbacks_help()
        help_page.page.scrollToAnchor("real-deepgram")
        self.statusBar().showMessage(
            "The real Deepgram needs a public URL in front of this receiver, and your key "
            "(Submit panel, Target: Deepgram)",
            15000,
        )

    def _focus_public_url(self) -> None:
        """Show the Public URL row and put the focus on its provider."""
        bar = self.public_control.parentWidget()
        if bar is not None:
            bar.show()
        self.public_control.provider.setFocus()
        self.statusBar().showMessage(
            "Public URL: choose a provider and press Start, then give Deepgram the callback "
            "URL it shows; the Submit panel (Target: Deepgram) takes your key",
            15000,
        )

    def _copy_text(self, text: str) -> None:
        QGuiApplication.clipboard().setText(text)
        self.statusBar().showMessage(f"Copied: {text}", 5000)

    # -- Tools -----------------------------------------------------------------------------
    def show_check_handler(self) -> CheckHandlerDialog:
        """Tools → Check my handler (issue 19): one dialog, kept while the window lives."""
        if self.check_dialog is None:
            self.check_dialog = CheckHandlerDialog(
                self.engine, self.calls, self.select_exchanges, self.settings, self
            )
        self.check_dialog.show()
        self.check_dialog.raise_()
        self.check_dialog.activateWindow()
        return self.check_dialog

    def select_exchanges(self, exchange_ids: Sequence[int]) -> int:
        """Select these exchanges in the live list (leaving a stored session shown)."""
        self.sessions.show_live()
        return self.traffic.select_exchanges(exchange_ids)

    # -- help -------------------------------------------------------------------------------
    def show_shortcuts(self) -> ShortcutsDialog:
        dialog = self.shortcuts_dialog
        if dialog is None:
            dialog = self.shortcuts_dialog = ShortcutsDialog(SHORTCUTS, self)
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        return dialog

    def show_callbacks_help(self) -> CallbacksHelp:
        dialog = self.callbacks_help
        if dialog is None:
            dialog = self.callbacks_help = CallbacksHelp(self)
            dialog.place_requested.connect(self.show_place)
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        return dialog

    def show_place(self, place: str) -> None:
        """Show the part of the window a help link names."""
        docks = {"submit": self.submit_dock, "reply": self.reply_dock}
        docks["timeline"] = self.timeline_dock
        tabs = {"headers": 0, "body": 1, "transcript": 2, "websocket": 3}
        if place in docks:
            docks[place].show()
            docks[place].raise_()
        elif place in tabs:
            self.detail.setCurrentIndex(tabs[place])
        elif place == "list":
            self.table.setFocus()
        elif place.startswith("demo/"):
            self.run_demo(place.removeprefix("demo/"))
            return
        self.activateWindow()

    def show_about(self) -> None:
        box = QMessageBox(self)
        box.setWindowTitle("About Callback Inspector")
        box.setIconPixmap(app_icon().pixmap(64, 64))
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setText(
            f"Callback Inspector {__version__}\n\n"
            "See, answer and replay Deepgram speech-to-text callbacks, with a built-in "
            "offline Deepgram emulator.\n\nColumns: " + ", ".join(c.title for c in COLUMNS)
        )
        box.open()
        self.about_box = box

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_settings()
        self.timer.stop()
        self.timeline.timer.stop()
        self.engine.unsubscribe(self.listener)
        self.sessions.close()
        super().closeEvent(event)
