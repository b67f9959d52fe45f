"""The `submit` command: audio to Deepgram's API (the emulator or the real one), the reply
or the whole stream kept for the one who asked (the window's submit panel).

The same client as `callback-inspector submit` (engine/client.py), run on the engine loop so
the window's process never opens a network connection of its own.
"""

from __future__ import annotations

import base64
import tempfile
from pathlib import Path
from typing import Any

import websockets

from ..core.control import CommandError, Submit
from . import client


async def submit(command: Submit) -> dict[str, Any]:
    """Carry out `command`; SubmitError (a RuntimeError) says why it could not be sent."""
    sources = [s for s in (command.path, command.url, command.audio) if s]
    if len(sources) != 1:
        raise CommandError("submit needs exactly one of 'path', 'url' or 'audio'")
    if command.audio is not None:
        suffix = Path(command.filename).suffix
        with tempfile.TemporaryDirectory(prefix="ci-submit-") as folder:
            path = Path(folder) / f"audio{suffix}"
            path.write_bytes(base64.b64decode(command.audio))
            return await _send(command, path)
    return await _send(command, Path(command.path) if command.path else command.url or "")


async def _send(command: Submit, source: Path | str) -> dict[str, Any]:
    params = list(command.params)
    if command.stream:
        if not isinstance(source, Path):
            raise CommandError("a stream needs a file, not a URL")
        messages: list[dict[str, Any]] = []
        try:
            code, reason = await client.stream(
                command.base_url, command.key, source, params, command.speed, messages.append
            )
        except websockets.ConnectionClosed as exc:  # an abnormal close (1011...) raises here
            received = exc.rcvd
            code, reason = (received.code, received.reason) if received else (1006, "lost")
        return {"code": code, "reason": reason, "messages": messages}
    reply = await client.transcribe(command.base_url, command.key, source, params)
    return {
        "status": reply.status,
        "body": reply.body,
        "request_id": reply.request_id,
        "detail": reply.detail,
    }
