"""Fuzz `core.headers`: any raw header bytes decode to text, in order, never raising."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from inspector.core.headers import decode_header_bytes, decode_headers, first_header, header_values
from tests.fuzz.strategies import FUZZ, hostile_text

# Bytes near real header text: UTF-8 of hostile text, Latin-1 (what old clients send),
# encoded surrogates (CESU-8), truncated multibyte sequences and plain random bytes.
_raw = st.one_of(
    st.binary(max_size=30),
    hostile_text.map(lambda t: t.encode("utf-8", errors="surrogatepass")),
    st.text(st.characters(max_codepoint=255), max_size=20).map(lambda t: t.encode("latin-1")),
    st.text(min_size=1, max_size=8).map(lambda t: t.encode("utf-8")[:-1]),
)
_names = st.one_of(_raw, st.sampled_from([b"Authorization", b"dg-token", b"Content-Type"]))


@FUZZ
@given(st.lists(st.tuples(_names, _raw), max_size=8))
def test_any_raw_headers_decode_in_wire_order(raw: list[tuple[bytes, bytes]]) -> None:
    headers = decode_headers(raw)
    assert len(headers) == len(raw)
    for (name, value), (raw_name, raw_value) in zip(headers, raw, strict=True):
        # Escaped, not dropped: text that is storable (no lone surrogates) ...
        name.encode("utf-8")
        value.encode("utf-8")
        # ... and bytes that were valid UTF-8 come back unchanged.
        try:
            assert value == raw_value.decode("utf-8")
        except UnicodeDecodeError:
            assert "\\x" in value
        assert name == decode_header_bytes(raw_name)


@FUZZ
@given(
    headers=st.lists(st.tuples(hostile_text, hostile_text), max_size=5),
    name=st.one_of(hostile_text, st.sampled_from(["authorization", "DG-TOKEN", "ß", "İ"])),
)
def test_lookup_never_raises_and_agrees_with_first(
    headers: list[tuple[str, str]], name: str
) -> None:
    values = header_values(headers, name)
    first = first_header(headers, name)
    assert first == (values[0] if values else None)
    assert all(any(v == value for _, v in headers) for value in values)
