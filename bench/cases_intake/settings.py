"""Settings of the intake load benchmark: the platform's own, plus the bare ceiling view."""

from shezhi.settings import *  # noqa: F403

ROOT_URLCONF = "bench.cases_intake.urls"
DEBUG = False
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}  # noqa: F405
