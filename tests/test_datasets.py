"""Datasets: seed 003's 4 × 3 digits against their stated rules, gates, scikit-learn's digits, users' files."""

from importlib import resources

import numpy as np
import pytest

from symnn.training import datasets
from symnn.training.data_files import load_data_file
from symnn.training.datasets import digits4x3, digits4x3_csv, load_dataset, logic_gate, one_hot


def grid(row):
    return np.asarray(row).reshape(4, 3)


def test_shipped_file_is_the_generators_output():
    shipped = resources.files("symnn").joinpath("data", "digits4x3.csv").read_text(encoding="utf-8")
    assert shipped == digits4x3_csv()


def test_digits4x3_is_seed_003s_task():
    # seed 003: 64 images of 4 × 3 monochrome pixels, the digits 0 and 1
    d = digits4x3()
    assert d.X.shape == (64, 12)
    assert set(np.unique(d.X)) == {0.0, 1.0}
    assert np.bincount(d.labels).tolist() == [32, 32]
    assert len({tuple(r) for r in d.X}) == 64  # no image twice


def test_every_zero_is_a_ring_around_a_hole_in_the_middle_column():
    d = digits4x3()
    for row in d.X[d.labels == 0]:
        g = grid(row)
        assert g[1, 1] == 0 and g[2, 1] == 0  # the hole
        assert g[0, 1] == 1 and g[3, 1] == 1  # top and bottom of the ring
        assert g[1:3, [0, 2]].sum() >= 3  # both sides, at most one gap


def test_every_one_is_a_stroke_of_at_least_three_pixels():
    d = digits4x3()
    columns = set()
    for row in d.X[d.labels == 1]:
        g = grid(row)
        # a vertical stroke: a column with 3+ black pixels, or a slant (two rows in one column, two in the next)
        full = [c for c in range(3) if g[:, c].sum() >= 3 and g[1:3, c].all()]
        slant = [
            c for c in range(3) if g[0:2, c].all() and any(g[2:4, c2].all() for c2 in (c - 1, c + 1) if 0 <= c2 < 3)
        ]
        assert full or slant, grid(row)
        columns.update(full)
    assert columns == {0, 1, 2}  # left, centre and right


def test_noisy_variants_are_one_flip_from_a_training_image_of_their_digit():
    d = digits4x3()
    assert d.X_test.shape == (32, 12) and np.bincount(d.labels_test).tolist() == [16, 16]
    for row, label in zip(d.X_test, d.labels_test, strict=True):
        dist = np.abs(d.X - row).sum(axis=1)
        assert dist.min() == 1  # not a training image, one pixel away from one
        assert set(d.labels[dist == dist.min()]) == {label}


def test_targets_one_hot_and_single_output():
    d = logic_gate("xor")
    assert d.targets().tolist() == [[1, 0], [0, 1], [0, 1], [1, 0]]
    assert d.targets(1).tolist() == [[0], [1], [1], [0]]
    with pytest.raises(ValueError, match=r"^dataset 'xor' has 2 classes: the network needs 2 output units \(or 1"):
        d.targets(3)
    with pytest.raises(ValueError, match=r"^dataset 'xor' has no held-out test set$"):
        d.targets(test=True)


@pytest.mark.parametrize(("gate", "expected"), [("AND", [0, 0, 0, 1]), ("OR", [0, 1, 1, 1]), ("NAND", [1, 1, 1, 0])])
def test_gates_agree_with_the_perceptrons(gate, expected):
    import symnn as sn

    d = logic_gate(gate)
    perceptron = [int(sn.GATES[gate](int(a), int(b))) for a, b in d.X]
    assert d.labels.tolist() == perceptron == expected


def test_unknown_names():
    with pytest.raises(ValueError, match=r"^unknown gate 'XNOR'; valid choices: AND, NAND, OR, XOR$"):
        logic_gate("XNOR")
    with pytest.raises(ValueError, match=r"^unknown dataset 'mnist'; valid choices: digits4x3, and, "):
        load_dataset("mnist")


