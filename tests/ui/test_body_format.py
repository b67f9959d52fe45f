"""Pure formatting of bodies (ui/body_format.py), without a window."""

from __future__ import annotations

from inspector.ui.body_format import hexdump, pretty_text, raw_text


def test_hexdump_shows_offsets_hex_and_ascii():
    assert hexdump(b"AB\x00\xff") == "00000000  41 42 00 ff" + " " * 36 + "  AB.."


def test_raw_text_is_hex_for_binary_and_text_otherwise():
    assert raw_text(b"\x00\x01").startswith("(binary, 2 bytes)\n00000000  00 01")
    assert raw_text("<b>é</b>".encode()) == "<b>é</b>"
    assert pretty_text(b'{"a":[1]}') == '{\n  "a": [\n    1\n  ]\n}'


def test_json_types_are_named_as_json_names_them():
    from inspector.ui.body_format import json_type, plural

    assert [json_type(v) for v in (1, 1.5, "x", True, None)] == [
        "number",
        "number",
        "string",
        "boolean",
        "null",
    ]
    assert json_type([1, 2, 3]) == "array [3]" and json_type({"a": 1}) == "object {1}"
    assert plural(1, "item") == "1 item" and plural(3, "item") == "3 items"


def test_json_preview_is_compact_and_bounded():
    from inspector.ui.body_format import json_preview

    assert json_preview({"a": [1, None], "b": "x"}) == '{"a":[1,null],"b":"x"}'
    cut = json_preview({"words": ["w" * 50] * 10_000}, limit=40)
    assert len(cut) == 40 and cut.endswith("…") and cut.startswith('{"words":["www')
