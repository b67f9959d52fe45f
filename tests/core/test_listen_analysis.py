"""Understanding features of a pre-recorded reply: their Deepgram shapes and named methods."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qsl

from inspector.core.entities import find_entities
from inspector.core.intents import intent_of
from inspector.core.listen_analysis import method_uuid
from inspector.core.listen_options import parse_listen_options
from inspector.core.listen_response import build_listen_response
from inspector.core.sentiment import label, score
from inspector.core.summary import summarize
from inspector.core.transcript import Transcription, Word
from inspector.core.word_tokens import tokens_of
from tests.deepgram_schemas import undeclared_rest_properties, validate_rest


def _words(*sentences: str) -> tuple[Word, ...]:
    out, t = [], 0.0
    for sentence in sentences:
        for w in sentence.split():
            out.append(Word(w, round(t, 3), round(t + 0.3, 3), 0.8))
            t += 0.4
        t += 3.0  # a pause: a new sentence and paragraph
    return tuple(out)


TALK = _words(
    "the weather is lovely and the garden is wonderful",
    "the garden needs water every morning",
    "please send the invoice to mary",
)


def _reply(query: str) -> dict:
    options = parse_listen_options(parse_qsl(query), streaming=False)
    body = build_listen_response(
        Transcription(TALK, 16.0, 1, "ab" * 32),
        options,
        request_id="0b9c6a0e-3c5f-4a55-9d3e-7f1a2b3c4d5e",
        created=datetime(2026, 7, 1, tzinfo=UTC),
    )
    validate_rest("ListenV1Response", body)
    return body


def test_sentiment_scores_each_sentence_with_vader_and_averages_by_words() -> None:
    body = _reply("sentiment=true")
    sentiments = body["results"]["sentiments"]
    first = sentiments["segments"][0]
    assert first["sentiment"] == "positive" and first["sentiment_score"] > 0.333
    assert (first["start_word"], first["end_word"]) == (0, 8)
    assert sentiments["average"]["sentiment"] in ("positive", "neutral", "negative")
    assert label(score("this is terrible and awful")) == "negative"
    info = body["metadata"]["sentiment_info"]
    assert info["model_uuid"] == method_uuid("vader") and info["input_tokens"] == len(TALK)
    assert body["metadata"]["model_info"][info["model_uuid"]]["name"] == "vader"


def test_summaries_are_extracted_sentences_v2_and_v1_shapes() -> None:
    v2 = _reply("summarize=v2")["results"]["summary"]
    # "garden" twice: the first sentence has the highest mean content-word frequency.
    assert v2 == {"result": "success", "short": "the weather is lovely and the garden is wonderful"}
    assert summarize(["a b", "garden garden", "garden water"]) in ([1], [2])
    v1 = _reply("summarize=true")["results"]["channels"][0]["alternatives"][0]["summaries"]
    assert v1[0]["summary"] and v1[0]["start_word"] <= v1[0]["end_word"]


def test_topics_intents_and_entities_from_the_words() -> None:
    body = _reply("topics=true&intents=true&detect_entities=true")
    topic_segments = body["results"]["topics"]["segments"]
    assert "garden" in [t["topic"] for s in topic_segments for t in s["topics"]]
    intents = body["results"]["intents"]["segments"]
    assert [i["intent"] for s in intents for i in s["intents"]] == ["Send invoice"]
    entities = body["results"]["channels"][0]["alternatives"][0]["entities"]
    assert [(e["label"], e["value"]) for e in entities] == [("TIME", "morning"), ("NAME", "Mary")]
    assert intent_of("call me back tomorrow".split()) == "Request callback"
    # Deepgram sends topics.segments (the SDK's SharedTopics); the openapi copy nests it.
    assert "results.topics.segments" in undeclared_rest_properties("ListenV1Response", body)


def test_entities_number_date_and_time_spans_index_the_words() -> None:
    found = find_entities(tokens_of(_words("call at nine o'clock on monday march five")))
    assert [(e["label"], e["value"], e["start_word"], e["end_word"]) for e in found] == [
        ("TIME", "9 o'clock", 2, 4),
        ("DATE", "monday", 5, 6),
        ("DATE", "march five", 6, 8),
    ]


def test_detect_language_says_english_with_a_confidence() -> None:
    channel = _reply("detect_language=true")["results"]["channels"][0]
    assert channel["detected_language"] == "en"
    assert 0 < channel["language_confidence"] <= 1
