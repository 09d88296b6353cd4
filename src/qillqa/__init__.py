"""qillqa: print-ready multilingual leaflets from plain text and gettext catalogues.

The library API lives in the submodules; :mod:`qillqa.cli` is a thin click front end
over it. Nothing here imports the CLI.
"""

from __future__ import annotations

__version__ = "0.1.0"
