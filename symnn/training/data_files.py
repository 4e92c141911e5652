"""Users' data files: CSV (features then the label in each row) and ``.npz`` (``X``, ``y``), checked as read."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np

from symnn.io import read_npz
from symnn.training.datasets import Dataset

__all__ = ["load_data_file"]


_MAX_CLASSES = 2**31


def load_data_file(path: str | Path, n_features: int | None = None, n_classes: int | None = None) -> Dataset:
    """Load and validate a user's data file.

    Parameters
    ----------
    path : path-like
        ``.csv``: numbers separated by commas, an optional header line (a first line with no number
        in it), one sample a line, the **last** column the class label (an integer from 0). A cell that
        is not a number is an error naming its row, column and text. ``.npz``: arrays ``X``
        (N × features) and ``y`` (N integer labels), optionally ``X_test`` and ``y_test``.
    n_features, n_classes : int, optional
        What the network expects: the number of inputs, and of classes (output units; 1 output
        unit means two classes).

    Raises
    ------
    ValueError
        Naming the problem: unreadable file, wrong shapes, NaN or infinity, labels that are not
        integers or out of range.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".npz"):
        raise ValueError(f"data file {path}: unknown format {path.suffix!r}; valid: .csv, .npz")
    if not path.is_file():
        raise FileNotFoundError(f"data file {path} does not exist")
    if suffix == ".csv":
        X, y = _read_csv(path)
        X_test = y_test = None
    else:
        X, y, X_test, y_test = _read_npz(path)
    X, y = _check_arrays(path, "X", "y", X, y)
    if X_test is not None:
        X_test, y_test = _check_arrays(path, "X_test", "y_test", X_test, y_test)
        if X_test.shape[1] != X.shape[1]:
            raise ValueError(f"data file {path}: X_test has {X_test.shape[1]} columns, X has {X.shape[1]}")
    if n_features is not None and X.shape[1] != n_features:
        raise ValueError(f"data file {path}: {X.shape[1]} features per sample, the network has {n_features} inputs")
    # The range is checked on the labels as read (float64 or any integer dtype), before the cast to
    # int64: a cast first would wrap 1e20 or a uint64 2**63 + 5 round to a negative number.
    if n_classes is None:
        for name, labels in (("y", y), ("y_test", y_test)):
            if labels is not None and (labels >= _MAX_CLASSES).any():
                raise ValueError(
                    f"data file {path}: label {_plain(labels.max())} in {name} is out of range; "
                    f"labels must be 0 .. {_MAX_CLASSES - 1}"
                )
        classes = int(max(y.max(), -1 if y_test is None else y_test.max())) + 1
    else:
        classes = 2 if n_classes == 1 else n_classes
    for name, labels in (("y", y), ("y_test", y_test)):
        if labels is not None and (labels >= classes).any():
            raise ValueError(
                f"data file {path}: label {_plain(labels.max())} in {name} is out of range; "
                f"the network has {classes} classes, so labels must be 0 .. {classes - 1}"
            )
    y = y.astype(np.int64)
    y_test = None if y_test is None else y_test.astype(np.int64)
    return Dataset(path.name, X, y, max(classes, 2), X_test, y_test)


def _read_csv(path: Path) -> tuple[np.ndarray, np.ndarray]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise ValueError(f"data file {path}: not UTF-8 text (byte {e.object[e.start]:#04x} at offset {e.start})") from e
    rows = [(number, line) for number, line in enumerate(text.splitlines(), start=1) if line.strip()]
    # A header has no number in it: a first row of numbers with a typo ("0.1,0.2,O.3,1") is data, and its
    # bad cell an error, not a header that silently drops a sample.
    if rows and not any(_is_number(cell) for cell in rows[0][1].split(",")):
        rows = rows[1:]
    if not rows:
        raise ValueError(f"data file {path}: no data rows")
    try:
        data = np.loadtxt(io.StringIO("\n".join(line for _, line in rows)), delimiter=",", ndmin=2, dtype=np.float64)
    except ValueError as e:
        raise ValueError(f"data file {path}: {_first_bad_cell(rows) or f'not a table of numbers ({e})'}") from e
    if data.shape[1] < 2:
        raise ValueError(f"data file {path}: needs at least 2 columns (features, then the label), got {data.shape[1]}")
    return data[:, :-1], data[:, -1]


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _first_bad_cell(rows: list[tuple[int, str]]) -> str | None:
    """What is wrong with the first bad row of a CSV table: a cell that is not a number, or a row of another
    width than the first; None if nothing is found (``numpy.loadtxt``'s message then says it).

    Rows count samples, as the other messages about a data file do (the header is not one); the line of
    the file follows where it differs.
    """

    def row(index: int) -> str:
        line = rows[index][0]
        return f"row {index + 1}" + (f" (line {line})" if line != index + 1 else "")

    width = len(rows[0][1].split(","))
    for index, (_, line) in enumerate(rows):
        cells = line.split(",")
        for column, cell in enumerate(cells, start=1):
            if not _is_number(cell):
                return f"{row(index)}, column {column} is {cell.strip()!r}, not a number"
        if len(cells) != width:
            return f"{row(index)} has {len(cells)} columns, row 1 has {width}"
    return None


def _read_npz(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
    arrays = read_npz(path, f"data file {path}: it")
    missing = [k for k in ("X", "y") if k not in arrays]
    if missing:
        raise ValueError(
            f"data file {path}: missing array(s) {', '.join(missing)}; a .npz needs X (N × features) and y (N labels), "
            f"found: {', '.join(sorted(arrays)) or 'none'}"
        )
    if ("X_test" in arrays) != ("y_test" in arrays):
        raise ValueError(f"data file {path}: give both X_test and y_test, or neither")
    return arrays["X"], arrays["y"], arrays.get("X_test"), arrays.get("y_test")


def _check_arrays(path: Path, xname: str, yname: str, X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    X, y = np.asarray(X), np.asarray(y)
    if X.dtype.kind not in "biuf" or y.dtype.kind not in "biuf":
        raise ValueError(f"data file {path}: {xname} and {yname} must be numbers, got {X.dtype} and {y.dtype}")
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"data file {path}: {xname} must be a 2-D array (samples × features), got shape {X.shape}")
    if y.ndim != 1 or y.shape[0] != X.shape[0]:
        raise ValueError(
            f"data file {path}: {yname} must be 1-D with one label per row of {xname} ({X.shape[0]}), "
            f"got shape {y.shape}"
        )
    X = X.astype(np.float64)
    bad = ~np.isfinite(X)
    if bad.any():
        r, c = np.argwhere(bad)[0]
        raise ValueError(f"data file {path}: {xname} has NaN or infinity, first at row {r + 1}, column {c + 1}")
    bad_label = y < 0
    if y.dtype.kind == "f":
        bad_label |= ~np.isfinite(y) | (np.floor(y) != y)
    if bad_label.any():
        i = int(np.flatnonzero(bad_label)[0])
        raise ValueError(f"data file {path}: labels must be integers from 0; {yname} row {i + 1} is {_plain(y[i])}")
    return X, y


def _plain(value: Any) -> str:
    """A label as a plain number for a message: ``3``, ``1.5``, ``-1``, ``nan`` (not ``np.float64(3.0)``)."""
    value = value.item()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
