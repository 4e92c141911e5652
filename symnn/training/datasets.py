"""Data to train on: seed 003's 4 × 3 digits, the logic gates and XOR, scikit-learn's digits (users' files:
:mod:`symnn.training.data_files`).

Every loader returns a :class:`Dataset`: inputs batch-first (N samples × features) and integer class labels;
``Dataset.targets(n_outputs)`` gives the training targets (one-hot, or the 0/1 label itself for one output).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from itertools import product

import numpy as np

__all__ = [
    "DATASETS",
    "Dataset",
    "digits4x3",
    "digits4x3_images",
    "load_dataset",
    "logic_gate",
    "one_hot",
    "sklearn_digits",
]

log = logging.getLogger(__name__)

ROWS, COLS = 4, 3  # seed 003: "4 × 3 画素からなる画像"


@dataclass(frozen=True)
class Dataset:
    """Inputs and integer labels, with an optional held-out test set.

    Attributes
    ----------
    name : str
        What it is (``"digits4x3"``, a file name, ...).
    X : numpy.ndarray
        Inputs, ``(N, n_features)`` float64.
    labels : numpy.ndarray
        Class of each sample, ``(N,)`` int64 in ``0 .. n_classes - 1``.
    n_classes : int
        Number of classes.
    X_test, labels_test : numpy.ndarray or None
        The held-out set, the same layout.
    """

    name: str
    X: np.ndarray
    labels: np.ndarray
    n_classes: int
    X_test: np.ndarray | None = None
    labels_test: np.ndarray | None = None

    @property
    def n_features(self) -> int:
        """Number of inputs per sample."""
        return self.X.shape[1]

    def targets(self, n_outputs: int | None = None, *, test: bool = False) -> np.ndarray:
        """Training targets for a network with ``n_outputs`` output units (default: one per class).

        One-hot rows when ``n_outputs == n_classes``; for a single output unit and two classes,
        the label itself as a column (0 or 1).
        """
        labels = self.labels_test if test else self.labels
        if labels is None:
            raise ValueError(f"dataset {self.name!r} has no held-out test set")
        n_outputs = self.n_classes if n_outputs is None else n_outputs
        if n_outputs == 1 and self.n_classes == 2:
            return labels.astype(np.float64)[:, None]
        if n_outputs != self.n_classes:
            raise ValueError(
                f"dataset {self.name!r} has {self.n_classes} classes: the network needs {self.n_classes} output units"
                + (" (or 1 for two classes)" if self.n_classes == 2 else "")
                + f", got {n_outputs}"
            )
        return one_hot(labels, self.n_classes)


def one_hot(labels: np.ndarray, n_classes: int) -> np.ndarray:
    """Rows of zeros with a 1 in column ``labels[i]``.

    Examples
    --------
    >>> one_hot(np.array([0, 2]), 3)
    array([[1., 0., 0.],
           [0., 0., 1.]])
    """
    labels = np.asarray(labels)
    out = np.zeros((labels.shape[0], n_classes))
    out[np.arange(labels.shape[0]), labels] = 1.0
    return out


# -- seed 003: 4 × 3 monochrome images of the digits 0 and 1 ------------------------------------
#
# How the 64 training images are made (the seed gives the task, not the images):
#
# * A "0" is a ring around a hole in the middle column: the top-middle and bottom-middle pixels and
#   both side pixels of rows 2 and 3 are black, the two middle pixels (rows 2, 3 of column 2) are
#   white. Each of the four corners may be black or white (a round or a square 0): 16 intact rings.
#   A handwritten ring may also be broken: one of its four side pixels left white: 64 broken rings.
# * A "1" is a vertical stroke in the left, centre or right column, with the optional parts a
#   handwritten 1 has: a flag (the pixel left of the stroke in row 2) and a foot (the bottom-row
#   pixels beside the stroke). The stroke may also be short (rows 1-3, or rows 2-4 with or without a
#   foot) or slanted (rows 1-2 in one column, rows 3-4 in the next).
# * The training set is 32 of each: all 16 intact rings plus 16 broken ones, and all full-height
#   straight 1s plus the rest drawn from the short and slanted ones, the draws made by
#   ``numpy.random.default_rng(DIGITS4X3_SEED)``. Images are listed 0s first, each class in the
#   order of its candidates.
# * The held-out set flips one pixel of a training image, again with the seeded generator, visiting the
#   training images in a seeded random order (up to 4 passes), until it has NOISY_PER_CLASS of each digit. It keeps only
#   images that are none of either class's candidates (so no training image), and whose nearest training
#   images (Hamming distance) are all of their own digit: a fair test of "classifies noisy variants".
#
# ``digits4x3_images()`` is that generator; ``symnn/data/digits4x3.csv`` is its output, shipped so that
# the data never change under a user (a test checks the file equals the generator's output).

DIGITS4X3_SEED = 3  # seed note 003
DIGITS4X3_FILE = "digits4x3.csv"
NOISY_PER_CLASS = 16


def _image(black: set[tuple[int, int]]) -> tuple[int, ...]:
    return tuple(int((r, c) in black) for r in range(ROWS) for c in range(COLS))


def _zero_candidates() -> tuple[list[tuple[int, ...]], list[tuple[int, ...]]]:
    ring = {(0, 1), (3, 1), (1, 0), (2, 0), (1, 2), (2, 2)}
    sides = [(1, 0), (2, 0), (1, 2), (2, 2)]
    corners = [(0, 0), (0, 2), (3, 0), (3, 2)]
    intact, broken = [], []
    for mask in product((0, 1), repeat=4):
        black = ring | {c for c, on in zip(corners, mask, strict=True) if on}
        intact.append(_image(black))
        broken += [_image(black - {gap}) for gap in sides]
    return intact, broken


def _one_candidates() -> tuple[list[tuple[int, ...]], list[tuple[int, ...]]]:
    straight, other = [], []
    for c in range(COLS):
        flags = [set()] + ([{(1, c - 1)}] if c > 0 else [])
        feet = [set()] + [{(3, c + d)} for d in (-1, 1) if 0 <= c + d < COLS]
        if c == 1:
            feet.append({(3, 0), (3, 2)})
        for flag, foot in product(flags, feet):
            straight.append(_image({(r, c) for r in range(ROWS)} | flag | foot))
        for rows in (range(0, 3), range(1, 4)):
            for flag, foot in product(flags, feet if rows[-1] == ROWS - 1 else [set()]):
                other.append(_image({(r, c) for r in rows} | {(rows[1], c - 1) for _ in flag} | foot))
    for c_top, c_bottom in ((0, 1), (1, 0), (1, 2), (2, 1)):
        other.append(_image({(0, c_top), (1, c_top), (2, c_bottom), (3, c_bottom)}))
    return straight, other


def _draw(rng: np.random.Generator, pool: list[tuple[int, ...]], k: int) -> list[tuple[int, ...]]:
    picked = sorted(rng.choice(len(pool), size=k, replace=False))
    return [pool[i] for i in picked]


def digits4x3_images() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Generate seed 003's 64 training images and the held-out noisy ones (see the comment above).

    Returns
    -------
    X, labels, X_noisy, labels_noisy : numpy.ndarray
        ``X`` is ``(64, 12)`` of 0/1, each row an image read row by row (4 rows of 3 pixels);
        ``labels`` is the digit. The noisy set has the same layout.
    """
    rng = np.random.default_rng(DIGITS4X3_SEED)
    zeros_intact, zeros_broken = _zero_candidates()
    ones_straight, ones_other = _one_candidates()
    zeros = zeros_intact + _draw(rng, zeros_broken, 32 - len(zeros_intact))
    ones = ones_straight + _draw(rng, ones_other, 32 - len(ones_straight))
    train = zeros + ones
    labels = [0] * len(zeros) + [1] * len(ones)
    candidates = set(zeros_intact + zeros_broken + ones_straight + ones_other)

    noisy: list[tuple[int, ...]] = []
    noisy_labels: list[int] = []
    train_arr = np.array(train)
    order = np.concatenate([rng.permutation(len(train)) for _ in range(4)])  # 4 passes suffice (a test checks)
    for i in order:
        if noisy_labels.count(labels[i]) == NOISY_PER_CLASS:
            continue
        image = np.array(train[i])
        image[rng.integers(ROWS * COLS)] ^= 1
        key = tuple(int(v) for v in image)
        if key in candidates or key in noisy:
            continue
        dist = np.abs(train_arr - image).sum(axis=1)
        nearest = np.flatnonzero(dist == dist.min())
        if {labels[j] for j in nearest} != {labels[i]}:
            continue  # as close to the other digit: not a fair test
        noisy.append(key)
        noisy_labels.append(labels[i])
    return (
        np.array(train, dtype=np.int64),
        np.array(labels, dtype=np.int64),
        np.array(noisy, dtype=np.int64),
        np.array(noisy_labels, dtype=np.int64),
    )


