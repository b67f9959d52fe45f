"""The official Deepgram SDK pointed at an emulator, whichever major version is installed.

3.x and 4.x take a base URL through `DeepgramClientOptions(url=...)` (REST and live alike);
5.x and later, generated, through a `DeepgramClientEnvironment` whose fields changed (7.x added
`agent_rest`). Checked with 3.11.0, 4.8.1, 5.3.4, 6.1.1 and 7.17.0:
tests/testing/sdk_versions/check.py.
"""

from __future__ import annotations

import importlib.metadata
import inspect
from typing import Any


def _sdk() -> Any:
    try:
        import deepgram
    except ImportError:
        raise ImportError(
            "the official Deepgram SDK is not installed: pip install deepgram-sdk"
        ) from None
    return deepgram


def _version() -> str:
    try:
        return importlib.metadata.version("deepgram-sdk")
    except importlib.metadata.PackageNotFoundError:
        return "(version unknown)"


def client(url: str, ws_url: str, api_key: str, **kwargs: Any) -> Any:
    """A `deepgram.DeepgramClient` of the installed SDK for the emulator at `url`."""
    deepgram = _sdk()
    if hasattr(deepgram, "DeepgramClientEnvironment"):  # 5.x and later (generated)
        return deepgram.DeepgramClient(
            api_key=api_key, environment=environment(url, ws_url), **kwargs
        )
    return deepgram.DeepgramClient(api_key, options(url, **kwargs))


def environment(url: str, ws_url: str) -> Any:
    """A `deepgram.DeepgramClientEnvironment` (5.x to 7.x) with only the fields it takes."""
    made = getattr(_sdk(), "DeepgramClientEnvironment", None)
    if made is None:
        raise TypeError(
            f"deepgram-sdk {_version()} has no DeepgramClientEnvironment (5.x and later do): "
            "use sdk_options(), or sdk_client() for any version"
        )
    urls = {"base": url, "production": ws_url, "agent": ws_url}
    urls["agent_rest"] = url  # 7.x; 5.x and 6.x take only the first three
    accepted = inspect.signature(made).parameters
    return made(**{name: value for name, value in urls.items() if name in accepted})


def options(url: str, **more: Any) -> Any:
    """`deepgram.DeepgramClientOptions` (3.x and 4.x) for the emulator at `url`."""
    made = getattr(_sdk(), "DeepgramClientOptions", None)
    if made is None:
        raise TypeError(
            f"deepgram-sdk {_version()} has no DeepgramClientOptions (3.x and 4.x do): "
            "use sdk_environment(), or sdk_client() for any version"
        )
    return made(url=url, **more)
