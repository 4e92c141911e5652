"""``symnn train``: compile a network, train it on a bundled dataset or a user's file, save it, plot its curves."""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from symnn.codegen.compiler import BACKENDS, network_from_spec, network_spec
from symnn.codegen.compiler import compile as compile_model
from symnn.io import write_atomic
from symnn.model.network import MLP
from symnn.training.checkpoint import Checkpoint
from symnn.training.data_files import load_data_file
from symnn.training.datasets import DATASETS, Dataset, load_dataset
from symnn.training.optimizers import DEFAULT_LR, OPTIMIZERS
from symnn.training.train import (
    History,
    TrainingDiverged,
    TrainingInterrupted,
    load_checkpoint,
    train,
)

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

#: what ``symnn train`` uses for the options a user leaves out, where the dataset has no recommendation;
#: ``batch_size`` None: all samples in one step. The learning rate's default depends on the optimizer
#: (:data:`symnn.training.optimizers.DEFAULT_LR`).
DEFAULTS: dict[str, int | None] = {"epochs": 100, "batch_size": None}

#: bundled dataset -> the settings recommended for it, used for the options a user leaves out (what the
#: user gives always wins); ``lr`` per optimizer. Chosen on a validation split carved from the training
#: split (80/20, stratified, random_state=1), never on the held-out test set: for 64-32-10 (sigmoid,
#: softmax + cross-entropy), batch 32 and 100 epochs, Adam with ρ = 0.01 reached 98.1-98.5 % validation
#: accuracy for seeds 0-4 (ρ = 0.003: 97.0-98.1 %, 0.001: 97.0-97.4 %); SGD with 0.1 96.3-97.4 %,
#: momentum with 0.1 97.4-98.1 %, so those keep their defaults.
RECOMMENDED: dict[str, dict[str, Any]] = {
    "sklearn-digits": {"epochs": 100, "batch_size": 32, "lr": {"adam": 0.01}},
}

#: backend -> the dtype ``symnn train`` uses without ``--dtype`` (JAX computes in float32 unless its
#: 64-bit mode is on)
_DEFAULT_DTYPE: dict[str, str] = {"numpy": "float64", "jax": "float32"}


def _recommendation(rec: dict[str, Any]) -> str:
    parts = [f"{name.replace('_', ' ')} {value}" for name, value in rec.items() if name != "lr"]
    parts += [f"lr {value} with {optimizer}" for optimizer, value in rec.get("lr", {}).items()]
    return ", ".join(parts)


def training_settings(
    dataset: str | None,
    optimizer: str,
    epochs: int | None = None,
    lr: float | None = None,
    batch_size: int | None = None,
) -> dict[str, tuple[Any, str]]:
    """The epochs, learning rate and batch size a run uses, each with where it comes from.

    Each option the user gives (not None) wins; else the dataset's entry of :data:`RECOMMENDED`;
    else :data:`DEFAULTS` (the learning rate: the optimizer's, :data:`symnn.training.optimizers.DEFAULT_LR`).

    Parameters
    ----------
    dataset : str or None
        A bundled dataset's name; None for a user's file (no recommendations).
    optimizer : str
        A key of :data:`symnn.training.optimizers.DEFAULT_LR`.
    epochs, lr, batch_size : optional
        What the user gave; None where the option was left out.

    Returns
    -------
    dict
        ``{"epochs": (value, source), "lr": ..., "batch_size": ...}``; source is ``"given"``,
        ``"recommended for <dataset>"``, ``"<optimizer>'s default"`` or ``"default"`` (batch size
        None: all samples).

    Examples
    --------
    >>> training_settings("sklearn-digits", "adam", epochs=5)
    {'epochs': (5, 'given'), 'lr': (0.01, 'recommended for sklearn-digits'), \
'batch_size': (32, 'recommended for sklearn-digits')}
    >>> training_settings(None, "adam")["lr"]
    (0.001, "adam's default")
    """
    if optimizer not in DEFAULT_LR:
        raise ValueError(f"unknown optimizer {optimizer!r}; valid choices: {', '.join(DEFAULT_LR)}")
    recommended = RECOMMENDED.get(dataset, {}) if dataset is not None else {}
    where = f"recommended for {dataset}"
    given = {"epochs": epochs, "lr": lr, "batch_size": batch_size}
    out: dict[str, tuple[Any, str]] = {}
    for name, value in given.items():
        if value is not None:
            out[name] = (value, "given")
        elif name == "lr":
            by_optimizer = recommended.get("lr", {})
            if optimizer in by_optimizer:
                out[name] = (by_optimizer[optimizer], where)
            else:
                out[name] = (DEFAULT_LR[optimizer], f"{optimizer}'s default")
        elif name in recommended:
            out[name] = (recommended[name], where)
        else:
            out[name] = (DEFAULTS[name], "default")
    return out


