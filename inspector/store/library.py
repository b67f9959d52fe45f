"""The sessions directory: one file per session, named by its start time.

Default location: the user's data directory per platformdirs (XDG on Linux:
`~/.local/share/callback-inspector/sessions`). One bad file never hides the others: `list()`
flags it with the reason and goes on.
"""

from __future__ import annotations

import builtins
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .schema import SessionFileError
from .session import SessionWriter
from .session_reader import SessionReader

SUFFIX = ".cisession"
_ID = re.compile(r"^[0-9A-Za-z_.-]+$")


def default_data_dir() -> Path:
    import platformdirs  # a declared dependency; imported here so store stays light

    return Path(platformdirs.user_data_dir("callback-inspector"))


class SessionNotFoundError(LookupError):
    def __init__(self, session_id: str, directory: Path) -> None:
        self.session_id = session_id
        if session_id == "latest":
            super().__init__(f"no readable session in {directory} (none saved yet?)")
        else:
            super().__init__(f"no session {session_id!r} in {directory}")


@dataclass(frozen=True)
class SessionInfo:
    id: str
    path: Path
    size: int  # bytes on disk, WAL included
    started: float | None  # None when the file cannot be read
    count: int | None
    read_only: bool = False
    source: str = ""
    error: str | None = None  # why the file cannot be opened; None when it can


class SessionLibrary:
    def __init__(self, data_dir: str | Path | None = None) -> None:
        self.data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
        self.directory = self.data_dir / "sessions"

    def path_of(self, session_id: str) -> Path:
        if not _ID.match(session_id) or session_id in (".", ".."):
            raise SessionNotFoundError(session_id, self.directory)
        return self.directory / f"{session_id}{SUFFIX}"

    def create(
        self, *, source: str = "capture", read_only: bool = False, started: float | None = None
    ) -> SessionWriter:
        """A new session file named by its start time (UTC), open for writing."""
        started = time.time() if started is None else started
        self.directory.mkdir(parents=True, exist_ok=True)
        stem = datetime.fromtimestamp(started, UTC).strftime("%Y-%m-%d_%H-%M-%S")
        for n in range(1, 10_000):
            session_id = stem if n == 1 else f"{stem}_{n}"
            path = self.path_of(session_id)
            try:
                path.open("xb").close()  # claim the name atomically
            except FileExistsError:
                continue
            return SessionWriter(path, source=source, read_only=read_only, started=started)
        raise SessionFileError(self.directory, f"too many sessions started at {stem}")

    def list(self) -> list[SessionInfo]:
        """Every session, newest first; unreadable ones are listed with `error` set."""
        if not self.directory.is_dir():
            return []
        infos = [self._info(path) for path in self.directory.glob(f"*{SUFFIX}")]
        return sorted(infos, key=lambda i: (i.started or 0.0, i.id), reverse=True)

    def _info(self, path: Path) -> SessionInfo:
        session_id = path.name[: -len(SUFFIX)]
        size = sum(p.stat().st_size for p in _files_of(path) if p.exists())
        try:
            with SessionReader(path) as reader:
                meta = reader.meta()
                count = reader.count()
        except SessionFileError as exc:
            return SessionInfo(session_id, path, size, None, None, error=exc.reason)
        return SessionInfo(session_id, path, size, meta.started, count, meta.read_only, meta.source)

    def latest(self) -> SessionInfo | None:
        """The newest session that can be opened, or None."""
        return next((i for i in self.list() if i.error is None), None)

    def open(self, session_id: str) -> SessionReader:
        """A reader for `session_id` ("latest" for the newest readable one)."""
        if session_id == "latest":
            info = self.latest()
            if info is None:
                raise SessionNotFoundError(session_id, self.directory)
            return SessionReader(info.path)
        path = self.path_of(session_id)
        if not path.exists():
            raise SessionNotFoundError(session_id, self.directory)
        return SessionReader(path)

    def delete(self, session_id: str) -> None:
        path = self.path_of(session_id)
        if not path.exists():
            raise SessionNotFoundError(session_id, self.directory)
        for p in _files_of(path):
            p.unlink(missing_ok=True)

    def prune(
        self, keep: int, *, current: str | None = None, source: str = "capture"
    ) -> builtins.list[str]:
        """Delete the oldest captured sessions beyond the newest `keep`; their ids.

        The retention limit of issue 6. Imported sessions and files that cannot be read are
        never deleted here (the user may want them back); `current` (the session being
        written) always stays. `source` chooses the kind pruned: sessions whose source is it
        or starts with it (`"check:"`: the handler check's runs, one per URL checked).
        """
        captures = [
            i
            for i in self.list()
            if i.error is None
            and (i.source == source or (source.endswith(":") and i.source.startswith(source)))
            and i.id != current
        ]
        room = max(0, keep - (1 if current is not None else 0))
        doomed = [i.id for i in captures[room:]]
        for session_id in doomed:
            self.delete(session_id)
        return doomed


def _files_of(path: Path) -> list[Path]:
    return [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
