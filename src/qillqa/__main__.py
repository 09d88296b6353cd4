"""Allow ``python -m qillqa``."""

from __future__ import annotations

from qillqa.cli import main

if __name__ == "__main__":
    main()
