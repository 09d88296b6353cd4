"""The ``qillqa`` command line: thin click commands over the library.

Each command imports what it needs inside its body so ``--help`` stays instant.
Results go to stdout, diagnostics to stderr. Expected failures are
:class:`~qillqa.errors.QillqaError` (one line, exit 1; usage errors exit 2);
anything else is an internal error, shown with a traceback only under ``--debug``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from qillqa import __version__
from qillqa.papers import DEFAULT_PAPER, SHEETS
from qillqa.sheets import LAYOUTS

F = TypeVar("F", bound=Callable[..., Any])


class _ClickHandler(logging.Handler):
    """Logging to stderr through click, so tests and pipes see it."""

    def emit(self, record: logging.LogRecord) -> None:
        prefix = {logging.WARNING: "warning: ", logging.ERROR: "error: "}.get(record.levelno, "")
        click.echo(f"{prefix}{record.getMessage()}", err=True)


class State:
    """What the group's options decide, for the commands."""

    def __init__(self, project_dir: Path | None, debug: bool, quiet: bool = False) -> None:
        self.project_dir = project_dir
        self.debug = debug
        self.quiet = quiet

    def project(self) -> Any:
        from qillqa.project import find_project, load_project

        root = self.project_dir if self.project_dir else find_project(Path.cwd())
        return load_project(root)


