"""Worker processes with a budget: real processes, real deadlines, real memory limits, real kills.

The task functions live in this module so that workers (started by the forkserver or by
spawn) can import them.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from qillqa import pool
from qillqa.errors import RenderError
from qillqa.limits import Budget


def task(kind: str) -> str:
    """What a worker does for each test: return, sleep, eat memory, crash, fail, log."""
    if kind == "sleep":
        pool.note("sleeping on purpose")
        time.sleep(60)
    elif kind == "eat":
        pool.note("eating memory")
        hoard = ["x" * 10_000_000 for _ in range(200)]  # 2 GB
        return str(len(hoard))
    elif kind == "segfault":
        os.kill(os.getpid(), signal.SIGSEGV)
    elif kind == "fail":
        raise RenderError("a clear failure")
    elif kind == "bug":
        raise KeyError("not a QillqaError")
    elif kind == "log":
        logging.getLogger("qillqa.test").warning("said in a worker")
    elif kind == "env":
        return os.environ.get("QILLQA_TEST_VALUE", "")
    elif kind == "pid":
        return str(os.getpid())
    return f"done {kind}"


GENEROUS = Budget(60, 1024)


def run(kinds: list[str], budget: Budget = GENEROUS, workers: int = 2) -> list[pool.Outcome[str]]:
    return list(pool.run(task, kinds, [f"task {k}" for k in kinds], workers, budget))


def test_results_come_back_in_order() -> None:
    outcomes = run(["a", "b", "c", "d", "e"])
    assert [o.value for o in outcomes] == ["done a", "done b", "done c", "done d", "done e"]


def test_a_task_past_its_deadline_is_stopped_and_the_others_finish() -> None:
    start = time.monotonic()
    outcomes = run(["a", "sleep", "b", "c"], Budget(2, 1024))
    assert time.monotonic() - start < 30
    assert [o.value for o in outcomes] == ["done a", None, "done b", "done c"]
    error = outcomes[1].error
    assert error is not None
    assert error.format_message() == (
        "task sleep: stopped after 2 s while sleeping on purpose: building one output may take no "
        "longer (job_seconds under [limits] in qillqa.toml)"
    )


def test_a_task_out_of_memory_is_stopped_and_its_worker_replaced() -> None:
    outcomes = run(["eat", "a", "b"], Budget(60, 512), workers=1)
    error = outcomes[0].error
    assert error is not None
    assert error.format_message().startswith("task eat: ran out of its 512 MB of memory while eating memory")
    assert [o.value for o in outcomes[1:]] == ["done a", "done b"]


def test_a_crashed_worker_is_reported_and_replaced() -> None:
    outcomes = run(["segfault", "a"], workers=1)
    error = outcomes[0].error
    assert error is not None and "task segfault: the worker building it was stopped by SIGSEGV" in str(error)
    assert outcomes[1].value == "done a"


def test_errors_keep_their_message_and_bugs_say_how_to_see_them() -> None:
    outcomes = run(["fail", "bug"])
    assert outcomes[0].error is not None and outcomes[0].error.format_message() == "a clear failure"
    bug = outcomes[1].error
    assert bug is not None and bug.exit_code == 3
    assert bug.format_message() == (
        "task bug: internal error: KeyError: 'not a QillqaError' (this is a bug in qillqa: please report "
        "it with what the same command prints with --debug)"
    )


def test_workers_log_through_the_parent(records: list[logging.LogRecord]) -> None:
    run(["log"])
    said = [(r.name, r.levelno, r.getMessage()) for r in records if r.name == "qillqa.test"]
    assert said == [("qillqa.test", logging.WARNING, "said in a worker")]


def test_workers_see_the_environment_of_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    run(["a"])  # the forkserver is running now, with the environment it started with
    monkeypatch.setenv("QILLQA_TEST_VALUE", "set later")
    assert run(["env"])[0].value == "set later"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_end_when_their_parent_is_killed(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    script = textwrap.dedent(
        f"""
        import os, sys, time
        sys.path.insert(0, {str(Path(__file__).resolve().parents[1])!r})
        from qillqa import pool
        from qillqa.limits import Budget
        from tests.test_pool import task
        list(pool.run(task, ["pid", "pid"], ["a", "b"], 2, Budget(60, 1024)))
        with open({str(pids)!r}, "w") as handle:
            handle.write("started")
        list(pool.run(task, ["sleep", "sleep"], ["a", "b"], 2, Budget(60, 1024)))
        """
    )
    parent = subprocess.Popen([sys.executable, "-c", script])
    deadline = time.monotonic() + 60
    while not pids.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1.5)  # the sleeping tasks are running
    workers = _children_of(parent.pid)
    assert workers, "no worker found"
    parent.kill()
    parent.wait(10)
    time.sleep(2)
    alive = [pid for pid in workers if Path(f"/proc/{pid}").exists() and _state(pid) != "Z"]
    assert alive == []


def _children_of(pid: int) -> list[int]:
    """Every descendant of ``pid`` (the forkserver and its workers)."""
    found, frontier = [], [pid]
    while frontier:
        current = frontier.pop()
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[1]) == current:
                    found.append(int(entry.name))
                    frontier.append(int(entry.name))
    return found


def _state(pid: int) -> str:
    try:
        return (Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split() or ["?"])[0]
    except OSError:
        return "gone"
