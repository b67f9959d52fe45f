"""The traffic model on its own: batched inserts, grouping, updates, the filter proxy."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QModelRoleData, QModelRoleDataSpan, Qt
from PySide6.QtGui import QBrush

from inspector.core.columns import COLUMNS, column_index
from inspector.core.events import ExchangeAdded, ExchangeUpdated, WsMessageAdded
from inspector.core.exchange_display import plain_word
from inspector.core.records import Direction, ExchangeKind, WsKind, WsMessage
from inspector.ui.traffic_filter import TrafficFilter
from inspector.ui.traffic_model import EXCHANGE_ROLE, TrafficModel
from tests.factories import http_exchange

COL_STATUS = column_index("status")


def _x(i, rid=None, status=200, kind=ExchangeKind.HTTP, attempt=1):
    body = f'{{"request_id":"{rid}"}}'.encode() if rid else b""
    return http_exchange(
        i,
        kind=kind,
        started=0.0,
        client="c",
        target=f"/p{i}",
        headers=(("X-N", f"v{i}"),),
        body=body,
        status=status,
        attempt=attempt,
    )


def test_one_batch_is_one_insert_and_updates_change_rows(qtbot):
    model = TrafficModel()
    inserts = []
    model.rowsInserted.connect(lambda parent, first, last: inserts.append((first, last)))
    assert model.apply_events([ExchangeAdded(_x(i)) for i in range(1, 101)]) == 100
    assert inserts == [(0, 99)]
    ws = _x(200, kind=ExchangeKind.WEBSOCKET, status=101)
    model.apply_events([ExchangeAdded(ws)])
    msg = WsMessage(200, 0, Direction.IN, WsKind.TEXT, b"hi", 0.0)
    model.apply_events([WsMessageAdded(msg), ExchangeUpdated(_x(1, status=503))])
    assert model.index(100, 4).data() == "1 msg"
    assert model.index(0, COL_STATUS).data() == "503 ✗"


def test_grouping_keeps_attempts_under_their_request_id_as_they_arrive(qtbot):
    model = TrafficModel()
    model.set_grouped(True)
    model.apply_events([ExchangeAdded(_x(1, "a", 500)), ExchangeAdded(_x(2))])
    model.apply_events([ExchangeAdded(_x(3, "a", 500, attempt=2)), ExchangeAdded(_x(4, "b"))])
    model.apply_events([ExchangeAdded(_x(5, "a", 200, attempt=3))])
    assert model.rowCount() == 3
    group = model.index(0, 0)
    assert model.rowCount(group) == 3
    assert model.index(0, COL_STATUS).data() == "3 attempts, delivered"
    assert model.rowCount(model.index(1, 0)) == 0  # a lone exchange has no children
    model.set_outcome("b", "gave_up")
    assert model.index(2, COL_STATUS).data() == "1 attempt, gave up"
    assert model.index_of(5).parent() == group
    model.set_grouped(False)
    assert model.rowCount() == 5 and not model.index_of(5).parent().isValid()


def test_filter_matches_header_values_and_counts_exchanges(qtbot):
    model = TrafficModel()
    proxy = TrafficFilter()
    proxy.setSourceModel(model)
    model.apply_events([ExchangeAdded(_x(i, "a" if i < 3 else None)) for i in range(1, 6)])
    proxy.set_condition(plain_word("V4"))
    assert proxy.rowCount() == 1 and proxy.shown_exchanges() == 1
    model.set_grouped(True)
    proxy.set_condition(plain_word("a"))  # the request_id matches the group: all its attempts shown
    assert proxy.rowCount(QModelIndex()) == 1 and proxy.shown_exchanges() == 2


def test_the_views_walk_an_item_less_shape_and_attempts_land_under_their_node(qtbot):
    model = TrafficModel()
    inserts = []
    model.rowsInserted.connect(
        lambda parent, first, last: inserts.append((parent.row(), first, last))
    )
    model.set_grouped(True)
    model.apply_events([ExchangeAdded(_x(1, "a", 500)), ExchangeAdded(_x(2))])
    model.apply_events(
        [
            ExchangeAdded(_x(3, "a", 500, attempt=2)),  # under the existing node
            ExchangeAdded(_x(4, "b")),  # a new node, then a lone row, then a new node
            ExchangeAdded(_x(5)),
            ExchangeAdded(_x(6, "c")),
            ExchangeAdded(_x(7, "c", attempt=2)),
        ]
    )
    # Top level: a (3 rows), lone 2, b, lone 5, c (2 rows); attempts under "a" at row 1.
    assert model.rowCount() == 5
    assert (0, 1, 1) in inserts
    assert [model.rowCount(model.index(g, 0)) for g in range(5)] == [2, 0, 1, 0, 2]
    assert [model.index(g, 2).data() for g in range(5)] == ["/p3", "/p2", "/p4", "/p5", "/p7"]
    assert model.index(0, COL_STATUS).data() == "2 attempts, failing"
    for xid in range(1, 8):  # every exchange found where it is shown
        index = model.index_of(xid)
        assert model.exchange_at(index).id == xid
    model.set_grouped(False)
    assert [model.index(r, 2).data() for r in range(7)] == [f"/p{i}" for i in range(1, 8)]
    model.set_grouped(True)
    assert model.rowCount(model.index(4, 0)) == 2 and model.index_of(7).parent().row() == 4
    model.clear()
    assert model.rowCount() == 0 and model.exchange_count() == 0 and model.exchanges() == []


def test_a_cell_shows_the_latest_state_of_its_exchange(qtbot):
    model = TrafficModel()
    model.apply_events([ExchangeAdded(_x(1, status=None))])
    assert model.index(0, COL_STATUS).data() == "pending …"  # and now kept for repaints
    changed = []
    model.dataChanged.connect(lambda first, last: changed.append((first.row(), last.column())))
    model.apply_events([ExchangeUpdated(_x(1, status=502))])
    assert changed == [(0, len(COLUMNS) - 1)]  # the whole row
    assert model.index(0, COL_STATUS).data() == "502 ✗"
    assert model.index(0, COL_STATUS).data(Qt.ItemDataRole.ForegroundRole).color().name() == (
        "#d0343a"
    )
    assert model.index(0, COL_STATUS).data(Qt.ItemDataRole.DecorationRole) is None


def test_filter_over_the_item_less_model_follows_new_rows(qtbot):
    model = TrafficModel()
    proxy = TrafficFilter()
    proxy.setSourceModel(model)
    proxy.set_condition(plain_word("v2"))
    model.apply_events([ExchangeAdded(_x(i)) for i in range(1, 4)])
    assert proxy.rowCount() == 1 and proxy.index(0, 2).data() == "/p2"
    model.apply_events([ExchangeAdded(_x(i)) for i in range(20, 23)])  # v20, v21, v22 match
    assert [proxy.index(r, 2).data() for r in range(proxy.rowCount())] == [
        "/p2",
        "/p20",
        "/p21",
        "/p22",
    ]
    assert proxy.shown_exchanges() == 4
    proxy.set_condition(None)
    assert proxy.rowCount() == 6


def test_multi_data_answers_every_role_as_data_does_and_clears_the_rest(qtbot):
    # The delegate asks all the roles of a cell in one `multiData` call, reusing its span
    # from cell to cell: a role this cell has no value for must not keep the last one.
    model = TrafficModel()
    proxy = TrafficFilter()
    proxy.setSourceModel(model)
    model.apply_events([ExchangeAdded(_x(1, "a", 500)), ExchangeAdded(_x(2, "a", 200))])
    roles = [int(r) for r in Qt.ItemDataRole if int(r) < int(Qt.ItemDataRole.UserRole)]
    roles.append(EXCHANGE_ROLE)
    for grouped in (False, True):
        model.set_grouped(grouped)
        indexes = [proxy.index(0, c) for c in range(8)]
        if grouped:
            indexes += [proxy.index(1, c, indexes[0]) for c in range(8)]
        for index in indexes:
            for role in roles:
                cell = QModelRoleData(role)
                cell.setData("stale")
                proxy.multiData(index, QModelRoleDataSpan(cell))
                expected = index.data(role)
                if isinstance(expected, QBrush):
                    assert cell.data().color() == expected.color()
                else:
                    assert cell.data() == expected, (grouped, index.column(), role)


def test_every_cell_and_node_has_its_whole_text_as_tooltip(qtbot):
    # The view may elide a cell (issue 14): its tooltip always holds the whole text.
    model = TrafficModel()
    model.apply_events([ExchangeAdded(_x(1, "job-1234567890abcdef", 500))])
    model.apply_events([ExchangeAdded(_x(2, "job-1234567890abcdef", 200, attempt=2))])
    model.apply_events([ExchangeAdded(_x(3, kind=ExchangeKind.WEBSOCKET, status=101))])
    tip = Qt.ItemDataRole.ToolTipRole
    for grouped in (False, True):
        model.set_grouped(grouped)
        rows = [model.index(r, 0) for r in range(model.rowCount())]
        rows += [model.index(r, 0, rows[0]) for r in range(model.rowCount(rows[0]))]
        for first in rows:
            for col in range(model.columnCount()):
                cell = first.siblingAtColumn(col)
                text = cell.data() or ""
                assert text.rstrip("…") in (cell.data(tip) or ""), (grouped, col, text)
    assert model.index(0, COL_STATUS).data(tip) == "2 attempts, delivered; latest: 200 ✓"
    assert "Deepgram's request_id" in model.headerData(5, Qt.Orientation.Horizontal, tip)
