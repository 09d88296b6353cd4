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
from qillqa.build.job import JobResult, collected_warnings, run_job
from qillqa.build.plan import HOME, Job, Options, PrintVariant, output_files, plan, sheets_path, stale_path
from qillqa.build.report import describe_misses, strict_refusal
from qillqa.catalogs import Catalogues, Miss, Policy
from qillqa.errors import QillqaError
from qillqa.fsutil import exclusive, sweep_litter
from qillqa.pool import Outcome, TaskError
from qillqa.project import Project, load_project

log = logging.getLogger(__name__)


@dataclass
class Output:
    """One planned output after a build: built now, up to date, or failed."""

    job: Job
    #: Its current files, the PDF first (then sheets, HTML, page images); none if it failed.
    files: list[Path] = field(default_factory=list)
    rebuilt: bool = False
    misses: list[Miss] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    #: A failed output's previous files, moved aside (``name.stale.pdf``).
    stale: list[Path] = field(default_factory=list)
    #: A failure's exit code: 1 bad input, 2 usage, 3 internal error.
    exit_code: int = 0


@dataclass
class BuildResult:
    """Every planned output, in plan order, whether it was built now or was up to date."""

    outputs: list[Output] = field(default_factory=list)
    #: Files of outputs no plan makes any more (a city dropped from events.csv), moved aside.
    unplanned: list[Path] = field(default_factory=list)

    @property
    def written(self) -> list[Path]:
        """The files this build wrote."""
        return [path for output in self.outputs if output.rebuilt for path in output.files]

    @property
    def misses(self) -> list[Miss]:
        return [miss for output in self.outputs for miss in output.misses]

    @property
    def failed(self) -> list[Output]:
        return [output for output in self.outputs if output.error is not None]


class BuildFailed(QillqaError):
    """Some outputs failed; the others were built. :attr:`result` says which is which."""

    def __init__(self, message: str, result: BuildResult, exit_code: int = 1) -> None:
        super().__init__(message)
        self.result = result
        self.exit_code = exit_code


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
    png: bool = False,
) -> BuildResult:
    """Build the selected outputs; see the module docstring.

    With ``impose_paper`` ("a4" or "letter"), each PDF is also imposed on sheets of that
    paper with its format's layout, into ``<leaflet>/print/``; with ``png``, each page is
    also drawn as an image. What is up to date is not built again (unless ``force``), but
    its sheets and images are made if missing, and what was found building it (messages
    that fell back, warnings) is reported again. ``jobs`` worker processes build the rest.
    Raises :class:`BuildFailed` after building everything else if an output failed.
    """
    options = Options(policy, variant, impose_paper, emit_html, png)
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
        result = _build_locked(project, planned, options, root, jobs, force, on_written, on_progress)
    _report(project, planned, options, result)
    return result


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
    sweep(root)
    cache = BuildCache(root / CACHE_FILE)
    hasher = InputHasher(project)
    keys = {job.output: hasher.key(job, options) for job in planned}
    outputs = {job.output: Output(job) for job in planned}
    todo: list[Job] = []
    for job in planned:
        found = None if force else cache.state(job, keys[job.output])
        html = job.output.with_suffix(".html")
        if found is None or (options.emit_html and html not in found[1]):
            todo.append(job)
            continue
        state, files = found
        current = outputs[job.output]
        current.misses, current.warnings, current.files = list(state.misses), list(state.warnings), files
        try:
            made = _complete(job, options, current.files)
        except Exception as exc:  # an up-to-date PDF that cannot be read: build it again
            log.debug("%s: %s; building it again", job.label, exc)
            todo.append(job)
            continue
        if made:
            current.files += made
            cache.record(job, keys[job.output], current.files, current.misses, current.warnings)
            for path in made:
                if on_written:
                    on_written(path)
    if len(todo) < len(planned):
        log.info("%d output(s) up to date", len(planned) - len(todo))
    running = _run_jobs(project, todo, options, jobs, root)
    try:
        for done, (job, outcome) in enumerate(zip(todo, running, strict=True), 1):
            if on_progress:
                on_progress(done, len(todo), job.label)
            current = outputs[job.output]
            if outcome.error is not None or outcome.value is None:
                error = outcome.error or TaskError(f"{job.label}: no result")
                current.error, current.exit_code = error.format_message(), error.exit_code
                current.misses = list(error.details.get("misses", []))
                current.warnings = list(error.details.get("warnings", []))
                current.files = []
                cache.forget(job)
                current.stale = _move_aside(job)
                continue
            current.rebuilt = True
            current.files = outcome.value.written
            current.misses, current.warnings = outcome.value.misses, outcome.value.warnings
            cache.record(job, keys[job.output], current.files, current.misses, current.warnings)
            _remove_stale(job)
            for path in output_files(job.output):  # sheets and images of the PDF it replaced
                if path not in current.files:
                    path.unlink()
            for path in current.files:
                if on_written:
                    on_written(path)
            usual = job.leaflet.sheet_languages or project.languages
            if job.format.multilingual and job.languages != usual:
                # --lang chose the sheet's languages: say which, as the file has its usual name.
                log.warning("%s: carries %s only", project.relative(job.output), ", ".join(job.languages))
        if options.policy is Policy.STRICT:
            for current in outputs.values():  # up to date, but built with messages that fell back
                if current.error is None and current.misses:
                    current.error = strict_refusal(
                        project, current.job.label, current.job.leaflet, current.misses
                    )
                    current.files = []
                    cache.forget(current.job)
                    current.stale = _move_aside(current.job)
        orphans = _move_aside_unplanned(project, planned, root, cache)
    finally:
        running.close()  # stops the workers now, not when the garbage collector gets to it
        cache.save()  # what was written before a failure need not be built again
        sweep(root, files=False)
    return BuildResult([outputs[job.output] for job in planned], orphans)


