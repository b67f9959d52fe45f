"""Submit audio to a Deepgram-compatible API: the built-in emulator or the real Deepgram.

Coroutines for the engine loop (the window) and for `callback-inspector submit`. The key is
sent as `Authorization: Token ...` and never logged.
"""

from __future__ import annotations

import asyncio
import json
import logging
import mimetypes
import struct
import urllib.parse
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import websockets

from ..core.headers import EMULATOR_DETAIL_HEADER

log = logging.getLogger(__name__)

STREAM_CHUNK_SECONDS = 0.1  # 100 ms of audio per frame, as Deepgram's examples send


class SubmitError(Exception):
    """A submission failed; the message says how (status and Deepgram's err_msg)."""


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any  # parsed JSON, or the text when it was not JSON
    request_id: str | None
    detail: str | None = None  # the emulator's reason for a refusal, when it gave one


def listen_url(base_url: str, params: Sequence[tuple[str, str]], websocket: bool = False) -> str:
    base = base_url.rstrip("/")
    if websocket:
        base = "ws" + base[4:] if base.startswith("http") else base
    query = urllib.parse.urlencode(list(params))
    return f"{base}/v1/listen" + (f"?{query}" if query else "")


def _content_type(path: Path) -> str:
    guessed, _ = mimetypes.guess_type(path.name)
    return (
        guessed
        if guessed and guessed.startswith(("audio/", "video/"))
        else "application/octet-stream"
    )


async def transcribe(
    base_url: str,
    key: str,
    source: Path | str,
    params: Sequence[tuple[str, str]] = (),
    timeout: float = 600.0,
) -> Reply:
    """POST a file (Path) or a URL (str) to /v1/listen; the reply, error statuses included."""
    headers = {"Authorization": f"Token {key}"}
    if isinstance(source, Path):
        data: bytes = source.read_bytes()
        headers["Content-Type"] = _content_type(source)
    else:
        data = json.dumps({"url": source}).encode()
        headers["Content-Type"] = "application/json"
    try:
        return await _post_listen(base_url, params, data, headers, timeout)
    except TimeoutError:
        raise SubmitError(f"{base_url} did not answer within {timeout:g} s") from None
    except (OSError, aiohttp.ClientError) as exc:
        raise SubmitError(f"could not reach {base_url}: {exc}") from None


async def _post_listen(
    base_url: str,
    params: Sequence[tuple[str, str]],
    data: bytes,
    headers: dict[str, str],
    timeout: float,
) -> Reply:
    async with (
        aiohttp.ClientSession(trust_env=False) as session,
        session.post(
            listen_url(base_url, params),
            data=data,
            headers=headers,
            timeout=aiohttp.ClientTimeout(total=timeout),
        ) as response,
    ):
        text = await response.text()
        try:
            body: Any = json.loads(text)
        except ValueError:
            body = text
        request_id = response.headers.get("dg-request-id")
        if isinstance(body, dict):
            request_id = (
                body.get("request_id") or body.get("metadata", {}).get("request_id") or request_id
            )
        return Reply(
            status=response.status,
            body=body,
            request_id=request_id,
            detail=response.headers.get(EMULATOR_DETAIL_HEADER),
        )


def refusal_text(message: str, detail: str | None) -> str:
    """Deepgram's message, with the emulator's reason and what to do about it when it gave one
    (Deepgram's own "Invalid callback url." does not say that the port was the problem)."""
    text = message.strip()
    if detail:
        text = f"{text} ({detail})" if text else detail
        if "relaxed ports" in detail:
            text += "; start the emulator with --relaxed-ports (serve/gui) or tick Relaxed ports"
    return text


def _wav_layout(data: bytes) -> tuple[int, int] | None:
    """(byte rate, header length) of a PCM WAV file, or None when it is not one."""
    if len(data) < 44 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return None
    pos = 12
    byte_rate = None
    while pos + 8 <= len(data):
        chunk, size = data[pos : pos + 4], struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        if chunk == b"fmt ":
            byte_rate = struct.unpack("<I", data[pos + 16 : pos + 20])[0]
        if chunk == b"data":
            return (byte_rate, pos + 8) if byte_rate else None
        pos += 8 + size + (size & 1)
    return None


def stream_chunks(path: Path) -> tuple[list[bytes], float, list[tuple[str, str]]]:
    """The file as ~100 ms frames, the seconds each frame lasts, and the query params it needs.

    A PCM WAV is streamed as is (its header first), like Deepgram's examples; anything else
    is decoded to 16 kHz linear16 first.
    """
    data = path.read_bytes()
    layout = _wav_layout(data)
    if layout is not None:
        byte_rate, header = layout
        step = max(1, int(byte_rate * STREAM_CHUNK_SECONDS))
        step -= step % 4
        frames = [data[:header]] + [data[i : i + step] for i in range(header, len(data), step)]
        return frames, STREAM_CHUNK_SECONDS, []
    from .emulator.audio import decode_audio

    pcm = decode_audio(data).pcm.tobytes()
    step = int(16000 * 2 * STREAM_CHUNK_SECONDS)
    frames = [pcm[i : i + step] for i in range(0, len(pcm), step)]
    return (
        frames,
        STREAM_CHUNK_SECONDS,
        [("encoding", "linear16"), ("sample_rate", "16000"), ("channels", "1")],
    )


async def stream(
    base_url: str,
    key: str,
    path: Path,
    params: Sequence[tuple[str, str]] = (),
    speed: float = 1.0,
    on_message: Callable[[dict[str, Any]], Awaitable[None] | None] | None = None,
) -> tuple[int | None, str]:
    """Stream a file at `speed` x real time, then CloseStream; returns the close code and reason."""
    frames, seconds, extra = stream_chunks(path)
    url = listen_url(base_url, [*params, *extra], websocket=True)
    try:
        ws = await websockets.connect(
            url, additional_headers={"Authorization": f"Token {key}"}, max_size=None
        )
    except websockets.InvalidStatus as exc:
        refused = exc.response.headers
        raise SubmitError(
            f"{url.split('?')[0]} refused the stream with {exc.response.status_code}: "
            + refusal_text(refused.get("dg-error", ""), refused.get(EMULATOR_DETAIL_HEADER))
        ) from None
    except (OSError, websockets.WebSocketException) as exc:
        raise SubmitError(f"could not connect to {url.split('?')[0]}: {exc}") from None

    async def send_audio() -> None:
        loop = asyncio.get_running_loop()
        start = loop.time()
        try:
            for n, frame in enumerate(frames):
                await ws.send(frame)
                due = start + (n + 1) * seconds / max(speed, 0.01)
                await asyncio.sleep(max(0.0, due - loop.time()))
            await ws.send(json.dumps({"type": "CloseStream"}))
        except websockets.ConnectionClosed:
            pass

    sender = asyncio.ensure_future(send_audio())
    try:
        async for text in ws:
            if isinstance(text, str) and on_message is not None:
                result = on_message(json.loads(text))
                if result is not None:
                    await result
    except websockets.ConnectionClosedError:
        pass  # an abnormal close (1011, 1008...) is an answer: returned below, not raised
    finally:
        sender.cancel()
        await ws.close()
    return ws.close_code, ws.close_reason or ""
