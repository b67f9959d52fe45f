"""Every `/v1/listen` query parameter and how the emulator answers it: one table.

Deepgram's specs list 37 query parameters for `POST /v1/listen` [OAS] and 29 for the live
socket [AAS]. The emulator never ignores one silently: each is either **emulated** (a real,
deterministic computation; `how` names the method, and README.md lists it) or **warned**
(the reply is still a valid result, and `metadata.warnings` names the parameter with the
reason, the way Deepgram's own replies carry `warnings` for parameters it does not apply).
A parameter the specs do not list, or one given to the mode it does not belong to (e.g.
`sentiment` on a live stream), is warned about the same way.

`tests/core/test_listen_parameters.py` walks both specs against this table; the README
section "Every /v1/listen option" is checked against it too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from types import MappingProxyType


class Handling(Enum):
    EMULATED = "emulated"
    WARNED = "warned"


class Mode(Enum):
    """Where Deepgram accepts a parameter: pre-recorded `POST` [OAS], the live socket [AAS]."""

    PRERECORDED = "pre-recorded"
    LIVE = "live"
    BOTH = "both"


class WarningType:
    """`metadata.warnings[].type` values the emulator sends. Deepgram's replies use
    `unsupported_language` for a language a feature lacks; the others name exactly why the
    emulator did not apply a parameter (Deepgram publishes no closed list)."""

    UNSUPPORTED_LANGUAGE = "unsupported_language"
    NOT_EMULATED = "not_emulated"
    UNKNOWN_PARAMETER = "unknown_parameter"
    WRONG_MODE = "unsupported_mode"


@dataclass(frozen=True)
class ListenWarning:
    """One entry of `metadata.warnings`: `{parameter, type, message}` (Deepgram's shape, as
    the SDKs read it: `Warning(parameter, type, message)`)."""

    parameter: str
    type: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {"parameter": self.parameter, "type": self.type, "message": self.message}


@dataclass(frozen=True)
class Parameter:
    """A query parameter of Deepgram's `/v1/listen`.

    `example`: a value that turns it on (what the table test sends, with `needs`, the other
    parameters it only shows with). `fields`: for emulated parameters, where the reply
    shows it (paths as `results.channels[].search`); `how`: the method, in the user's words
    (README.md quotes it)."""

    name: str
    handling: Handling
    mode: Mode
    how: str
    example: str = "true"
    fields: tuple[str, ...] = ()
    needs: tuple[tuple[str, str], ...] = ()


_E, _W = Handling.EMULATED, Handling.WARNED
_PRE, _LIVE, _BOTH = Mode.PRERECORDED, Mode.LIVE, Mode.BOTH

_TABLE: tuple[Parameter, ...] = (
    # -- the request and its delivery
    Parameter("callback", _E, _BOTH, "the result is POSTed (or PUT) to the URL, with Deepgram's retries", "http://127.0.0.1:8080/hook"),
    Parameter("callback_method", _E, _BOTH, "POST or PUT for pre-recorded callbacks; streaming callbacks are always POSTed", "put"),
    Parameter("extra", _E, _BOTH, "echoed in metadata.extra", "callback_secret:s3cret", ("metadata.extra",)),
    Parameter("tag", _E, _BOTH, "echoed in metadata.tags", "ci", ("metadata.tags",)),
    Parameter("model", _E, _BOTH, "every model name is answered by the one offline model (PocketSphinx en-us), named in model_info", "nova-3", ("metadata.model_info",)),
    Parameter("version", _E, _BOTH, "latest is the only version; any other is warned", "latest", ("metadata.model_info",)),
    Parameter("language", _E, _BOTH, "English (en, en-US, ...) is recognised; any other language is answered in English with a warning", "en", ("metadata.model_info",)),
    Parameter("encoding", _E, _BOTH, "headerless audio decoded as declared (linear16, linear32, mulaw, alaw; FLAC and Opus by their container)", "linear16"),
    Parameter("mip_opt_out", _W, _BOTH, "the emulator keeps no audio or transcripts, so there is nothing to opt out of"),
    # -- recognition
    # multichannel shows only with audio of several channels: tests/e2e/test_emulator_options.py.
    Parameter("multichannel", _E, _BOTH, "each channel decoded and recognised on its own: one channels[] entry each; live channel_index [i, n]"),
    Parameter("diarize", _E, _BOTH, "approximate: phrases clustered by their median pitch (autocorrelation F0 with numpy), per channel; speaker_confidence from the distance to the speaker's pitch", fields=("results.channels[].alternatives[].words[].speaker",)),
    Parameter("diarize_model", _E, _BOTH, "as diarize (the same pitch clustering for every model)", "latest", ("results.channels[].alternatives[].words[].speaker",)),
    Parameter("detect_language", _E, _PRE, "English only: detected_language en, language_confidence the mean word confidence", fields=("results.channels[].detected_language",)),
    Parameter("keywords", _W, _BOTH, "PocketSphinx's vocabulary and weights are fixed; boosting is not emulated", "deepgram:2"),
    Parameter("keyterm", _W, _BOTH, "PocketSphinx's vocabulary and weights are fixed; key term prompting is not emulated", "deepgram"),
    Parameter("endpointing", _E, _LIVE, "milliseconds of silence that end a segment (speech_final)", "300"),
    Parameter("interim_results", _E, _LIVE, "the open segment's hypothesis about once a second (is_final false)"),
    Parameter("utterance_end_ms", _E, _LIVE, "UtteranceEnd after a final that ended at an endpoint", "1000"),
    Parameter("vad_events", _E, _LIVE, "SpeechStarted when the voice-activity detector opens a segment"),
    Parameter("channels", _E, _LIVE, "channel count of headerless live audio", "1"),
    Parameter("sample_rate", _E, _LIVE, "sample rate of headerless live audio", "16000"),
    # -- formatting
    Parameter("punctuate", _E, _BOTH, "a sentence ends at a pause of utt_split seconds: capitalised, closed with a period", fields=("results.channels[].alternatives[].words[].punctuated_word",)),
    Parameter("smart_format", _E, _BOTH, "punctuate + paragraphs + numerals (text2num's alpha2digit)", fields=("results.channels[].alternatives[].paragraphs",)),
    Parameter("paragraphs", _E, _PRE, "a paragraph ends at a sentence end followed by a 2 s pause", fields=("results.channels[].alternatives[].paragraphs",)),
    Parameter("utterances", _E, _PRE, "words split at pauses of utt_split seconds", fields=("results.utterances",)),
    Parameter("utt_split", _E, _PRE, "the pause (seconds) that splits utterances and sentences", "1.5", ("results.utterances",), (("utterances", "true"),)),
    Parameter("numerals", _E, _BOTH, "spoken numbers to digits with text2num's alpha2digit (in words, transcript, paragraphs)", fields=("results.channels[].alternatives[].transcript",)),
    Parameter("measurements", _E, _PRE, "a unit spoken after a number abbreviated from a table (five kilograms: 5 kg)", fields=("results.channels[].alternatives[].transcript",)),
    Parameter("dictation", _E, _BOTH, "spoken punctuation (comma, period, question mark, new line...) becomes the mark; turns punctuation on", fields=("results.channels[].alternatives[].words[].punctuated_word",)),
    Parameter("filler_words", _E, _PRE, "uh, um, mhm... kept in the transcript (without it they are removed, as Deepgram does)", fields=("results.channels[].alternatives[].transcript",)),
    Parameter("profanity_filter", _E, _BOTH, "profane words (better-profanity's list) become their first letter and asterisks", fields=("results.channels[].alternatives[].transcript",)),
    Parameter("redact", _E, _BOTH, "numbers/true (runs of three or more digits), aggressive_numbers (every number), ssn, pci (card numbers, expiry, CVV), pii (names, SSNs, numbers) become [NUMBER_1]-style tokens; other entity types are warned", "numbers", ("results.channels[].alternatives[].transcript",)),
    Parameter("replace", _E, _BOTH, "find:replacement applied to whole words, case-insensitive", "three:tree", ("results.channels[].alternatives[].transcript",)),
    Parameter("search", _E, _BOTH, "each query matched against the words and word n-grams: rapidfuzz similarity and jellyfish metaphone, hits with confidence, start, end, snippet", "three", ("results.channels[].search",)),
    # -- understanding (pre-recorded only [OAS])
    Parameter("detect_entities", _E, _BOTH, "numbers (CARDINAL), dates, times and first names found in the words by rules", fields=("results.channels[].alternatives[].entities",)),
    Parameter("sentiment", _E, _PRE, "VADER (vaderSentiment) per sentence, averaged by words", fields=("results.sentiments", "metadata.sentiment_info")),
    Parameter("summarize", _E, _PRE, "extractive: the highest-scoring sentences by content-word frequency (v2: results.summary; true: alternatives[].summaries)", "v2", ("results.summary", "metadata.summary_info")),
    Parameter("topics", _E, _PRE, "the most frequent content words (stop words removed) per paragraph", fields=("results.topics", "metadata.topics_info")),
    Parameter("intents", _E, _PRE, "rules: a request verb (call, send, book...) and its object, per sentence", fields=("results.intents", "metadata.intents_info")),
    Parameter("custom_topic", _W, _PRE, "custom topics are not emulated (topics=true gives the emulator's own)", "weather"),
    Parameter("custom_topic_mode", _W, _PRE, "custom topics are not emulated", "strict"),
    Parameter("custom_intent", _W, _PRE, "custom intents are not emulated (intents=true gives the emulator's own)", "cancel order"),
    Parameter("custom_intent_mode", _W, _PRE, "custom intents are not emulated", "strict"),
)  # fmt: skip

PARAMETERS: Mapping[str, Parameter] = MappingProxyType({p.name: p for p in _TABLE})

ENGLISH = "en"
REDACT_EMULATED = frozenset({"true", "numbers", "aggressive_numbers", "ssn", "pci", "pii"})
_FALSE = "false"


def _applies(parameter: Parameter, streaming: bool) -> bool:
    return parameter.mode is Mode.BOTH or (parameter.mode is Mode.LIVE) == streaming


def is_english(language: str) -> bool:
    """`en`, `en-US`, `en_GB`...: what PocketSphinx's en-us model can recognise."""
    return language.strip().lower().replace("_", "-").split("-")[0] == ENGLISH


