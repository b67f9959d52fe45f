"""A small Deepgram callback app (aiohttp): audio in, transcript back by callback.

    POST /transcriptions          the audio as the body; sent to Deepgram with
                                  callback=<PUBLIC_URL>/deepgram/callback -> 202 {"request_id"}
    POST /deepgram/callback       Deepgram's callback: checked, stored by request_id -> 200
    GET  /transcriptions/{id}     200 {"status": "done", "transcript"}, 202 "pending", or 404

What a real handler has to get right, and what `test_transcripts.py` checks against the
emulator (`pip install callback-inspector`, then `pytest`):
- Only Deepgram may post transcripts: the callback URL carries a secret as basic auth
  (`https://deepgram:SECRET@host/...`), which Deepgram sends back as an Authorization header
  (Deepgram's advice since `dg-token` stopped being a way to verify callbacks).
- Deepgram retries any non-2xx reply 10 times, 30 s apart: the handler is idempotent, and
  answers 500 only when it could not store the transcript (so that Deepgram tries again).
- Deepgram's own errors reach the caller as something they can act on: 429 and 5xx become
  503 with Retry-After ("try again later"), a bad key or no credits 502 naming the reason.

Run it: DEEPGRAM_API_KEY=... PUBLIC_URL=https://your-host CALLBACK_SECRET=... python transcripts.py
"""

from __future__ import annotations

import hmac
import os
from base64 import b64decode
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import aiohttp
from aiohttp import web

CALLBACK_PATH = "/deepgram/callback"


@dataclass(frozen=True)
class Settings:
    api_key: str
    public_url: str  # where Deepgram can reach this app
    callback_secret: str
    deepgram_url: str = "https://api.deepgram.com"

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            api_key=os.environ["DEEPGRAM_API_KEY"],
            public_url=os.environ["PUBLIC_URL"],
            callback_secret=os.environ["CALLBACK_SECRET"],
            deepgram_url=os.environ.get("DEEPGRAM_URL", "https://api.deepgram.com"),
        )

    @property
    def callback_url(self) -> str:
        scheme, _, rest = self.public_url.partition("://")
        return f"{scheme}://deepgram:{quote(self.callback_secret, safe='')}@{rest}{CALLBACK_PATH}"


class Store:
    """Transcripts by request_id (a real app: a database table with request_id as the key)."""

    def __init__(self) -> None:
        self.jobs: dict[str, dict[str, Any]] = {}
        self.broken = False  # the database is down: saving fails

    def save(self, request_id: str, result: dict[str, Any]) -> None:
        if self.broken:
            raise ConnectionError("the database is not answering")
        self.jobs[request_id] = result  # the same request_id again: the same row, overwritten


SETTINGS = web.AppKey("settings", Settings)
STORE = web.AppKey("store", Store)
HTTP = web.AppKey("http", aiohttp.ClientSession)


def _transcript(body: dict[str, Any]) -> dict[str, Any]:
    if "err_code" in body:  # a failed transcription still calls back, with Deepgram's error
        return {"status": "failed", "error": body.get("err_msg") or body["err_code"]}
    alternative = body["results"]["channels"][0]["alternatives"][0]
    return {"status": "done", "transcript": alternative["transcript"]}


def _is_deepgram(request: web.Request, secret: str) -> bool:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        _user, _, password = b64decode(token).decode().partition(":")
    except ValueError:
        return False
    return hmac.compare_digest(password, secret)


async def submit(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    audio = await request.read()
    if not audio:
        return web.json_response({"error": "send the audio as the request body"}, status=400)
    params = {"callback": settings.callback_url, "punctuate": "true"}
    headers = {"Authorization": f"Token {settings.api_key}", "Content-Type": "audio/wav"}
    async with request.app[HTTP].post(
        f"{settings.deepgram_url}/v1/listen", params=params, data=audio, headers=headers
    ) as reply:
        body = await reply.json(content_type=None)
        if reply.status == 200:
            request_id = body["request_id"]
            request.app[STORE].jobs.setdefault(request_id, {"status": "pending"})
            return web.json_response({"request_id": request_id}, status=202)
        reason = body.get("err_msg") or body.get("err_code") or f"HTTP {reply.status}"
        if reply.status == 429 or reply.status >= 500:  # Deepgram is busy: try again later
            retry = reply.headers.get("Retry-After", "5")
            return web.json_response(
                {"error": f"Deepgram is busy: {reason}"}, status=503, headers={"Retry-After": retry}
            )
        if reply.status in (401, 402, 403):  # our key or our account: not the caller's fault
            return web.json_response(
                {"error": f"Deepgram refused our request: {body.get('err_code')}: {reason}"},
                status=502,
            )
        return web.json_response({"error": reason}, status=reply.status)


async def callback(request: web.Request) -> web.Response:
    if not _is_deepgram(request, request.app[SETTINGS].callback_secret):
        return web.Response(status=401, text="not Deepgram\n")
    try:
        body = await request.json()
        request_id = body.get("request_id") or body["metadata"]["request_id"]
        result = _transcript(body)
    except (ValueError, KeyError, IndexError, TypeError):
        return web.Response(status=400, text="not a Deepgram callback body\n")  # no retry helps
    try:
        request.app[STORE].save(request_id, result)
    except ConnectionError:
        return web.Response(status=500, text="could not store it; try again\n")  # retried
    return web.Response(text="ok\n")


async def status(request: web.Request) -> web.Response:
    job = request.app[STORE].jobs.get(request.match_info["request_id"])
    if job is None:
        return web.json_response({"error": "no such transcription"}, status=404)
    return web.json_response(job, status=202 if job["status"] == "pending" else 200)


async def _http_client(app: web.Application) -> AsyncIterator[None]:
    app[HTTP] = aiohttp.ClientSession()
    yield
    await app[HTTP].close()


def create_app(settings: Settings, store: Store | None = None) -> web.Application:
    app = web.Application(client_max_size=64 * 1024 * 1024)  # long transcripts are large
    app[SETTINGS] = settings
    app[STORE] = store if store is not None else Store()
    app.cleanup_ctx.append(_http_client)
    app.router.add_post("/transcriptions", submit)
    app.router.add_get("/transcriptions/{request_id}", status)
    app.router.add_post(CALLBACK_PATH, callback)
    return app


if __name__ == "__main__":
    web.run_app(create_app(Settings.from_env()), port=int(os.environ.get("PORT", "8080")))
