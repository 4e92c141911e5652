"""Writing files so that a failure never leaves half a document: write a temporary file, then rename."""

from __future__ import annotations

import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

__all__ = ["read_npz", "write_atomic"]


def write_atomic(path: str | os.PathLike[str], data: str | bytes, *, force: bool = False) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder and an atomic rename.

    Parameters
    ----------
    path : path-like
        The file to write. Its folder must exist.
    data : str or bytes
        Text is written as UTF-8.
    force : bool
        Replace an existing file; without it an existing file raises ``FileExistsError``.

    Returns
    -------
    Path
        The path written.
    """
    path = Path(path)
    if path.exists() and not force:
        raise FileExistsError(f"{path} exists; pass force=True (--force on the command line) to overwrite it")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise FileNotFoundError(f"cannot write {path}: the folder {folder} does not exist")
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
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
