"""Reading cloudflared's log, and the public URL's settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from inspector.core.public_url import (
    ConnectTo,
    PublicUrlSettingError,
    PublicUrlSettings,
    cloudflared_command,
    parse_connect_to,
    read_cloudflared_line,
)

# cloudflared 2024.x, `tunnel --url http://127.0.0.1:8080 --no-autoupdate`, as on its stderr.
LOGS = Path(__file__).parent.parent / "data" / "cloudflared"
QUICK_TUNNEL_LOG = (LOGS / "quick-tunnel.log").read_text()
FAILURE_LOG = (LOGS / "failure.log").read_text()


def test_the_tunnel_url_is_found_and_the_docs_link_of_the_first_line_is_not_it():
    read = [read_cloudflared_line(line) for line in QUICK_TUNNEL_LOG.splitlines()]
    assert read[0].url is None and read[0].failure is None
    assert [r.url for r in read if r.url] == [
        "https://seasonal-deck-organisms-sf.trycloudflare.com"
    ]


def test_the_failure_line_is_reported_as_cloudflared_wrote_it():
    lines = FAILURE_LOG.splitlines()
    assert read_cloudflared_line(lines[0]).failure is None
    failure = read_cloudflared_line(lines[1])
    assert failure.url is None and failure.failure == lines[1]


def test_a_timestamped_failure_loses_its_prefix_only():
    line = (
        "2024-05-02T09:20:11Z ERR failed to request quick Tunnel: "
        'Post "https://api.trycloudflare.com/tunnel": EOF'
    )
    assert read_cloudflared_line(line).failure == (
        'failed to request quick Tunnel: Post "https://api.trycloudflare.com/tunnel": EOF'
    )


def test_error_level_lines_are_errors_but_not_failures():
    line = "2024-05-02T09:14:55Z ERR Failed to dial a quic connection error=timeout connIndex=1"
    read = read_cloudflared_line(line)
    assert read.error is not None and read.failure is None and read.url is None


def test_the_command_is_a_quick_tunnel_without_autoupdate():
    assert cloudflared_command("/usr/bin/cloudflared", "http://127.0.0.1:8080") == [
        "/usr/bin/cloudflared",
        "tunnel",
        "--url",
        "http://127.0.0.1:8080",
        "--no-autoupdate",
    ]


def test_connect_to_reads_like_curls():
    assert parse_connect_to("a.trycloudflare.com:443:127.0.0.1:8443") == ConnectTo(
        "a.trycloudflare.com", 443, "127.0.0.1", 8443
    )
    for bad in ("a:443", "a:x:b:1", "a:443:b:70000"):
        with pytest.raises(PublicUrlSettingError):
            parse_connect_to(bad)


@pytest.mark.parametrize(
    "settings",
    [
        PublicUrlSettings(provider="localtunnel"),
        PublicUrlSettings(provider="ngrok", url="https://x.example"),
        PublicUrlSettings(url="ftp://x.example"),
        PublicUrlSettings(url="https://u:p@x.example"),
    ],
)
def test_bad_public_url_settings_say_what_to_do(settings):
    with pytest.raises(PublicUrlSettingError):
        settings.check()


def test_the_chosen_provider():
    assert PublicUrlSettings(url="https://h.example").chosen == "url"
    assert PublicUrlSettings(provider="cloudflared").chosen == "cloudflared"
    assert PublicUrlSettings().chosen is None