def digits4x3_csv() -> str:
    """The text of ``symnn/data/digits4x3.csv``: a header, then one image a line (``split`` train or noisy)."""
    X, y, Xn, yn = digits4x3_images()
    header = ",".join(f"p{r + 1}{c + 1}" for r in range(ROWS) for c in range(COLS)) + ",label,split"
    lines = [header]
    for split, images, labels in (("train", X, y), ("noisy", Xn, yn)):
        lines += [
            ",".join(str(v) for v in row) + f",{label},{split}" for row, label in zip(images, labels, strict=True)
        ]
    return "\n".join(lines) + "\n"


def digits4x3() -> Dataset:
    """Seed 003's example: 64 monochrome 4 × 3 images of the digits 0 and 1; class k is the digit k.

    The test set (``X_test``) holds 32 noisy variants of the training images (one flipped pixel
    each, 16 of each digit) that no training image equals. How the images were made: see :func:`digits4x3_images`.

    Examples
    --------
    >>> d = digits4x3()
    >>> d.X.shape, d.n_classes, int(d.labels.sum())
    ((64, 12), 2, 32)
    >>> print(render_image(d.X[0]))
    .#.
    #.#
    #.#
    .#.
    """
    text = resources.files("symnn").joinpath("data", DIGITS4X3_FILE).read_text(encoding="utf-8")
    rows = [line.split(",") for line in text.splitlines()[1:]]
    pixels = np.array([[float(v) for v in row[:-2]] for row in rows])
    labels = np.array([int(row[-2]) for row in rows], dtype=np.int64)
    train = np.array([row[-1] == "train" for row in rows])
    return Dataset("digits4x3", pixels[train], labels[train], 2, pixels[~train], labels[~train])


