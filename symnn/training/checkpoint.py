"""Training history and checkpoints: ``.npz`` files written atomically, holding all a run needs to continue exactly."""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from symnn.io import read_npz, write_atomic

__all__ = ["CHECKPOINT_FORMAT", "Checkpoint", "History", "load_checkpoint", "save_checkpoint"]

CHECKPOINT_FORMAT = "symnn-checkpoint-1"


# -- history ----------------------------------------------------------------------------


_HISTORY_FIELDS = ("loss", "accuracy", "test_loss", "test_accuracy", "seconds")


@dataclass
class History:
    """Per epoch: the mean training loss over the epoch's batches, the training accuracy at its end,
    the test loss and accuracy (NaN without a test set), and the seconds it took."""

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    test_loss: list[float] = field(default_factory=list)
    test_accuracy: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.loss)

    def as_arrays(self) -> dict[str, np.ndarray]:
        return {k: np.asarray(getattr(self, k), dtype=np.float64) for k in _HISTORY_FIELDS}

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray]) -> History:
        return cls(**{k: [float(v) for v in arrays[k]] for k in _HISTORY_FIELDS})


# -- checkpoints ----------------------------------------------------------------------------------------


@dataclass
class Checkpoint:
    """What a checkpoint holds: everything needed to continue a run exactly."""

    params: dict[str, np.ndarray]
    optimizer_state: dict[str, dict[str, np.ndarray]]
    optimizer_steps: int
    epoch: int  # complete epochs
    batch: int  # batches done in the epoch after them
    loss_sum: float  # that partial epoch's summed loss
    spec: dict[str, Any]
    config: dict[str, Any]
    history: History

    def check_state(self, path: Any, slots: tuple[str, ...], names: tuple[str, ...]) -> None:
        """Refuse a checkpoint whose optimizer state lacks an array the optimizer has after a step
        (resuming would restart it from zeros, silently: not the uninterrupted run)."""
        if self.optimizer_steps == 0:
            return
        missing = [f"opt/{s}/{k}" for s in slots for k in names if k not in self.optimizer_state.get(s, {})]
        if missing:
            raise ValueError(
                f"checkpoint {path} lacks the optimizer state {', '.join(missing)} after "
                f"{self.optimizer_steps} steps; it cannot continue the run exactly"
            )


def save_checkpoint(path: str | Path, ckpt: Checkpoint) -> Path:
    """Write ``ckpt`` as ``.npz`` through a temporary file and an atomic rename (a crash leaves the old file)."""
    arrays: dict[str, Any] = {f"param/{k}": np.asarray(v) for k, v in ckpt.params.items()}
    for slot, values in ckpt.optimizer_state.items():
        arrays.update({f"opt/{slot}/{k}": np.asarray(v) for k, v in values.items()})
    arrays.update({f"history/{k}": v for k, v in ckpt.history.as_arrays().items()})
    arrays["meta"] = np.array(
        json.dumps(
            {
                "format": CHECKPOINT_FORMAT,
                "epoch": ckpt.epoch,
                "batch": ckpt.batch,
                "loss_sum": ckpt.loss_sum.hex(),  # exact, for bit-identical resumption
                "optimizer_steps": ckpt.optimizer_steps,
                "spec": ckpt.spec,
                "config": ckpt.config,
            }
        )
    )
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return write_atomic(path, buffer.getvalue(), force=True)


#: what the ``meta`` entry of a checkpoint holds
_META_FIELDS = ("epoch", "batch", "loss_sum", "optimizer_steps", "spec", "config")


def load_checkpoint(path: str | Path) -> Checkpoint:
    """Read a checkpoint written by :func:`save_checkpoint`; ``ValueError`` naming what is wrong otherwise."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint {path} does not exist")
    arrays = read_npz(path, f"cannot read checkpoint {path}: it")
    if "meta" not in arrays:
        raise ValueError(f"{path} is not a symnn checkpoint (no 'meta' entry)")
    try:
        meta = json.loads(str(arrays["meta"]))
        if meta.get("format") != CHECKPOINT_FORMAT:
            raise ValueError(f"format {meta.get('format')!r}, expected {CHECKPOINT_FORMAT!r}")
        missing = [f"history/{k}" for k in _HISTORY_FIELDS if f"history/{k}" not in arrays]
        missing += [f"meta/{k}" for k in _META_FIELDS if k not in meta]
        if missing:
            raise ValueError(f"missing {', '.join(missing)}")
        params = {k[6:]: v for k, v in arrays.items() if k.startswith("param/")}
        state: dict[str, dict[str, np.ndarray]] = {}
        for k, v in arrays.items():
            if k.startswith("opt/"):
                _, slot, name = k.split("/", 2)
                state.setdefault(slot, {})[name] = v
        history = History.from_arrays({k: arrays[f"history/{k}"] for k in _HISTORY_FIELDS})
        lengths = {len(getattr(history, k)) for k in _HISTORY_FIELDS}
        if lengths != {int(meta["epoch"])}:
            raise ValueError(
                f"its history has {', '.join(map(str, sorted(lengths)))} entries for {int(meta['epoch'])} epochs"
            )
        return Checkpoint(
            params,
            state,
            int(meta["optimizer_steps"]),
            int(meta["epoch"]),
            int(meta["batch"]),
            float.fromhex(meta["loss_sum"]),
            dict(meta["spec"]),
            dict(meta["config"]),
            history,
        )
    except (KeyError, TypeError, ValueError, json.JSONDecodeError) as e:
        raise ValueError(f"{path} is not a valid symnn checkpoint: {e}") from e
