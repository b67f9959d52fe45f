"""Hypothesis set-up for the decoder fuzz tests: the same examples on every run.

CI must not find a different crash each time it runs, so the `fuzz` profile fixes the seed
(`derandomize`), bounds the examples per test, keeps no example database between runs, and
drops the per-example deadline (a shared 2-core CI machine makes timings noisy).
`FUZZ_MAX_EXAMPLES=5000` hunts harder locally with the same strategies.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "fuzz",
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=int(os.environ.get("FUZZ_MAX_EXAMPLES", "200")),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