class Failure(click.ClickException):
    """What the CLI prints for a failure, with its exit code: 1 bad input, 2 usage, 3 internal."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code  # type: ignore[misc]  # click declares it on the class


#: What an internal error adds: it is qillqa's bug, and how to report it.
BUG = "this is a bug in qillqa: please report it with what the same command prints with --debug"


class QillqaGroup(click.Group):
    """Turns the library's errors into messages and exit codes; anything else is an internal error.

    An internal error is a bug: one line that says how to report it, the traceback under ``--debug``.
    """

    def invoke(self, ctx: click.Context) -> Any:
        from qillqa.errors import INTERNAL_EXIT, QillqaError

        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort, BrokenPipeError):
            raise
        except QillqaError as exc:
            raise Failure(exc.format_message(), exc.exit_code) from exc
        except Exception as exc:
            state = ctx.find_object(State)
            if state is None or state.debug:
                raise
            raise Failure(f"internal error: {type(exc).__name__}: {exc} ({BUG})", INTERNAL_EXIT) from exc


def _split(ctx: click.Context, param: click.Parameter, values: Sequence[str]) -> tuple[str, ...]:
    """Options that take a comma-separated list and may be repeated."""
    items = [item.strip() for value in values for item in value.split(",")]
    return tuple(dict.fromkeys(item for item in items if item))


def _relative(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


@click.group(cls=QillqaGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="qillqa")
@click.option(
    "--project",
    "project_dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="The project folder (default: the nearest folder with a qillqa.toml).",
)
@click.option("-v", "--verbose", count=True, help="Say more (repeat for even more).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors.")
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors, and debug messages.")
@click.pass_context
def cli(ctx: click.Context, project_dir: Path | None, verbose: int, quiet: bool, debug: bool) -> None:
    """Print-ready multilingual leaflets from plain text and gettext catalogues.

    A qillqa project holds leaflets (leaflets/NAME/leaflet.toml), formats
    (templates/FORMAT/) and translations (locales/LANG/LC_MESSAGES/*.po).
    Run 'qillqa build' in it to write every PDF into dist/.
    """
    level = (
        logging.ERROR
        if quiet
        else (logging.DEBUG if verbose > 1 or debug else logging.INFO if verbose else logging.WARNING)
    )
    logger = logging.getLogger("qillqa")
    logger.handlers[:] = [_ClickHandler()]
    logger.setLevel(level)
    logger.propagate = False
    ctx.obj = State(project_dir, debug, quiet)


@cli.command()
@click.argument("leaflets", nargs=-1)
@click.option(
    "--lang",
    "-l",
    "languages",
    multiple=True,
    callback=_split,
    metavar="LANG[,LANG...]",
    help="Build only these languages (comma-separated or repeated).",
)
@click.option(
    "--format",
    "-f",
    "formats",
    multiple=True,
    callback=_split,
    metavar="FORMAT[,FORMAT...]",
    help="Build only these formats (comma-separated or repeated).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write into this folder instead of the project's output folder.",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Fail if a message used is untranslated, fuzzy or unreviewed, or 'i18n check' finds an error.",
)
@click.option(
    "--draft", is_flag=True, help="Use fuzzy translations too, and stamp every page as a draft under review."
)
@click.option(
    "--print-shop",
    is_flag=True,
    help="For a print shop: 3 mm bleed and crop marks (files end in -print-shop).",
)
@click.option("--mono", is_flag=True, help="Toner-saving greyscale variant (files end in -mono).")
@click.option(
    "--png", is_flag=True, help="Also write PNG images of every page, 1080 px wide, beside each PDF."
)
@click.option(
    "--impose",
    "impose_paper",
    is_flag=False,
    flag_value="project",
    default=None,
    type=click.Choice(["project", *SHEETS]),
    metavar="[a4|letter]",
    help="Also write print sheets into LEAFLET/print/ (paper: the project's, or a4 or letter).",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(1, 64),
    default=None,
    help="Worker processes (default: one per core).",
)
@click.option("--force", is_flag=True, help="Rebuild everything, even outputs that are up to date.")
@click.option(
    "--emit-html",
    is_flag=True,
    help="Also write each output's final HTML beside it (for debugging, or WeasyPrint alone); it "
    "refers to the project's templates and the installed fonts by relative path, so keep it to yourself.",
)
@click.pass_obj
def build(
    state: State,
    leaflets: tuple[str, ...],
    languages: tuple[str, ...],
    formats: tuple[str, ...],
    output: Path | None,
    strict: bool,
    draft: bool,
    print_shop: bool,
    mono: bool,
    png: bool,
    impose_paper: str | None,
    jobs: int | None,
    force: bool,
    emit_html: bool,
) -> None:
    """Build PDFs for LEAFLETS (default: all) in every format and language.

    Writes OUTPUT/LEAFLET/LEAFLET-FORMAT-LANG.pdf and prints one line per file
    written. What is up to date is not built again, but its print sheets and
    page images are made if asked for and missing, and its warnings are shown
    again. A message without a translation is printed in the first language
    its language falls back to ([project.fallbacks]; by default a regional
    variant's base language, then the source), with a warning naming it;
    translations marked unreviewed are printed, and counted per file; --strict
    makes both an error; --draft also uses fuzzy translations and stamps every
    page "draft, translation under review".

    One output that fails does not stop the others: the build goes on, moves
    that output's previous files aside (NAME.stale.pdf: they do not have
    today's text), and ends with every failure and a non-zero exit code. So do
    the files of outputs no longer made (a city taken out of events.csv).

    \b
    Examples:
      qillqa build
      qillqa build peru-solidarity --lang es,qu --format flyer-a5
    """
    from qillqa.build import PrintVariant
    from qillqa.build import build as run_build
    from qillqa.catalogs import Policy

    if strict and draft:
        raise click.UsageError("--strict and --draft cannot be used together")
    project = state.project()
    root = output.resolve() if output else project.output

    def written(path: Path) -> None:
        if not state.quiet:
            click.echo(_relative(path))

    progress = _progress_bar() if not state.quiet and sys.stderr.isatty() else None
    run_build(
        project,
        leaflets,
        formats,
        languages,
        output=root,
        policy=Policy.STRICT if strict else Policy.DRAFT if draft else Policy.FALLBACK,
        on_written=written,
        variant=PrintVariant(print_shop=print_shop, mono=mono),
        impose_paper=project.paper if impose_paper == "project" else impose_paper,
        jobs=jobs or os.cpu_count() or 1,
        force=force,
        on_progress=progress,
        emit_html=emit_html,
        png=png,
    )


def _progress_bar() -> Callable[[int, int, str], None]:
    """A one-line progress bar on the terminal's stderr: done/total and the current output."""

    def show(done: int, total: int, label: str) -> None:
        width = 24
        filled = width * done // total
        end = "\n" if done == total else ""
        click.echo(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {label[:50]:<50}{end}",
            err=True,
            nl=False,
        )

    return show


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--lang",
    "-l",
    "languages",
    multiple=True,
    callback=_split,
    metavar="LANG[,LANG...]",
    help="Languages of the new project (default: es,qu,en).",
)
@click.option("--name", help="The project's name (default: the folder's name).")
def init(directory: Path, languages: tuple[str, ...], name: str | None) -> None:
    """Create a new, working project in DIRECTORY.

    The project gets the starter formats, an example leaflet written in
    English, and a catalogue for each language. DIRECTORY must not exist or
    must be empty.

    \b
    Example:
      qillqa init my-campaign --lang es,en && cd my-campaign && qillqa build
    """
    from qillqa.scaffold import init_project

    root = init_project(directory, languages or ("es", "qu", "en"), name)
    click.echo(_relative(root / "qillqa.toml"))


@cli.command()
@click.argument("name")
@click.pass_obj
def new(state: State, name: str) -> None:
    """Add a leaflet skeleton: leaflets/NAME/leaflet.toml and background.md.

    \b
    Example:
      qillqa new march-for-water
    """
    from qillqa.scaffold import new_leaflet

    for path in new_leaflet(state.project(), name):
        click.echo(_relative(path))


@cli.command()
@click.argument("pdf", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option(
    "--layout",
    required=True,
    type=click.Choice(list(LAYOUTS)),
    help="2up/4up: copies side by side; booklet: saddle-stitch order; trifold; fit: scaled to the paper.",
)
@click.option("--paper", type=click.Choice(list(SHEETS)), default=DEFAULT_PAPER, show_default=True)
@click.option(
    "--creep", type=click.FloatRange(0, 2), default=0.0, help="Booklets: mm each inner sheet moves in."
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Default: beside PDF.")
def impose(pdf: Path, layout: str, paper: str, creep: float, output: Path | None) -> None:
    """Arrange the pages of PDF on printer sheets, with cut or fold marks.

    Pages stay vector (placed as PDF forms) and fonts stay embedded. Prints the
    file written, then how to print, cut and fold it.

    \b
    Example:
      qillqa impose dist/peru-solidarity/peru-solidarity-flyer-a5-es.pdf --layout 2up --paper letter
    """
    from qillqa.build.plan import sheets_name
    from qillqa.impose import impose as run_impose

    target = output or pdf.with_name(sheets_name(pdf.stem, layout, paper))
    if not target.parent.is_dir():
        raise click.UsageError(f"no such folder for --output: {target.parent}")
    result = run_impose(pdf, target, layout, paper, creep, root=target.parent.resolve())
    click.echo(_relative(result.path))
    click.echo(f"{result.sheets} sheet(s). {result.layout.instructions}", err=True)


@cli.command("print")
@click.argument("target")
@click.option("--format", "-f", "formats", multiple=True, callback=_split, metavar="FORMAT[,FORMAT...]")
@click.option("--lang", "-l", "languages", multiple=True, callback=_split, metavar="LANG[,LANG...]")
@click.option("--printer", "-d", help="CUPS printer name (default: the system default).")
@click.option(
    "--copies", "-n", type=click.IntRange(1, 9999), default=1, show_default=True, help="Sheets of each."
)
@click.option(
    "--duplex", type=click.Choice(["long", "short", "none"]), help="Override the flip the layout needs."
)
@click.option("--paper", type=click.Choice(list(SHEETS)), help="Default: the project's paper.")
@click.option(
    "--mono",
    is_flag=True,
    help="Print the greyscale version (built if need be) with black toner only; a -mono PDF always is.",
)
@click.option("--dry-run", is_flag=True, help="Print the lp commands; send nothing.")
@click.pass_obj
def print_(
    state: State,
    target: str,
    formats: tuple[str, ...],
    languages: tuple[str, ...],
    printer: str | None,
    copies: int,
    duplex: str | None,
    paper: str | None,
    mono: bool,
    dry_run: bool,
) -> None:
    """Print TARGET through CUPS: a PDF file, or a leaflet's imposed sheets.

    For a leaflet, its PDFs are built and imposed on A4 or Letter sheets first,
    and each is sent with the duplex flip its layout needs. Prints each lp
    request id (with --dry-run: each lp command), then how to cut and fold.

    \b
    Examples:
      qillqa print peru-solidarity --format flyer-a5 --lang es --copies 50 --dry-run
      qillqa print dist/peru-solidarity/print/peru-solidarity-flyer-a5-es-2up-a4.pdf -d office
    """
    from qillqa.build.plan import SHEETS_FOLDER, parse_sheets_name
    from qillqa.printing import PrintJob, submit

    sheets: list[tuple[Path, str, str]] = []  # (file, layout, paper)
    path = Path(target)
    if path.suffix.lower() == ".pdf":
        if not path.is_file():
            raise click.UsageError(f"no such file: {target}")
        named = parse_sheets_name(path.stem)
        layout, named_paper = named if named else ("", None)
        if named_paper and paper and paper != named_paper:
            raise click.UsageError(
                f"{path.name} was imposed on {named_paper} paper; print it with --paper {named_paper}, "
                f"or impose its PDF on {paper}"
            )
        if not paper and not named_paper:  # a plain PDF: the project's paper, if there is a project
            from qillqa.errors import ProjectError

            try:
                paper = state.project().paper
            except ProjectError:
                paper = DEFAULT_PAPER
        sheets.append((path, layout, named_paper or paper or DEFAULT_PAPER))
    else:
        from qillqa.build import PrintVariant
        from qillqa.build import build as run_build

        project = state.project()
        chosen = paper or project.paper
        # Built or up to date, the sheets of every output asked for: a second print sends again.
        result = run_build(
            project,
            [target],
            formats,
            languages,
            impose_paper=chosen,
            jobs=os.cpu_count() or 1,
            variant=PrintVariant(mono=mono),
        )
        for output in result.outputs:
            for file in output.files:
                named = parse_sheets_name(file.stem)
                if file.parent.name == SHEETS_FOLDER and named and named[1] == chosen:
                    sheets.append((file, named[0], chosen))
        if not sheets:
            raise click.UsageError(f"nothing to print for {target} with these --format and --lang")
    for file, layout, sheet_paper in sheets:
        flip = duplex or (LAYOUTS[layout].duplex if layout else "long")
        greyscale = mono or "-mono" in file.stem  # a mono PDF, or the sheets of one
        job = PrintJob((file,), printer, copies, flip, sheet_paper, file.stem, greyscale)
        if dry_run:
            click.echo(job.shell())
        else:
            request = submit(job)
            click.echo(
                f"{_relative(file)}: sent to {printer or 'the default printer'} as {request} "
                f"({copies} {'copy' if copies == 1 else 'copies'}, {job.sides_text})"
            )
        if layout:
            click.echo(f"{file.name}: {LAYOUTS[layout].instructions}", err=True)


@cli.command()
@click.option("--port", "-p", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Listen on another address (careful: others can then see unpublished work). Browsers must "
    "use this very name, e.g. --host 192.168.1.5, not 0.0.0.0.",
)
@click.option("--open", "open_browser", is_flag=True, help="Open the preview in the web browser.")
@click.pass_obj
def preview(state: State, port: int, host: str, open_browser: bool) -> None:
    """See every page of every language side by side, rebuilt whenever you save.

    Serves on 127.0.0.1 only, unless --host says otherwise. Pages show images of
    the real PDFs, each language's missing and fuzzy messages, and any build
    error with its file and line; they update by themselves. Ctrl-C stops it.

    \b
    Example:
      qillqa preview --open
    """
    import threading
    import webbrowser

    from qillqa.preview import serve

    project = state.project()
    ready = threading.Event()
    holder: dict[str, Any] = {}
    url = f"http://{host}:{port}/"
    if open_browser:
        threading.Thread(target=lambda: ready.wait(60) and webbrowser.open(url), daemon=True).start()
    click.echo(f"qillqa preview on {url} (Ctrl-C stops it)", err=True)
    with contextlib.suppress(KeyboardInterrupt):
        serve(project.root, host, port, jobs=os.cpu_count() or 1, ready=ready, holder=holder)


@cli.group()
def i18n() -> None:
    """Keep the translation catalogues in step with the leaflets and templates.

    Catalogues are standard gettext PO files in locales/LANG/LC_MESSAGES/:
    one per leaflet, and templates.po for the templates' own words.
    """


@i18n.command()
@click.pass_obj
def extract(state: State) -> None:
    """Write locales/DOMAIN.pot for the templates and each leaflet.

    A file whose messages have not changed is left untouched. Prints the
    files written.
    """
    from qillqa.i18n import extract as run_extract

    for item in run_extract(state.project()):
        if item.changed:
            click.echo(_relative(item.path))


def _languages_option(text: str) -> Callable[[F], F]:
    return click.option(
        "--lang", "-l", "languages", multiple=True, callback=_split, metavar="LANG[,LANG...]", help=text
    )


@i18n.command()
@_languages_option("Update only these languages (comma-separated or repeated).")
@click.option(
    "--check", is_flag=True, help="Change nothing; exit 1 if any catalogue is out of date (for CI)."
)
@click.pass_obj
def update(state: State, languages: tuple[str, ...], check: bool) -> None:
    """Merge new and changed messages into every language's PO files.

    Extracts first. Every translation is kept; a changed source text marks its
    translation fuzzy and shows the previous text (#|); removed messages stay at
    the end of the file as obsolete (#~). Files that would not change are not
    rewritten. Prints the files written (with --check: the files out of date).

    \b
    Example:
      qillqa i18n update --check || echo "run qillqa i18n update"
    """
    from qillqa.i18n import update as run_update

    stale = [item.path for item in run_update(state.project(), languages, write=not check) if item.changed]
    for path in stale:
        click.echo(_relative(path))
    if check and stale:
        raise click.ClickException(f"{len(stale)} catalogue(s) out of date; run 'qillqa i18n update'")


@i18n.command("init")
@click.argument("language")
@click.option("--locale", help="Locale for dates and numbers when CLDR lacks LANGUAGE (e.g. es_PE).")
@click.pass_obj
def init_language(state: State, language: str, locale: str | None) -> None:
    """Add LANGUAGE to the project: a PO file per leaflet and for the templates.

    LANGUAGE is a code such as 'ay', 'es_PE' or 'qu_BO'; it is added to
    'languages' in qillqa.toml. Plural-Forms are written as GNU gettext and
    Poedit write them (then from CLDR); for a language neither knows, a two-form
    default is used and you are told so. Missing messages are printed in the
    language's fallbacks: its base language (qu for qu_BO), then --locale's
    language if the project has it, then the source.

    \b
    Example:
      qillqa i18n init ay --locale es_PE
    """
    from qillqa.i18n import init_language as run_init

    for path in run_init(state.project(), language, locale):
        click.echo(_relative(path))


@i18n.command()
@_languages_option("Only these languages.")
@click.option(
    "--min-percent",
    type=click.FloatRange(0, 100),
    metavar="N",
    help="Exit 1 if any catalogue's '%' column is below N.",
)
@click.option(
    "--min-reviewed",
    type=click.FloatRange(0, 100),
    metavar="N",
    help="Exit 1 if any catalogue's 'reviewed %' column is below N.",
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print JSON (see docs/status-json.md) instead of a table."
)
@click.pass_obj
def status(
    state: State,
    languages: tuple[str, ...],
    min_percent: float | None,
    min_reviewed: float | None,
    as_json: bool,
) -> None:
    """Show how complete each language is, per leaflet (and for the templates).

    Counts messages: reviewed, unreviewed (printed, but marked as awaiting a
    fluent reviewer), fuzzy (not printed until checked) and missing, then the
    words still to translate, the share printed as translated (%) and the share
    reviewed. The source language counts as complete. The limits compare the
    numbers exactly as printed.

    \b
    Examples:
      qillqa i18n status --lang qu --min-percent 100
      qillqa i18n status --json > status.json
    """
    import json

    from qillqa.status import report
    from qillqa.status import status as run_status

    project = state.project()
    rows = run_status(project, languages)
    if as_json:
        click.echo(json.dumps(report(project, rows), ensure_ascii=False, indent=2))
    else:
        click.echo(
            f"{'domain':<20} {'lang':<6} {'reviewed':>8} {'unreviewed':>10} {'fuzzy':>6} {'missing':>7} "
            f"{'words todo':>10} {'%':>6} {'reviewed %':>10}"
        )
        for r in rows:
            m = r.messages
            click.echo(
                f"{r.domain:<20} {r.language:<6} {m.reviewed:>8} {m.unreviewed:>10} {m.fuzzy:>6} "
                f"{m.missing:>7} {r.words.fuzzy + r.words.missing:>10} {r.percent:>6.1f} "
                f"{r.reviewed_percent:>10.1f}"
            )
    for limit, column, attribute in (
        (min_percent, "%", "percent"),
        (min_reviewed, "reviewed %", "reviewed_percent"),
    ):
        if limit is None:
            continue
        low = [(r, getattr(r, attribute)) for r in rows if getattr(r, attribute) < limit]
        if low:
            names = ", ".join(f"{r.domain} [{r.language}] {value:.1f}" for r, value in low)
            raise click.ClickException(f"{column} below {limit:g}: {names}")


@i18n.command()
@click.argument("language")
@click.option(
    "--domain",
    "-d",
    "domains",
    multiple=True,
    callback=_split,
    metavar="DOMAIN[,DOMAIN...]",
    help="Only these catalogues: 'templates' or a leaflet's name.",
)
@click.option("--match", metavar="TEXT", help="Only messages whose source text contains TEXT.")
@click.option("--by", metavar="NAME", help="Clear the marks of the listed translations, signed NAME.")
@click.option("--mark", metavar="REASON", help="Mark reviewed translations as awaiting review, saying why.")
@click.pass_obj
def review(
    state: State,
    language: str,
    domains: tuple[str, ...],
    match: str | None,
    by: str | None,
    mark: str | None,
) -> None:
    """List LANGUAGE's translations that await review by a fluent speaker.

    A translation awaits review when a translator comment ('# ...' in the PO
    file) starts with 'unreviewed' or 'Machine-drafted'. It is printed by a
    normal build and by --draft (with the draft stamp), and refused by
    --strict. A reviewer reads them (in Poedit, Weblate or a text editor),
    fixes what needs fixing, then clears the marks with --by; or deletes the
    comment by hand, which is the same thing.

    \b
    Examples:
      qillqa i18n review qu
      qillqa i18n review qu --domain templates --by "Rosa Quispe"
      qillqa i18n review es --match "Dina" --mark "figures to check"
    """
    from qillqa.i18n import review as run_review

    listed, written = run_review(state.project(), language, domains, match, by, mark)
    for item in listed:
        context = f"[{item.context}] " if item.context else ""
        click.echo(
            f"{item.path.as_posix()}:{item.line}: {context}{_excerpt(item.msgid)} -> {_excerpt(item.msgstr)}"
        )
    for file in written:
        click.echo(f"wrote {_relative(file.path)}", err=True)
    action = "cleared" if by is not None else "marked" if mark is not None else "awaiting review"
    click.echo(f"{len(listed)} translation(s) {action}", err=True)


def _excerpt(text: str, width: int = 48) -> str:
    """One line of at most ``width`` characters, for listing a message."""
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


@i18n.command()
@_languages_option("Only these languages.")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.pass_obj
def check(state: State, languages: tuple[str, ...], strict: bool) -> None:
    """Check translations for mistakes that would print badly.

    Errors: placeholders (%(name)s, {name}) or Markdown (**bold**, *italic*,
    links) that differ from the source, HTML in a translation, unpaired Spanish
    ¡...! and ¿...?. Warnings: leading or trailing spaces, final punctuation,
    a translation identical to the source or of a very different length, a
    Quechua apostrophe that is not the project's. Exit 1 on any error.
    """
    from qillqa.checks import ERROR
    from qillqa.i18n import check as run_check

    findings = run_check(state.project(), languages)
    for finding in findings:
        click.echo(str(finding))
    errors = [f for f in findings if f.severity == ERROR or strict]
    if errors:
        raise click.ClickException(f"{len(errors)} error(s)")


@i18n.command("compile")
@_languages_option("Only these languages.")
@click.pass_obj
def compile_(state: State, languages: tuple[str, ...]) -> None:
    """Write .mo files beside the PO files, for tools that need them.

    Runs the checks first and writes nothing if they find an error. Builds do
    not need .mo files (they read the PO files), and git ignores them.
    """
    from qillqa.i18n import compile_catalogs

    for item in compile_catalogs(state.project(), languages):
        click.echo(_relative(item.path))


def main() -> None:
    """Console-script entry point."""
    try:
        cli(prog_name="qillqa")
    except BrokenPipeError:  # `qillqa i18n review qu | head`: the reader has what it wanted
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # Python would complain while flushing stdout
        sys.exit(141)  # 128 + SIGPIPE, as a shell reports it
