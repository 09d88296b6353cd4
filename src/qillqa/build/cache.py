"""What earlier builds made: each output's input key, and what was found building it.

:class:`InputHasher` hashes everything an output is made from; :class:`BuildCache`
keeps, per output, that key and the output's findings (messages that fell back, warnings),
in ``<output>/.qillqa-build.json`` with paths relative to the output folder.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

from qillqa import __version__
from qillqa.build.plan import Job, Options, sheets_path
from qillqa.catalogs import TEMPLATES_DOMAIN
from qillqa.errors import QillqaError
from qillqa.fonts import faces
from qillqa.fsutil import atomic_write_bytes, is_inside, read_inside
from qillqa.limits import MAX_RESOURCE_BYTES
from qillqa.project import Project

log = logging.getLogger(__name__)


CACHE_FILE = ".qillqa-build.json"
#: The cache holds a line per output: this is room for hundreds of thousands.
CACHE_BYTES = 50_000_000

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
