"""The platform's real processes (web, worker, clock) under deploy/supervise.py, for fault tests.

The processes use the test database (a file in WAL mode on SQLite, test_… on PostgreSQL),
so a test with ``transactional_db`` sees what they write and they see what it writes.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class Stack:
    """``deploy/supervise.py`` with the real Procfile, on a free port, in ``var_dir``."""

    def __init__(self, var_dir: Path, **env: str) -> None:
        self.var_dir = var_dir
        self.port = free_port()
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "PORT": str(self.port),
            "HOST": "127.0.0.1",
            "PYTHONUNBUFFERED": "1",
            **env,
        }
        self.log = var_dir / "stack.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Stack:
        self.var_dir.mkdir(parents=True, exist_ok=True)
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, str(ROOT / "deploy" / "supervise.py"), "--var-dir", str(self.var_dir)],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc is None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    # ------------------------------------------------------------------ probes
    def get(self, path: str, timeout: float = 30.0) -> int:
        """Status of GET ``path`` (0 when nothing answers within ``timeout``: slower is fine,
        a web worker's first request loads every view, long on a busy machine)."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=timeout) as r:
                return int(r.status)
        except urllib.error.HTTPError as e:
            return int(e.code)
        except (OSError, urllib.error.URLError):
            return 0

    def ctl(self, *args: str) -> str:
        return subprocess.run(
            [
                str(Path(sys.executable).parent / "supervisorctl"),
                "-c",
                str(self.var_dir / "run" / "supervisord.conf"),
                *args,
            ],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        ).stdout

    def pid(self, name: str) -> int:
        out = self.ctl("pid", name).strip()
        return int(out) if out.isdigit() else 0

    def wait_up(self, timeout: float = 120.0) -> None:
        """Until every process runs and /healthz answers (a web worker's first request loads
        every view, which takes a while on a busy machine)."""
        deadline = time.monotonic() + timeout
        status, pids = 0, [0]
        while time.monotonic() < deadline:
            pids = [self.pid(n) for n in ("web", "worker", "clock")]
            status = self.get("/healthz", timeout=30)
            if all(pids) and status == 200:
                return
            time.sleep(0.3)
        raise AssertionError(
            f"the stack did not come up in {timeout} s (/healthz {status}, pids {pids}):\n{self.output()}"
        )

    def output(self, tail: int | None = 6000) -> str:
        """What the processes printed (the last ``tail`` characters; None: all of it)."""
        text = self.log.read_text(errors="replace")
        return text if tail is None else text[-tail:]
