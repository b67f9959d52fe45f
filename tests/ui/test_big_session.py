"""A big stored session in the real window (offscreen), on a real SQLite file: it opens with
every row counted but only the rows on screen built, scrolls to its last row, and filters
and groups in SQL to the same rows the live list's filter and grouping give (issue 8)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QAbstractItemModel, QModelIndex

from inspector.core.columns import COLUMNS, column_index
from inspector.core.events import ExchangeAdded
from inspector.core.exchange_display import group_key
from inspector.core.filter_expr import parse_filter
from inspector.core.records import Exchange
from inspector.core.row_python import compile_python
from inspector.core.settings import ReceiverSettings
from inspector.engine.engine import Engine, EngineSettings
from inspector.store.library import SessionLibrary
from inspector.store.session_reader import SessionReader
from inspector.ui.main_window import MainWindow
from inspector.ui.stored_model import ROW_CACHE, SYNC_SEARCH_ROWS, StoredTrafficModel
from inspector.ui.traffic_filter import TrafficFilter
from inspector.ui.traffic_model import EXCHANGE_ROLE, TrafficModel
from tests.ui.window_engine import window_engine

COL_ATTEMPT = column_index("attempt")
COL_PATH = column_index("path")
COL_STATUS = column_index("status")

TIMEOUT_MS = 20_000
BIG = 200_000
STARTED = 1_700_000_000.0
_COLUMNS = (
    "id, kind, started, finished, client, method, target, http_version, status, body_size, "
    "attempt, request_id, dg_token, ws_end_by, ws_end_code, ws_end_reason, ws_messages, note, "
    "transcript, is_final, message_type, is_error, utf8_valid, json_valid, headers, "
    "reply_headers"
)


# Exchange i of a varied session, as SQL over i = 1..n (a recursive CTE: 200,000 rows in
# about a second): POSTs in request_id groups spread over the file (`spread` apart), pending
# and failed ones, WebSockets open and closed, odd paths, notes, dg-tokens.
_GENERATE = """
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :n),
r AS (SELECT i, i % 97 = 0 AS ws,
             CASE WHEN i % 4 THEN 'tok-' || (i % 13) END AS token FROM n)
INSERT INTO exchanges (id, kind, started, finished, client, method, target, http_version,
    status, body_size, attempt, request_id, dg_token, ws_end_by, ws_end_code, ws_end_reason,
    ws_messages, note, transcript, is_final, message_type, is_error, utf8_valid, json_valid,
    headers, reply_headers)
SELECT i,
    CASE WHEN ws THEN 'websocket' ELSE 'http' END,
    :started + i / 100.0, :started + i / 100.0 + 0.002, '127.0.0.1:5000',
    CASE WHEN ws THEN 'GET' ELSE 'POST' END,
    CASE WHEN i % 1000 = 0 THEN '/CAFÉ/' || i WHEN i % 777 = 0 THEN '/p/50%_x' || i
         ELSE '/cb/' || i END,
    'HTTP/1.1',
    CASE WHEN ws THEN 101 WHEN i % 53 = 0 THEN NULL WHEN i % 7 = 0 THEN 500
         WHEN i % 31 = 0 THEN 302 ELSE 200 END,
    40, 1 + i / :spread,
    CASE WHEN NOT ws AND i % 11 != 0
         THEN printf('%08x-0000-4000-8000-00000000abcd', i % :spread) END,
    token,
    CASE WHEN ws AND i % 5 != 0 THEN 'client' END,
    CASE WHEN ws AND i % 5 != 0 THEN CASE WHEN i % 2 THEN 1000 ELSE 1011 END END,
    CASE WHEN ws AND i % 5 != 0 THEN '' END,
    CASE WHEN ws THEN 3 ELSE 0 END,
    CASE WHEN i % 1009 = 0 THEN 'retry storm' ELSE '' END,
    NULL, NULL, NULL, 0, 1, 1,
    '[["Content-Type","application/json"]' ||
        CASE WHEN token IS NULL THEN '' ELSE ',["dg-token","' || token || '"]' END || ']',
    '[]'
