"""Worker processes with a budget: every output is built in a child process that can be stopped.

A render of untrusted text can run away (an SVG that expands without end, a page that
never stops growing). Signals and threads cannot stop WeasyPrint's C code from the
outside, and a process that shares memory with the runaway dies with it, so each task
runs in a worker process:

- **time**: the parent gives each task a deadline and kills the worker that passes it;
  this works from any thread of the parent (the preview's watcher included);
- **memory**: the worker's address space is limited (``RLIMIT_AS``, where the system has
  it), so a runaway raises ``MemoryError`` or dies, and the parent reports which output;
- **no orphans**: workers end when the process that started them ends, however it ends: a
  watchdog thread in each worker holds the read end of a pipe whose only write end is the
  parent's, and the kernel closes it when the parent dies (the forkserver is no help here:
  every worker keeps it alive, and it keeps them);
- **no fork with threads**: workers start from the ``forkserver`` (a clean single-threaded
  process that has imported WeasyPrint once) where the system has one, else ``spawn``;
  ``QILLQA_START_METHOD`` picks another for tests;
- **no litter**: each worker's temporary files (WeasyPrint's font copies) live in a folder
  of the caller's, which the next run sweeps if a worker was killed.

A worker may :func:`note` what it is doing ("loading logo.svg"), so that a stopped task's
error says where it was; what it logs under ``qillqa`` is logged again in the parent.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import shutil
import threading
import time
import traceback
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any, Generic, TypeVar

from qillqa.errors import INTERNAL_EXIT, QillqaError
from qillqa.limits import Budget

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

#: Modules the forkserver imports once, so that every worker starts with WeasyPrint loaded.
PRELOAD = ["qillqa.build.run", "qillqa.rendering"]


class TaskError(QillqaError):
    """A task failed in its worker: its own error, or stopped by its budget."""

    def __init__(self, message: str, exit_code: int = 1, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.exit_code = exit_code  # per instance: 1 bad input, 2 usage, 3 internal
        self.details = details or {}


@dataclass(frozen=True)
class Outcome(Generic[R]):
    """A task's result, or the error that stopped it."""

    value: R | None = None
    error: TaskError | None = None


def start_method() -> str:
    wanted = os.environ.get("QILLQA_START_METHOD")
    methods = multiprocessing.get_all_start_methods()
    if wanted in methods:
        return wanted
    return "forkserver" if "forkserver" in methods else "spawn"


# -- the worker side ---------------------------------------------------------------------------

_CONNECTION: Connection | None = None


def note(text: str) -> None:
    """Tell the parent what this worker is doing now (a no-op outside a worker)."""
    if _CONNECTION is not None:
        with contextlib.suppress(OSError, ValueError):
            _CONNECTION.send(("note", text))


class _Forward(logging.Handler):
    """Sends a worker's log records to the parent, which logs them again."""

    def emit(self, record: logging.LogRecord) -> None:
        if _CONNECTION is not None:
            with contextlib.suppress(OSError, ValueError):
                _CONNECTION.send(("log", record.name, record.levelno, record.getMessage()))


def _limit_memory(megabytes: int) -> None:
    try:
        import resource
    except ImportError:  # Windows: no rlimits; the time budget still holds
        return
    limit = megabytes * 1024 * 1024
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a crash must not write gigabytes of core


def _die_with_parent(lifeline: Connection) -> None:
    """End this worker as soon as the process that started it is gone (or closes the lifeline)."""

    def watch() -> None:
        with contextlib.suppress(EOFError, OSError):
            while True:
                lifeline.recv_bytes()
        os._exit(1)

    threading.Thread(target=watch, name="qillqa-watchdog", daemon=True).start()


