"""Strategies shared by the fuzz tests: hostile text and JSON shaped like what arrives."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st

FUZZ = settings.get_profile("fuzz")
"""The decorator every fuzz test wears (registered in conftest.py)."""

# Text as the network can make it: any code point, and then the ones decoders trip on put in
# on purpose (a plain `st.text()` almost never picks them): lone surrogates, C0/C1 controls
# and ESC above all, and the characters URLs, headers and queries are split on.
HOSTILE_CHARS = [
    "\x1b", "\x00", "\x7f", "\x85", "\x9b", "\u2028", "\u202e", "\ud800", "\udfff", "\ufeff",
    ":", "@", "/", "?", "#", "[", "]", "%", " ", "\t", "\r", "\n", "=", "&", ";", ",",
]  # fmt: skip
hostile_text = st.one_of(
    st.text(max_size=16),
    st.builds(
        lambda head, odd, tail: head + odd + tail,
        st.text(max_size=8),
        st.lists(st.sampled_from(HOSTILE_CHARS), max_size=5).map("".join),
        st.text(max_size=8),
    ),
)


JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(),  # NaN and the infinities included
    hostile_text,
)


def json_values(scalars: st.SearchStrategy[Any] = JSON_SCALARS, keys: Any = None) -> Any:
    """Any JSON value (as Python data) built from `scalars`, objects keyed from `keys`."""
    key_strategy = keys if keys is not None else hostile_text
    return st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(key_strategy, inner, max_size=5)
        ),
        max_leaves=12,
    )


def dumps(value: Any) -> bytes:
    """`value` as JSON bytes the way a sender might write it: NaN/Infinity literals and
    lone surrogates (as `\\udXXX` escapes) included."""
    return json.dumps(value, allow_nan=True).encode("ascii")


def nested_json(depth: int, leaf: str = "1") -> bytes:
    """`[[[...leaf...]]]`, `depth` deep: a recursion bomb for a JSON parser."""
    return ("[" * depth + leaf + "]" * depth).encode()