FROM r
"""


def write_big_session(library: SessionLibrary, n: int, spread: int = 40_000) -> Path:
    """A session file of `n` exchanges made the writer's way (schema, meta), its tables
    filled in SQL."""
    writer = library.create(started=STARTED)
    path = writer.path
    writer.close()
    db = sqlite3.connect(str(path), isolation_level=None)
    db.execute("BEGIN")
    db.execute(_GENERATE, {"n": n, "started": STARTED, "spread": spread})
    db.execute(
        "INSERT INTO bodies (exchange_id, body, reply_body) "
        "SELECT id, CAST('{\"n\":' || id || '}' AS BLOB), CAST('ok' AS BLOB) FROM exchanges"
    )
    db.execute("COMMIT")
    db.close()
    return path


class Reference:
    """What the live list would show for a session's rows: each light row (headers, no
    bodies) under the live filter's Python reading of an expression, and its request_id
    group, in id order."""

    def __init__(self, path: Path) -> None:
        with SessionReader(path) as reader:
            self.rows = reader.rows()
        self.targets = {x.id: x.target for x in self.rows}

    def _keep(self, text: str) -> list[Exchange]:
        condition = parse_filter(text).condition
        if condition is None:
            return self.rows
        matches = compile_python(condition)
        return [x for x in self.rows if matches(x)]

    def ids(self, text: str) -> list[int]:
        return [x.id for x in self._keep(text)]

    def groups(self, text: str) -> dict[str, list[int]]:
        """request_id (or one lone exchange) -> the ids listed under it, in list order."""
        groups: dict[str, list[int]] = {}
        for x in self._keep(text):
            rid = group_key(x)
            groups.setdefault(f"id:{rid}" if rid is not None else f"x:{x.id}", []).append(x.id)
        return groups


@pytest.fixture(scope="module")
def big_file(tmp_path_factory) -> Path:
    data_dir = tmp_path_factory.mktemp("big") / "data"
    return write_big_session(SessionLibrary(data_dir), BIG)


@pytest.fixture(scope="module")
def reference(big_file) -> Reference:
    return Reference(big_file)


@pytest.fixture
def window(qtbot, qsettings, big_file) -> Iterator[Callable[[Path], MainWindow]]:
    engines: list[Engine] = []

    def make(path: Path) -> MainWindow:
        engine = window_engine(EngineSettings(receiver=ReceiverSettings(port=0)))
        engine.start()
        engines.append(engine)
        w = MainWindow(engine, qsettings)
        qtbot.addWidget(w)
        w.show()
        assert w.sessions.open_path(path)
        return w

    yield make
    for engine in engines:
        engine.stop()


def _last_row_visible(w: MainWindow) -> bool:
    last = w.table.model().index(w.table.model().rowCount() - 1, 0)
    return w.table.viewport().rect().intersects(w.table.visualRect(last))


def _listed_ids(w: MainWindow) -> list[int]:
    ids = []
    for row in range(w.table.model().rowCount()):
        top = w.table.model().index(row, 0)
        children = w.table.model().rowCount(top)
        if children:
            ids += [w.table.model().index(c, 0, top).data(EXCHANGE_ROLE) for c in range(children)]
        else:
            ids.append(top.data(EXCHANGE_ROLE))
    return ids


def test_big_session_opens_counted_scrolls_to_its_last_row_building_only_shown_rows(
    qtbot, window, big_file
):
    w = window(big_file)
    stored, model = w.sessions.stored, w.sessions.stored_model
    assert stored is not None and isinstance(model, StoredTrafficModel)
    assert w.table.model().rowCount() == BIG  # every row counted at once, none read ahead
    assert f"{BIG:,} total" in w.filter_count.text()
    qtbot.waitUntil(
        lambda: w.table.model().index(0, COL_PATH).data() == "/cb/1", timeout=TIMEOUT_MS
    )

    w.table.scrollToBottom()
    qtbot.waitUntil(lambda: _last_row_visible(w), timeout=TIMEOUT_MS)
    last = w.table.model().index(BIG - 1, 0)
    assert last.data(EXCHANGE_ROLE) == BIG
    assert w.table.model().index(BIG - 1, COL_PATH).data() == f"/CAFÉ/{BIG}"
    assert w.table.model().index(BIG - 1, COL_STATUS).data() == "200 ✓"
    assert w.table.model().index(199_996, COL_STATUS).data() == "500 ✗"  # #199,997 = 7 × 28,571
    w.table.viewport().grab()

    # Rows are built for the screen (a page around each), and a bounded cache keeps them:
    # nothing like one object per exchange of the session.
    assert stored.rows_built < 2_000
    assert len(model._cache) <= ROW_CACHE
    assert stored.bodies_loaded == 0

    # Opening the last row reads its body, and only its.
    w.table.setCurrentIndex(last)
    assert stored.bodies_loaded == 1
    assert w.detail.exchange is not None and w.detail.exchange.body == b'{"n":%d}' % BIG


NEEDLES = (
    "/cb/1999",  # a path prefix: 11 rows
    "café",  # non-ASCII, matched as Python's lower() would ("/CAFÉ/…")
    "50%_x",  # LIKE's wildcards taken literally
    '"closed 1011"',  # the status text of a WebSocket
    '"dg-token: tok-12"',  # a header line
    "0000abcd",  # request_ids: most rows
    "no such text",
    "status:5xx -ws",  # expressions
    "is:error OR (has:dg-token attempt:>4)",
    "path:/cb/19* code:1011",
)


@pytest.mark.slow  # about a minute on its own (200,000 rows filtered twice): make test-slow
def test_filter_shows_the_rows_the_live_filter_would(qtbot, window, big_file, reference):
    assert BIG > SYNC_SEARCH_ROWS  # the search runs on the worker thread
    w = window(big_file)
    stored = w.sessions.stored
    assert stored is not None
    for needle in NEEDLES:
        w.filter_field.setText(needle.upper() if needle.isascii() and ":" not in needle else needle)
        qtbot.waitUntil(lambda: not w.traffic.searching, timeout=TIMEOUT_MS)
        expected = reference.ids(needle)
        assert w.table.model().rowCount() == len(expected), needle
        assert w.filter_count.text() == f"{len(expected):,} of {BIG:,}"
        if len(expected) <= 5_000:
            assert _listed_ids(w) == expected, needle  # ids from the list: no row built
        else:  # the first and last rows are right
            assert w.table.model().index(0, 0).data(EXCHANGE_ROLE) == expected[0]
            w.table.scrollToBottom()
            qtbot.waitUntil(lambda: _last_row_visible(w), timeout=TIMEOUT_MS)
            last = w.table.model().index(len(expected) - 1, COL_PATH)
            assert last.data(EXCHANGE_ROLE) == expected[-1]
            assert last.data() == reference.targets[expected[-1]]
    assert stored.rows_built < 5_000

    w.filter_field.setText("")
    qtbot.waitUntil(lambda: w.table.model().rowCount() == BIG, timeout=TIMEOUT_MS)
    assert w.filter_count.text() == f"{BIG:,} total"


def test_group_by_request_id_then_filter_on_a_big_session(qtbot, window, big_file, reference):
    w = window(big_file)
    w.group_button.setChecked(True)
    qtbot.waitUntil(lambda: not w.traffic.searching, timeout=TIMEOUT_MS)
    groups = reference.groups("")
    assert w.table.model().rowCount() == len(groups)
    keys = list(groups)
    # The first group: request_id of exchange 1, its attempts 1, 40,001, 80,001, …
    first = groups[keys[0]]
    top = w.table.model().index(0, 0)
    assert w.table.model().rowCount(top) == len(first) == 5
    assert [w.table.model().index(r, 0, top).data(EXCHANGE_ROLE) for r in range(5)] == first
    assert w.table.model().index(0, COL_ATTEMPT).data() == "5"
    assert w.table.model().index(0, COL_STATUS).data() == "5 attempts, delivered"
    assert w.table.isExpanded(top)
    assert w.filter_count.text() == f"{BIG:,} total"

    needle = "00000007-0000"  # one request_id: its group, all its attempts
    w.filter_field.setText(needle)
    qtbot.waitUntil(lambda: not w.traffic.searching, timeout=TIMEOUT_MS)
    expected = reference.groups(needle)
    assert w.table.model().rowCount() == len(expected) == 1
    assert _listed_ids(w) == [i for ids in expected.values() for i in ids]
    # 40,007 has no request_id (every 11th): the group is 7, 80,007, 120,007, 160,007.
    assert _listed_ids(w) == [7, 80_007, 120_007, 160_007]
    w.table.setCurrentIndex(w.table.model().index(1, 0, w.table.model().index(0, 0)))
    assert w.detail.exchange is not None and w.detail.exchange.id == 80_007

    w.group_button.setChecked(False)  # flat again, the filter kept, the selection too
    qtbot.waitUntil(lambda: not w.traffic.searching, timeout=TIMEOUT_MS)
    assert _listed_ids(w) == reference.ids(needle)
    assert w.traffic.current_id == 80_007
    assert w.table.currentIndex().data(EXCHANGE_ROLE) == 80_007


def _cells(proxy: QAbstractItemModel, parent: QModelIndex | None = None) -> list[list[object]]:
    """Every cell's text and tooltip of every row, children after their node."""
    parent = parent or QModelIndex()
    rows = []
    for row in range(proxy.rowCount(parent)):
        index = proxy.index(row, 0, parent)
        rows.append(
            [proxy.index(row, c, parent).data() for c in range(len(COLUMNS))]
            + [proxy.index(row, c, parent).data(3) for c in range(len(COLUMNS))]
        )
        rows += _cells(proxy, index)
    return rows