def _serve(
    connection: Connection,
    lifeline: Connection,
    function: Callable[[Any], Any],
    budget: Budget,
    scratch: Path | None,
    log_level: int,
    environment: dict[str, str],
) -> None:
    """A worker's life: run tasks until told to stop, within the budget."""
    global _CONNECTION
    import signal
    import tempfile

    # The forkserver was started with the environment of its day; SOURCE_DATE_EPOCH may differ now.
    os.environ.clear()
    os.environ.update(environment)

    logger = logging.getLogger("qillqa")
    logger.handlers[:] = [_Forward()]
    logger.setLevel(log_level)
    logger.propagate = False

    with contextlib.suppress(ValueError, OSError, AttributeError):
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _die_with_parent(lifeline)
    _limit_memory(budget.memory_mb)
    own_scratch = None
    if scratch is not None:
        own_scratch = scratch / f"worker-{os.getpid()}"
        own_scratch.mkdir(parents=True, exist_ok=True)
        tempfile.tempdir = str(own_scratch)
    _CONNECTION = connection
    try:
        while True:
            try:
                message = connection.recv()
            except (EOFError, OSError):
                return
            if message is None:
                return
            index, task = message
            try:
                reply: tuple[Any, ...] = ("ok", function(task))
            except QillqaError as exc:
                reply = ("error", exc.format_message(), exc.exit_code, exc.details)
            except MemoryError:
                reply = ("memory", "")
            except RecursionError:
                reply = ("recursion", "")
            except BaseException:  # anything else is qillqa's bug, reported with its traceback
                reply = ("internal", traceback.format_exc())
            try:
                connection.send(("done", index, *reply))
            except MemoryError:
                connection.send(("done", index, "memory", ""))
            except (OSError, ValueError):
                return
            if reply[0] == "memory":
                return  # memory it freed may not go back to the system: the parent starts a new worker
    finally:
        _CONNECTION = None
        if own_scratch is not None:
            shutil.rmtree(own_scratch, ignore_errors=True)


# -- the parent side ---------------------------------------------------------------------------


@dataclass
class _Worker:
    process: Any
    connection: Connection
    task: int | None = None
    deadline: float = 0.0
    doing: str = ""


