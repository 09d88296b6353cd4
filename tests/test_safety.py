"""Never lose work, never leak: locks, killed builds, privacy, and no network access."""

from __future__ import annotations

import getpass
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pikepdf
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.conftest import catalog_of

from qillqa.build import LOCK_FILE
from qillqa.cli import cli
from qillqa.fsutil import exclusive


def run(runner: CliRunner, project: Path, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(cli, ["--project", str(project), *args])


def decompressed(pdf: Path) -> bytes:
    with pikepdf.open(pdf) as document:
        target = pdf.with_suffix(".plain.pdf")
        document.save(target, compress_streams=False, stream_decode_level=pikepdf.StreamDecodeLevel.all)
    data = target.read_bytes()
    target.unlink()
    return data


def test_pdfs_carry_no_local_paths_user_or_host(runner: CliRunner, mini: Path) -> None:
    assert run(runner, mini, "build", "--format", "card,booklet", "--impose", "--print-shop").exit_code == 0
    pdfs = sorted((mini / "dist").rglob("*.pdf"))
    assert len(pdfs) >= 4
    needles = [str(mini).encode(), str(Path.home()).encode() + b"/"]
    if len(socket.gethostname()) >= 5:  # a two-letter host name turns up in any font's bytes
        needles.append(socket.gethostname().encode())
    user = getpass.getuser().encode()
    for pdf in pdfs:
        data = decompressed(pdf)
        for needle in needles:
            assert needle not in data, (pdf.name, needle)
        assert b"/Author" not in data, pdf.name
        assert b"(" + user + b")" not in data and b"<dc:creator>" not in data, pdf.name


def test_a_second_build_at_once_stops_with_a_clear_message(runner: CliRunner, mini: Path) -> None:
    with exclusive(mini / "dist" / LOCK_FILE, "held by the test"):
        result = run(runner, mini, "build", "--format", "card")
    assert result.exit_code == 1
    assert (
        result.stderr.strip()
        == "Error: another qillqa build is writing to dist right now; wait for it to finish"
    )
    assert run(runner, mini, "build", "--format", "card").exit_code == 0  # the lock is released


class Listener:
    """A TCP server on 127.0.0.1 that only counts connections."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.setblocking(False)
        self.port = self.sock.getsockname()[1]

    def connections(self) -> int:
        count = 0
        while True:
            try:
                connection, _ = self.sock.accept()
            except BlockingIOError:
                return count
            connection.close()
            count += 1


def test_no_connection_from_templates_or_translations(runner: CliRunner, mini: Path) -> None:
    listener = Listener()
    url = f"http://127.0.0.1:{listener.port}"
    po = mini / "locales/es/LC_MESSAGES/hello.po"
    po.write_text(
        po.read_text().replace(
            'msgstr "Hola mundo"', f'msgstr "Hola ![x]({url}/a.png) <img src=\\"{url}/b.png\\"> [m]({url}/c)"'
        )
    )
    result = run(runner, mini, "build", "--format", "card", "--lang", "es")
    assert result.exit_code == 0, result.output
    from pypdf import PdfReader

    text = " ".join(PdfReader(mini / "dist/hello/hello-card-es.pdf").pages[0].extract_text().split())
    assert "Hello world" in text and "img" not in text  # a translation with HTML is never printed
    assert "hello.po:12: translation of 'Hello world' (headline)" in result.stderr
    card = mini / "templates/card/card.html"
    card.write_text(card.read_text().replace("<h1>", f'<img src="{url}/logo.png"><h1>'))
    result = run(runner, mini, "build", "--format", "card", "--lang", "en")
    assert result.exit_code == 1
    assert f"refused to load {url}/logo.png" in result.stderr
    time.sleep(0.2)
    assert listener.connections() == 0
    listener.sock.close()


def test_a_killed_build_leaves_whole_pdfs_and_the_next_build_repairs(mini: Path) -> None:
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1790000000"}
    command = [sys.executable, "-m", "qillqa", "-q", "--project", str(mini), "build", "--jobs", "1"]
    subprocess.run(command, check=True, env=env, timeout=120)
    expected = sorted(p.relative_to(mini) for p in (mini / "dist").rglob("*.pdf"))
    for delay in (0.3, 0.6, 0.9):
        process = subprocess.Popen([*command, "--force"], env=env)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        for pdf in (mini / "dist").rglob("*.pdf"):
            with pikepdf.open(pdf) as document:  # every PDF there is whole
                assert len(document.pages) >= 1
    subprocess.run(command, check=True, env=env, timeout=120)
    assert sorted(p.relative_to(mini) for p in (mini / "dist").rglob("*.pdf")) == expected


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    text=st.one_of(
        st.text(min_size=1, max_size=60),
        st.text(alphabet=st.characters(categories=["Mn", "Cc", "Cf", "Zs"]), min_size=1, max_size=20),
        st.text(alphabet="אבגדهلا  ‏‮abc", min_size=1, max_size=40),
        st.just("x" * 5000),
    )
)
def test_fuzzed_translations_never_crash_or_leave_broken_pdfs(
    runner: CliRunner, mini: Path, text: str
) -> None:
    """Random Unicode, right-to-left text, combining marks, control characters, very long strings."""
    from qillqa.catalogs import write_catalog

    write_catalog(
        mini / "locales/es/LC_MESSAGES/hello.po", catalog_of("es", ("headline", "Hello world", text)), mini
    )
    result = run(runner, mini, "build", "--format", "card", "--lang", "es", "--jobs", "1", "--force")
    assert "Traceback" not in result.output and "internal error" not in result.output, result.output
    pdf = mini / "dist/hello/hello-card-es.pdf"
    if result.exit_code == 0:
        with pikepdf.open(pdf) as document:
            assert len(document.pages) == 1
    else:
        assert result.exit_code == 1 and "\nError: " in "\n" + result.stderr, result.output
    assert not list(mini.rglob("*.tmp"))
