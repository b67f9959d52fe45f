"""`callback-inspector submit`: send audio, print the replies as JSON lines."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import aiohttp

from . import redact
from .core.deepgram_auth import DEEPGRAM_BASE_URL, EMULATOR_PLACEHOLDER_KEY
from .engine.client import (
    SubmitError,
    refusal_text,
    stream,
    transcribe,
)
from .engine.keyring_store import load_api_key


def _print(line: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(line) + "\n")
    sys.stdout.flush()


def run_submit(args: argparse.Namespace) -> int:
    base_url = DEEPGRAM_BASE_URL if args.deepgram else args.base_url
    key = load_api_key(from_keyring=args.deepgram)  # the keyring is for the real Deepgram
    redact.register(key)
    if key is None:
        if args.deepgram:
            print(
                "callback-inspector: --deepgram needs an API key: set DEEPGRAM_API_KEY "
                "or store one in the OS keyring from the window",
                file=sys.stderr,
            )
            return 2
        key = EMULATOR_PLACEHOLDER_KEY
    params: list[tuple[str, str]] = list(args.param)
    if args.callback:
        params.append(("callback", args.callback))
    if args.callback_method:
        params.append(("callback_method", args.callback_method))
    source: Path | str
    if args.source.startswith(("http://", "https://")):
        if args.stream:
            print("callback-inspector: --stream needs a local file", file=sys.stderr)
            return 2
        source = args.source
    else:
        source = Path(args.source)
        if not source.is_file():
            print(f"callback-inspector: no such audio file: {args.source}", file=sys.stderr)
            return 2
    try:
        if args.stream:
            assert isinstance(source, Path)
            code, reason = asyncio.run(stream(base_url, key, source, params, args.speed, _print))
            _print({"event": "closed", "code": code, "reason": reason})
            return 0 if code == 1000 else 1
        reply = asyncio.run(transcribe(base_url, key, source, params))
    except SubmitError as exc:
        print(f"callback-inspector: {exc}", file=sys.stderr)
        return 1
    except (OSError, aiohttp.ClientError) as exc:
        print(f"callback-inspector: could not reach {base_url}: {exc}", file=sys.stderr)
        return 1
    _print(
        reply.body if isinstance(reply.body, dict) else {"status": reply.status, "body": reply.body}
    )
    if reply.status != 200:
        message = reply.body.get("err_msg", "") if isinstance(reply.body, dict) else ""
        why = refusal_text(str(message), reply.detail)
        print(
            f"callback-inspector: {base_url} answered {reply.status}" + (f": {why}" if why else ""),
            file=sys.stderr,
        )
        return 1
    return 0