def run(
    function: Callable[[T], R],
    tasks: Sequence[T],
    labels: Sequence[str],
    workers: int,
    budget: Budget,
    scratch: Path | None = None,
) -> Generator[Outcome[R], None, None]:
    """Run ``function`` on every task in worker processes; yield the outcomes in task order.

    ``function`` must be importable (a module-level function); ``labels`` name the tasks in
    errors. A task that fails does not stop the others.
    """
    if not tasks:
        return
    context: Any = multiprocessing.get_context(start_method())
    log_level = logging.getLogger("qillqa").getEffectiveLevel()
    if context.get_start_method() == "forkserver":
        context.set_forkserver_preload(PRELOAD)
    pending = list(range(len(tasks)))
    pending.reverse()
    idle: list[_Worker] = []
    busy: list[_Worker] = []
    started: list[_Worker] = []
    done: dict[int, Outcome[R]] = {}
    following = 0
    # Only this process holds the write end: when it ends, however it ends, the workers see EOF.
    lifeline, parent_lifeline = context.Pipe(duplex=False)

    def start() -> _Worker:
        parent_end, child_end = context.Pipe()
        process = context.Process(
            target=_serve,
            args=(child_end, lifeline, function, budget, scratch, log_level, dict(os.environ)),
            name="qillqa-worker",
            daemon=True,
        )
        process.start()
        child_end.close()
        worker = _Worker(process, parent_end)
        started.append(worker)
        return worker

    def fail(worker: _Worker, message: str) -> None:
        assert worker.task is not None
        done[worker.task] = Outcome(error=TaskError(message))
        busy.remove(worker)
        started.remove(worker)
        _end(worker, kill=True)

    def where(worker: _Worker) -> str:
        return f" while {worker.doing}" if worker.doing else ""

    try:
        for _ in range(min(max(workers, 1), len(tasks))):
            idle.append(start())
        while following < len(tasks):
            while idle and pending:
                worker = idle.pop()
                index = pending.pop()
                worker.task, worker.deadline, worker.doing = index, time.monotonic() + budget.seconds, ""
                try:
                    worker.connection.send((index, tasks[index]))
                except (OSError, ValueError):
                    worker.doing = "starting"
                busy.append(worker)
            while following in done:
                yield done.pop(following)
                following += 1
            if following >= len(tasks):
                break
            now = time.monotonic()
            timeout = max(0.0, min(w.deadline for w in busy) - now) if busy else None
            ready = wait([w.connection for w in busy], timeout)
            for worker in [w for w in busy if w.connection in ready]:
                try:
                    message = worker.connection.recv()
                except (EOFError, OSError):
                    worker.process.join(5)
                    label = labels[worker.task] if worker.task is not None else "?"
                    fail(worker, _died(label, worker.process.exitcode, budget, where(worker)))
                    if pending:
                        idle.append(start())
                    continue
                if message[0] == "note":
                    worker.doing = message[1]
                    continue
                if message[0] == "log":
                    logging.getLogger(message[1]).log(message[2], "%s", message[3])
                    continue
                _, index, status, *payload = message
                label = labels[index]
                if status == "ok":
                    done[index] = Outcome(value=payload[0])
                elif status == "error":
                    done[index] = Outcome(error=TaskError(payload[0], payload[1], payload[2]))
                elif status == "memory":
                    done[index] = Outcome(error=TaskError(_out_of_memory(label, budget, where(worker))))
                elif status == "recursion":
                    nested = f"{label}: the page is nested too deeply to lay out{where(worker)}"
                    done[index] = Outcome(error=TaskError(nested))
                else:
                    log.debug("%s: traceback in the worker:\n%s", label, payload[0])
                    last = payload[0].strip().splitlines()[-1] if payload[0].strip() else "?"
                    done[index] = Outcome(
                        error=TaskError(
                            f"{label}: internal error: {last} (this is a bug in qillqa: please report it "
                            "with what the same command prints with --debug)",
                            INTERNAL_EXIT,
                        )
                    )
                worker.task = None
                busy.remove(worker)
                if status == "memory":  # that worker ends: start another for what is left
                    started.remove(worker)
                    _end(worker, kill=False)
                    if pending:
                        idle.append(start())
                else:
                    idle.append(worker)
            now = time.monotonic()
            for worker in [w for w in busy if w.deadline <= now]:
                label = labels[worker.task] if worker.task is not None else "?"
                fail(
                    worker,
                    f"{label}: stopped after {budget.seconds} s{where(worker)}: building one output may "
                    "take no longer (job_seconds under [limits] in qillqa.toml)",
                )
                if pending:
                    idle.append(start())
    finally:
        for worker in started:
            _end(worker, kill=worker in busy)
        parent_lifeline.close()
        lifeline.close()


def _end(worker: _Worker, kill: bool) -> None:
    if kill:
        worker.process.kill()
    else:
        with contextlib.suppress(OSError, ValueError):
            worker.connection.send(None)
    worker.process.join(5)
    if worker.process.is_alive():
        worker.process.kill()
        worker.process.join(5)
    worker.connection.close()


def _out_of_memory(label: str, budget: Budget, where: str) -> str:
    return (
        f"{label}: ran out of its {budget.memory_mb} MB of memory{where}: building one output may "
        "use no more (job_memory_mb under [limits] in qillqa.toml)"
    )


def _died(label: str, exitcode: int | None, budget: Budget, where: str) -> str:
    if exitcode is not None and exitcode < 0:
        import signal

        with contextlib.suppress(ValueError):
            name = signal.Signals(-exitcode).name
            if name in ("SIGKILL", "SIGSEGV", "SIGABRT", "SIGBUS"):
                return (
                    f"{label}: the worker building it was stopped by {name}{where}, most likely because "
                    f"it ran out of its {budget.memory_mb} MB of memory (job_memory_mb under [limits] "
                    "in qillqa.toml)"
                )
            return f"{label}: the worker building it was stopped by {name}{where}"
    return f"{label}: the worker building it stopped unexpectedly (exit code {exitcode}){where}"
