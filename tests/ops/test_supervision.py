"""Fault test with real processes: a dead process is restarted while the others keep serving."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from tests.ops.stack import Stack

pytestmark = pytest.mark.faults


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


@pytest.mark.django_db(transaction=True)
def test_a_killed_worker_comes_back_and_the_web_keeps_answering(tmp_path: Path) -> None:
    with Stack(tmp_path / "var", CLOCK_INTERVAL="2") as stack:
        stack.wait_up()
        worker, web, clock = stack.pid("worker"), stack.pid("web"), stack.pid("clock")
        os.kill(worker, signal.SIGKILL)
        answers: list[int] = []
        deadline = time.monotonic() + 20
        back = 0
        while time.monotonic() < deadline:
            answers.append(stack.get("/healthz"))
            back = stack.pid("worker")
            if back and back != worker and "RUNNING" in stack.ctl("status", "worker"):
                break
            time.sleep(0.2)
        assert back not in (0, worker), f"the worker was not restarted:\n{stack.output()}"
        assert answers
        assert set(answers) == {200}, answers
        # The others were not restarted with it.
        assert (stack.pid("web"), stack.pid("clock")) == (web, clock)
        assert "exited: worker (terminated by SIGKILL; not expected)" in stack.output(tail=None)
        # One of gunicorn's web workers dying: the other answers while gunicorn replaces it.
        children = _children(web)
        assert len(children) >= 2, children
        os.kill(children[0], signal.SIGKILL)
        answers = [stack.get("/healthz") for _ in range(15)]
        assert set(answers) == {200}, answers
        # The whole web server dying is restarted too, and the port answers again.
        os.kill(web, signal.SIGKILL)
        deadline = time.monotonic() + 45
        while time.monotonic() < deadline and stack.get("/healthz", timeout=10) != 200:
            time.sleep(0.3)
        assert stack.get("/healthz") == 200
        assert stack.pid("web") not in (0, web)
