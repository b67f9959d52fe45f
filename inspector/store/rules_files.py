"""Rules files on disk: `serve --rules FILE` and the window's import/export.

The format and its checks are `core/rules_file.py`; this reads and writes the bytes, and turns
what goes wrong with the file itself (missing, unreadable, not UTF-8, absurdly large) into the
same `RulesFileError` a mistake inside it gives.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from ..core.rules import Rule
from ..core.rules_file import RulesFileError, dump_rules, load_rules

MAX_RULES_FILE = 1024 * 1024  # bytes: a rules file is a few KB; anything this big is a mistake


def read_rules_file(path: str | os.PathLike[str]) -> tuple[Rule, ...]:
    file = Path(path)
    source = str(file)
    try:
        with file.open("rb") as f:
            data = f.read(MAX_RULES_FILE + 1)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise RulesFileError(source, None, None, f"cannot be read ({reason})") from None
    if len(data) > MAX_RULES_FILE:
        raise RulesFileError(source, None, None, f"over {MAX_RULES_FILE} bytes: not a rules file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise RulesFileError(source, line, None, "not UTF-8 text (TOML files are UTF-8)") from None
    return load_rules(text, source)


def write_rules_file(path: str | os.PathLike[str], rules: Sequence[Rule]) -> None:
    """Write `rules` to `path` whole or not at all (a temporary file, then a rename)."""
    file = Path(path)
    temporary = file.with_name(f".{file.name}.tmp")
    temporary.write_text(dump_rules(rules), encoding="utf-8")
    os.replace(temporary, file)
