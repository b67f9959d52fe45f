"""Paths into a JSON body: `metadata.request_id`, `results.channels[0].alternatives[0].transcript`.

A path is names joined by dots, each optionally followed by array steps: `[2]` (an index,
negative from the end), `[*]` (every element). A name with dots or brackets in it is
written quoted in brackets: `metadata.extra["callback.secret"]`. `find` returns every value
the path reaches (several with `[*]`, none when a step is missing), never raising on any JSON.
A malformed path raises `JsonPathError` naming the character where it goes wrong.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any


class JsonPathError(ValueError):
    """A path that cannot be read."""


class _Every:
    """The `[*]` step (a class of its own: a quoted name `["*"]` is a plain key)."""

    def __repr__(self) -> str:
        return "[*]"


EVERY = _Every()
_NAME = re.compile(r"[A-Za-z0-9_\-$@]+")

Step = str | int | _Every  # a key, an index, or EVERY


def _parse(text: str) -> tuple[Step, ...]:
    if not text:
        raise JsonPathError("an empty JSON path (expected e.g. metadata.request_id)")
    steps: list[Step] = []
    i, n = 0, len(text)
    expect_name = True  # at the start and after a dot
    while i < n:
        c = text[i]
        if c == "[":
            close = _bracket(text, i)
            inner = text[i + 1 : close]
            if inner == "*":
                steps.append(EVERY)
            elif inner.startswith('"'):
                try:
                    key = json.loads(inner)
                except ValueError:
                    raise JsonPathError(
                        f"JSON path {text!r}: bad quoted name {inner} at character {i}"
                    ) from None
                steps.append(str(key))
            else:
                try:
                    steps.append(int(inner))
                except ValueError:
                    raise JsonPathError(
                        f"JSON path {text!r}: [{inner}] at character {i} is not an index "
                        '(a number, *, or a quoted name like ["a.b"])'
                    ) from None
            i = close + 1
            expect_name = False
        elif c == ".":
            if expect_name:
                raise JsonPathError(f"JSON path {text!r}: a name is missing at character {i}")
            i += 1
            expect_name = True
            if i == n:
                raise JsonPathError(f"JSON path {text!r} ends with a dot")
        else:
            if not expect_name:
                raise JsonPathError(
                    f"JSON path {text!r}: expected . or [ at character {i}, found {c!r}"
                )
            match = _NAME.match(text, i)
            if match is None:
                raise JsonPathError(
                    f"JSON path {text!r}: {c!r} at character {i} cannot be in a name "
                    '(quote such a name: ["a b"])'
                )
            steps.append(match.group())
            i = match.end()
            expect_name = False
    return tuple(steps)


def _bracket(text: str, start: int) -> int:
    """The index of the `]` closing the `[` at `start` (a quoted name may contain `]`)."""
    i = start + 1
    if i < len(text) and text[i] == '"':
        i += 1
        while i < len(text) and text[i] != '"':
            i += 2 if text[i] == "\\" else 1
        i += 1
    close = text.find("]", i)
    if close < 0:
        raise JsonPathError(f"JSON path {text!r}: the [ at character {start} is never closed")
    return close


@dataclass(frozen=True)
class JsonPath:
    text: str
    steps: tuple[Step, ...]

    @classmethod
    def parse(cls, text: str) -> JsonPath:
        return cls(text, _parse(text))

    def find(self, data: Any) -> list[Any]:
        """Every value this path reaches in `data` (decoded JSON)."""
        if EVERY in self.steps:
            return list(_walk(data, self.steps))
        # One value at most: a loop, not a generator per step (rules walk this per request).
        value = data
        for step in self.steps:
            if isinstance(step, int):
                if not (isinstance(value, list) and -len(value) <= step < len(value)):
                    return []
            elif not (isinstance(value, dict) and step in value):
                return []
            value = value[step]
        return [value]


def _walk(value: Any, steps: tuple[Step, ...]) -> Iterator[Any]:
    if not steps:
        yield value
        return
    step, rest = steps[0], steps[1:]
    if step is EVERY:
        if isinstance(value, list):
            for item in value:
                yield from _walk(item, rest)
        elif isinstance(value, dict):
            for item in value.values():
                yield from _walk(item, rest)
    elif isinstance(step, int):
        if isinstance(value, list) and -len(value) <= step < len(value):
            yield from _walk(value[step], rest)
    elif isinstance(value, dict) and step in value:
        yield from _walk(value[step], rest)
