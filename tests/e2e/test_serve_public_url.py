"""`serve --public ...`: the public URL, its probe, the guarded receiver (issue 13).

Nothing leaves the machine: cloudflared is a stand-in written here (tests/cloudflared_standin.py,
printing cloudflared's real log lines) behind a stand-in for Cloudflare's edge
(tests/tunnel_edge.py, HTTPS from a test CA on 127.0.0.1); the probe reaches it through
`--probe-connect-to`, so no name is looked up. ngrok is only asked for what needs no cloud.
"""

from __future__ import annotations

import http.client
import json
import os
import select
import socket
import ssl
import stat
import sys
import urllib.parse
from pathlib import Path

import pytest

from tests.serve_process import ServeProcess
from tests.tunnel_edge import TunnelEdge

HOST = "seasonal-deck-organisms-sf.trycloudflare.com"  # the URL in the stand-in's log
FAILURE = (
    'failed to request quick Tunnel: Post "https://api.trycloudflare.com/tunnel": dial tcp: '
    "lookup api.trycloudflare.com on 127.0.0.53:53: no such host"
)
STANDIN = Path(__file__).parent.parent / "cloudflared_standin.py"


def _standin(tmp_path: Path) -> Path:
    """A `cloudflared` executable that is the stand-in (exec: its pid is the tunnel's)."""
    exe = tmp_path / "cloudflared"
    exe.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{STANDIN}" "$@"\n')
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    return exe


def _gone(pid: int, timeout: float = 15.0) -> bool:
    """Whether process `pid` has ended within `timeout` s (waits on a pidfd, no polling)."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        return bool(poller.poll(timeout * 1000))
    finally:
        os.close(fd)


class Tunnel:
    """The stand-in cloudflared and its edge, for one test."""

    def __init__(self, tmp_path: Path, mode: str = "ok") -> None:
        self.state = tmp_path / "standin.json"
        self.edge = TunnelEdge(self.state, tmp_path)
        self.exe = _standin(tmp_path)
        self.env = {
            "CLOUDFLARED_STANDIN_STATE": str(self.state),
            "CLOUDFLARED_STANDIN_MODE": mode,
            "SSL_CERT_FILE": str(self.edge.ca_file),
        }

    def serve(self, *flags: str) -> ServeProcess:
        return ServeProcess(
            "--port",
            "0",
            "--public",
            "cloudflared",
            "--cloudflared",
            str(self.exe),
            "--probe-connect-to",
            f"{HOST}:443:127.0.0.1:{self.edge.port}",
            *flags,
            env=self.env,
        )

    @property
    def pid(self) -> int:
        return int(json.loads(self.state.read_text())["pid"])

    def request(self, method: str, path: str, body: bytes = b"") -> int:
        """A request from "the internet": HTTPS to the tunnel's name, through the edge."""
        context = ssl.create_default_context(cafile=str(self.edge.ca_file))
        conn = http.client.HTTPSConnection("127.0.0.1", self.edge.port, context=context)
        raw = socket.create_connection(("127.0.0.1", self.edge.port), timeout=10)
        conn.sock = context.wrap_socket(raw, server_hostname=HOST)  # SNI: the tunnel's name
        conn.request(method, path, body=body, headers={"Host": HOST})
        status = conn.getresponse().status
        conn.close()
        return status

    def close(self) -> None:
        self.edge.close()


@pytest.fixture
def tunnel(tmp_path):
    t = Tunnel(tmp_path)
    yield t
    t.close()


def test_the_trycloudflare_url_is_read_probed_through_the_tunnel_and_stopped_with_serve(tunnel):
    serve = tunnel.serve()
    try:
        known = serve.wait_for("public_url", timeout=30)
        url = f"https://{HOST}"
        assert (known["provider"], known["url"]) == ("cloudflared", url)
        callback = known["callback_url"]
        secret = callback.removeprefix(f"{url}/cb/").rstrip("/")
        assert callback == f"{url}/cb/{secret}/" and len(secret) >= 22
        assert json.loads(tunnel.state.read_text())["argv"] == [
            "tunnel",
            "--url",
            serve.url,
            "--no-autoupdate",
        ]
        # The probe came through the stand-in's tunnel, is listed and marked a probe.
        probe = serve.wait_for("request", timeout=40)
        assert probe["probe"] is True and probe["path"] == f"/cb/{secret}/"
        reached = serve.wait_for("public_url", timeout=40)
        assert (reached["reachable"], reached["error"]) == (True, None)
        # A callback through the public URL is captured; outside the secret path, 404.
        assert tunnel.request("POST", f"/cb/{secret}/hook", b"{}") == 200
        assert serve.wait_for("request")["path"] == f"/cb/{secret}/hook"
        pid = tunnel.pid
    finally:
        code = serve.stop()  # SIGTERM
    assert code == 0
    assert _gone(pid), f"the tunnel process {pid} outlived serve"


def test_the_tunnel_process_dies_with_serve_even_on_sigkill(tunnel):
    serve = tunnel.serve("--probe-timeout", "1")
    try:
        serve.wait_for("public_url", timeout=30)
        pid = tunnel.pid
        assert not _gone(pid, 0)
        serve.proc.kill()
        serve.proc.wait(10)
    finally:
        serve.stop()
    assert _gone(pid), f"the tunnel process {pid} outlived a SIGKILLed serve"


def test_cloudflared_failing_gives_one_public_url_error_and_capture_goes_on(tmp_path):
    tunnel = Tunnel(tmp_path, mode="fail")
    try:
        with tunnel.serve() as serve:
            failed = serve.wait_for("public_url_error", timeout=30)
            assert (failed["provider"], failed["error"]) == ("cloudflared", FAILURE)
            # The receiver goes on locally, unguarded (no public URL): a request is captured.
            parts = urllib.parse.urlsplit(serve.url)
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
            conn.request("POST", "/local", body=b"{}")
            assert conn.getresponse().status == 200
            conn.close()
            lines = []
            while (line := serve.next_event())["event"] != "request":
                lines.append(line)
            assert line["path"] == "/local"
            assert [x for x in lines if x["event"] == "public_url_error"] == []
            assert serve.proc.poll() is None
    finally:
        tunnel.close()
