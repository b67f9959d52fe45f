"""The words of a live stream so far, from its Results messages as they come: the final
results' transcripts in order, then the latest interim one (which the next final replaces),
as a listener of a callback socket would show them."""

from __future__ import annotations

from dataclasses import dataclass, field

from .body_view import view_body


@dataclass
class StreamWords:
    finals: list[str] = field(default_factory=list)
    interim: str = ""

    def add(self, data: bytes) -> bool:
        """Take one message; True when the words shown changed."""
        view = view_body(data)
        if view.message_type != "Results":
            return False
        words = (view.transcript or "").strip()
        before = self.text
        if view.is_final:
            self.interim = ""
            if words:
                self.finals.append(words)
        else:
            self.interim = words
        return self.text != before

    @property
    def text(self) -> str:
        return " ".join([*self.finals, self.interim] if self.interim else self.finals)
