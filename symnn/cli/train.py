"""``symnn train``: compile a network, train it on a bundled dataset or a user's file, save it, plot its curves.

The settings of a run (the defaults, a dataset's recommendations, what a resumed checkpoint decides) are worked
out in :mod:`symnn.cli.train_settings`; its public names are importable from here as well.
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from symnn.cli.options import add_network_arguments
from symnn.cli.train_settings import (
    DEFAULTS,
    NETWORK_OPTIONS,
    RECOMMENDED,
    check_run_constants,
    dataset_of_run,
    describe,
    fill_run_settings,
    network_default,
    network_of_run,
    recommendation,
    run_dtype,
    training_settings,
)
from symnn.cli.train_settings import RUN_DEFAULTS as RUN_DEFAULTS  # where it has always been importable from
from symnn.codegen.compiler import BACKENDS
from symnn.codegen.compiler import compile as compile_model
from symnn.codegen.model import Model
from symnn.io import write_atomic
from symnn.model.graph import Network
from symnn.model.network import MLP
from symnn.training.datasets import DATASETS, Dataset
from symnn.training.optimizers import DEFAULT_LR, OPTIMIZERS
from symnn.training.train import History, TrainingDiverged, TrainingInterrupted, load_checkpoint, train

__all__ = [
    "DEFAULTS",
    "NETWORK_OPTIONS",
    "RECOMMENDED",
    "add_arguments",
    "network_of_run",
    "plot_history",
    "run",
    "training_settings",
]


HELP = "compile a network from its derivation and train it on a dataset (bundled, or --data FILE)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The ``train`` options (the network options come from :func:`symnn.cli.options.add_network_arguments`)."""
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--dataset", choices=list(DATASETS), help="a bundled dataset")
    source.add_argument("--data", type=Path, help="a .csv (last column the class label) or .npz (X, y) file")
    add_network_arguments(p, spec=True)
    # None marks an option left out: with --resume, it comes from the checkpoint; else from these defaults
    p.set_defaults(network_defaults={name: network_default(name) for name in NETWORK_OPTIONS})
    p.set_defaults(**dict.fromkeys(NETWORK_OPTIONS))
    p.add_argument(
        "--epochs", type=int, default=None, help=f"passes over the data (default {DEFAULTS['epochs']}; see below)"
    )
    p.add_argument(
        "--lr",
        type=float,
        default=None,
        help=f"learning rate ρ (default by optimizer: {', '.join(f'{k} {v}' for k, v in DEFAULT_LR.items())}; "
        "see below)",
    )
    # None: left out (with --resume: the checkpoint's; else the default that fill_run_settings gives)
    p.add_argument("--optimizer", choices=list(OPTIMIZERS), default=None, help="default sgd")
    p.add_argument("--momentum", type=float, default=None, help="β of --optimizer momentum (default 0.9)")
    p.add_argument("--batch-size", type=int, default=None, help="samples per step (default: all; see below)")
    p.epilog = (
        "Options left out take the settings recommended for a bundled dataset ("
        + "; ".join(f"{name}: {recommendation(rec)}" for name, rec in RECOMMENDED.items())
        + "); the options you give always win. The run prints the settings it used and where each came from."
    )
    p.add_argument("--seed", type=int, default=None, help="initial weights and shuffles (default 0)")
    p.add_argument(
        "--dtype",
        choices=["float64", "float32"],
        default=None,
        help="default: float64 (numpy), float32 (jax; float64 there needs JAX_ENABLE_X64=1 in the environment)",
    )
    p.add_argument("--backend", choices=list(BACKENDS), default="numpy")
    p.add_argument(
        "--devices",
        type=_devices,
        default=None,
        help="--backend jax: train data-parallel over 'all' the devices JAX sees, or the first N",
    )
    p.add_argument("--save", type=Path, help="write the trained model (a checkpoint .npz); also saved on Ctrl-C")
    p.add_argument("--checkpoint-every", type=int, default=None, metavar="N", help="also save every N epochs")
    p.add_argument(
        "--resume",
        type=Path,
        help="continue from a checkpoint written by --save; the network and settings left out come from it",
    )
    p.add_argument("--plot", type=Path, help="write the loss and accuracy curves as PNG (needs matplotlib)")
    p.add_argument("--force", action="store_true", help="overwrite existing --save / --plot files")
    p.add_argument("--quiet", action="store_true", help="no progress bar; only the final line")