def test_one_hot():
    assert one_hot(np.array([1, 0]), 2).tolist() == [[0, 1], [1, 0]]


def test_sklearn_digits_fixed_split():
    pytest.importorskip("sklearn")
    d = load_dataset("sklearn-digits")
    assert d.X.shape == (1347, 64) and d.X_test.shape == (450, 64)
    assert d.X.min() == 0 and d.X.max() == 1
    again = load_dataset("sklearn-digits")
    assert np.array_equal(d.X_test, again.X_test) and np.array_equal(d.labels, again.labels)
    counts, test_counts = np.bincount(d.labels) + np.bincount(d.labels_test), np.bincount(d.labels_test)
    assert np.all(np.abs(test_counts - counts / 4) <= 1)  # stratified: a quarter of every class


def test_csv_with_header(tmp_path):
    f = tmp_path / "d.csv"
    f.write_text("a,b,label\n0,1,1\n1,0,0\n0.5,0.5,2\n")
    d = load_data_file(f)
    assert d.X.tolist() == [[0, 1], [1, 0], [0.5, 0.5]] and d.labels.tolist() == [1, 0, 2] and d.n_classes == 3


@pytest.mark.parametrize("header", ["x1,x2,label", "pixel one, pixel two ,class", '"a","b","c"'])
def test_a_header_is_a_first_row_with_no_number(tmp_path, header):
    f = tmp_path / "d.csv"
    f.write_text(f"{header}\n0,1,1\n1,0,0\n")
    assert load_data_file(f).X.tolist() == [[0, 1], [1, 0]]
    f.write_text("0.5,1e-3,1\n1,0,0\n")  # numbers only: data
    assert load_data_file(f).X.tolist() == [[0.5, 1e-3], [1, 0]]


def test_npz_round_trip(tmp_path):
    f = tmp_path / "d.npz"
    np.savez(f, X=np.eye(3), y=np.array([0, 1, 1]), X_test=np.ones((1, 3)), y_test=np.array([1]))
    d = load_data_file(f, n_features=3, n_classes=2)
    assert d.X_test.tolist() == [[1, 1, 1]] and d.labels.tolist() == [0, 1, 1]


