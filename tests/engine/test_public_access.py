"""The public URL inside a real engine: providers' errors, the probe, the secret path."""

from __future__ import annotations

import http.client
import sys
import time
import urllib.parse

import keyring
import pytest
from keyring.backends.null import Keyring as NullKeyring

from inspector.core.guard import GuardSettings
from inspector.core.public_url import PublicUrlEvent, PublicUrlPhase, PublicUrlSettings
from tests.forward_apps import HttpApp


def _phase(log, *phases: PublicUrlPhase, timeout: float = 15.0) -> PublicUrlEvent:
    event = log.wait_for(
        lambda e: isinstance(e, PublicUrlEvent) and e.phase in phases, timeout=timeout
    )
    assert isinstance(event, PublicUrlEvent)
    return event


def _status(url: str, path: str) -> int:
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    conn.request("POST", path, body=b"{}")
    status = conn.getresponse().status
    conn.close()
    return status


def test_an_own_url_reaching_the_receiver_is_reachable_the_probe_listed_the_path_guarded(
    start_engine,
):
    engine, log = start_engine()
    port = engine.receiver.port
    engine.start_public_url(
        PublicUrlSettings(
            url="http://hooks.example.test",
            connect_to=f"hooks.example.test:80:127.0.0.1:{port}",
            probe_timeout=10,
        )
    )
    done = _phase(log, PublicUrlPhase.REACHABLE, PublicUrlPhase.UNREACHABLE)
    assert (done.phase, done.error) == (PublicUrlPhase.REACHABLE, None)
    probe = log.wait_for(lambda e: getattr(getattr(e, "exchange", None), "probe", False))
    assert probe.exchange.target == engine.public.prefix + "/"
    assert engine.public_url.phase is PublicUrlPhase.REACHABLE
    # The secret path applies while the URL is active, and no longer once it is stopped.
    assert _status(engine.receiver_url, "/") == 404
    assert _status(engine.receiver_url, engine.public.prefix + "/x") == 200
    assert engine.callback_url("/hook") == f"{engine.receiver_url}{engine.public.prefix}/hook"
    assert (
        engine.callback_url("/", public=True) == f"http://hooks.example.test{engine.public.prefix}/"
    )
    engine.stop_public_url()
    _phase(log, PublicUrlPhase.STOPPED)
    assert _status(engine.receiver_url, "/") == 200
    assert engine.callback_url("/hook") == f"{engine.receiver_url}/hook"


def test_a_url_answered_by_something_else_is_not_reachable(start_engine):
    with HttpApp() as other:  # answers 202 to everything, but it is not our receiver
        engine, log = start_engine()
        port = int(other.url.rsplit(":", 1)[1])
        engine.start_public_url(
            PublicUrlSettings(
                url="http://elsewhere.example.test",
                connect_to=f"elsewhere.example.test:80:127.0.0.1:{port}",
                probe_timeout=1.5,
            )
        )
        done = _phase(log, PublicUrlPhase.REACHABLE, PublicUrlPhase.UNREACHABLE)
    assert done.phase is PublicUrlPhase.UNREACHABLE
    assert "answered 202, but the receiver never saw the probe" in (done.error or "")


def test_pinned_secret_and_basic_auth_make_the_callback_url(start_engine):
    engine, log = start_engine()
    secret = "S" * 24
    engine.set_guards(GuardSettings(secret=secret, basic_auth="dg:pw"))
    engine.start_public_url(PublicUrlSettings(url="http://127.0.0.1:9", probe_timeout=0.5))
    known = _phase(log, PublicUrlPhase.PROBING)
    assert known.callback_url == f"http://dg:pw@127.0.0.1:9/cb/{secret}/"
    assert engine.guards == GuardSettings(secret=secret, basic_auth="dg:pw")


def test_ngrok_without_the_extra_says_how_to_install_it(start_engine, monkeypatch):
    monkeypatch.setitem(sys.modules, "ngrok", None)  # what Python does for a missing package
    engine, log = start_engine()
    engine.start_public_url(PublicUrlSettings(provider="ngrok"))
    failed = _phase(log, PublicUrlPhase.FAILED)
    assert failed.provider == "ngrok"
    assert "pip install 'callback-inspector[ngrok]'" in (failed.error or "")
    assert engine.receiver.guard.prefix is None  # failed: the receiver is as it was


def test_ngrok_with_no_authtoken_fails_clearly_within_10_s_without_reaching_the_cloud(
    start_engine, monkeypatch
):
    import ngrok  # noqa: F401 (the extra is a test dependency: it must be installed here)

    monkeypatch.setenv("NGROK_AUTHTOKEN", "")
    previous = keyring.get_keyring()
    keyring.set_keyring(NullKeyring())
    try:
        engine, log = start_engine()
        started = time.monotonic()
        engine.start_public_url(PublicUrlSettings(provider="ngrok"))
        failed = _phase(log, PublicUrlPhase.FAILED, timeout=10)
        took = time.monotonic() - started
    finally:
        keyring.set_keyring(previous)
    assert took < 10  # the acceptance's bound, not a speed measure
    assert "no ngrok authtoken" in (failed.error or "") and "NGROK_AUTHTOKEN" in (
        failed.error or ""
    )


def test_a_missing_cloudflared_is_a_clear_error(start_engine):
    engine, log = start_engine()
    engine.start_public_url(
        PublicUrlSettings(provider="cloudflared", cloudflared="/nonexistent/cloudflared")
    )
    failed = _phase(log, PublicUrlPhase.FAILED)
    assert "cloudflared is not installed" in (failed.error or "")


@pytest.mark.parametrize("bad", [PublicUrlSettings(provider="nope"), PublicUrlSettings(url="x")])
def test_bad_settings_are_refused_before_anything_starts(start_engine, bad):
    engine, _ = start_engine()
    with pytest.raises(ValueError):
        engine.start_public_url(bad)
