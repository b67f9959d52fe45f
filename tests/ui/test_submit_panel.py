"""The submit panel's pure parts (ui/submit_panel.py): the query it builds and its callback
URLs, without a window."""

from __future__ import annotations

from inspector.ui.submit_panel import ListenChoices, listen_params, swap_scheme, with_userinfo


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
