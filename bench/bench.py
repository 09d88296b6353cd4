"""qillqa's benchmark: `make bench`. Not a test: it prints a table of medians and targets.

Everything runs on a temporary copy of the repository's example project, each build as a
separate `python -m qillqa` process (as people run it), timed with time.perf_counter:
  cold --jobs 1 / --jobs 2 full builds; a no-op rebuild; a rebuild after editing one
  Quechua string; the baseline (WeasyPrint alone, one process, rendering the same final
  HTML that `--emit-html` writes); the peak memory of a worker; and the time per output
  for 10, 50 and 200 event variants (events.csv).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
ENV = {**os.environ, "SOURCE_DATE_EPOCH": "1790000000"}


def copy_project(target: Path) -> Path:
    target.mkdir(parents=True)
    shutil.copy2(REPO / "qillqa.toml", target)
    for folder in ("leaflets", "templates", "locales"):
        shutil.copytree(REPO / folder, target / folder)
    return target


def qillqa(project: Path, *args: str) -> float:
    start = time.perf_counter()
    subprocess.run([PYTHON, "-m", "qillqa", "-q", "--project", str(project), *args], check=True, env=ENV)
    return time.perf_counter() - start


def median(values: list[float]) -> float:
    return statistics.median(values)


def baseline(html_files: list[Path], out: Path) -> float:
    """WeasyPrint alone: one process, the same final HTML files, the same outputs."""
    script = (
        "import sys, weasyprint\n"
        "for i, f in enumerate(sys.argv[2:]):\n"
        "    weasyprint.HTML(filename=f).write_pdf(f'{sys.argv[1]}/{i}.pdf')\n"
    )
    start = time.perf_counter()
    subprocess.run([PYTHON, "-c", script, str(out), *map(str, html_files)], check=True, env=ENV)
    return time.perf_counter() - start


def preview_latency(project: Path, runs: int) -> float:
    """Seconds from saving a PO file to the updated page images, through the preview's own rebuild."""
    script = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from qillqa.preview import Preview\n"
        "root = Path(sys.argv[1]); preview = Preview(root, jobs=2); preview.rebuild()\n"
        "po = root / 'locales/qu/LC_MESSAGES/peru-solidarity.po'\n"
        "times = []\n"
        "for n in range(int(sys.argv[2])):\n"
        "    text = po.read_text(encoding='utf-8')\n"
        "    start = time.perf_counter()\n"
        "    edited = text.replace('manam sapallanchu', 'manam sapallanchu' + '!' * (n + 1), 1)\n"
        "    po.write_text(edited, encoding='utf-8')\n"
        "    preview.rebuild()\n"
        "    times.append(time.perf_counter() - start)\n"
        "print(sorted(times)[len(times) // 2])\n"
    )
    only_flyer = project / "leaflets/peru-solidarity/leaflet.toml"
    text = only_flyer.read_text(encoding="utf-8")
    only_flyer.write_text(
        re.sub(r"^formats = .*$", 'formats = ["flyer-a5"]', text, flags=re.MULTILINE), encoding="utf-8"
    )
    out = subprocess.run(
        [PYTHON, "-c", script, str(project), str(runs)], check=True, env=ENV, capture_output=True, text=True
    )
    return float(out.stdout.strip())


def events_csv(count: int) -> str:
    rows = ["city,date,time,place,link"]
    rows += [
        f"City {n},2026-12-{1 + n % 28:02d},14:00-17:00,Main square {n},https://example.org/{n}"
        for n in range(count)
    ]
    return "\n".join(rows) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (median)")
    parser.add_argument("--series", default="10,50,200", help="event variant counts")
    args = parser.parse_args()
    rows: list[tuple[str, str, str, str]] = []

    with tempfile.TemporaryDirectory(prefix="qillqa-bench-") as tmp:
        root = Path(tmp)
        cold1, cold2, noop, edit, alone = [], [], [], [], []
        for run in range(args.runs):
            project = copy_project(root / f"p{run}")
            cold1.append(qillqa(project, "build", "--jobs", "1", "--force"))
            cold2.append(qillqa(project, "build", "--jobs", "2", "--force"))
            noop.append(qillqa(project, "build", "--jobs", "2"))
            po = project / "locales/qu/LC_MESSAGES/peru-solidarity.po"
            po.write_text(
                po.read_text(encoding="utf-8").replace("manam sapallanchu", "manam sapallanchu!", 1),
                encoding="utf-8",
            )
            edit.append(qillqa(project, "build", "--jobs", "2"))
            qillqa(project, "build", "--jobs", "2", "--force", "--emit-html")
            html = sorted((project / "dist").rglob("*.html"))
            out = root / f"alone{run}"
            out.mkdir()
            alone.append(baseline(html, out))
        outputs = len(html)
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        qillqa(copy_project(root / "mem"), "build", "--jobs", "2")
        peak_mb = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024

        series = {}
        for count in (int(c) for c in args.series.split(",")):
            project = copy_project(root / f"series{count}")
            (project / "leaflets/peru-solidarity/events.csv").write_text(events_csv(count))
            times = [
                qillqa(project, "build", "--jobs", "2", "--force", "--lang", "es", "--format", "flyer-a5")
                for _ in range(1 if count > 50 else args.runs)
            ]
            series[count] = median(times) / count

        latency = preview_latency(copy_project(root / "preview"), args.runs)

    c1, c2, base = median(cold1), median(cold2), median(alone)
    first, last = series[min(series)], series[max(series)]
    rows = [
        (
            "cold build, --jobs 1",
            f"{c1:.2f} s",
            f"<= 1.15 x baseline ({1.15 * base:.2f} s)",
            ok(c1 <= 1.15 * base),
        ),
        ("baseline: WeasyPrint alone", f"{base:.2f} s", f"{outputs} outputs, same HTML", ""),
        (
            "cold build, --jobs 2",
            f"{c2:.2f} s",
            f">= 1.6 x faster than --jobs 1 ({c1 / c2:.2f} x)",
            ok(c1 / c2 >= 1.6),
        ),
        (
            "no-op rebuild",
            f"{median(noop):.2f} s",
            f"<= 5% of cold and < 1 s ({100 * median(noop) / c1:.0f}%)",
            ok(median(noop) <= min(0.05 * c1, 1)),
        ),
        (
            "one Quechua string edited",
            f"{median(edit):.2f} s",
            f"<= 40% of cold ({100 * median(edit) / c1:.0f}%)",
            ok(median(edit) <= 0.4 * c1),
        ),
        ("peak memory of a worker", f"{peak_mb:.0f} MB", "< 300 MB", ok(peak_mb < 300)),
    ]
    rows += [
        (f"{count} event variants", f"{per * 1000:.0f} ms / output", "", "") for count, per in series.items()
    ]
    rows.append(("preview: PO saved -> flyer images updated", f"{latency:.2f} s", "< 1 s", ok(latency < 1)))
    rows.append(
        (
            f"per output at {max(series)} vs {min(series)}",
            f"{last / first:.2f} x",
            "<= 1.10 x",
            ok(last <= 1.1 * first),
        )
    )

    print(
        f"qillqa benchmark: median of {args.runs} runs; {platform.node() and 'this machine'}: "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, {platform.machine()}"
    )
    print("| measurement | result | target | met |")
    print("| --- | --- | --- | --- |")
    for row in rows:
        print("| " + " | ".join(row) + " |")


def ok(condition: bool) -> str:
    return "yes" if condition else "NO"


if __name__ == "__main__":
    main()
