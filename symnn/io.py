"""Writing files so that a failure never leaves half a document: write a temporary file, then rename."""

from __future__ import annotations

import os
import re
import secrets
import zipfile
from collections.abc import Iterable
from pathlib import Path

import numpy as np

try:  # POSIX: a writer holds a lock on its temporary file, so a leftover is told from a write in progress
    import fcntl
except ImportError:  # Windows: an open file cannot be removed, which protects a write in progress instead
    fcntl = None

__all__ = ["read_npz", "temporary_name", "write_atomic"]

#: the characters of the random part of a temporary name (those of :func:`tempfile.mkstemp`, which
#: symnn used before: leftovers of older versions are recognised too)
_TEMP_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789_"
_TEMP_LENGTH = 8


def temporary_name(path: str | os.PathLike[str]) -> Path:
    """A fresh name for the temporary file that :func:`write_atomic` writes before renaming it to ``path``.

    ``.<name>.<8 random characters>.tmp`` in the folder of ``path``, hidden on POSIX.
    """
    path = Path(path)
    token = "".join(secrets.choice(_TEMP_CHARS) for _ in range(_TEMP_LENGTH))
    return path.with_name(f".{path.name}.{token}.tmp")


def _leftovers(path: Path) -> list[Path]:
    """Temporary files of earlier writes to ``path`` (symnn's own name pattern only), in name order."""
    pattern = re.compile(rf"\.{re.escape(path.name)}\.[{_TEMP_CHARS}]{{{_TEMP_LENGTH}}}\.tmp")
    folder = path.parent
    try:
        names = sorted(entry.name for entry in os.scandir(folder) if pattern.fullmatch(entry.name))
    except OSError:
        return []
    return [folder / name for name in names]


def _remove_leftovers(path: Path) -> None:
    """Remove what a write to ``path`` that was killed left behind, sparing writes still in progress.

    A writer keeps an exclusive lock on its temporary file until it is renamed; a leftover's writer is
    gone and its lock with it (the kernel releases a dead process's locks). Where the lock cannot be
    taken, or the file is no longer the one opened, it is left alone.
    """
    for tmp in _leftovers(path):
        try:
            fd = os.open(tmp, os.O_RDONLY)
        except OSError:
            continue  # renamed or removed meanwhile
        try:
            if fcntl is not None:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    continue  # a write in progress
                if not os.path.samestat(os.fstat(fd), os.stat(tmp)):
                    continue
            os.unlink(tmp)
        except OSError:  # gone meanwhile, or (Windows) still open by its writer
            pass
        finally:
            os.close(fd)


def _open_temporary(path: Path) -> tuple[int, Path]:
    """Create, open and lock a fresh temporary file beside ``path``: ``(descriptor, name)``.

    Created as ``open(..., "w")`` creates a file, mode 0666 less the umask, so the renamed result has the
    permissions of any other file the user writes (``tempfile.mkstemp`` makes 0600, private).
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        tmp = temporary_name(path)
        try:
            fd = os.open(tmp, flags, 0o666)
        except FileExistsError:
            continue
        if fcntl is None:
            return fd, tmp
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            if os.path.samestat(os.fstat(fd), os.stat(tmp)):
                return fd, tmp
        except FileNotFoundError:
            pass
        os.close(fd)  # removed as a leftover between its creation and the lock: take another name


def write_atomic(
    path: str | os.PathLike[str], data: str | bytes | Iterable[str | bytes], *, force: bool = False
) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder and an atomic rename.

    A reader sees the old file or the whole new one, never a part. The file gets the permissions
    ``open(path, "w")`` would give a new file (0666 less the umask), also when it replaces an existing
    file: the old file's mode is not carried over. A write that was killed leaves its temporary file
    (``.<name>.<random>.tmp``); the next write to the same path removes it.

    Parameters
    ----------
    path : path-like
        The file to write. Its folder must exist.
    data : str, bytes or an iterable of them
        Text is written as UTF-8. An iterable (a generator of a document's pieces) is written piece by piece as it
        is made, so a large document is never held whole; if it raises, nothing is written to ``path``.
    force : bool
        Replace an existing file; without it an existing file raises ``FileExistsError``.

    Returns
    -------
    Path
        The path written.

    Raises
    ------
    FileExistsError
        ``path`` exists and ``force`` is false.
    IsADirectoryError
        ``path`` is a directory (with or without ``force``).
    FileNotFoundError
        The folder of ``path`` does not exist.
    """
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"cannot write {path}: it is a directory")
    if path.exists() and not force:
        raise FileExistsError(f"{path} exists; pass force=True (--force on the command line) to overwrite it")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise FileNotFoundError(f"cannot write {path}: the folder {folder} does not exist")
    pieces = [data] if isinstance(data, str | bytes | bytearray) else data
    _remove_leftovers(path)
    fd, tmp = _open_temporary(path)
    try:
        f = os.fdopen(fd, "wb")
        try:
            for piece in pieces:
                f.write(piece.encode("utf-8") if isinstance(piece, str) else piece)
            f.flush()
            if fcntl is not None:
                os.replace(tmp, path)  # still locked: a concurrent write never takes it for a leftover
        finally:
            f.close()
        if fcntl is None:
            os.replace(tmp, path)  # Windows renames no open file
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path


def read_npz(path: Path, what: str) -> dict[str, np.ndarray]:
    """The arrays of the ``.npz`` file ``path``; a ``ValueError`` starting ``what`` (e.g. "checkpoint x.npz").

    ``numpy.load`` takes a file that is not a zip archive for a pickle and answers that it "contains
    pickled (object) data", advising ``allow_pickle=``: never right for a file a user names, so a
    file that does not start as a zip archive is refused first.
    """
    with open(path, "rb") as f:
        head = f.read(4)
    if head not in (b"PK\x03\x04", b"PK\x05\x06"):
        raise ValueError(f"{what} is not a valid .npz file (not a zip archive)")
    try:
        with np.load(path, allow_pickle=False) as f:
            return {k: f[k] for k in f.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as e:
        raise ValueError(f"{what} is not a valid .npz file ({type(e).__name__}: {e})") from e
