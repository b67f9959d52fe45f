from inspector.core.headers import decode_headers, first_header, header_values


def test_wire_order_and_duplicates_are_kept():
    raw = [(b"Host", b"x"), (b"X-Dup", b"1"), (b"Accept", b"*/*"), (b"X-Dup", b"2")]
    assert decode_headers(raw) == (("Host", "x"), ("X-Dup", "1"), ("Accept", "*/*"), ("X-Dup", "2"))


def test_undecodable_bytes_are_escaped_not_dropped():
    ((name, value),) = decode_headers([(b"X-Bin", b"ok\xff\xfeend")])
    assert value == "ok\\xff\\xfeend"
    assert name == "X-Bin"


def test_lookup_is_case_insensitive_and_keeps_every_value():
    headers = (("DG-Token", "a"), ("dg-token", "b"))
    assert header_values(headers, "dg-token") == ["a", "b"]
    assert first_header(headers, "Dg-Token") == "a"
    assert first_header(headers, "missing") is None
