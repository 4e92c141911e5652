"""Shared test settings: a hypothesis profile that keeps the suite inside its time budget on 2 cores."""

from hypothesis import HealthCheck, settings

settings.register_profile(
    "symnn", deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True, derandomize=True
)
settings.load_profile("symnn")
