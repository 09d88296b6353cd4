"""Printing through a real, private CUPS scheduler with a cups-pdf queue.

The fixture starts its own cupsd (tools/private-cupsd.sh) on 127.0.0.1 with its own
configuration under a temporary folder, and stops it by PID. cups-pdf writes what it
prints to the submitting user's ~/PDF; the tests read it there and remove it.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner
from pypdf import PdfReader
from tests.conftest import REPO

from qillqa.cli import cli

CUPSD = Path("/usr/sbin/cupsd")
PRINTER = "qillqa-pdf"
pytestmark = pytest.mark.skipif(
    not CUPSD.exists() or os.geteuid() != 0,
    reason="needs Debian's cups and printer-driver-cups-pdf, installed as root by 'make test'",
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def cups() -> Iterator[str]:
    # Not under pytest's own temporary folders: those are private to root, and CUPS filters
    # run as the lp user, who must reach the spool.
    folder = Path(tempfile.mkdtemp(prefix="qillqa-cups-"))
    folder.chmod(0o755)
    port = _free_port()
    script = REPO / "tools" / "private-cupsd.sh"
    started = subprocess.run(
        ["sh", str(script), "start", str(folder), str(port)], capture_output=True, text=True, timeout=60
    )
    assert started.returncode == 0, started.stderr
    server = f"127.0.0.1:{port}"
    previous = os.environ.get("CUPS_SERVER")
    os.environ["CUPS_SERVER"] = server
    try:
        yield server
    finally:
        subprocess.run(["sh", str(script), "stop", str(folder)], timeout=30, check=False)
        shutil.rmtree(folder, ignore_errors=True)
        if previous is None:
            os.environ.pop("CUPS_SERVER", None)
        else:
            os.environ["CUPS_SERVER"] = previous


def _job_attributes(server: str, job: int) -> dict[str, str]:
    out = subprocess.run(
        ["ipptool", "-tv", f"ipp://{server}/jobs/{job}", "get-job-attributes.test"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    ).stdout
    return dict(re.findall(r"^\s+(\S+) \([^)]*\) = (.*)$", out, re.MULTILINE))


def _wait_completed(server: str, job: int) -> dict[str, str]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        attributes = _job_attributes(server, job)
        if attributes.get("job-state") in ("completed", "aborted", "canceled"):
            return attributes
        time.sleep(0.3)
    raise AssertionError(f"job {job} did not complete: {attributes}")


def _printed_pdf(title: str, since: float) -> Path:
    """The PDF cups-pdf wrote for a job titled ``title`` after ``since``, once it is complete."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for path in Path.home().glob(f"PDF/{title}*.pdf"):
            try:
                if path.stat().st_mtime >= since and len(PdfReader(path).pages):
                    return path
            except Exception:  # still being written
                pass
        time.sleep(0.3)
    raise AssertionError(f"cups-pdf wrote no PDF for {title} in ~/PDF")


