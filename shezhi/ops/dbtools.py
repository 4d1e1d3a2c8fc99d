"""PostgreSQL client tools (pg_dump, pg_restore) pointed at a Django database's settings."""

from __future__ import annotations

import os
from typing import Any


def pg_env(settings_dict: dict[str, Any]) -> dict[str, str]:
    """The environment libpq's tools read: the password never appears on a command line."""
    env = dict(os.environ)
    env.update(
        PGHOST=str(settings_dict.get("HOST") or "127.0.0.1"),
        PGPORT=str(settings_dict.get("PORT") or 5432),
        PGUSER=str(settings_dict.get("USER") or "postgres"),
        PGDATABASE=str(settings_dict["NAME"]),
    )
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    return env
