"""Build orchestration: every selected leaflet x format x language to a checked PDF.

The modules, in the order a build uses them:

- :mod:`~qillqa.build.plan`: the jobs (one per output) and the one place that names files;
- :mod:`~qillqa.build.cache`: input keys and each output's findings from earlier builds;
- :mod:`~qillqa.build.run`: :func:`build` itself: lock, sweep, workers, reports;
- :mod:`~qillqa.build.job`: what a worker does for one output (render, auto-fit, write);
- :mod:`~qillqa.build.page`: the output's HTML, from the translated leaflet and the template;
- :mod:`~qillqa.build.report`: lines for what fell back to the source text.
"""

from __future__ import annotations

from qillqa.build.cache import CACHE_FILE
from qillqa.build.job import run_job
from qillqa.build.page import html_for, stylesheet
from qillqa.build.plan import Job, Options, PrintVariant, output_path, plan, sheets_path
from qillqa.build.run import LOCK_FILE, SCRATCH_DIR, BuildResult, build

__all__ = [
    "CACHE_FILE",
    "LOCK_FILE",
    "SCRATCH_DIR",
    "BuildResult",
    "Job",
    "Options",
    "PrintVariant",
    "build",
    "html_for",
    "output_path",
    "plan",
    "run_job",
    "sheets_path",
    "stylesheet",
]
