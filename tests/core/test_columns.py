"""The list's columns, declared once (core/columns): every cell's tooltip holds its whole text,
a request_id's node says its own things, and a stored row (read from SQL by column name)
shows what the live exchange shows in every column."""

from __future__ import annotations

from inspector.core.columns import COLUMN_KEYS, COLUMNS, column_index
from inspector.core.exchange_display import GroupSummary
from inspector.store.light_rows import LIGHT_FIELDS
from inspector.store.session_reader import SessionReader
from tests.exchange_set import varied_exchanges, write_session


def test_every_cell_has_a_tooltip_with_its_whole_text():
    for x in varied_exchanges():
        for column in COLUMNS:
            text, tip = column.cell_text(x), column.cell_tip(x)
            if text:
                assert text.rstrip("…") in tip, (column.key, x.id, text, tip)
    assert all(column.about for column in COLUMNS)


def test_a_node_shows_its_first_time_its_count_and_how_delivery_went():
    first, _, third = varied_exchanges()[:3]
    node = GroupSummary(3, first, third)
    cells = {c.key: (c.cell_text(third, node), c.cell_tip(third, node)) for c in COLUMNS}
    assert cells["status"] == ("3 attempts, delivered", "3 attempts, delivered; latest: 200 ✓")
    assert cells["attempt"] == ("3", "3 attempts with this request_id")
    assert cells["time"][0] == COLUMNS[column_index("time")].text(first)
    assert cells["time"][1].startswith("first ") and ", latest " in cells["time"][1]
    assert cells["path"] == (third.target, third.target)  # the latest attempt's
    for key, (text, tip) in cells.items():
        assert text.rstrip("…") in tip, key


def test_columns_have_unique_keys_and_read_only_fields_a_stored_row_has():
    assert len(set(COLUMN_KEYS)) == len(COLUMNS)
    for column in COLUMNS:
        assert column.stored and set(column.stored) <= set(LIGHT_FIELDS), column.key


def test_a_stored_row_shows_what_the_live_exchange_shows_in_every_column(tmp_path):
    xs = varied_exchanges()
    path = write_session(tmp_path / "s.cisession", xs)
    with SessionReader(path) as reader:
        light = reader.rows()
    assert [x.id for x in light] == [x.id for x in xs]
    for x, row in zip(xs, light, strict=True):
        assert not row.body and not row.reply_body  # light: no bodies
        for column in COLUMNS:
            assert column.text(row) == column.text(x), (column.key, x.id)
            assert column.tip(row) == column.tip(x), (column.key, x.id)
