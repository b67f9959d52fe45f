"""The traffic model on its own: batched inserts, grouping, updates, the filter proxy."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex

from inspector.core.body_view import view_body
from inspector.core.events import ExchangeAdded, ExchangeUpdated, WsMessageAdded
from inspector.core.records import Direction, Exchange, ExchangeKind, WsKind, WsMessage
from inspector.ui.traffic_model import COL_STATUS, TrafficFilter, TrafficModel


def _x(i, rid=None, status=200, kind=ExchangeKind.HTTP, attempt=1):
    body = f'{{"request_id":"{rid}"}}'.encode() if rid else b""
    return Exchange(
        id=i,
        kind=kind,
        started=0.0,
        client="c",
        method="POST",
        target=f"/p{i}",
        http_version="HTTP/1.1",
        headers=(("X-N", f"v{i}"),),
        body=body,
        view=view_body(body),
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
    proxy.set_needle("V4")
    assert proxy.rowCount() == 1 and proxy.shown_exchanges() == 1
    model.set_grouped(True)
    proxy.set_needle("a")  # the request_id matches the group: all its attempts shown
    assert proxy.rowCount(QModelIndex()) == 1 and proxy.shown_exchanges() == 2
