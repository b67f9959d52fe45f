"""The query a submission sends to /v1/listen and its callback URLs (core/listen_query.py,
built from the Submit panel's choices)."""

from __future__ import annotations

from inspector.core.listen_query import (
    LISTEN_FLAGS,
    ListenChoices,
    listen_params,
    swap_scheme,
    with_userinfo,
)


def test_listen_params_and_callback_urls():
    choices = ListenChoices(
        model="nova-3",
        punctuate=True,
        extra="a:1, b:2",
        tag="t",
        callback="http://h:8080/cb",
        callback_method="PUT",
    )
    assert listen_params(choices, streaming=False) == [
        ("model", "nova-3"),
        ("punctuate", "true"),
        ("extra", "a:1"),
        ("extra", "b:2"),
        ("tag", "t"),
        ("callback", "http://h:8080/cb"),
        ("callback_method", "put"),
    ]
    assert ("callback_method", "put") not in listen_params(choices, streaming=True)
    assert with_userinfo("http://h:8080/cb", "a b", "p@ss") == "http://a%20b:p%40ss@h:8080/cb"
    assert swap_scheme("http://h/cb", True) == "ws://h/cb"
    assert swap_scheme("wss://h/cb", False) == "https://h/cb"


def test_interim_results_goes_only_with_a_stream_and_every_flag_once():
    every = ListenChoices(**{name: True for name in LISTEN_FLAGS})
    sent = [name for name, value in listen_params(every, streaming=True) if value == "true"]
    assert sent == list(LISTEN_FLAGS)
    batch = [name for name, _ in listen_params(every, streaming=False)]
    assert "interim_results" not in batch and len(batch) == len(LISTEN_FLAGS) - 1
