"""A stand-in for the `cloudflared` executable (the real one reaches Cloudflare's cloud).

Run as `cloudflared tunnel --url http://127.0.0.1:PORT --no-autoupdate`, it prints the real
log lines of a quick tunnel (tests/data/cloudflared/quick-tunnel.log, the docs link first)
on stderr and forwards a local port to PORT, as cloudflared forwards its edge connections.
With CLOUDFLARED_STANDIN_MODE=fail it prints the failure lines and exits 1, as cloudflared
does without DNS. It writes {"pid", "port", "argv"} to CLOUDFLARED_STANDIN_STATE, so the test
knows its pid and the port that plays Cloudflare's side of the tunnel.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path
from urllib.parse import urlsplit

LOGS = Path(__file__).parent / "data" / "cloudflared"


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


async def _serve(target: str, state: Path) -> None:
    parts = urlsplit(target)

    async def forward(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(parts.hostname, parts.port)
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))

    server = await asyncio.start_server(forward, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    state.write_text(json.dumps({"pid": os.getpid(), "port": port, "argv": sys.argv[1:]}))
    for line in (LOGS / "quick-tunnel.log").read_text().splitlines():
        print(line, file=sys.stderr, flush=True)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with server:
        await stop.wait()


def main() -> int:
    args = sys.argv[1:]
    if args[:2] != ["tunnel", "--url"] or args[3:] != ["--no-autoupdate"]:
        print(f"stand-in cloudflared: unexpected arguments {args}", file=sys.stderr)
        return 2
    state = Path(os.environ["CLOUDFLARED_STANDIN_STATE"])
    if os.environ.get("CLOUDFLARED_STANDIN_MODE") == "fail":
        state.write_text(json.dumps({"pid": os.getpid(), "port": None, "argv": args}))
        for line in (LOGS / "failure.log").read_text().splitlines():
            print(line, file=sys.stderr, flush=True)
        return 1
    asyncio.run(_serve(args[2], state))
    return 0


if __name__ == "__main__":
    sys.exit(main())
