"""Printing through CUPS with ``lp``: the right sheets, the right duplex flip, clear errors.

qillqa never talks IPP itself: it checks that the CUPS tools and a scheduler are there,
that the printer exists, and runs ``lp`` with the options the imposed layout needs. The
exact command can be shown without printing (``--dry-run``).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from qillqa.errors import QillqaError, UsageError
from qillqa.papers import SHEETS

SIDES = {"long": "two-sided-long-edge", "short": "two-sided-short-edge", "none": "one-sided"}


class PrintError(QillqaError):
    """CUPS is missing, not running, or refused the job."""


@dataclass(frozen=True)
class PrintJob:
    files: tuple[Path, ...]
    printer: str | None
    copies: int
    duplex: str
    paper: str
    title: str
    #: Ask the printer for black only (IPP print-color-mode): a --mono file, or print --mono.
    mono: bool = False

    def command(self) -> list[str]:
        """The ``lp`` command line for this job."""
        command = ["lp"]
        if self.printer:
            command += ["-d", self.printer]
        command += [
            "-n",
            str(self.copies),
            "-o",
            f"sides={SIDES[self.duplex]}",
            "-o",
            f"media={SHEETS[self.paper].cups}",
        ]
        if self.mono:
            command += ["-o", "print-color-mode=monochrome"]
        command += ["-t", self.title, "--", *map(str, self.files)]
        return command

    def shell(self) -> str:
        return shlex.join(self.command())

    @property
    def sides_text(self) -> str:
        """The duplex setting in words, as the person at the printer thinks of it."""
        return {
            "long": "two-sided, flipped on the long edge",
            "short": "two-sided, flipped on the short edge",
            "none": "one-sided",
        }[self.duplex]


def _run(command: Sequence[str]) -> subprocess.CompletedProcess[str]:
    """Run a CUPS tool with its messages in English, whatever the user's language: they are parsed."""
    env = {**os.environ, "LC_ALL": "C", "LANG": "C", "LANGUAGE": "C"}
    return subprocess.run(list(command), capture_output=True, text=True, timeout=30, check=False, env=env)


def check_cups(printer: str | None) -> None:
    """Raise :class:`PrintError` unless ``lp`` can print to ``printer`` (or a default printer)."""
    for tool in ("lp", "lpstat"):
        if shutil.which(tool) is None:
            raise PrintError(
                f"the CUPS command '{tool}' is missing; install it with: sudo apt-get install cups-client"
            )
    # lpstat -r exits 0 even when no scheduler runs: read what it says.
    status = _run(["lpstat", "-r"])
    if "scheduler is running" not in status.stdout:
        raise PrintError(
            "no CUPS scheduler is running; start it (sudo systemctl start cups) or set CUPS_SERVER "
            "to a print server"
        )
    printers = re.findall(r"^printer (\S+)", _run(["lpstat", "-p"]).stdout, re.MULTILINE)
    if printer is None:
        default = _run(["lpstat", "-d"]).stdout
        match = re.search(r"system default destination: (\S+)", default)
        if not match:
            known = ", ".join(printers) or "none"
            raise PrintError(f"no default printer; choose one with --printer (printers: {known})")
        return
    if printer not in printers:
        known = ", ".join(printers) or "none"
        raise UsageError(f"unknown printer {printer!r}; printers CUPS knows: {known}")


def submit(job: PrintJob) -> str:
    """Send ``job`` with ``lp``; return the request id CUPS gave it."""
    check_cups(job.printer)
    result = _run(job.command())
    if result.returncode != 0:
        raise PrintError(f"lp refused the job: {(result.stderr or result.stdout).strip()}")
    match = re.search(r"request id is (\S+)", result.stdout)
    return match.group(1) if match else result.stdout.strip()
