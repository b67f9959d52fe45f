"""Deepgram `/v1/listen` query options, parsed the way Deepgram reads them.

The query arrives as `(key, value)` pairs with repeated keys kept, because Deepgram spells
lists as repeated keys (`tag=a&tag=b`, `extra=k:v&extra=k2:v2`) [OAS][AAS]. Unknown
parameters are accepted and ignored; a known parameter with a malformed value is a 400
`INVALID_QUERY_PARAMETER`, signalled here as `ListenOptionError` [REFERENCE §1].

Decisions where Deepgram's public material is silent (each visible in the docstrings below):
- a non-list parameter given twice: the last value wins (like `extra` keys, [REFERENCE §1]);
- `endpointing=true` means the default 10 ms; the streaming-only parameters are ignored on
  pre-recorded requests (they are not in the `/v1/listen` POST parameters [OAS]).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType
from typing import Literal, TypeVar

DEFAULT_MODEL = "nova-3"
"""The emulator's default model. [OAS] still says `base-general`; Deepgram's docs and the
SDK examples use `nova-3`, which is what users expect to see echoed."""

DEFAULT_LANGUAGE = "en"  # [OAS] `language` default
DEFAULT_UTT_SPLIT = 0.8  # [OAS] `utt_split` default, seconds
DEFAULT_ENDPOINTING_MS = 10  # [AAS] `endpointing` default '10'
DEFAULT_CHANNELS = 1  # [AAS] `channels` default '1'

_E = TypeVar("_E", bound=Enum)


class ListenOptionError(ValueError):
    """A known query parameter with a value Deepgram would refuse (HTTP 400).

    Carries the parameter and the wrong value so the UI can show exactly what was sent.
    """

    def __init__(self, param: str, value: str, message: str) -> None:
        super().__init__(f"{param}={value!r}: {message}")
        self.param = param
        self.value = value
        self.message = message


class CallbackMethod(Enum):
    """How the callback is delivered: `POST`, or `PUT` for S3 presigned URLs [OAS][S3].

    [AAS] also lists GET and DELETE for streaming, but `callback_method` is ignored for
    streaming [REFERENCE §3], so the emulator accepts only the two methods that matter.
    """

    POST = "POST"
    PUT = "PUT"


class AudioEncoding(Enum):
    """Values of `encoding` (raw audio the client declares) [AAS] (⊇ the [OAS] list)."""

    LINEAR16 = "linear16"
    LINEAR32 = "linear32"
    FLAC = "flac"
    ALAW = "alaw"
    MULAW = "mulaw"
    AMR_NB = "amr-nb"
    AMR_WB = "amr-wb"
    OPUS = "opus"
    OGG_OPUS = "ogg-opus"
    SPEEX = "speex"
    G729 = "g729"


class DiarizeModel(Enum):
    """Values of `diarize_model`; giving one turns diarization on [OAS]."""

    LATEST = "latest"
    V1 = "v1"
    V2 = "v2"  # pre-recorded only: "v2 returns a validation error on streaming" [OAS]


@dataclass(frozen=True)
class ListenOptions:
    """What a `/v1/listen` request asked for.

    `punctuate` and `paragraphs` are the *effective* settings: `smart_format=true` always
    applies punctuation and paragraphs (Deepgram docs, "Smart Format"), so code reading
    `options.punctuate` gets the right answer without knowing that rule. `smart_format`
    keeps what was asked. Likewise `diarize` is on when `diarize_model` is given [OAS].
    """

    streaming: bool = False
    model: str = DEFAULT_MODEL
    language: str = DEFAULT_LANGUAGE
    punctuate: bool = False
    smart_format: bool = False
    diarize: bool = False
    diarize_model: DiarizeModel | None = None
    utterances: bool = False
    paragraphs: bool = False
    utt_split: float = DEFAULT_UTT_SPLIT
    callback: str | None = None
    callback_method: CallbackMethod = CallbackMethod.POST
    extra: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    tags: tuple[str, ...] = ()
    encoding: AudioEncoding | None = None
    # Streaming only [AAS]; left at defaults on pre-recorded requests.
    sample_rate: int | None = None
    channels: int = DEFAULT_CHANNELS
    interim_results: bool = False
    endpointing: int | Literal[False] = DEFAULT_ENDPOINTING_MS  # milliseconds, or False (off)
    utterance_end_ms: int | None = None
    vad_events: bool = False


_STREAMING_ONLY = frozenset(
    {
        "sample_rate",
        "channels",
        "interim_results",
        "endpointing",
        "utterance_end_ms",
        "vad_events",
    }
)
_BOOLEANS = frozenset(
    {
        "punctuate",
        "smart_format",
        "diarize",
        "utterances",
        "paragraphs",
        "interim_results",
        "vad_events",
    }
)


def parse_listen_options(pairs: Iterable[tuple[str, str]], *, streaming: bool) -> ListenOptions:
    """Read Deepgram's query parameters; raise `ListenOptionError` on a malformed value.

    `pairs` are the decoded query pairs in order (e.g. `parse_qsl(query,
    keep_blank_values=True)` or aiohttp's `request.query.items()`).
    """
    last: dict[str, str] = {}
    extra: dict[str, str] = {}
    tags: list[str] = []
    for key, value in pairs:
        if key == "tag":
            tags.append(value)
        elif key == "extra":
            name, sep, extra_value = value.partition(":")
            if not sep or not name:
                raise ListenOptionError(
                    "extra", value, "expected key:value, e.g. extra=callback_secret:s3cret"
                )
            extra[name] = extra_value  # last wins [REFERENCE §1]
        elif streaming or key not in _STREAMING_ONLY:
            last[key] = value

    flags = {name: _boolean(name, last[name]) for name in _BOOLEANS if name in last}
    smart_format = flags.get("smart_format", False)
    diarize_model = _choice(DiarizeModel, "diarize_model", last.get("diarize_model"))
    if streaming and diarize_model is DiarizeModel.V2:
        raise ListenOptionError(
            "diarize_model", last["diarize_model"], "v2 is for pre-recorded audio; use latest or v1"
        )

    return ListenOptions(
        streaming=streaming,
        model=last.get("model") or DEFAULT_MODEL,
        language=last.get("language") or DEFAULT_LANGUAGE,
        punctuate=flags.get("punctuate", False) or smart_format,
        smart_format=smart_format,
        diarize=flags.get("diarize", False) or diarize_model is not None,
        diarize_model=diarize_model,
        utterances=flags.get("utterances", False),
        paragraphs=flags.get("paragraphs", False) or smart_format,
        utt_split=_seconds("utt_split", last.get("utt_split"), DEFAULT_UTT_SPLIT),
        callback=last.get("callback"),
        callback_method=_callback_method(last.get("callback_method")),
        extra=MappingProxyType(extra),
        tags=tuple(tags),
        encoding=_choice(AudioEncoding, "encoding", last.get("encoding")),
        sample_rate=_positive_int("sample_rate", last.get("sample_rate")),
        channels=_positive_int("channels", last.get("channels")) or DEFAULT_CHANNELS,
        interim_results=flags.get("interim_results", False),
        endpointing=_endpointing(last.get("endpointing")),
        utterance_end_ms=_positive_int("utterance_end_ms", last.get("utterance_end_ms")),
        vad_events=flags.get("vad_events", False),
    )


def _boolean(param: str, value: str) -> bool:
    """`true`/`false` in any case: Deepgram's booleans [AAS enum 'true'/'false']."""
    lowered = value.strip().lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    raise ListenOptionError(param, value, "expected true or false")


def _choice(enum: type[_E], param: str, value: str | None) -> _E | None:
    if value is None:
        return None
    try:
        return enum(value.strip().lower())
    except ValueError:
        allowed = ", ".join(str(member.value) for member in enum)
        raise ListenOptionError(param, value, f"expected one of {allowed}") from None


def _callback_method(value: str | None) -> CallbackMethod:
    """`post`/`put` in any case; the SDK sends upper case, curl users often lower [OAS]."""
    if value is None:
        return CallbackMethod.POST
    try:
        return CallbackMethod(value.strip().upper())
    except ValueError:
        raise ListenOptionError("callback_method", value, "expected POST or PUT") from None


def _positive_int(param: str, value: str | None) -> int | None:
    if value is None:
        return None
    try:
        number = int(value.strip())
    except ValueError:
        raise ListenOptionError(param, value, "expected a whole number") from None
    if number <= 0:
        raise ListenOptionError(param, value, "expected a number greater than 0")
    return number


def _seconds(param: str, value: str | None, default: float) -> float:
    if value is None:
        return default
    try:
        number = float(value.strip())
    except ValueError:
        raise ListenOptionError(param, value, "expected a number of seconds, e.g. 0.8") from None
    if not math.isfinite(number) or number <= 0:
        raise ListenOptionError(param, value, "expected a number of seconds greater than 0")
    return number


def _endpointing(value: str | None) -> int | Literal[False]:
    """Milliseconds of silence that end speech, or `false` to turn it off [AAS].

    Decision: `true` keeps the default (10 ms); `0` is accepted and means off, like false.
    """
    if value is None:
        return DEFAULT_ENDPOINTING_MS
    lowered = value.strip().lower()
    if lowered == "false":
        return False
    if lowered == "true":
        return DEFAULT_ENDPOINTING_MS
    try:
        number = int(lowered)
    except ValueError:
        raise ListenOptionError(
            "endpointing", value, "expected milliseconds (e.g. 300) or false"
        ) from None
    if number < 0:
        raise ListenOptionError("endpointing", value, "expected milliseconds >= 0 or false")
    return number if number > 0 else False