def _describe(settings: dict[str, tuple[Any, str]], optimizer: str, n_samples: int, seed: int) -> str:
    """One line: ``settings: adam, lr 0.01 (recommended for sklearn-digits), ...``."""
    labels = {"epochs": "epochs", "lr": "lr", "batch_size": "batch size"}
    parts = [optimizer]
    for name, (value, source) in settings.items():
        if name == "batch_size" and value is None:
            value, source = n_samples, f"all samples, {source}"
        parts.append(f"{labels[name]} {value} ({source})")
    return f"settings: {', '.join(parts)}, seed {seed}"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The ``train`` options (the network options come from :func:`symnn.cli.add_network_arguments`)."""
    from symnn.cli import add_network_arguments

    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--dataset", choices=list(DATASETS), help="a bundled dataset")
    source.add_argument("--data", type=Path, help="a .csv (last column the class label) or .npz (X, y) file")
    add_network_arguments(p)
    # None marks an option left out: with --resume, it comes from the checkpoint; else from these defaults
    p.set_defaults(network_defaults={name: p.get_default(name) for name in NETWORK_OPTIONS})
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
    # None: left out (with --resume: the checkpoint's; else the default that _fill_run_settings gives)
    p.add_argument("--optimizer", choices=list(OPTIMIZERS), default=None, help="default sgd")
    p.add_argument("--momentum", type=float, default=None, help="β of --optimizer momentum (default 0.9)")
    p.add_argument("--batch-size", type=int, default=None, help="samples per step (default: all; see below)")
    p.epilog = (
        "Options left out take the settings recommended for a bundled dataset ("
        + "; ".join(f"{name}: {_recommendation(rec)}" for name, rec in RECOMMENDED.items())
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


#: the network options (``symnn.cli.add_network_arguments``), as argparse names them
NETWORK_OPTIONS: tuple[str, ...] = ("layers", "activation", "output", "loss", "convention")


def _option_text(name: str, value: Any) -> str:
    """A network option's value as it is typed: ``12,3,2``; one activation for all hidden layers or a list."""
    if name == "layers":
        return ",".join(map(str, value))
    if name == "activation" and not isinstance(value, str):
        return value[0] if len(set(value)) == 1 else ",".join(value)
    return str(value)


def network_of_run(args: argparse.Namespace, checkpoint: Checkpoint | None) -> MLP:
    """The network ``symnn train`` trains: from the options given, the rest from ``checkpoint`` or defaults.

    With ``--resume``, the checkpoint holds the architecture: an option left out takes its value from it,
    and an option given must agree with it (after names are resolved: ``--activation sigmoid`` agrees with
    a checkpoint of two sigmoid hidden layers). Without, options left out take their defaults. Fills
    ``args.layers`` and the other network options in.

    Raises
    ------
    UsageError
        An option contradicts the checkpoint; the message names both values.
    """
    from symnn.cli import UsageError, network_from_args

    given = {name: getattr(args, name) for name in NETWORK_OPTIONS if getattr(args, name) is not None}
    if checkpoint is None:
        for name in NETWORK_OPTIONS:
            setattr(args, name, given.get(name, args.network_defaults[name]))
        return network_from_args(args)
    spec = checkpoint.spec
    missing = [name for name in NETWORK_OPTIONS if name not in spec]
    if missing:
        raise ValueError(f"checkpoint {args.resume} does not name its network's {', '.join(missing)}")

    def contradiction(name: str, value: Any) -> UsageError:
        option = f"--{name}"
        return UsageError(
            f"symnn train: {option} {_option_text(name, given[name])} contradicts the checkpoint {args.resume}, "
            f"trained with {option} {_option_text(name, value)}; leave {option} out to take the checkpoint's"
        )

    if "layers" in given and list(given["layers"]) != list(spec["layers"]):
        raise contradiction("layers", spec["layers"])
    for name in NETWORK_OPTIONS:
        if name in given:
            setattr(args, name, given[name])
        elif name == "layers":
            setattr(args, name, [int(n) for n in spec[name]])
        elif name == "activation" and not spec[name]:  # no hidden layer: the option is not used
            setattr(args, name, args.network_defaults[name])
        else:
            setattr(args, name, _option_text(name, spec[name]))
    net = network_from_args(args)  # what the options given mean, resolved as for any run
    built = network_spec(net)
    for name in NETWORK_OPTIONS:
        if built[name] != spec[name]:
            raise contradiction(name, spec[name])
    # the settings no option names (ReLU'(0), the step at 0) come from the checkpoint too
    return network_from_spec(spec)


#: what ``symnn train`` uses for these options when they are left out and no checkpoint is resumed
RUN_DEFAULTS: dict[str, Any] = {"optimizer": "sgd", "momentum": 0.9, "seed": 0}


