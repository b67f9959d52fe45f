"""Test your Deepgram callback handlers against a real, offline Deepgram.

```python
from inspector.testing import CallbackReceiver, DeepgramEmulator, sample_audio

with DeepgramEmulator() as deepgram, CallbackReceiver() as receiver:
    reply = deepgram.submit(sample_audio("numbers"), callback=receiver.url + "/hook")
    [callback] = receiver.wait_for(request_id=reply["request_id"])
    assert "three" in callback.transcript
```

`DeepgramEmulator` is Deepgram's `/v1/listen` with real speech recognition, callbacks,
retries and live streams, and Deepgram's failures on demand (`fail_next(429)`,
`drop_next_stream(2)`, `delay_callbacks(5)`). `CallbackReceiver` is a callback URL that records
what arrives. Both listen on 127.0.0.1 on a free port, on a background thread, from `with`
to its end. With pytest they are fixtures (`deepgram_emulator`, `callback_receiver`,
`deepgram_emulator_session`): installing callback-inspector is all it takes. The reference:
docs/testing.md.
"""

from __future__ import annotations

from ..core.basic_auth import BasicAuth
from ..core.emulator_faults import EmulatorFaults
from .emulator import (
    Attempt,
    DeepgramApiError,
    DeepgramEmulator,
    Injection,
    Job,
    Rejection,
    Stream,
)
from .receiver import Callback, CallbackMessage, CallbackReceiver
from .samples import SAMPLE_NAMES, sample_audio, sample_path, sample_words, silence
from .waiting import WaitTimeout

__all__ = [
    "SAMPLE_NAMES",
    "Attempt",
    "BasicAuth",
    "Callback",
    "CallbackMessage",
    "CallbackReceiver",
    "DeepgramApiError",
    "DeepgramEmulator",
    "EmulatorFaults",
    "Injection",
    "Job",
    "Rejection",
    "Stream",
    "WaitTimeout",
    "sample_audio",
    "sample_path",
    "sample_words",
    "silence",
]
