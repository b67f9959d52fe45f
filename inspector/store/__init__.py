"""Persistence and interchange: session files (SQLite), HAR, cURL, diff. Imports core only."""

from .library import SessionInfo, SessionLibrary, SessionNotFoundError, default_data_dir
from .schema import SCHEMA_VERSION, SessionFileError
from .session import SessionWriter
from .session_reader import SessionMeta, SessionReader

__all__ = [
    "SCHEMA_VERSION",
    "SessionFileError",
    "SessionInfo",
    "SessionLibrary",
    "SessionMeta",
    "SessionNotFoundError",
    "SessionReader",
    "SessionWriter",
    "default_data_dir",
]
