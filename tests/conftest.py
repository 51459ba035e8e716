"""Suite-wide settings.

Hypothesis runs without per-example deadlines: the suite shares two cores with a KDC and
MIT tools in the interop tests, and a deadline there measures the machine, not the code.
HYPOTHESIS_PROFILE=thorough runs many more examples (for a local soak, not CI). Under CI
(CI=true) examples are derandomized: a property that a new random draw breaks is found on a
developer's machine, where the seed is printed, rather than failing an unrelated landing.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "default",
    deadline=None,
    max_examples=100,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough",
    deadline=None,
    max_examples=5000,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "ci",
    deadline=None,
    max_examples=100,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
_default = "ci" if os.environ.get("CI") else "default"
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", _default))