def listen_warnings(
    pairs: Sequence[tuple[str, str]], *, streaming: bool
) -> tuple[ListenWarning, ...]:
    """The warnings for a request's query, one per parameter, in the order first given.

    A warned parameter given as `false` (its default: nothing asked) is not warned about."""
    values: dict[str, list[str]] = {}
    for key, value in pairs:
        values.setdefault(key, []).append(value)
    warnings: list[ListenWarning] = []
    for name, given in values.items():
        warning = _warning(name, given, streaming)
        if warning is not None:
            warnings.append(warning)
    return tuple(warnings)


def _warning(name: str, given: list[str], streaming: bool) -> ListenWarning | None:
    parameter = PARAMETERS.get(name)
    if parameter is None:
        mode = "streaming" if streaming else "pre-recorded"
        return ListenWarning(
            name,
            WarningType.UNKNOWN_PARAMETER,
            f"{name} is not a Deepgram /v1/listen parameter for {mode} audio; it was ignored",
        )
    if not _applies(parameter, streaming):
        where = "pre-recorded requests" if parameter.mode is Mode.PRERECORDED else "live streams"
        return ListenWarning(
            name,
            WarningType.WRONG_MODE,
            f"{name} applies to {where} only (Deepgram's specs); it was ignored here",
        )
    if parameter.handling is Handling.WARNED:
        if all(v.strip().lower() == _FALSE for v in given):
            return None
        return ListenWarning(name, WarningType.NOT_EMULATED, f"{name} was ignored: {parameter.how}")
    return _value_warning(name, given)


