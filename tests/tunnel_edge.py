"""A stand-in for Cloudflare's edge: HTTPS for `*.trycloudflare.com` on 127.0.0.1, port 0.

The certificate comes from a test CA (trustme); `serve` trusts it through SSL_CERT_FILE and
reaches this edge through `--probe-connect-to`, so no name is looked up and nothing leaves
the machine. Each connection is decrypted and passed to the port the cloudflared stand-in
(tests/cloudflared_standin.py) listens on, read from its state file, as the real edge
passes requests to the cloudflared that registered the tunnel.
"""

from __future__ import annotations

import asyncio
import json
import ssl
import threading
from pathlib import Path

import trustme


class TunnelEdge:
    def __init__(self, state: Path, directory: Path) -> None:
        self.state = state
        self.ca = trustme.CA()
        self.ca_file = directory / "edge-ca.pem"
        self.ca.cert_pem.write_to_path(str(self.ca_file))
        cert = self.ca.issue_cert("*.trycloudflare.com")
        self._tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        cert.configure_cert(self._tls)
        self._loop = asyncio.new_event_loop()
        self._started = threading.Event()
        self.port = 0
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        if not self._started.wait(10):
            raise RuntimeError("the tunnel edge did not start")

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, ssl.SSLError):
            pass
        finally:
            writer.close()

    async def _forward(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            port = json.loads(self.state.read_text())["port"]
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", port)
        except (OSError, ValueError, KeyError):  # no tunnel registered (yet): like a 530
            writer.close()
            return
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(
            asyncio.start_server(self._forward, "127.0.0.1", 0, ssl=self._tls)
        )
        self.port = server.sockets[0].getsockname()[1]
        self._started.set()
        self._loop.run_forever()
        server.close()

    def close(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
