"""The flags of issue 13 for `serve` and `gui`: a public URL, the receiver's guards, and
forwarding to the user's app. Built from the settings dataclasses, like every other flag."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from .core.forward import ForwardSettings, ForwardUrlError
from .core.guard import GuardSettingError, GuardSettings
from .core.public_url import PublicUrlSettingError, PublicUrlSettings
from .settings_flags import add_settings_flags, settings_from_args

GROUP_TITLE = "public URL, guards and forwarding to your app"
GROUP_HELP = (
    "Put the receiver behind a public URL the real Deepgram can reach (its callback URL then "
    "carries a secret path), require basic auth or a dg-token, and send every request on to "
    "your own handler, whose reply is what the sender gets."
)


def add_public_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(GROUP_TITLE, GROUP_HELP)
    for cls in (PublicUrlSettings, GuardSettings, ForwardSettings):
        add_settings_flags(group, cls)


def public_settings_from_args(args: argparse.Namespace) -> dict[str, Any]:
    """`forward`, `guard` and `public` for EngineSettings; a bad value exits 2 saying which
    flag and why (before anything starts)."""
    try:
        forward = settings_from_args(args, ForwardSettings).check()
        guard = settings_from_args(args, GuardSettings).check()
        public = settings_from_args(args, PublicUrlSettings).check()
    except (ForwardUrlError, GuardSettingError, PublicUrlSettingError) as exc:
        print(f"callback-inspector: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    return {"forward": forward, "guard": guard, "public": public if public.chosen else None}