def _value_warning(name: str, given: list[str]) -> ListenWarning | None:
    """Emulated parameters with values the emulator cannot honour."""
    last = given[-1].strip()
    if name == "language" and last and not is_english(last):
        return ListenWarning(
            name,
            WarningType.UNSUPPORTED_LANGUAGE,
            f"language={last} was answered in English: the emulator recognises English only",
        )
    if name == "version" and last.lower() not in ("", "latest"):
        return ListenWarning(
            name,
            WarningType.NOT_EMULATED,
            f"version={last} was answered by the emulator's one model version (latest)",
        )
    if name == "redact":
        unknown = sorted(
            {v.strip().lower() for raw in given for v in raw.split(",")}
            - REDACT_EMULATED
            - {_FALSE, ""}
        )
        if unknown:
            return ListenWarning(
                name,
                WarningType.NOT_EMULATED,
                f"redact={','.join(unknown)} was not applied: the emulator redacts "
                + ", ".join(sorted(REDACT_EMULATED)),
            )
    if name == "detect_language":
        asked = {v.strip().lower() for v in given} - {"true", _FALSE}
        if asked and not any(is_english(v) for v in asked):
            return ListenWarning(
                name,
                WarningType.UNSUPPORTED_LANGUAGE,
                "detect_language: the emulator can only tell English, which was not among "
                + ", ".join(sorted(asked)),
            )
    return None
