"""Deepgram `/v1/listen` query options, parsed the way Deepgram reads them.

The query arrives as `(key, value)` pairs with repeated keys kept, because Deepgram spells
lists as repeated keys (`tag=a&tag=b`, `extra=k:v&extra=k2:v2`) [OAS][AAS]. Unknown
parameters are accepted and ignored; a known parameter with a malformed value is a 400
`INVALID_QUERY_PARAMETER`, signalled here as `ListenOptionError` [REFERENCE §1].

Decisions where Deepgram's public material is silent (each visible in the docstrings below):
- a non-list parameter given twice: the last value wins (like `extra` keys, [REFERENCE §1]);
- `endpointing=true` means the default 10 ms; the streaming-only parameters are ignored on
  pre-recorded requests (they are not in the `/v1/listen` POST parameters [OAS]);
- list parameters (`search`, `replace`, `redact`, `keywords`...) are repeated keys; `redact`
  also takes a comma-separated list, as some clients send it.

Which parameter is emulated and which is only warned about is `core.listen_parameters`;
its warnings ride along in `ListenOptions.warnings`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType
from typing import Literal, TypeVar

from .listen_parameters import ListenWarning, listen_warnings

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


class Summarize(Enum):
    """`summarize`: `v2` gives `results.summary`; `true` the older per-alternative
    `summaries[]` [OAS]."""

    V1 = "true"
    V2 = "v2"


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
    # Formatting and understanding, computed by the core modules `core.listen_parameters`
    # names (numerals, redaction, search, ...).
    numerals: bool = False  # effective: smart_format formats numbers too
    measurements: bool = False
    dictation: bool = False
    filler_words: bool = False
    profanity_filter: bool = False
    multichannel: bool = False
    redact: tuple[str, ...] = ()  # lower case, e.g. ("numbers", "pci")
    search: tuple[str, ...] = ()
    replace: tuple[tuple[str, str], ...] = ()  # (find, replacement), find in lower case
    detect_language: bool = False
    detect_entities: bool = False
    sentiment: bool = False
    summarize: Summarize | None = None
    topics: bool = False
    intents: bool = False
    warnings: tuple[ListenWarning, ...] = ()  # parameters not applied, and why


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
        "numerals",
        "measurements",
        "dictation",
        "filler_words",
        "profanity_filter",
        "multichannel",
        "detect_entities",
        "sentiment",
        "topics",
        "intents",
        "mip_opt_out",
    }
)
_LISTS = frozenset({"search", "replace", "redact", "keywords", "keyterm", "detect_language"})
_LISTS_ALSO = frozenset({"custom_topic", "custom_intent"})
_MODES = ("extended", "strict")


def parse_listen_options(pairs: Iterable[tuple[str, str]], *, streaming: bool) -> ListenOptions:
    """Read Deepgram's query parameters; raise `ListenOptionError` on a malformed value.

    `pairs` are the decoded query pairs in order (e.g. `parse_qsl(query,
    keep_blank_values=True)` or aiohttp's `request.query.items()`).
    """
    pairs = list(pairs)
    last: dict[str, str] = {}
    lists: dict[str, list[str]] = {}
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
        elif key in _LISTS or key in _LISTS_ALSO:
            lists.setdefault(key, []).append(value)
        elif streaming or key not in _STREAMING_ONLY:
            last[key] = value

    flags = {name: _boolean(name, last[name]) for name in _BOOLEANS if name in last}
    smart_format = flags.get("smart_format", False)
    diarize_model = _choice(DiarizeModel, "diarize_model", last.get("diarize_model"))
    if streaming and diarize_model is DiarizeModel.V2:
        raise ListenOptionError(
            "diarize_model", last["diarize_model"], "v2 is for pre-recorded audio; use latest or v1"
        )

    for mode in ("custom_topic_mode", "custom_intent_mode"):
        if mode in last and last[mode].strip().lower() not in _MODES:
            raise ListenOptionError(mode, last[mode], "expected extended or strict")
    detect_language, _languages = _detect_language(lists.get("detect_language", []))
    return ListenOptions(
        streaming=streaming,
        model=last.get("model") or DEFAULT_MODEL,
        language=last.get("language") or DEFAULT_LANGUAGE,
        # Dictation's marks are punctuation: it turns punctuation on (emulator decision).
        punctuate=flags.get("punctuate", False) or smart_format or flags.get("dictation", False),
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
        numerals=flags.get("numerals", False) or smart_format,
        measurements=flags.get("measurements", False),
        dictation=flags.get("dictation", False),
        filler_words=flags.get("filler_words", False),
        profanity_filter=flags.get("profanity_filter", False),
        multichannel=flags.get("multichannel", False),
        redact=_redact(lists.get("redact", [])),
        search=tuple(q.strip() for q in lists.get("search", []) if q.strip()),
        replace=_replacements(lists.get("replace", [])),
        detect_language=detect_language,
        detect_entities=flags.get("detect_entities", False),
        sentiment=flags.get("sentiment", False) and not streaming,
        summarize=None if streaming else _summarize(last.get("summarize")),
        topics=flags.get("topics", False) and not streaming,
        intents=flags.get("intents", False) and not streaming,
        warnings=listen_warnings(pairs, streaming=streaming),
    )


def _redact(values: list[str]) -> tuple[str, ...]:
    """`redact=numbers&redact=pci` or `redact=numbers,pci`; `false` alone means off."""
    found: list[str] = []
    for raw in values:
        for item in raw.split(","):
            item = item.strip().lower()
            if item and item != "false" and item not in found:
                found.append(item)
    return tuple(found)


def _replacements(values: list[str]) -> tuple[tuple[str, str], ...]:
    """`replace=find:replacement` (no replacement: the words are removed) [OAS]."""
    found = []
    for value in values:
        find, _, replacement = value.partition(":")
        if not find.strip():
            raise ListenOptionError("replace", value, "expected find:replacement, e.g. um:uh")
        found.append((find.strip().lower(), replacement.strip()))
    return tuple(found)


def _detect_language(values: list[str]) -> tuple[bool, tuple[str, ...]]:
    """`true`/`false`, or the languages to choose from (repeated) [OAS]."""
    on, languages = False, []
    for value in values:
        lowered = value.strip().lower()
        if lowered in ("true", "false"):
            on = lowered == "true"
        elif lowered:
            on = True
            languages.append(lowered)
        else:
            raise ListenOptionError("detect_language", value, "expected true, false or a language")
    return on, tuple(languages)


def _summarize(value: str | None) -> Summarize | None:
    """`v2`, `true` (the older v1 shape) or `false` [OAS]."""
    if value is None or value.strip().lower() == "false":
        return None
    try:
        return Summarize(value.strip().lower())
    except ValueError:
        raise ListenOptionError("summarize", value, "expected v2, true or false") from None


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