def _devices(text: str) -> str | int:
    """``--devices``: ``all`` or a positive number."""
    if text == "all":
        return text
    if text.isdigit() and int(text) > 0:
        return int(text)
    raise argparse.ArgumentTypeError(f"expected 'all' or a positive number of devices, got {text!r}")


def _check_output(path: Path | None, args: argparse.Namespace, option: str) -> None:
    if path is None:
        return
    if path.is_dir():  # found before training, not when saving after it
        raise IsADirectoryError(f"cannot write {path}: it is a directory; {option} takes a file name")
    if path.exists() and not args.force and path != args.resume:
        raise FileExistsError(f"{path} exists; pass --force to overwrite it ({option})")
    if not path.parent.is_dir():
        raise FileNotFoundError(f"cannot write {path}: the folder {path.parent} does not exist ({option})")


def run(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except KeyboardInterrupt:  # Ctrl-C before training started (building the network, compiling)
        print("symnn: interrupted before training; nothing saved", file=sys.stderr)
        return 130


def _run(args: argparse.Namespace) -> int:
    """Settle the network, data and settings (:mod:`symnn.cli.train_settings`), train, report; the exit status."""
    _check_options(args)
    checkpoint = load_checkpoint(args.resume) if args.resume is not None else None
    net, constants = network_of_run(args, checkpoint)
    if isinstance(net, Network):
        check_run_constants(net, constants or {}, args.spec or args.resume)
    resumed = fill_run_settings(args, checkpoint)
    data = dataset_of_run(args, net)
    X, T, X_test, T_test = _arrays(data, net, run_dtype(args, checkpoint))
    model = compile_model(net, backend=args.backend, constants=constants)
    settings = training_settings(args.dataset, args.optimizer, args.epochs, args.lr, args.batch_size)
    settings.update({name: (value, f"from {args.resume}") for name, value in resumed.items()})
    if not args.quiet:
        held = f", {X_test.shape[0]} held out" if X_test is not None else ""
        print(f"{net!r} on {data.name}: {X.shape[0]} samples{held}; compiled in {model.compile_seconds:.2f} s")
        print(describe(settings, args.optimizer, X.shape[0], args.seed))
    start = time.perf_counter()
    try:
        hist = _train(args, model, settings, X, T, X_test, T_test)
    except TrainingInterrupted as e:
        where = f"; saved {e.checkpoint} (continue with --resume {e.checkpoint})" if e.checkpoint else ""
        print(f"symnn: interrupted in epoch {e.epoch + 1}{where}", file=sys.stderr)
        return 130
    except TrainingDiverged as e:
        print(f"symnn: {_diverged(e, args)}", file=sys.stderr)
        return 1
    _report(args, hist, time.perf_counter() - start, X_test is not None, title=f"{net!r} on {data.name}")
    return 0


def _check_options(args: argparse.Namespace) -> None:
    """Refuse what the options alone make wrong, before anything is built or trained."""
    for name in ("epochs", "checkpoint_every", "batch_size"):
        value = getattr(args, name)
        if value is not None and value < 1:
            raise ValueError(f"--{name.replace('_', '-')} must be a positive integer, got {value}")
    if args.devices is not None and args.backend != "jax":
        raise ValueError(f"--devices {args.devices} is for --backend jax (data-parallel over JAX's devices)")
    if args.checkpoint_every is not None and args.save is None:
        raise ValueError("--checkpoint-every needs --save FILE: where to write the checkpoints")
    if args.seed is not None and args.seed < 0:
        raise ValueError(f"--seed must be a non-negative integer, got {args.seed}")
    _check_output(args.save, args, "--save")
    _check_output(args.plot, args, "--plot")
    if args.plot is not None:
        _matplotlib()  # fail before training, not after


def _arrays(data: Dataset, net: MLP | Network, dtype: np.dtype) -> tuple[Any, Any, Any, Any]:
    """``X, T, X_test, T_test`` in ``dtype``: one-hot targets as wide as the network's outputs; the held-out
    pair None where the data has none."""
    n_out = net.output_node.width if isinstance(net, Network) else net.sizes[-1]
    X, T = data.X.astype(dtype), data.targets(n_out).astype(dtype)
    has_test = data.X_test is not None
    X_test = data.X_test.astype(dtype) if has_test else None
    T_test = data.targets(n_out, test=True).astype(dtype) if has_test else None
    return X, T, X_test, T_test


def _train(
    args: argparse.Namespace,
    model: Model,
    settings: dict[str, tuple[Any, str]],
    X: Any,
    T: Any,
    X_test: Any,
    T_test: Any,
) -> History:
    """:func:`symnn.training.train.train` with the run's settings; checkpoints go to ``--save``."""
    options = {"beta": args.momentum} if args.optimizer == "momentum" else {}
    _params, hist = train(
        model,
        X,
        T,
        optimizer=args.optimizer,
        lr=settings["lr"][0],
        epochs=settings["epochs"][0],
        batch_size=settings["batch_size"][0],
        seed=args.seed,
        X_test=X_test,
        T_test=T_test,
        checkpoint=args.save,
        checkpoint_every=args.checkpoint_every,
        resume=args.resume,
        progress=False if args.quiet else None,
        devices=args.devices,
        **options,
    )
    return hist


def _report(args: argparse.Namespace, hist: History, seconds: float, held_out: bool, title: str) -> None:
    """The final line (the last epoch's loss and accuracies, the time), then what was saved and plotted."""
    line = f"epoch {len(hist)}: loss {hist.loss[-1]:.6g}, accuracy {hist.accuracy[-1]:.4f}"
    if held_out:
        line += f", test accuracy {hist.test_accuracy[-1]:.4f}"
    print(f"{line}; trained in {seconds:.2f} s")
    if args.save is not None:
        print(f"saved {args.save}")
    if args.plot is not None:
        write_atomic(args.plot, plot_history(hist, title=title), force=True)
        print(f"plotted {args.plot}")


def _diverged(e: TrainingDiverged, args: argparse.Namespace) -> str:
    """One line: where the loss stopped being finite, what to try, and what ``--save`` holds."""
    tries = [f"a lower --lr (now {e.lr:g}; e.g. {e.lr / 10:g})", "inputs scaled to about [-1, 1]"]
    if args.optimizer != "adam":
        tries.insert(1, "--optimizer adam")
    advice = "try " + ", ".join(tries[:-1]) + " or " + tries[-1]
    if args.save is None:
        kept = ""
    elif e.checkpoint is None:
        kept = f"; {args.save} not written: no step had a finite loss"
    else:
        epochs, steps = e.kept_at
        kept = f"; {e.checkpoint} holds the last finite state, after {epochs} epochs" + (
            f" and {steps} steps" if steps else ""
        )
    return f"training diverged in epoch {e.epoch + 1}: the loss is {e.loss}; {advice}{kept}"


def _matplotlib():
    try:
        import matplotlib
    except ImportError:
        raise ValueError("--plot needs matplotlib: pip install 'symnn[plot]'") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_history(hist: History, title: str = "") -> bytes:
    """The loss (log scale) and accuracy curves of a training run, as PNG bytes."""
    plt = _matplotlib()
    epochs = np.arange(1, len(hist) + 1)
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 4))
    ax_loss.plot(epochs, hist.loss, label="training")
    if not np.all(np.isnan(hist.test_loss)):
        ax_loss.plot(epochs, hist.test_loss, label="held out")
    ax_loss.set(xlabel="epoch", ylabel="loss (batch mean)", yscale="log", title="loss")
    ax_acc.plot(epochs, hist.accuracy, label="training")
    if not np.all(np.isnan(hist.test_accuracy)):
        ax_acc.plot(epochs, hist.test_accuracy, label="held out")
    ax_acc.set(xlabel="epoch", ylabel="accuracy", ylim=(-0.02, 1.02), title="accuracy")
    for ax in (ax_loss, ax_acc):
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    return buffer.getvalue()
