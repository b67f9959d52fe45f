"""The public URL / guard / forward flags: a bad value exits 2 naming the flag."""

from __future__ import annotations

import pytest

from inspector.cli import main


@pytest.mark.parametrize(
    ("flags", "said"),
    [
        (["--public", "localtunnel"], "--public 'localtunnel'"),
        (["--public-url", "ftp://x"], "--public-url"),
        (["--public", "ngrok", "--public-url", "https://x.example"], "not both"),
        (["--require-basic-auth", "nopass"], "--require-basic-auth"),
        (["--require-dg-token", "abc"], "--require-dg-token"),
        (["--callback-secret", "short"], "--callback-secret"),
        (["--forward-to", "ws://127.0.0.1:1"], "forward URL"),
        (["--probe-connect-to", "a:1"], "--probe-connect-to"),
    ],
)
def test_bad_flags_exit_2_naming_the_flag(capsys, flags, said):
    with pytest.raises(SystemExit) as exited:
        main(["serve", "--port", "0", "--no-emulator", *flags])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert said in err and "Traceback" not in err
