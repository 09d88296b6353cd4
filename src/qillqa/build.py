"""Build orchestration: every selected leaflet x format x language to a PDF.

A :class:`Job` is one output. For each job the leaflet is translated
(:mod:`qillqa.localize`), the format's template filled (:mod:`qillqa.templating`),
the HTML rendered and checked (:mod:`qillqa.rendering`) and the PDF written
atomically to ``<output>/<leaflet>/<leaflet>-<format>-<lang>.pdf``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, field, replace
from html import unescape
from pathlib import Path

from babel import Locale, UnknownLocaleError
from markupsafe import escape

from qillqa import __version__
from qillqa.catalogs import (
    DRAFT_STAMP,
    TEMPLATES_DOMAIN,
    Catalogues,
    Miss,
    Policy,
    Translator,
    extract_templates,
)
from qillqa.content import LEAFLET_FILE, Leaflet, load_leaflet, select_leaflets
from qillqa.errors import ContentError, QillqaError, RenderError, UsageError
from qillqa.fonts import describe_chars, faces, font_css, missing_glyphs
from qillqa.formats import Format, format_names, load_format
from qillqa.fsutil import atomic_write_bytes, exclusive, is_inside, read_inside, sweep_litter
from qillqa.limits import MAX_RESOURCE_BYTES
from qillqa.localize import localize
from qillqa.pool import Outcome, TaskError
from qillqa.project import Project, load_project
from qillqa.templating import Namespace, environment, render

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Variant:
    """How an output is printed: at home (the default), in a print shop, or toner-saving mono."""

    print_shop: bool = False
    mono: bool = False

    @property
    def suffix(self) -> str:
        return ("-print-shop" if self.print_shop else "") + ("-mono" if self.mono else "")

    @property
    def classes(self) -> str:
        return " ".join(name for name, on in (("print-shop", self.print_shop), ("mono", self.mono)) if on)


@dataclass(frozen=True)
class Job:
    """One output: a leaflet in one format, in one language (or all, for a multilingual format)."""

    leaflet: Leaflet
    format: Format
    languages: tuple[str, ...]
    output: Path
    variant: Variant = Variant()
    #: The output folder every file of this job must be written inside.
    root: Path = Path()

    @property
    def language(self) -> str:
        """The page's main language: the only one, or the first of a multilingual sheet."""
        return self.languages[0]

    @property
    def label(self) -> str:
        return f"{self.leaflet.name} {self.format.name} [{'+'.join(self.languages)}]"


@dataclass
class BuildResult:
    written: list[Path] = field(default_factory=list)
    misses: list[Miss] = field(default_factory=list)


def output_path(
    output: Path,
    leaflet: str,
    fmt: str,
    language: str | None,
    variant: Variant = Variant(),
    event: str | None = None,
) -> Path:
    """``<output>/<leaflet>/[<event>/]<leaflet>[-<event>]-<format>[-<lang>][-print-shop][-mono].pdf``."""
    name = f"{leaflet}-{event}" if event else leaflet
    stem = f"{name}-{fmt}" + (f"-{language}" if language else "") + variant.suffix
    folder = output / leaflet / event if event else output / leaflet
    return folder / f"{stem}.pdf"


def plan(
    project: Project,
    leaflets: Iterable[str] = (),
    formats: Iterable[str] = (),
    languages: Iterable[str] = (),
    output: Path | None = None,
    variant: Variant = Variant(),
) -> list[Job]:
    """The jobs for the selection; empty selections mean everything."""
    names = select_leaflets(project, tuple(leaflets))
    wanted_formats = tuple(dict.fromkeys(formats))
    for name in wanted_formats:
        if name not in format_names(project):
            load_format(project, name)  # raises the usage error listing the formats
    langs = project.select_languages(tuple(languages))
    root = output or project.output
    loaded_formats: dict[str, Format] = {}
    jobs: list[Job] = []
    for name in names:
        leaflet = load_leaflet(project, name)
        for fmt_name in leaflet.formats:
            if fmt_name not in format_names(project):
                path = project.relative(leaflet.folder / LEAFLET_FILE)
                raise ContentError(
                    f"unknown format {fmt_name!r} in 'formats'; formats in this project: "
                    f"{', '.join(format_names(project)) or 'none'}",
                    path=path,
                    line=leaflet.formats_line,
                )
            if wanted_formats and fmt_name not in wanted_formats:
                continue
            if fmt_name not in loaded_formats:
                loaded_formats[fmt_name] = load_format(project, fmt_name)
            fmt = loaded_formats[fmt_name]
            # One copy of the leaflet per event of events.csv, or the leaflet itself.
            copies = [
                replace(leaflet, event=v.event, link=v.link or leaflet.link, variant=v.slug)
                for v in leaflet.variants
            ] or [leaflet]
            listed = leaflet.text.get(fmt.pages_per) if fmt.pages_per else None
            if fmt.pages_per and not listed:
                log.warning(
                    "%s: no %s, so no %s is built (add '%s' under [text] in %s)",
                    name,
                    fmt.pages_per,
                    fmt_name,
                    fmt.pages_per,
                    project.relative(leaflet.folder / LEAFLET_FILE),
                )
                continue
            for copy in copies:
                if fmt.multilingual:
                    target = output_path(root, name, fmt_name, None, variant, copy.variant)
                    jobs.append(Job(copy, fmt, langs, target, variant, root))
                    continue
                for language in langs:
                    target = output_path(root, name, fmt_name, language, variant, copy.variant)
                    jobs.append(Job(copy, fmt, (language,), target, variant, root))
    if wanted_formats and not jobs and names:
        raise UsageError(f"no selected leaflet uses format {', '.join(map(repr, wanted_formats))}")
    return jobs


