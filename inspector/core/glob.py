"""Shell-style globs for paths and header values: `/hook*`, `00000000-*`, `/v[12]/cb`.

`*` is any run of characters (`/` included: a path glob `/hook*` matches `/hook/a/b`), `?`
one character, `[abc]` / `[a-z]` / `[!abc]` one of a set, `\\` makes the next character
literal. The whole text must match. Unlike `fnmatch`, a mistake is an error rather than a
literal: an unclosed `[` or an empty `[]` raises `GlobError` saying where, so a rules file
with `/hook[` is refused instead of silently never matching.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


class GlobError(ValueError):
    """A glob that cannot mean what its author meant."""


def _translate(pattern: str) -> str:
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        i += 1
        if c == "*":
            out.append(".*")
        elif c == "?":
            out.append(".")
        elif c == "\\":
            if i == n:
                raise GlobError(f"glob {pattern!r} ends with a lone \\ (escape what?)")
            out.append(re.escape(pattern[i]))
            i += 1
        elif c == "[":
            start = i
            negate = i < n and pattern[i] == "!"
            if negate:
                i += 1
            # A `]` right after `[` or `[!` is a member, as in fnmatch.
            if i < n and pattern[i] == "]":
                i += 1
            while i < n and pattern[i] != "]":
                i += 1
            if i >= n:
                raise GlobError(f"glob {pattern!r}: the [ at character {start} is never closed")
            members = pattern[start + (1 if negate else 0) : i]
            i += 1
            if not members:
                raise GlobError(f"glob {pattern!r}: empty set [] at character {start}")
            body = "".join("\\" + m if m in "\\^[]" else m for m in members)
            try:
                re.compile(f"[{body}]")
            except re.error as exc:
                raise GlobError(
                    f"glob {pattern!r}: bad set at character {start} ({exc.msg})"
                ) from None
            out.append(f"[{'^' if negate else ''}{body}]")
        else:
            out.append(re.escape(c))
    return "".join(out)


def escape(text: str) -> str:
    """A glob matching exactly `text`."""
    return "".join("\\" + c if c in "*?[\\" else c for c in text)


@dataclass(frozen=True)
class Glob:
    """A checked glob; equal globs have equal text."""

    pattern: str
    _regex: re.Pattern[str] = field(compare=False, repr=False, hash=False)

    @classmethod
    def parse(cls, pattern: str) -> Glob:
        return cls(pattern, re.compile(_translate(pattern), re.DOTALL))

    def matches(self, text: str) -> bool:
        return self._regex.fullmatch(text) is not None