@pytest.mark.parametrize(
    ("name", "content", "kwargs", "message"),
    [
        ("d.csv", "0,1,0\n1,nan,1\n", {}, r"X has NaN or infinity, first at row 2, column 2$"),
        ("d.csv", "0,1,0\n1,inf,1\n", {}, r"X has NaN or infinity, first at row 2, column 2$"),
        ("d.csv", "0,1,0\n1,0,1.5\n", {}, r"labels must be integers from 0; y row 2 is 1.5$"),
        ("d.csv", "0,1,0\n1,0,-1\n", {}, r"labels must be integers from 0; y row 2 is -1$"),
        (
            "d.csv",
            "0,0,1e20\n1,1,0\n",
            {"n_classes": 1},
            r"label 100000000000000000000 in y is out of range; the network has 2 classes, so labels must be 0 \.\. 1$",
        ),
        (
            "d.csv",
            "0,0,1e20\n1,1,0\n",
            {"n_classes": 3},
            r"label 100000000000000000000 in y is out of range; the network has 3 classes, so labels must be 0 \.\. 2$",
        ),
        (
            "d.csv",
            "0,0,1e20\n1,1,0\n",
            {},
            r"label 100000000000000000000 in y is out of range; labels must be 0 \.\. 2147483647$",
        ),
        (
            "d.csv",
            "0,1,0\n1,0,3\n",
            {"n_classes": 2},
            r"label 3 in y is out of range; the network has 2 classes, so labels",
        ),
        ("d.csv", "0,1,0\n1,0\n", {}, r"row 2 has 2 columns, row 1 has 3$"),
        # a first row of numbers with one typo is data with a bad cell (was: taken as a header, the sample lost)
        ("d.csv", "0.1,0.2,O.3,1\n0.4,0.5,0.6,0\n", {}, r"row 1, column 3 is 'O.3', not a number$"),
        ("d.csv", "0.1,,0.3,1\n0.4,0.5,0.6,0\n", {}, r"row 1, column 2 is '', not a number$"),
        ("d.csv", "x1,x2,y\n\n0,1,0\n1,O,1\n", {}, r"row 2 \(line 4\), column 2 is 'O', not a number$"),
        ("d.csv", "0,1,0\n1,0,1,\n", {}, r"row 2, column 4 is '', not a number$"),
        ("d.csv", "0,1,0\n1,0,1\n", {"n_features": 3}, r"2 features per sample, the network has 3 inputs$"),
        ("d.csv", "a,b\n", {}, r"no data rows$"),
        ("d.csv", "1\n2\n", {}, r"needs at least 2 columns \(features, then the label\), got 1$"),
        ("d.txt", "1,2\n", {}, r"unknown format '.txt'; valid: .csv, .npz$"),
        # random bytes: NumPy's message was "contains pickled (object) data ... allow_pickle="
        ("d.npz", bytes(range(7, 250)), {}, r"it is not a valid \.npz file \(not a zip archive\)$"),
        ("d.npz", b"PK\x03\x04 truncated", {}, r"it is not a valid \.npz file \(BadZipFile: "),
        ("d.csv", b"0,1,0\n\xff\xfe,1,1\n", {}, r"not UTF-8 text \(byte 0xff at offset 6\)$"),
    ],
)
def test_bad_files(tmp_path, name, content, kwargs, message):
    f = tmp_path / name
    (f.write_bytes if isinstance(content, bytes) else f.write_text)(content)
    with pytest.raises(ValueError, match=rf"^data file {tmp_path}/{name}: {message}"):
        load_data_file(f, **kwargs)


@pytest.mark.parametrize(
    ("arrays", "message"),
    [
        ({"X": np.ones(3), "y": np.zeros(3)}, r"X must be a 2-D array \(samples × features\), got shape \(3,\)$"),
        (
            {"X": np.ones((3, 2)), "y": np.zeros(2)},
            r"y must be 1-D with one label per row of X \(3\), got shape \(2,\)$",
        ),
        ({"X": np.ones((3, 2))}, r"missing array\(s\) y; a .npz needs X"),
        (
            {"X": np.ones((3, 2)), "y": np.zeros(3), "X_test": np.ones((1, 2))},
            r"give both X_test and y_test, or neither$",
        ),
        (
            {"X": np.ones((3, 2)), "y": np.zeros(3), "X_test": np.ones((1, 3)), "y_test": np.zeros(1)},
            r"X_test has 3 columns, X has 2$",
        ),
    ],
)
def test_bad_npz(tmp_path, arrays, message):
    f = tmp_path / "d.npz"
    np.savez(f, **arrays)
    with pytest.raises(ValueError, match=rf"^data file {f}: {message}"):
        load_data_file(f)


@pytest.mark.parametrize("n_classes", [None, 1, 3])
def test_huge_unsigned_label_is_refused_before_the_cast(tmp_path, n_classes):
    # 2**63 + 5 as int64 wraps round to a negative number: the range is checked on the uint64 values
    f = tmp_path / "d.npz"
    np.savez(f, X=np.ones((2, 2)), y=np.array([0, 2**63 + 5], dtype=np.uint64))
    with pytest.raises(
        ValueError, match=rf"^data file {f}: label 9223372036854775813 in y is out of range; .* 0 \.\. \d+$"
    ):
        load_data_file(f, n_classes=n_classes)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"^data file .*nope.csv does not exist$"):
        load_data_file(tmp_path / "nope.csv")


def test_dataset_table_names_are_loadable():
    for name in datasets.DATASETS:
        if name == "sklearn-digits":
            continue
        assert load_dataset(name).X.ndim == 2