def babel_locale(project: Project, language: str) -> Locale:
    """The formatting locale for ``language``, falling back to the source language."""
    for candidate in (project.locale_for(language), language, project.source_language, "en"):
        try:
            return Locale.parse(candidate)
        except (UnknownLocaleError, ValueError):
            continue
    raise QillqaError(f"no locale data for {language!r}")  # pragma: no cover - "en" always exists


@dataclass(frozen=True)
class Page:
    """A job's filled template: the HTML, its title, and what fell back to the source."""

    html: str
    title: str
    misses: list[Miss]
    #: For a format with a page per list item: how many items, so how many pages.
    items: int = 0


def language_name(language: str) -> str:
    """A language's name in that language ("español", "Runasimi"), or its code."""
    try:
        return str(Locale.parse(language).get_display_name(language) or language)
    except (UnknownLocaleError, ValueError):
        return language


def html_for(job: Job, project: Project, catalogues: Catalogues) -> Page:
    """The job's final HTML, and the messages that fell back to the source."""
    labels = catalogues.translator(job.language, TEMPLATES_DOMAIN, job.format.fonts)
    used = []
    versions = []
    for language in project.languages:
        translator = catalogues.translator(language, job.leaflet.domain, job.format.fonts)
        version = localize(job.leaflet, language, translator)
        if language in job.languages:
            used.append(translator)
        versions.append(
            Namespace(
                "language",
                {
                    "code": language,
                    "tag": language.replace("_", "-"),
                    "name": language_name(language),
                    "leaflet": version,
                },
            )
        )
    leaflet = next(v.leaflet for v in versions if v.code == job.language)

    def locales(language: str | None) -> Locale:
        return babel_locale(project, language or job.language)

    env = environment(job.format, locales, labels)
    context = {
        "lang": job.language.replace("_", "-"),
        "leaflet": leaflet,
        "languages": versions,
        "variant": job.variant.classes,
        "format": Namespace("format", {"name": job.format.name, "pages": job.format.pages}),
    }
    html = render(env, job.format, project, context)
    if catalogues.policy is Policy.DRAFT:
        # The source's words too: a translation of the stamp must not be able to hide it.
        stamp = escape(labels.pgettext(DRAFT_STAMP[0], DRAFT_STAMP[1]))
        source = escape(DRAFT_STAMP[1])
        lang = escape(project.source_language.replace("_", "-"))
        second = f'<br><span lang="{lang}">{source}</span>' if stamp != source else ""
        html = _insert_before_body_end(
            html, f'<div class="qillqa-draft" lang="{context["lang"]}">{stamp}{second}</div>'
        )
    listed = job.leaflet.text.get(job.format.pages_per) if job.format.pages_per else None
    items = len(listed) if isinstance(listed, tuple) else 0
    # Fields are translated as the template reads them: collect what was missing only now.
    misses = [miss for translator in used for miss in translator.misses]
    check_glyphs(job, html, [*used, labels])
    return Page(html, unescape(str(leaflet.title)), misses + labels.misses, items)