def test_print_after_a_build_twice_in_spanish(
    runner: CliRunner, mini: Path, cups: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a person does: build everything, then print, then print again, on a Spanish system.

    The sheets are up to date after the build: print still sends them, says so one line per
    file, and sends them again the second time. CUPS answers in Spanish here (cups-common's
    messages); qillqa reads its tools' answers in a fixed locale.
    """
    for stale in Path.home().glob("PDF/hello-booklet-en-*.pdf"):
        stale.unlink()
    since = time.time() - 1
    assert runner.invoke(cli, ["--project", str(mini), "build", "--impose", "a4"]).exit_code == 0
    monkeypatch.setenv("LANG", "es_ES.UTF-8")
    monkeypatch.setenv("LC_ALL", "es_ES.UTF-8")
    spanish = subprocess.run(["lpstat", "-r"], capture_output=True, text=True, check=False)
    assert "planificador" in spanish.stdout  # the trap is real
    command = ["--project", str(mini), "print", "hello", "--format", "booklet", "--lang", "en"]
    command += ["--printer", PRINTER, "--copies", "3", "--paper", "a4"]
    requests = []
    for _ in range(2):
        result = runner.invoke(cli, command)
        assert result.exit_code == 0, result.output
        line = result.stdout.strip()
        match = re.fullmatch(
            rf".*/hello/print/hello-booklet-en-booklet-a4\.pdf: sent to {PRINTER} as ({PRINTER}-(\d+)) "
            r"\(3 copies, two-sided, flipped on the short edge\)",
            line,
        )
        assert match, line
        assert "flipping on the short edge" in result.stderr and "staple" in result.stderr
        requests.append(int(match.group(2)))
    assert requests[0] != requests[1]
    for job in requests:
        attributes = _wait_completed(cups, job)
        assert attributes["job-state"] == "completed"
        assert attributes["copies"] == "3"
        assert attributes["sides"] == "two-sided-short-edge"
        assert attributes["media"] == "A4"
    printed = sorted(Path.home().glob("PDF/hello-booklet-en-booklet-a4*.pdf"))
    printed = [path for path in printed if path.stat().st_mtime >= since]
    try:
        assert len(printed) >= 1
        reader = PdfReader(printed[0])
        assert len(reader.pages) == 4  # 8 booklet pages: 2 sheets, front and back
        assert round(float(reader.pages[0].mediabox.width)) in (595, 842)
    finally:
        for path in printed:
            path.unlink()


def test_dry_run_prints_the_exact_command(runner: CliRunner, mini: Path) -> None:
    result = runner.invoke(
        cli,
        [
            "--project",
            str(mini),
            "print",
            "hello",
            "--format",
            "card",
            "--lang",
            "es",
            "--dry-run",
            "--copies",
            "20",
            "--paper",
            "letter",
        ],
    )
    assert result.exit_code == 0, result.output
    sheets = mini / "dist/hello/print/hello-card-es-fit-letter.pdf"
    assert result.stdout.strip() == (
        f"lp -n 20 -o sides=one-sided -o media=Letter -t hello-card-es-fit-letter -- {sheets}"
    )


def test_unknown_printer_lists_the_known_ones(runner: CliRunner, mini: Path, cups: str) -> None:
    pdf = mini / "x.pdf"
    pdf.write_bytes(b"%PDF-1.4\n")
    result = runner.invoke(cli, ["print", str(pdf), "--printer", "nope"])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"Error: unknown printer 'nope'; printers CUPS knows: {PRINTER}"


def test_no_default_printer(runner: CliRunner, mini: Path, cups: str) -> None:
    pdf = mini / "x.pdf"
    pdf.write_bytes(b"%PDF-1.4\n")
    result = runner.invoke(cli, ["print", str(pdf)])
    assert result.exit_code == 1
    assert "no default printer; choose one with --printer (printers: qillqa-pdf)" in result.stderr


def test_no_scheduler(runner: CliRunner, mini: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CUPS_SERVER", f"127.0.0.1:{_free_port()}")
    pdf = mini / "x.pdf"
    pdf.write_bytes(b"%PDF-1.4\n")
    result = runner.invoke(cli, ["print", str(pdf), "--printer", PRINTER])
    assert result.exit_code == 1
    assert "no CUPS scheduler is running" in result.stderr


def test_a_mono_print_asks_for_black_only(runner: CliRunner, mini: Path, cups: str) -> None:
    """print --mono sends the greyscale sheets, drawn in DeviceGray, as a monochrome job."""
    command = ["--project", str(mini), "print", "hello", "--format", "card", "--lang", "en", "--mono"]
    result = runner.invoke(cli, [*command, "--printer", PRINTER, "--paper", "a4"])
    assert result.exit_code == 0, result.output
    match = re.search(rf"hello-card-en-mono-fit-a4\.pdf: sent to {PRINTER} as {PRINTER}-(\d+)", result.stdout)
    assert match, result.stdout
    attributes = _wait_completed(cups, int(match.group(1)))
    assert attributes["print-color-mode"] == "monochrome"
    pdf = mini / "dist/hello/hello-card-en-mono.pdf"
    with pikepdf.open(pdf) as document:
        operators = {str(item.operator) for item in pikepdf.parse_content_stream(document.pages[0])}
    assert "g" in operators and not operators & {"rg", "RG", "k", "K", "sc", "scn"}
    sheets = mini / "dist/hello/print/hello-card-en-mono-fit-a4.pdf"
    dry = runner.invoke(cli, ["--project", str(mini), "print", str(sheets), "--dry-run"])
    assert "-o print-color-mode=monochrome" in dry.stdout
