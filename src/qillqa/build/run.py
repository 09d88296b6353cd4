"""The build: plan, skip what is up to date, run the rest in budgeted workers, report everything.

:func:`build` holds the output folder's lock, sweeps what a killed build left, and runs
every stale job in a worker (:mod:`qillqa.pool`). A failing output does not stop the
others: the build goes on, moves the failed output's previous files aside
(``NAME.stale.pdf``), and reports every failure and every warning at the end.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from qillqa.build.cache import CACHE_FILE, BuildCache, InputHasher
from qillqa.build.job import JobResult, run_job
from qillqa.build.plan import HOME, Job, Options, PrintVariant, plan
from qillqa.build.report import describe_misses
from qillqa.catalogs import Catalogues, Miss, Policy
from qillqa.errors import QillqaError
from qillqa.fsutil import exclusive, sweep_litter
from qillqa.pool import Outcome, TaskError
from qillqa.project import Project, load_project

log = logging.getLogger(__name__)


@dataclass
class BuildResult:
    written: list[Path] = field(default_factory=list)
    misses: list[Miss] = field(default_factory=list)

LOCK_FILE = ".qillqa-build.lock"

def build(
    project: Project,
    leaflets: Iterable[str] = (),
    formats: Iterable[str] = (),
    languages: Iterable[str] = (),
    output: Path | None = None,
    policy: Policy = Policy.FALLBACK,
    on_written: Callable[[Path], None] | None = None,
    variant: PrintVariant = HOME,
    impose_paper: str | None = None,
    jobs: int = 1,
    force: bool = False,
    on_progress: Callable[[int, int, str], None] | None = None,
    emit_html: bool = False,
) -> BuildResult:
    """Build the selected outputs; see the module docstring.

    With ``impose_paper`` ("a4" or "letter"), each PDF is also imposed on sheets of that
    paper with its format's layout, into ``<leaflet>/print/``. Outputs whose inputs have
    not changed since they were written are skipped (unless ``force``); ``jobs`` > 1
    renders in that many worker processes. Results are reported in plan order.
    """
    options = Options(policy, variant, impose_paper, emit_html)
    planned = plan(project, leaflets, formats, languages, output, variant)
    if policy is Policy.STRICT:
        from qillqa.checks import ERROR
        from qillqa.i18n import check

        errors = [f for f in check(project, tuple(languages)) if f.severity == ERROR]
        if errors:
            raise QillqaError(
                f"{len(errors)} error(s) in the catalogues (--strict):\n" + "\n".join(map(str, errors))
            )
    root = output or project.output
    busy = f"another qillqa build is writing to {project.relative(root)} right now; wait for it to finish"
    with exclusive(root / LOCK_FILE, busy):
        return _build_locked(project, planned, options, root, jobs, force, on_written, on_progress)

def _build_locked(
    project: Project,
    planned: list[Job],
    options: Options,
    root: Path,
    jobs: int,
    force: bool,
    on_written: Callable[[Path], None] | None,
    on_progress: Callable[[int, int, str], None] | None,
) -> BuildResult:
    policy = options.policy
    sweep(root)
    cache = BuildCache(root / CACHE_FILE)
    hasher = InputHasher(project)
    keys = {job.output: hasher.key(job, options) for job in planned}
    todo = [job for job in planned if force or not cache.fresh(job, keys[job.output], options)]
    skipped = len(planned) - len(todo)
    if skipped:
        log.info("%d output(s) up to date", skipped)
    result = BuildResult()
    running = _run_jobs(project, todo, options, jobs, root)
    outcomes = zip(todo, running, strict=True)
    try:
        for done, (job, outcome) in enumerate(outcomes, 1):
            if on_progress:
                on_progress(done, len(todo), job.label)
            if outcome.error is not None or outcome.value is None:
                raise outcome.error or TaskError(f"{job.label}: no result")
            cache.record(job, keys[job.output], options)
            result.misses.extend(outcome.value.misses)
            for path in outcome.value.written:
                result.written.append(path)
                if on_written:
                    on_written(path)
    finally:
        running.close()  # stops the workers now, not when the garbage collector gets to it
        cache.save()  # what was written before a failure need not be built again
        sweep(root, files=False)
    if result.misses and policy is not Policy.STRICT:
        leaflets_built = {job.leaflet.name: job.leaflet for job in planned}.values()
        for line in describe_misses(project, leaflets_built, result.misses):
            log.warning("%s", line)
    return result

#: Where workers keep their temporary files (WeasyPrint's font copies); swept by the next build.
SCRATCH_DIR = ".qillqa-tmp"

def sweep(root: Path, files: bool = True) -> None:
    """Remove what a killed build left: half-written files and workers' temporary folders.

    Runs under the build lock, so nothing found here belongs to a build still running.
    """

    scratch = root / SCRATCH_DIR
    if scratch.is_symlink() or scratch.is_file():
        scratch.unlink()  # a link planted there must not send workers' files elsewhere
    shutil.rmtree(scratch, ignore_errors=True)
    if files:
        sweep_litter(root)

def _run_jobs(
    project: Project, todo: list[Job], options: Options, workers: int, output_root: Path
) -> Generator[Outcome[JobResult], None, None]:
    """Each job's outcome, in order, from worker processes within the project's budget."""
    from qillqa import pool

    specs = [
        (project.root, job.leaflet.name, job.format.name, job.languages, job.output, options, output_root)
        for job in todo
    ]
    labels = [job.label for job in todo]
    yield from pool.run(
        _worker, specs, labels, workers, project.budget, scratch=output_root / SCRATCH_DIR
    )

_WORKER_STATE: dict[Path, tuple[Project, Catalogues]] = {}
#: A worker's plan of each leaflet it has built for: (root, leaflet, variant, output root) -> jobs.
_WORKER_PLANS: dict[tuple[Path, str, PrintVariant, Path], dict[Path, Job]] = {}

def _worker(spec: tuple[Path, str, str, tuple[str, ...], Path, Options, Path]) -> JobResult:
    """Run one job in a worker process; the project, catalogues and each leaflet are loaded once."""
    root, leaflet, _fmt, languages, output, options, output_root = spec
    if root not in _WORKER_STATE:
        project = load_project(root)
        _WORKER_STATE[root] = (project, Catalogues(project, options.policy))
    project, catalogues = _WORKER_STATE[root]
    key = (root, leaflet, options.variant, output_root)
    if key not in _WORKER_PLANS:
        jobs = plan(project, [leaflet], (), (), output_root, options.variant)
        _WORKER_PLANS[key] = {job.output: job for job in jobs}
    job = _WORKER_PLANS[key].get(output)
    if job is None:
        raise QillqaError(f"{project.relative(output)}: the project changed while it was built; build again")
    if job.format.multilingual:  # one file for the languages the build was asked for
        job = replace(job, languages=languages)
    return run_job(job, project, catalogues, options)