def render_image(pixels: np.ndarray, rows: int = ROWS, cols: int = COLS) -> str:
    """An image as text, ``#`` for black and ``.`` for white, one line a row."""
    grid = np.asarray(pixels).reshape(rows, cols)
    return "\n".join("".join("#" if v > 0.5 else "." for v in line) for line in grid)


# -- logic gates and XOR -------------------------------------------------------------------------

#: gate name -> output for inputs (x1, x2) = (0, 0), (0, 1), (1, 0), (1, 1)
GATE_TABLES: dict[str, tuple[int, int, int, int]] = {
    "AND": (0, 0, 0, 1),
    "NAND": (1, 1, 1, 0),
    "OR": (0, 1, 1, 1),
    "XOR": (0, 1, 1, 0),
}


def logic_gate(name: str) -> Dataset:
    """The truth table of a gate as four samples; class 1 means the gate outputs 1.

    Examples
    --------
    >>> d = logic_gate("XOR")
    >>> d.X.tolist(), d.labels.tolist()
    ([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [0, 1, 1, 0])
    """
    key = name.upper() if isinstance(name, str) else name
    if key not in GATE_TABLES:
        raise ValueError(f"unknown gate {name!r}; valid choices: {', '.join(GATE_TABLES)}")
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
    return Dataset(key.lower(), X, np.array(GATE_TABLES[key], dtype=np.int64), 2)


# -- scikit-learn's digits -----------------------------------------------------------------------

SKLEARN_DIGITS_TEST_SIZE = 0.25
SKLEARN_DIGITS_SPLIT_SEED = 0


def sklearn_digits() -> Dataset:
    """scikit-learn's bundled 8 × 8 digits (1797 images, 10 classes), pixels scaled to [0, 1].

    A fixed, stratified split: 25 % held out, ``random_state=0``. Needs the optional extra
    ``symnn[sklearn]``; the data ship inside scikit-learn (nothing is downloaded).
    """
    try:
        from sklearn.datasets import load_digits
        from sklearn.model_selection import train_test_split
    except ImportError as e:
        raise ImportError("the sklearn-digits dataset needs scikit-learn: pip install 'symnn[sklearn]'") from e
    data = load_digits()
    X = data.data.astype(np.float64) / 16.0
    X_train, X_test, y_train, y_test = train_test_split(
        X,
        data.target.astype(np.int64),
        test_size=SKLEARN_DIGITS_TEST_SIZE,
        random_state=SKLEARN_DIGITS_SPLIT_SEED,
        stratify=data.target,
    )
    return Dataset("sklearn-digits", X_train, y_train, 10, X_test, y_test)


# -- users' files --------------------------------------------------------------------------------


#: without ``n_classes``, the largest label a data file may hold is this minus 1
# -- by name -------------------------------------------------------------------------------------

#: dataset name -> loader (what ``symnn train --dataset`` accepts)
DATASETS: dict[str, Callable[[], Dataset]] = {
    "digits4x3": digits4x3,
    "and": lambda: logic_gate("AND"),
    "nand": lambda: logic_gate("NAND"),
    "or": lambda: logic_gate("OR"),
    "xor": lambda: logic_gate("XOR"),
    "sklearn-digits": sklearn_digits,
}


def load_dataset(name: str) -> Dataset:
    """The dataset called ``name``; valid names are the keys of :data:`DATASETS`."""
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; valid choices: {', '.join(DATASETS)}")
    return DATASETS[name]()
