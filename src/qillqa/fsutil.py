"""Files inside the project: confined reads and atomic writes.

Every file qillqa reads from a project goes through :func:`read_inside`, which follows
links and refuses what leads out of the project, and refuses files over a size limit.
Every file it writes goes through :func:`atomic_path`: a reader sees the old file or the
new one, never half of either, and a folder that is a link leading out of the output
folder is refused before anything is created.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from qillqa.errors import QillqaError


def is_inside(root: Path, path: Path) -> bool:
    """Whether ``path``, with every link followed, is ``root`` or lies under it."""
    resolved, base = path.resolve(), root.resolve()
    return resolved == base or base in resolved.parents


def read_inside(
    path: Path,
    root: Path,
    limit: int,
    error: Callable[..., QillqaError] = QillqaError,
    shown: Path | str | None = None,
) -> bytes:
    """The bytes of ``path``, which must lie inside ``root`` (links followed) and be at most ``limit``."""
    shown = shown if shown is not None else path
    if not is_inside(root, path):
        raise error(
            f"it is a link to {path.resolve()}, outside the project; qillqa reads only files inside it",
            path=shown,
        )
    if path.exists() and not path.is_file():  # a FIFO would block, a device never end
        raise error("not a regular file", path=shown)
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise error(f"cannot read file: {exc.strerror}", path=shown) from exc
    if len(data) > limit:
        raise error(f"the file is larger than the {limit / 1e6:g} MB qillqa reads", path=shown)
    return data


def read_text_inside(
    path: Path,
    root: Path,
    limit: int,
    error: Callable[..., QillqaError] = QillqaError,
    shown: Path | str | None = None,
) -> str:
    """:func:`read_inside`, decoded as UTF-8 (a byte-order mark is dropped); bad bytes name their line."""
    data = read_inside(path, root, limit, error, shown)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        where = shown if shown is not None else path
        raise error("not valid UTF-8 text; save the file as UTF-8", path=where, line=line) from exc


def holds(path: Path, data: bytes, root: Path) -> bool:
    """Whether ``path`` (inside ``root``) exists and holds exactly ``data``."""
    if not path.is_file() or path.stat().st_size != len(data):
        return False
    return read_inside(path, root, len(data)) == data


def check_writable_inside(root: Path, target: Path) -> None:
    """Refuse to write ``target`` if a folder on its way leads out of ``root`` (checked before any mkdir)."""
    probe = target.parent
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not is_inside(root, probe):
        shown = target.relative_to(root) if target.is_relative_to(root) else target
        raise QillqaError(
            f"refused to write {shown}: {probe.name or probe} is a link to {probe.resolve()}, outside "
            f"{root.name or root}; remove the link"
        )


def sweep_litter(folder: Path) -> None:
    """Remove the temporary files (``.NAME.XXXX.tmp``) that a killed writer left in ``folder``.

    Callers hold the lock (builds) or are the only writer (i18n commands).
    """
    if not folder.is_dir():
        return
    for litter in folder.rglob(".*.tmp"):
        if litter.is_file() and not litter.is_symlink():
            litter.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_path(target: Path, root: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it replaces ``target``.

    On any exception (or interrupt) the temporary file is removed and ``target``
    is left as it was. The target must lie inside ``root`` (links followed).
    """
    check_writable_inside(root, target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    temporary = Path(name)
    try:
        yield temporary
        with open(temporary, "rb+") as handle:
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def atomic_write_bytes(target: Path, data: bytes, root: Path) -> None:
    """Write ``data`` to ``target`` atomically, inside ``root``."""
    with atomic_path(target, root) as temporary:
        temporary.write_bytes(data)


@contextlib.contextmanager
def exclusive(lock_file: Path, busy_message: str) -> Iterator[None]:
    """Hold an exclusive lock on ``lock_file`` (created if missing), or fail at once.

    Two builds writing the same outputs at once would race on the files and the cache;
    the second one stops with ``busy_message`` instead of waiting or corrupting anything.
    """
    import fcntl

    lock_file.parent.mkdir(parents=True, exist_ok=True)
    try:  # never through a link: a planted one would create a file wherever it points
        descriptor = os.open(lock_file, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
    except OSError as exc:
        raise QillqaError(f"cannot open the lock file {lock_file.name}: {exc.strerror}") from exc
    with open(descriptor, "a+b") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise QillqaError(busy_message) from exc
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
