"""What earlier builds made: each output's input key, and what was found building it.

:class:`InputHasher` hashes everything an output is made from; :class:`BuildCache`
keeps, per output, that key and the output's findings (messages that fell back, warnings),
in ``<output>/.qillqa-build.json`` with paths relative to the output folder.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path

from qillqa import __version__
from qillqa.build.plan import Job, Options
from qillqa.catalogs import TEMPLATES_DOMAIN, Miss, Policy
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
    folder, the PO files of the output's languages and of the languages they fall back to
    (its leaflet's and the templates'), the configuration, the fonts, the options and
    qillqa's version. File contents are read once per build.
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
        # Imposition, PNGs and --strict are not part of the key: the PDF is the same. A sheet
        # is recorded with its PDF; --strict judges the misses recorded with it.
        draft = options.policy is Policy.DRAFT
        parts = [f"qillqa {__version__}", repr((draft, options.variant)), job.format.name]
        parts.append(",".join(job.languages))
        parts.append(self._file(project.config_path))
        parts += self._tree(project.templates_dir)
        parts += self._tree(job.leaflet.folder)
        # Its languages and the languages they fall back to: a Quechua edit changes qu_BO's page.
        read = dict.fromkeys(lang for own in job.languages for lang in (own, *project.fallback_chain(own)))
        for language in read:
            for domain in (job.leaflet.domain, TEMPLATES_DOMAIN):
                parts.append(f"{language}/{domain}={self._file(project.po_path(language, domain))}")
        for face in faces(job.format.fonts):
            stat = face.path.stat()
            parts.append(f"{face.path.name}:{stat.st_size}:{stat.st_mtime_ns}")
        return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class OutputState:
    """What a build recorded of one output: its key, its files, and what it found."""

    key: str
    #: The output's files (its PDF first), relative to the output folder, each with the size and
    #: time it had when written: a file changed since (replaced by another tool) is not its own.
    files: tuple[tuple[str, int, int], ...]
    misses: tuple[Miss, ...] = ()
    warnings: tuple[str, ...] = ()


class BuildCache:
    """Each output's state, kept between builds in ``<output>/.qillqa-build.json``.

    Paths are relative to the output folder, so that ``dist/`` names no local folder and can
    be moved or zipped. A cache from another version, damaged, or planted as a link is
    ignored: everything is rebuilt.
    """

    VERSION = 3

    def __init__(self, path: Path) -> None:
        self.path = path
        self.root = path.parent
        self.outputs: dict[str, OutputState] = {}
        try:
            data = json.loads(read_inside(path, self.root, CACHE_BYTES))
            if isinstance(data, dict) and data.get("version") == self.VERSION:
                for name, entry in data["outputs"].items():
                    self.outputs[str(name)] = OutputState(
                        str(entry["key"]),
                        tuple((str(f), int(size), int(time)) for f, size, time in entry["files"]),
                        tuple(Miss(**miss) for miss in entry["misses"]),
                        tuple(map(str, entry["warnings"])),
                    )
        except (QillqaError, ValueError, KeyError, TypeError, AttributeError):
            self.outputs = {}  # no cache, a damaged one or a planted link: everything is rebuilt
        self._changed = False

    def _name(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def _signature(self, path: Path) -> tuple[str, int, int] | None:
        try:
            stat = path.stat()
        except OSError:
            return None
        return (self._name(path), stat.st_size, stat.st_mtime_ns)

    def state(self, job: Job, key: str) -> tuple[OutputState, list[Path]] | None:
        """The recorded state of ``job`` and its files still as written, if its PDF is as it was built.

        ``None`` when the inputs changed, or the PDF is missing or was changed since (another
        tool wrote over it): the output must be built again.
        """
        state = self.outputs.get(self._name(job.output))
        if state is None or state.key != key or not state.files:
            return None
        current = [
            self.root / name
            for name, size, time in state.files
            if self._signature(self.root / name) == (name, size, time)
        ]
        if self.root / state.files[0][0] not in current:
            return None
        return state, current

    def record(self, job: Job, key: str, files: list[Path], misses: list[Miss], warnings: list[str]) -> None:
        signatures = tuple(sig for path in files if (sig := self._signature(path)) is not None)
        self.outputs[self._name(job.output)] = OutputState(key, signatures, tuple(misses), tuple(warnings))
        self._changed = True

    def forget(self, job: Job) -> None:
        if self.outputs.pop(self._name(job.output), None) is not None:
            self._changed = True

    def changed(self) -> None:
        """Say that :attr:`outputs` was changed directly, so that :meth:`save` writes it."""
        self._changed = True

    def save(self) -> None:
        if not self._changed:
            return
        outputs = {
            name: {
                "key": state.key,
                "files": [list(signature) for signature in state.files],
                "misses": [asdict(miss) for miss in state.misses],
                "warnings": list(state.warnings),
            }
            for name, state in sorted(self.outputs.items())
        }
        data = json.dumps({"version": self.VERSION, "outputs": outputs}, indent=1, ensure_ascii=False)
        atomic_write_bytes(self.path, data.encode("utf-8"), self.root)