def check_glyphs(job: Job, html: str, translators: list[Translator]) -> None:
    """Every character printed must be in the format's fonts: no tofu, no silent fallback font.

    Translations are checked as they are looked up (one with such a character is not used,
    and the build says so); what is left is the source text and the template's own.
    """
    fmt = job.format
    families = ", ".join(spec.family for spec in fmt.fonts)
    for translator in translators:
        for context, msgid, text in translator.used:
            missing = missing_glyphs(text, fmt.fonts)
            if missing:
                where = f" ({context})" if context else ""
                raise RenderError(
                    f"{job.label}: {describe_chars(missing)} not in the fonts of {fmt.name} ({families}): "
                    f"in the source text{where} {msgid!r}"
                )
    missing = missing_glyphs(unescape(re.sub(r"<[^>]*>", " ", _body(html))), fmt.fonts)
    if missing:
        raise RenderError(
            f"{job.label}: {describe_chars(missing)} not in the fonts of {fmt.name} ({families}): "
            f"in the text of templates/{fmt.name}/{fmt.entry} or the leaflet's untranslated fields"
        )


def _body(html: str) -> str:
    """The document's body, without scripts, styles and inline SVG (which carry no printed text)."""
    body = html[html.lower().find("<body") :]
    return re.sub(r"(?is)<(style|script|svg)\b.*?</\1>", " ", body)


def _insert_before_body_end(html: str, fragment: str) -> str:
    index = html.lower().rfind("</body>")
    return html[:index] + fragment + html[index:] if index >= 0 else html + fragment


#: The draft stamp: fixed, so WeasyPrint repeats it on every page; grey, so it survives a photocopy.
DRAFT_CSS = """
.qillqa-draft { position: fixed; top: 42%; left: -10%; width: 120%; transform: rotate(-28deg);
  text-align: center; font: 700 22pt "Fira Sans", sans-serif; color: #000; opacity: .28;
  border-top: 2pt solid #000; border-bottom: 2pt solid #000; padding: 2pt 0; z-index: 1000; }
"""


#: Print shops: 3 mm bleed and crop marks (WeasyPrint then sets TrimBox and BleedBox), and the
#: CMYK profile of the PDF/X-4 output intent, from Debian's libgs-common (installed by make).
CMYK_PROFILE = Path("/usr/share/color/icc/ghostscript/default_cmyk.icc")
PRINT_SHOP_CSS = (
    "@page { bleed: 3mm !important; marks: crop !important; }\n"
    f'@color-profile device-cmyk {{ src: url("{CMYK_PROFILE.as_uri()}"); components: c, m, y, k; }}'
)
#: No automatic hyphenation for languages without a trustworthy dictionary (Quechua).
HYPHENATION_CSS = ":lang(qu) * { hyphens: manual !important; }"


def stylesheet(fmt: Format, scale: float = 1.0, variant: Variant = Variant()) -> str:
    """What qillqa adds to every template's CSS: fonts, page size, root type size, variant."""
    size = fmt.font_size * scale
    return "\n".join(
        (
            font_css(fmt.fonts),
            f"@page {{ size: {fmt.width_mm}mm {fmt.height_mm}mm !important; }}",
            PRINT_SHOP_CSS if variant.print_shop else "",
            HYPHENATION_CSS,
            f"html {{ font-size: {size:.3f}pt !important; }}",
            # WeasyPrint hyphenates with U+2010, which many fonts lack: a fallback font would sneak in.
            'html { hyphenate-character: "-"; }',
            DRAFT_CSS,
        )
    )


@dataclass(frozen=True)
class Options:
    """Everything about a build that is neither the project nor the selection."""

    policy: Policy = Policy.FALLBACK
    variant: Variant = Variant()
    impose_paper: str | None = None
    emit_html: bool = False


@dataclass
class JobResult:
    written: list[Path]
    misses: list[Miss]


CACHE_FILE = ".qillqa-build.json"
#: The cache holds a line per output: this is room for hundreds of thousands.
CACHE_BYTES = 50_000_000
LOCK_FILE = ".qillqa-build.lock"


