"""Files holding personal data are readable by the service's own user only (mode 0600).

The SQLite database (and, by SQLite's rule, its -wal and -shm files, which take the
database's mode) is created with the process umask; the first connection narrows it.
"""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

PRIVATE = 0o600


def make_private(path: str | Path) -> None:
    """chmod 0600 if the file exists and is open to group or others."""
    p = Path(path)
    try:
        mode = stat.S_IMODE(p.stat().st_mode)
        if mode & 0o077:
            p.chmod(PRIVATE)
    except OSError:
        pass


def sqlite_private(sender: Any, connection: Any, **kwargs: Any) -> None:
    """``connection_created`` receiver: the SQLite database file is 0600."""
    if connection.vendor != "sqlite":
        return
    name = str(connection.settings_dict.get("NAME") or "")
    if not name or name == ":memory:" or name.startswith("file:"):
        return
    for suffix in ("", "-wal", "-shm", "-journal"):
        make_private(name + suffix)