#: Every way an output can be printed, for finding outputs that no plan makes any more.
ALL_VARIANTS = (HOME, PrintVariant(print_shop=True), PrintVariant(mono=True), PrintVariant(True, True))


def _move_aside_unplanned(project: Project, planned: list[Job], root: Path, cache: BuildCache) -> list[Path]:
    """Outputs of the planned leaflets that no plan makes any more (a city gone from events.csv,
    a format dropped): their files are moved aside, so that nothing unplanned looks current.
    """
    leaflets = sorted({job.leaflet.name for job in planned})
    if not leaflets:
        return []
    with collected_warnings():  # the build's own plan has said what there is to say
        made = {job.output for v in ALL_VARIANTS for job in plan(project, leaflets, (), (), root, v)}
    moved: list[Path] = []
    for name in list(cache.outputs):
        pdf = root / name
        if Path(name).parts[0] in leaflets and pdf not in made:
            del cache.outputs[name]
            cache.changed()
            for path in output_files(pdf):
                target = stale_path(path)
                path.replace(target)
                moved.append(target)
    return moved


def _complete(job: Job, options: Options, files: list[Path]) -> list[Path]:
    """For an up-to-date output: make the sheets and page images asked for that it lacks.

    Only files recorded with the output's key are its own: a sheet or image left on disk from
    an earlier version of the PDF is made again.
    """
    made: list[Path] = []
    if options.impose_paper and (sheets := sheets_path(job, options.impose_paper)) not in files:
        from qillqa.impose import impose

        made.append(impose(job.output, sheets, job.format.impose, options.impose_paper, root=job.root).path)
    if options.png:
        from qillqa.images import pdf_to_pngs, pngs_current

        current = pngs_current(job.output)
        if current is None or any(path not in files for path in current):
            made += pdf_to_pngs(job.output, job.root)
    return made


def _move_aside(job: Job) -> list[Path]:
    """Move a failed output's files to ``name.stale.*``: nobody should print yesterday's text as today's.

    Returns every stale file the output has now, those of an earlier failure included.
    """
    for path in output_files(job.output):
        path.replace(stale_path(path))
    return output_files(job.output, stale=True)


def _remove_stale(job: Job) -> None:
    """A rebuilt output's ``.stale`` files have served their purpose."""
    for path in output_files(job.output, stale=True):
        path.unlink()


def _report(project: Project, planned: list[Job], options: Options, result: BuildResult) -> None:
    """Every warning and every fallen-back message of every output, then every failure."""
    for current in result.outputs:
        for warning in current.warnings:
            log.warning("%s", warning)
    misses = result.misses
    if misses and options.policy is not Policy.STRICT:
        leaflets = {job.leaflet.name: job.leaflet for job in planned}.values()
        for line in describe_misses(project, leaflets, misses):
            log.warning("%s", line)
    if result.unplanned:
        shown = ", ".join(path.name for path in result.unplanned[:6])
        more = f" and {len(result.unplanned) - 6} more" if len(result.unplanned) > 6 else ""
        log.warning("no longer built (no plan makes them), so moved aside: %s%s", shown, more)
    failed = result.failed
    if not failed:
        return
    for current in failed:
        if current.stale:
            names = ", ".join(path.name for path in current.stale)
            log.warning(
                "%s: failed, so its previous files were moved aside (they do not have today's text): %s",
                current.job.label,
                names,
            )
    messages = list(dict.fromkeys(current.error or "" for current in failed))
    exit_code = max(current.exit_code or 1 for current in failed)
    if len(messages) == 1 and len(failed) == 1:
        raise BuildFailed(messages[0], result, exit_code)
    if len(messages) == 1:
        labels = ", ".join(current.job.label for current in failed)
        raise BuildFailed(f"{messages[0]}\n(the same for {len(failed)} outputs: {labels})", result, exit_code)
    raise BuildFailed(
        f"{len(failed)} of {len(planned)} outputs failed:\n" + "\n".join(messages), result, exit_code
    )


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
    yield from pool.run(_worker, specs, labels, workers, project.budget, scratch=output_root / SCRATCH_DIR)


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
        with collected_warnings():  # the parent's plan has said them
            jobs = plan(project, [leaflet], (), (), output_root, options.variant)
        _WORKER_PLANS[key] = {job.output: job for job in jobs}
    job = _WORKER_PLANS[key].get(output)
    if job is None:
        raise QillqaError(f"{project.relative(output)}: the project changed while it was built; build again")
    # The parent's plan chose the languages (a multilingual sheet's follow --lang): its choice.
    return run_job(replace(job, languages=languages), project, catalogues, options)