def _fill_run_settings(args: argparse.Namespace, checkpoint: Checkpoint | None) -> dict[str, Any]:
    """Fill in ``--optimizer``, ``--momentum`` and ``--seed`` left out: the checkpoint's, else the defaults.

    Returns the checkpoint's learning rate and batch size for those options left out (``{}`` without a
    checkpoint): a resumed run continues with the settings it was trained with. Options given that differ
    from the checkpoint's are refused by :func:`symnn.training.train.train`, naming both values.
    """
    config = checkpoint.config if checkpoint is not None else {}
    args.optimizer = args.optimizer or config.get("optimizer", RUN_DEFAULTS["optimizer"])
    if args.seed is None:
        args.seed = config.get("seed", RUN_DEFAULTS["seed"])
    if args.momentum is None:
        args.momentum = config.get("beta", RUN_DEFAULTS["momentum"])  # a momentum run's checkpoint has its β
    return {name: config[name] for name in ("lr", "batch_size") if getattr(args, name) is None and name in config}


def _dataset(args: argparse.Namespace) -> Dataset:
    n_in, n_out = args.layers[0], args.layers[-1]
    if args.data is not None:
        return load_data_file(args.data, n_features=n_in, n_classes=n_out)
    d = load_dataset(args.dataset)
    if d.n_features != n_in:
        raise ValueError(
            f"dataset {args.dataset} has {d.n_features} inputs per sample: --layers must start with {d.n_features}, "
            f"got {','.join(map(str, args.layers))}"
        )
    return d


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
    for name in ("epochs", "checkpoint_every", "batch_size"):
        value = getattr(args, name)
        if value is not None and value < 1:
            raise ValueError(f"--{name.replace('_', '-')} must be a positive integer, got {value}")
    if args.checkpoint_every is not None and args.save is None:
        raise ValueError("--checkpoint-every needs --save FILE: where to write the checkpoints")
    if args.seed is not None and args.seed < 0:
        raise ValueError(f"--seed must be a non-negative integer, got {args.seed}")
    _check_output(args.save, args, "--save")
    _check_output(args.plot, args, "--plot")
    if args.plot is not None:
        _matplotlib()  # fail before training, not after
    checkpoint = load_checkpoint(args.resume) if args.resume is not None else None
    net = network_of_run(args, checkpoint)
    resumed = _fill_run_settings(args, checkpoint)
    data = _dataset(args)
    dtype = np.dtype(args.dtype or _DEFAULT_DTYPE[args.backend])
    if checkpoint is not None:
        trained = checkpoint.config.get("dtype")
        if args.dtype is None and trained in ("float32", "float64"):
            dtype = np.dtype(trained)  # a resumed run continues in its checkpoint's dtype
        elif trained in ("float32", "float64") and trained != dtype.name:
            raise ValueError(f"checkpoint {args.resume} was trained in {trained}: resume with --dtype {trained}")
    if args.backend == "jax" and dtype == np.float64:
        import jax

        if not jax.config.read("jax_enable_x64"):
            raise ValueError(
                "--dtype float64 with --backend jax needs JAX's 64-bit mode: set JAX_ENABLE_X64=1 in the "
                "environment, or use --dtype float32"
            )
    X, T = data.X.astype(dtype), data.targets(net.sizes[-1]).astype(dtype)
    has_test = data.X_test is not None
    X_test = data.X_test.astype(dtype) if has_test else None
    T_test = data.targets(net.sizes[-1], test=True).astype(dtype) if has_test else None
    model = compile_model(net, backend=args.backend)
    held = f", {X_test.shape[0]} held out" if has_test else ""
    settings = training_settings(args.dataset, args.optimizer, args.epochs, args.lr, args.batch_size)
    settings.update({name: (value, f"from {args.resume}") for name, value in resumed.items()})
    if not args.quiet:
        print(f"{net!r} on {data.name}: {X.shape[0]} samples{held}; compiled in {model.compile_seconds:.2f} s")
        print(_describe(settings, args.optimizer, X.shape[0], args.seed))
    options = {"beta": args.momentum} if args.optimizer == "momentum" else {}
    start = time.perf_counter()
    try:
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
            **options,
        )
    except TrainingInterrupted as e:
        where = f"; saved {e.checkpoint} (continue with --resume {e.checkpoint})" if e.checkpoint else ""
        print(f"symnn: interrupted in epoch {e.epoch + 1}{where}", file=sys.stderr)
        return 130
    except TrainingDiverged as e:
        print(f"symnn: {_diverged(e, args)}", file=sys.stderr)
        return 1
    seconds = time.perf_counter() - start
    line = f"epoch {len(hist)}: loss {hist.loss[-1]:.6g}, accuracy {hist.accuracy[-1]:.4f}"
    if has_test:
        line += f", test accuracy {hist.test_accuracy[-1]:.4f}"
    print(f"{line}; trained in {seconds:.2f} s")
    if args.save is not None:
        print(f"saved {args.save}")
    if args.plot is not None:
        write_atomic(args.plot, plot_history(hist, title=f"{net!r} on {data.name}"), force=True)
        print(f"plotted {args.plot}")
    return 0


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
