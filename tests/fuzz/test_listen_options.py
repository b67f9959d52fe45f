"""Fuzz `core.listen_options`: any query gives options or a `ListenOptionError` (a 400)."""

from __future__ import annotations

from urllib.parse import parse_qsl

from hypothesis import given
from hypothesis import strategies as st

from inspector.core.listen_options import ListenOptionError, ListenOptions, parse_listen_options
from inspector.core.listen_parameters import PARAMETERS
from tests.fuzz.strategies import FUZZ, hostile_text

_KNOWN = sorted(PARAMETERS)  # every parameter of both specs
_values = st.one_of(
    hostile_text,
    st.sampled_from(
        ["true", "FALSE", " True ", "v2", "latest", "post", "PUT", "linear16", "0", "-1",
         "nan", "inf", "1e999", "0.8", "1_000", "١٢", "k:v", ":v", "k:", "numbers,pci",
         "three:3", "٣.5", "0x10"]
    ),
    st.integers(-(2**70), 2**70).map(str),
    st.integers(4000, 5000).map(lambda n: "9" * n),  # beyond int()'s digit limit
    st.floats().map(repr),
)  # fmt: skip
_pairs = st.lists(st.tuples(st.one_of(st.sampled_from(_KNOWN), hostile_text), _values), max_size=8)


def _parse(pairs: list[tuple[str, str]], streaming: bool) -> None:
    try:
        options = parse_listen_options(pairs, streaming=streaming)
    except ListenOptionError as exc:
        assert exc.param in _KNOWN and str(exc)
        return
    assert isinstance(options, ListenOptions)
    assert options.utt_split > 0 and options.channels > 0
    assert options.endpointing is False or options.endpointing > 0


@FUZZ
@given(_pairs, st.booleans())
def test_any_query_pairs_give_options_or_a_listen_option_error(
    pairs: list[tuple[str, str]], streaming: bool
) -> None:
    _parse(pairs, streaming)


_query = st.lists(
    st.builds(
        lambda k, v, sep: f"{k}{sep}{v}",
        st.one_of(st.sampled_from(_KNOWN), hostile_text),
        _values,
        st.sampled_from(["=", "==", "", "=%", "=%ZZ", "=%ff"]),
    ),
    max_size=6,
).map("&".join)


@FUZZ
@given(st.one_of(_query, hostile_text), st.booleans())
def test_any_query_string_gives_options_or_a_listen_option_error(
    query: str, streaming: bool
) -> None:
    _parse(parse_qsl(query, keep_blank_values=True), streaming)
