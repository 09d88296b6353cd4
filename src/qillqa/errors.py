"""One exception hierarchy for every expected failure, independent of any command line.

Every error a user can cause derives from :class:`QillqaError`, which carries its
message (with the file and line, when there is one) and the exit code it deserves:
1 for bad input, 2 for a usage error. Exceptions from TOML, Jinja, Babel, WeasyPrint
and the OS are translated into these where they occur. Only the CLI turns them into
messages and exit codes (anything else is an internal error: :data:`INTERNAL_EXIT`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

#: The exit code of an internal error: a bug in qillqa, not a problem of the input.
INTERNAL_EXIT = 3


def where(path: Path | str, line: int | None = None) -> str:
    """Format a source location as ``path:line`` (or just ``path``)."""
    return f"{path}:{line}" if line else str(path)


class QillqaError(Exception):
    """An expected failure: bad input, a failed check, a missing resource."""

    exit_code = 1

    def __init__(self, message: str, *, path: Path | str | None = None, line: int | None = None):
        self.path = path
        self.line = line
        if path is not None:
            message = f"{where(path, line)}: {message}"
        self.message = message
        #: What was found before the failure (``warnings``, ``misses``), for whoever reports it.
        self.details: dict[str, Any] = {}
        super().__init__(message)

    def format_message(self) -> str:
        """The message as the user sees it."""
        return self.message


class UsageError(QillqaError):
    """The command line names something that does not exist (exit code 2)."""

    exit_code = 2


class ProjectError(QillqaError):
    """No project found, or ``qillqa.toml`` is malformed."""


class ContentError(QillqaError):
    """A leaflet's ``leaflet.toml`` or Markdown text is malformed."""


class CatalogError(QillqaError):
    """A PO or POT file cannot be read or written."""


class TemplateError(QillqaError):
    """A format's manifest or Jinja template is broken."""


class RenderError(QillqaError):
    """WeasyPrint failed, a resource was refused, or the PDF breaks the format's rules."""