@pytest.mark.parametrize("grouped", [False, True])
@pytest.mark.parametrize(
    "needle", ["", "tok-3", "pending", "0000abcd", "closed", "status:5xx", "-ws attempt:>1"]
)
def test_a_stored_list_shows_what_the_live_list_shows_for_the_same_rows(
    qtbot, tmp_path, grouped, needle
):
    """Small enough to search on the UI thread; the same cells as the live list's (its
    model through its filter), row for row, flat and grouped, filtered or not."""
    path = write_big_session(SessionLibrary(tmp_path / "data"), 800, spread=200)
    from inspector.ui.stored_session import StoredSession

    stored = StoredSession(path)
    try:
        with SessionReader(path) as reader:
            lights = reader.rows()
        live = TrafficModel()
        live.apply_events([ExchangeAdded(x) for x in lights])
        live.set_grouped(grouped)
        live_proxy = TrafficFilter()
        live_proxy.setSourceModel(live)
        condition = parse_filter(needle).condition
        live_proxy.set_condition(condition)

        model = StoredTrafficModel(stored)
        model.set_grouped(grouped)
        model.set_condition(condition)
        assert not model.busy

        assert model.rowCount() == live_proxy.rowCount()
        assert model.shown_exchanges() == live_proxy.shown_exchanges()
        assert _cells(model) == _cells(live_proxy)
        model.close()
    finally:
        stored.close()