def build(
    project: Project,
    leaflets: Iterable[str] = (),
    formats: Iterable[str] = (),
    languages: Iterable[str] = (),
    output: Path | None = None,
    policy: Policy = Policy.FALLBACK,
    on_written: Callable[[Path], None] | None = None,
    variant: Variant = Variant(),
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
    import shutil

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
_WORKER_PLANS: dict[tuple[Path, str, Variant, Path], dict[Path, Job]] = {}


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


def run_job(job: Job, project: Project, catalogues: Catalogues, options: Options) -> JobResult:
    """Translate, fill, render, check and write one output (and its print sheets)."""
    from qillqa.pool import note

    note("filling the template")
    page = html_for(job, project, catalogues)
    if page.misses and options.policy is Policy.STRICT:
        raise QillqaError(
            f"{job.label}: {len(page.misses)} message(s) not translated (--strict):\n"
            + "\n".join(describe_misses(project, [job.leaflet], page.misses))
        )
    pdf = render_job(job, page, project)
    atomic_write_bytes(job.output, pdf, job.root)
    written = [job.output]
    if options.emit_html:
        html = job.output.with_suffix(".html")
        atomic_write_bytes(html, standalone_html(job, page, project).encode("utf-8"), job.root)
        written.append(html)
    if options.impose_paper:
        from qillqa.impose import impose

        note("imposing the print sheets")
        written.append(
            impose(
                job.output,
                sheets_path(job, options.impose_paper),
                job.format.impose,
                options.impose_paper,
                root=job.root,
            ).path
        )
    return JobResult(written, page.misses)


def standalone_html(job: Job, page: Page, project: Project) -> str:
    """The job's HTML with qillqa's CSS and a base URL, so ``weasyprint FILE.html OUT.pdf`` renders it alone.

    (Auto-fit's scale is not known here: the root font size is the format's own.)
    """
    head = (
        f'<base href="{job.format.folder.as_uri()}/">'
        f"<style>/* added by qillqa */\n{stylesheet(job.format, 1.0, job.variant)}</style>"
    )
    index = page.html.lower().find("<head>")
    if index < 0:
        return head + page.html
    index += len("<head>")
    return page.html[:index] + head + page.html[index:]


def sheets_path(job: Job, paper: str) -> Path:
    return job.output.parent / "print" / f"{job.output.stem}-{job.format.impose}-{paper}.pdf"


class InputHasher:
    """The key of an output: a hash of everything it is made from.

    Template folders (all of ``templates/``, as formats may share files), the leaflet's
    folder, the PO files of the output's languages (its leaflet's and the templates'), the
    configuration, the fonts, the options and qillqa's version. File contents are read
    once per build.
    """

    def __init__(self, project: Project) -> None:
        self.project = project
        self._digests: dict[Path, str] = {}

    def _file(self, path: Path) -> str:
        if path not in self._digests:
            if not path.is_file():
                digest = "-"
            elif not is_inside(self.project.root, path):
                digest = f"outside:{path.resolve()}"  # never read; loading it will refuse it by name
            elif (stat := path.stat()).st_size > MAX_RESOURCE_BYTES:
                # Never read either: whatever would load it refuses it by size.
                digest = f"large:{stat.st_size}:{stat.st_mtime_ns}"
            else:
                with open(path, "rb") as handle:
                    digest = hashlib.file_digest(handle, "sha256").hexdigest()
            self._digests[path] = digest
        return self._digests[path]

    def _tree(self, folder: Path) -> list[str]:
        return [
            f"{p.relative_to(self.project.root)}={self._file(p)}"
            for p in sorted(folder.rglob("*"))
            if p.is_file()
        ]

    def key(self, job: Job, options: Options) -> str:
        project = self.project
        # Imposition is not part of the key: a sheet is recorded under its PDF's key.
        parts = [f"qillqa {__version__}", repr((options.policy, options.variant)), job.format.name]
        parts.append(",".join(job.languages))
        parts.append(self._file(project.config_path))
        parts += self._tree(project.templates_dir)
        parts += self._tree(job.leaflet.folder)
        languages = project.languages if job.format.multilingual else job.languages
        for language in languages:
            for domain in (job.leaflet.domain, TEMPLATES_DOMAIN):
                parts.append(f"{language}/{domain}={self._file(project.po_path(language, domain))}")
        for face in faces(job.format.fonts):
            stat = face.path.stat()
            parts.append(f"{face.path.name}:{stat.st_size}:{stat.st_mtime_ns}")
        return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()


class BuildCache:
    """Keys of the outputs written by earlier builds, in ``<output>/.qillqa-build.json``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.keys: dict[str, str] = {}
        try:
            data = json.loads(read_inside(path, path.parent, CACHE_BYTES))
            if isinstance(data, dict) and isinstance(data.get("outputs"), dict):
                self.keys = {str(k): str(v) for k, v in data["outputs"].items()}
        except (QillqaError, ValueError):
            pass  # no cache, a damaged one or a planted link: everything is rebuilt
        self._changed = False

    def _files(self, job: Job, options: Options) -> list[Path]:
        files = [job.output]
        if options.impose_paper:
            files.append(sheets_path(job, options.impose_paper))
        if options.emit_html:
            files.append(job.output.with_suffix(".html"))
        return files

    def fresh(self, job: Job, key: str, options: Options) -> bool:
        """The job's outputs exist and were made from the same inputs."""
        return all(self.keys.get(str(path)) == key and path.is_file() for path in self._files(job, options))

    def record(self, job: Job, key: str, options: Options) -> None:
        for path in self._files(job, options):
            self.keys[str(path)] = key
        self._changed = True

    def save(self) -> None:
        if self._changed:
            data = json.dumps({"version": 1, "outputs": dict(sorted(self.keys.items()))}, indent=1)
            atomic_write_bytes(self.path, data.encode("utf-8"), self.path.parent)


#: Auto-fit tries these type scales in turn, down to the format's ``min_scale``.
SCALE_STEP = 0.025


def render_job(job: Job, page: Page, project: Project) -> bytes:
    """Render, fitting the type if the text overflows, and return the checked PDF."""
    from qillqa.pool import note

    # Local: WeasyPrint takes half a second to import, which a no-op build never needs.
    from qillqa.rendering import (
        PageMetadata,
        ProjectFetcher,
        check_pages,
        finish_pdf,
        pad_pages,
        render_document,
    )

    fmt = job.format
    roots = [project.root, *{face.path.parent for face in faces(fmt.fonts)}]
    if job.variant.print_shop:
        if not CMYK_PROFILE.is_file():
            raise RenderError(
                f"{job.label}: --print-shop needs the CMYK profile {CMYK_PROFILE}; "
                "install it with: sudo apt-get install libgs-common"
            )
        roots.append(CMYK_PROFILE.parent)
    fetcher = ProjectFetcher(roots)
    pdf_variant = "pdf/x-4" if job.variant.print_shop else None
    expected = fmt.expected_pages(page.items)
    scale = 1.0
    while True:
        note("laying out the pages" + (f" with the type at {round(scale * 100)}%" if scale < 1 else ""))
        document = render_document(
            page.html, fmt, stylesheet(fmt, scale, job.variant), fetcher, job.label, pdf_variant
        )
        overflow = check_pages(
            document, fmt, expected, job.label, fail=scale - SCALE_STEP < fmt.min_scale - 1e-9
        )
        if not overflow:
            break
        scale = round(scale - SCALE_STEP, 3)
    if scale < 1:
        log.warning(
            "%s: the text was long, so the type was set at %d%% to fit", job.label, round(scale * 100)
        )
    if fmt.pages_multiple > 1:
        document = pad_pages(document, fmt, fetcher, stylesheet(fmt, scale, job.variant))
    note("writing the PDF")
    pdf = finish_pdf(
        document,
        PageMetadata(title=page.title, subject=fmt.description, language=job.language.replace("_", "-")),
        variant=pdf_variant,
    )
    if fetcher.refusals:  # refused while WeasyPrint drew an SVG, which only logs what fails there
        raise RenderError(f"{job.label}: {fetcher.refusals[0]}")
    return pdf


def describe_misses(project: Project, leaflets: Iterable[Leaflet], misses: list[Miss]) -> list[str]:
    """One line per distinct missing or fuzzy message, with where it comes from."""
    places: dict[tuple[str, str | None, str], str] = {}
    for leaflet in leaflets:
        for message in leaflet.messages():
            places.setdefault(
                (leaflet.domain, message.context, message.text), f"{message.path}:{message.line}"
            )
    lines = []
    seen = set()
    template_places: dict[tuple[str | None, str], str] | None = None
    for miss in misses:
        key = (miss.domain, miss.language, miss.context, miss.msgid)
        if key in seen:
            continue
        seen.add(key)
        where = places.get((miss.domain, miss.context, miss.msgid))
        if where is None and miss.domain == TEMPLATES_DOMAIN:
            if template_places is None:
                template_places = {
                    (m.context, str(m.id)): f"{m.locations[0][0]}:{m.locations[0][1]}"
                    for m in extract_templates(project)
                    if m.id and m.locations
                }
            where = template_places.get((miss.context, miss.msgid))
        po = project.relative(project.po_path(miss.language, miss.domain))
        context = f" ({miss.context})" if miss.context else ""
        source = f", from {where}" if where else ""
        if miss.reason == "unusable":
            lines.append(
                f"{po}:{miss.line}: translation of {miss.msgid!r}{context}{source} not printed, "
                f"the source text is printed instead: {miss.detail}"
            )
        else:
            lines.append(f"{po}: {miss.reason} translation{context}: {miss.msgid!r}{source}")
    return lines
