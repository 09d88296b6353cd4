"""Jinja: one environment per format and language, and its errors made readable.

Templates are written by designers and run sandboxed (Jinja's immutable sandbox: no
Python internals, no changing the values they are given, loading only templates inside
the project). The text they receive is not trusted: autoescape is on, unknown names fail
loudly (StrictUndefined), and every gettext call goes through the page's own
:class:`~qillqa.catalogs.Translator` and comes back escaped. A translation is %-formatted
only when its message is python-format (it has a ``%(name)s`` placeholder), and only
after the translator has checked that its placeholders are the source's.
"""

from __future__ import annotations

import datetime as dt
import traceback
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from typing import Any

import jinja2
import jinja2.bccache
import jinja2.sandbox
from babel import Locale
from babel.dates import format_date, format_skeleton, format_time
from jinja2.utils import missing
from markupsafe import Markup, escape

from qillqa.catalogs import Translator
from qillqa.errors import QillqaError, TemplateError
from qillqa.formats import Format
from qillqa.project import Project

_DATE_STYLES = ("full", "long", "medium", "short")


class Namespace:
    """Read-only fields for templates, named so errors can say where a field is missing."""

    def __init__(
        self, name: str, values: Mapping[str, Any], lazy: Mapping[str, Callable[[], Any]] | None = None
    ):
        self.__dict__.update(values)
        self._qillqa_name = name
        self._qillqa_lazy = dict(lazy or {})

    def __getattr__(self, name: str) -> Any:
        # Lazy fields are computed when a template first reads them, so only the messages a
        # page really prints count as used (and as missing, for --strict).
        lazy = self.__dict__.get("_qillqa_lazy", {})
        if name in lazy:
            value = lazy.pop(name)()
            self.__dict__[name] = value
            return value
        raise AttributeError(name)

    def __repr__(self) -> str:
        return f"<{self._qillqa_name}>"


class Undefined(jinja2.StrictUndefined):
    """StrictUndefined that names the object a missing field was asked of."""

    @property
    def _undefined_message(self) -> str:
        if self._undefined_hint:
            return self._undefined_hint
        obj = self._undefined_obj
        if obj is missing:
            return f"{self._undefined_name!r} is undefined"
        if isinstance(obj, Namespace):
            return f"'{obj._qillqa_name}' has no field {self._undefined_name!r}"
        return str(super()._undefined_message)


def _date(
    locales: Callable[[str | None], Locale], value: dt.date, style: str = "long", language: str | None = None
) -> str:
    locale = locales(language)
    if style in _DATE_STYLES:
        return str(format_date(value, style, locale=locale))
    moment = dt.datetime.combine(value, dt.time(12)) if not isinstance(value, dt.datetime) else value
    return str(format_skeleton(style, moment, locale=locale))


def _time(
    locales: Callable[[str | None], Locale], value: dt.time, style: str = "short", language: str | None = None
) -> str:
    return str(format_time(value, style, locale=locales(language)))


class _MemoryBytecodeCache(jinja2.BytecodeCache):
    """Compiled templates kept for the process: every job of a build reuses them.

    Jinja checks each template's source checksum, so an edited template is compiled again.
    """

    def __init__(self) -> None:
        self._store: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.key in self._store:
            bucket.bytecode_from_string(self._store[bucket.key])

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._store[bucket.key] = bucket.bytecode_to_string()


_BYTECODE = _MemoryBytecodeCache()


class ProjectLoader(jinja2.FileSystemLoader):
    """Templates from the format's folder and ``templates/``, never through a link leading out."""

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Any]:
        source, filename, uptodate = super().get_source(environment, template)
        resolved = Path(filename).resolve()
        roots = [Path(folder).resolve() for folder in self.searchpath]
        if not any(root in resolved.parents for root in roots):
            raise TemplateError(
                f"template {template!r} is a link to {resolved}, outside the project's templates; "
                "qillqa reads only files inside the project"
            )
        return source, filename, uptodate


