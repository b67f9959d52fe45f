"""What reply rules cost the receiver: `rules.decide` in-process, and `serve --rules` over HTTP.

In-process (no network): the time `core.rules.decide` takes for one request, per rule list:
none; the issue's four-rule file; 50 rules none of which matches (method, path glob, header
glob, query: the cheap tests first); 50 rules where only the last matches, by a JSON-body
path and the transcript (each rule decodes nothing again: the body is decoded once per
request). Baseline, same run: `view_body` of the same 2 KB body, which the receiver does for
every request anyway. Medians of 7 runs of 20,000 calls.

Over HTTP: `serve --no-emulator` with no rules, and with the 50-rule file whose last rule
answers (so every request walks all 50), against the bare aiohttp catch-all, the same load
(bench/loadgen.py: wrk when present), interleaved trials, medians.

    python bench/rules.py [--seconds 5] [--trials 3] [--no-http]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))

from inspector.core.body_view import view_body
from inspector.core.rules import Request, decide
from inspector.core.rules_file import load_rules

BODY = json.dumps(
    {
        "metadata": {"request_id": "bench-0000"},
        "results": {"channels": [{"alternatives": [{"transcript": "one two three"}]}]},
        "padding": "x" * 1900,
    }
).encode()
HEADERS = (("Content-Type", "application/json"), ("dg-token", "5b0f5a3e-0000"))

ISSUE_FILE = (Path(__file__).resolve().parents[1] / "examples" / "rules.toml").read_text()


def fifty_rules(last_matches: bool) -> str:
    """49 rules that never match a POST to /bench, then one that does (or does not)."""
    kinds = [
        'match = {{ method = "PUT", path = "/put{n}*" }}',
        'match = {{ path = "/hook{n}/*" }}',
        'match = {{ header = {{ "x-tenant" = "t{n}-*" }} }}',
        'match = {{ query = {{ job = "{n}" }} }}',
        'match = {{ path = "/b*", body = {{ "metadata.request_id" = "other-{n}" }} }}',
    ]
    parts = [
        f'[[rule]]\nname = "r{n}"\n{kinds[n % len(kinds)].format(n=n)}\nstatus = 500\n'
        for n in range(49)
    ]
    wanted = "bench-0000" if last_matches else "nobody"
    parts.append(
        '[[rule]]\nname = "last"\nmatch = { path = "/bench*", '
        f'body = {{ "metadata.request_id" = "{wanted}" }}, transcript = "two" }}\nstatus = 200\n'
    )
    return "\n".join(parts)


def per_call_us(fn: Callable[[], object], calls: int = 20_000, runs: int = 7) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        times.append((time.perf_counter() - start) / calls * 1e6)
    return statistics.median(times)


def in_process() -> None:
    def request() -> Request:  # a new Request each call: nothing cached across requests
        return Request("POST", "/bench?n=1", HEADERS, BODY, view_body(BODY))

    baseline = per_call_us(lambda: view_body(BODY))
    lists = {
        "no rules": (),
        "the issue's 4-rule file": load_rules(ISSUE_FILE),
        "50 rules, none matches": load_rules(fifty_rules(last_matches=False)),
        "50 rules, the last matches (body, transcript)": load_rules(fifty_rules(True)),
    }
    print(f"{'decide() per request, in-process':<52}{'µs':>8}{'x view_body':>13}")
    print(f"{'view_body of the 2 KB body (baseline)':<52}{baseline:>8.1f}{1:>13.2f}")
    for name, rules in lists.items():
        prepared = request()
        assert decide(rules, prepared) is not None
        # decide() on a fresh Request: view_body's share is the baseline, so subtract it.
        us = per_call_us(lambda rules=rules: decide(rules, request())) - baseline
        print(f"{name:<52}{us:>8.1f}{us / baseline:>13.2f}")


def over_http(seconds: float, trials: int) -> None:
    from receiver import bench_bare, bench_serve

    bare: list[float] = []
    plain: list[float] = []
    ruled: list[float] = []
    with tempfile.TemporaryDirectory(prefix="ci-bench-rules-") as tmp:
        path = os.path.join(tmp, "fifty.toml")
        with open(path, "w") as f:
            f.write(fifty_rules(last_matches=True))
        for _ in range(trials):  # interleaved so drift hits all alike
            bare.append(bench_bare(seconds))
            plain.append(bench_serve(seconds)[0])
            ruled.append(bench_serve(seconds, "--rules", path)[0])
            print(
                f"  trial: bare {bare[-1]:.0f}, serve {plain[-1]:.0f}, "
                f"serve --rules (50) {ruled[-1]:.0f} req/s",
                flush=True,
            )
    b, p, r = (statistics.median(x) for x in (bare, plain, ruled))
    print(f"{'over HTTP (medians)':<52}{'req/s':>8}{'x bare':>13}")
    print(f"{'bare aiohttp catch-all (baseline)':<52}{b:>8.0f}{1:>13.2f}")
    print(f"{'serve, no rules':<52}{p:>8.0f}{p / b:>13.2f}")
    print(f"{'serve --rules, 50 rules walked, the last answers':<52}{r:>8.0f}{r / b:>13.2f}")
    print(f"serve --rules / serve: {r / p:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--no-http", action="store_true", help="only the in-process part")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} before (other work skews every figure)")
    in_process()
    if not args.no_http:
        over_http(args.seconds, args.trials)


if __name__ == "__main__":
    main()
