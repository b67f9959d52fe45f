"""Soak: `callback-inspector serve --data-dir` for an hour at 200 req/s, WebSockets mixed in.

`make soak` runs `python bench/soak.py --minutes 60`. serve runs on 127.0.0.1 port 0 without
the emulator, writing every request to a session file in a temporary directory; a load
generator in its own process sends 2 KB Deepgram-callback-like POSTs on an absolute schedule
(distinct request_ids, every 10th slot a retried attempt) and a few WebSockets a second, plus
two long-lived ones (tests/soak_driver.py, shared with tests/e2e/test_soak.py). Every minute it
prints elapsed time, requests sent and answered, and serve's RSS, open fds, threads and session
size; at the end memory and fds at the start, the baseline minute (5, or half a shorter run) and
the end, the growth (end vs baseline; goal < 10 %), and a JSON summary (--json).

    python bench/soak.py [--minutes 60] [--rate 200] [--json bench/results/soak-last.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from tests.soak_driver import Sample, SoakReport, run_soak  # noqa: E402

GROWTH_GOAL_PCT = 10.0


def print_report(report: SoakReport) -> None:
    def row(name: str, s: Sample) -> str:
        return (
            f"  {name:<22} RSS {s.rss_kb / 1024:7.1f} MB   fds {s.fds:>4}   threads {s.threads:>3}"
        )

    print()
    print(row("start", report.start))
    print(row(f"baseline ({report.baseline_minute:g} min)", report.baseline))
    print(row("end", report.end))
    verdict = "flat" if report.growth_pct < GROWTH_GOAL_PCT else "GROWS"
    print(
        f"  RSS growth end vs baseline: {report.growth_pct:+.1f} % "
        f"(goal < {GROWTH_GOAL_PCT:g} %: {verdict})"
    )
    print(
        f"  requests: {report.requests_sent:,} sent, {report.requests_answered:,} answered, "
        f"{report.requests_failed} failed, {report.retries_sent:,} retries; serve printed "
        f"{report.serve_requests:,}; attempt numbers checked {report.attempts_checked:,}, "
        f"wrong {report.attempt_mismatches}; probes {report.probes}"
    )
    print(
        f"  websockets: {report.websockets:,} opened, {report.websockets_closed:,} closed, "
        f"{report.websockets_failed} failed, {report.ws_messages_sent:,} messages; serve saw "
        f"{report.serve_ws_opened:,} open / {report.serve_ws_closed:,} close / "
        f"{report.serve_ws_messages:,} messages; live at the end "
        f"{report.ws_live_before_long_lived_closed} (long-lived {report.long_lived}), "
        f"then {report.ws_live_end}"
    )
    print(f"  generator's largest lag behind its schedule: {report.max_lag_ms} ms")
    for error in report.errors:
        print(f"  error: {error}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--rate", type=float, default=200.0, help="requests per second")
    parser.add_argument(
        "--json", type=Path, default=REPO / "bench" / "results" / "soak-last.json", metavar="PATH"
    )
    args = parser.parse_args(argv)
    if not 0 < args.rate <= 2000 or not 0 < args.minutes <= 24 * 60:
        parser.error("--rate must be in (0, 2000] and --minutes in (0, 1440]")
    print(
        f"soak: serve --data-dir on 127.0.0.1, {args.rate:g} req/s for {args.minutes:g} min, "
        "WebSockets mixed in",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="soak-") as data_dir:
        report = run_soak(
            Path(data_dir),
            minutes=args.minutes,
            rate=args.rate,
            on_sample=lambda s: print(s.line(), flush=True),
        )
    print_report(report)
    summary = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "rate": args.rate,
        **report.summary(),
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(summary, indent=2) + "\n")
    print(f"summary: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
