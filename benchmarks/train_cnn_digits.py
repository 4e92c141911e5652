"""A small CNN against the 64-32-10 MLP on scikit-learn's 8 × 8 digits (the fixed split), with the settings of
tests/test_train.py's MLP run (Adam, ρ = 0.01, 30 epochs, batch 32, seed 0): the test accuracy of each.

Run: python benchmarks/train_cnn_digits.py
"""

import time

import numpy as np

import symnn as sn
from symnn.training.datasets import load_dataset


def accuracy(net) -> tuple[float, float]:
    d = load_dataset("sklearn-digits")
    model = sn.compile(net)
    t0 = time.perf_counter()
    params, _ = sn.train(
        model, d.X, d.targets(), optimizer="adam", lr=1e-2, epochs=30, batch_size=32, seed=0, progress=False
    )
    seconds = time.perf_counter() - t0
    return float(np.mean(np.argmax(model.forward(params, d.X_test), axis=1) == d.labels_test)), seconds


def main() -> None:
    mlp = sn.MLP([64, 32, 10], activation="sigmoid", output="softmax", loss="cross-entropy")
    cnn = sn.Network(
        [sn.Conv2D(8, 3, padding=1), sn.Activation("relu"), sn.MaxPool(2), sn.Flatten(), sn.Dense(10), sn.Softmax()],
        inputs=(1, 8, 8),
        loss="cross-entropy",
    )
    for name, net in (("MLP 64-32-10", mlp), ("CNN conv(8, 3×3, pad 1)-relu-maxpool 2-dense 10", cnn)):
        acc, seconds = accuracy(net)
        print(f"{name}: test accuracy {acc:.4f} ({seconds:.1f} s of training)")


if __name__ == "__main__":
    main()
