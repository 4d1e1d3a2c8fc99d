"""Run the Procfile's processes under supervisord, restarting any that dies (``make run``).

Reads ``Procfile`` (one ``name: command`` a line), writes ``var/run/supervisord.conf`` and,
unless ``--config-only``, replaces itself with ``supervisord -n``. Each process is started
through ``/bin/sh -c 'exec …'`` so the Procfile's ``${HOST:-127.0.0.1}`` defaults still work;
``.venv/bin/`` is the directory of the Python running this script. A process that exits is
started again at once (supervisord logs ``exited: worker (…; not expected)`` and
``spawned``) while the others keep serving; Ctrl-C (or SIGTERM) stops all of them.

    python deploy/supervise.py [--procfile Procfile] [--var-dir var] [--config-only]

``supervisorctl -c var/run/supervisord.conf status`` shows the processes and their pids.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def read_procfile(path: Path) -> dict[str, str]:
    processes: dict[str, str] = {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = re.fullmatch(r"([A-Za-z0-9_-]+):\s*(.+)", line)
        if not match:
            raise SystemExit(f"{path}: not a 'name: command' line: {raw!r}")
        processes[match.group(1)] = match.group(2)
    return processes


def render(processes: dict[str, str], *, var_dir: Path, workdir: Path, bindir: str) -> str:
    run = var_dir / "run"
    logs = var_dir / "log"
    sections = [
        "; Written by deploy/supervise.py from the Procfile: edit the Procfile, not this file.",
        "[supervisord]",
        "nodaemon=true",
        f"logfile={logs / 'supervisord.log'}",
        "logfile_maxbytes=10MB",
        "logfile_backups=5",
        f"pidfile={run / 'supervisord.pid'}",
        f"directory={workdir}",
        # Kill a process that ignores SIGTERM after this long when stopping.
        "",
        "[unix_http_server]",
        f"file={run / 'supervisor.sock'}",
        "chmod=0700",
        "",
        "[rpcinterface:supervisor]",
        "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
        "",
        "[supervisorctl]",
        f"serverurl=unix://{run / 'supervisor.sock'}",
    ]
    for name, command in processes.items():
        command = re.sub(r"(^|\s)\.venv/bin/", lambda m: f"{m.group(1)}{bindir}/", command)
        shell = shlex.join(["/bin/sh", "-c", f"exec {command}"])
        sections += [
            "",
            f"[program:{name}]",
            # supervisord interpolates %(…)s in its values: gunicorn's log format has them.
            f"command={shell.replace('%', '%%')}",
            f"directory={workdir}",
            "autostart=true",
            "autorestart=true",
            # Up after one second; a process that keeps failing to start is retried with a
            # growing delay instead of being given up after three tries.
            "startsecs=1",
            "startretries=1000",
            "stopsignal=TERM",
            "stopwaitsecs=20",
            "stopasgroup=true",
            "killasgroup=true",
            "redirect_stderr=true",
            "stdout_logfile=/dev/stdout",
            "stdout_logfile_maxbytes=0",
        ]
    return "\n".join(sections) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--procfile", type=Path, default=ROOT / "Procfile")
    parser.add_argument("--var-dir", type=Path, default=Path(os.environ.get("SHEZHI_VAR_DIR", ROOT / "var")))
    parser.add_argument("--workdir", type=Path, default=ROOT)
    parser.add_argument("--config-only", action="store_true", help="write the configuration and exit")
    args = parser.parse_args(argv)
    var_dir = args.var_dir.resolve()
    (var_dir / "run").mkdir(parents=True, exist_ok=True)
    (var_dir / "log").mkdir(parents=True, exist_ok=True)
    config = var_dir / "run" / "supervisord.conf"
    bindir = os.path.dirname(sys.executable)
    config.write_text(
        render(read_procfile(args.procfile), var_dir=var_dir, workdir=args.workdir.resolve(), bindir=bindir)
    )
    if args.config_only:
        print(config)  # noqa: T201 - the path is the output
        return
    supervisord = os.path.join(bindir, "supervisord")
    os.execv(supervisord, [supervisord, "-n", "-c", str(config)])


if __name__ == "__main__":
    main()