def gettext_functions(translator: Translator) -> dict[str, Callable[..., Markup]]:
    """gettext, ngettext, pgettext and npgettext for templates: translated, escaped, safely formatted.

    Jinja's own functions mark translations safe under autoescape and %-format every one of
    them; these escape every translation, and format only python-format messages (whose
    placeholders the translator has checked), with escaped values.
    """
    from qillqa.checks import python_format

    def finish(msgid: str, text: str, variables: dict[str, Any]) -> Markup:
        escaped = escape(text)
        return Markup(escaped % variables) if python_format(msgid) else escaped

    def gettext(message: str, **variables: Any) -> Markup:
        return finish(message, translator.gettext(message), variables)

    def pgettext(context: str, message: str, **variables: Any) -> Markup:
        return finish(message, translator.pgettext(context, message), variables)

    def ngettext(singular: str, plural: str, num: int, **variables: Any) -> Markup:
        variables.setdefault("num", num)
        return finish(f"{singular} {plural}", translator.ngettext(singular, plural, num), variables)

    def npgettext(context: str, singular: str, plural: str, num: int, **variables: Any) -> Markup:
        variables.setdefault("num", num)
        return finish(f"{singular} {plural}", translator.npgettext(context, singular, plural, num), variables)

    return {"gettext": gettext, "pgettext": pgettext, "ngettext": ngettext, "npgettext": npgettext}


def environment(
    fmt: Format,
    locales: Callable[[str | None], Locale],
    translator: Translator,
    extra_filters: Mapping[str, Any] | None = None,
) -> jinja2.Environment:
    """A Jinja environment for one format in one language.

    ``locales(None)`` is the page's locale, ``locales("qu")`` another language's, for the
    ``date`` and ``time`` filters' optional language argument (multilingual sheets).
    The loader looks in the format's folder, then in ``templates/``, so formats can share.
    """
    env = jinja2.sandbox.ImmutableSandboxedEnvironment(
        loader=ProjectLoader([fmt.folder, fmt.folder.parent]),
        bytecode_cache=_BYTECODE,
        autoescape=True,
        undefined=Undefined,
        extensions=["jinja2.ext.i18n"],
        keep_trailing_newline=True,
    )
    env.policies["ext.i18n.trimmed"] = True
    env.globals.update(gettext_functions(translator))
    env.newstyle_gettext = True  # type: ignore[attr-defined]
    env.filters["date"] = partial(_date, locales)
    env.filters["time"] = partial(_time, locales)
    env.filters.update(extra_filters or {})
    return env


def render(env: jinja2.Environment, fmt: Format, project: Project, context: Mapping[str, Any]) -> str:
    """Render the format's entry template; Jinja errors become :class:`TemplateError`."""
    try:
        return env.get_template(fmt.entry).render(context)
    except QillqaError:
        raise
    except Exception as exc:
        raise translate_jinja_error(exc, fmt.folder / fmt.entry, project) from exc


def translate_jinja_error(exc: BaseException, path: Path, project: Project) -> BaseException:
    """A :class:`TemplateError` naming file and line for a Jinja error, else ``exc`` itself."""
    if isinstance(exc, jinja2.TemplateSyntaxError):
        where = Path(exc.filename) if exc.filename else path
        return TemplateError(
            f"template syntax error: {exc.message}", path=project.relative(where), line=exc.lineno
        )
    if isinstance(exc, jinja2.TemplateNotFound):
        return TemplateError(f"template not found: {exc.name}", path=project.relative(path))
    if isinstance(exc, jinja2.UndefinedError):
        where, line = _template_frame(exc, project) or (path, None)
        return TemplateError(
            f"undefined template variable: {exc.message}", path=project.relative(where), line=line
        )
    if isinstance(exc, jinja2.exceptions.SecurityError | OverflowError):
        where, line = _template_frame(exc, project) or (path, None)
        return TemplateError(
            f"refused by the template sandbox: {exc}", path=project.relative(where), line=line
        )
    return exc


def _template_frame(exc: BaseException, project: Project) -> tuple[Path, int] | None:
    """The innermost traceback frame inside the project's templates."""
    root = project.templates_dir.resolve()
    found = None
    for frame in traceback.extract_tb(exc.__traceback__):
        candidate = Path(frame.filename)
        if candidate.is_absolute() and root in candidate.resolve().parents and frame.lineno:
            found = (candidate, frame.lineno)
    return found
