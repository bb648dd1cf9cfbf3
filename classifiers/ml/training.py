"""Train a registered classifier on a dataset and measure it on held-out data.

The split comes first (stratified, fixed seed); augmentation touches only the
training part; the test part is never seen by ``fit``.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline

from classifiers.ml import registry
from classifiers.ml.sources import Dataset, augment_dataset

CLASSES = list(range(10))
Progress = Callable[[str], None]


class TrainingError(ValueError):
    """The dataset or split cannot support training/evaluation."""


@dataclass(frozen=True)
class Metrics:
    """Held-out scores; every field is JSON-able (see :meth:`to_dict`)."""

    accuracy: float
    n_test: int  # samples evaluated
    classes: list[int]
    precision: list[float]
    recall: list[float]
    f1: list[float]
    support: list[int]
    confusion: list[list[int]]  # rows = true label, columns = predicted, in `classes` order
    n_train: int | None = None  # set by train(); None for a bare evaluate()

    @property
    def n(self) -> int:
        return self.n_test

    def per_class(self) -> dict[str, dict[str, float | int]]:
        """``{"3": {"precision": .., "recall": .., "f1": .., "support": ..}, ...}``."""
        return {
            str(c): {"precision": p, "recall": r, "f1": f, "support": s}
            for c, p, r, f, s in zip(self.classes, self.precision, self.recall, self.f1, self.support, strict=True)
        }

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "n": self.n_test, "per_class": self.per_class()}

    def report(self) -> str:
        """A plain-text per-class table, like scikit-learn's classification_report."""
        rows = [f"{'digit':>5} {'precision':>9} {'recall':>7} {'f1':>6} {'support':>8}"]
        for c, row in self.per_class().items():
            rows.append(f"{c:>5} {row['precision']:>9.3f} {row['recall']:>7.3f} {row['f1']:>6.3f} {row['support']:>8}")
        rows.append(f"accuracy {self.accuracy:.4f} on {self.n_test} digits")
        return "\n".join(rows)


@dataclass(frozen=True)
class TrainResult:
    pipeline: Pipeline
    algorithm: str
    params: dict[str, Any]
    metrics: Metrics
    n_train: int
    n_test: int
    training_seconds: float
    dataset_name: str
    dataset_fingerprint: str
    augment: int = 0
    seed: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """Everything but the pipeline, JSON-able: what to store with the artifact."""
        out = {k: v for k, v in asdict(self).items() if k not in {"pipeline", "metrics"}}
        out["metrics"] = self.metrics.to_dict()
        return out


def train(
    algorithm: str,
    dataset: Dataset,
    *,
    test_size: float = 0.2,
    seed: int = 0,
    params: dict[str, Any] | None = None,
    augment: int = 0,
    progress: Progress | None = None,
) -> TrainResult:
    """Split ``dataset``, fit ``algorithm`` on the training part, score the rest.

    Parameters
    ----------
    algorithm : str
        A name from :func:`classifiers.ml.registry.available`.
    dataset : Dataset
    test_size : float
        Held-out fraction, in (0, 1).
    seed : int
        Seeds the split and the augmentation.
    params : dict, optional
        Overrides of the algorithm's defaults.
    augment : int
        Augmented copies per training sample (needs a registered augmenter).
    progress : callable(str), optional
        Receives short status messages.
    """
    say = progress or (lambda _msg: None)
    effective = registry.effective_params(algorithm, params)
    pipeline = registry.build(algorithm, effective)
    train_idx, test_idx = split_indices(dataset.labels, test_size=test_size, seed=seed)
    train_set = dataset.subset(train_idx)
    test_set = dataset.subset(test_idx)
    if augment:
        say(f"augmenting {len(train_set)} training crops x{augment}")
        train_set = augment_dataset(train_set, augment, seed=seed)
    say(f"fitting {algorithm} on {len(train_set)} crops")
    start = time.perf_counter()
    pipeline.fit(train_set.crops, train_set.labels)
    seconds = time.perf_counter() - start
    say(f"evaluating on {len(test_set)} held-out crops")
    metrics = dataclasses.replace(evaluate(pipeline, test_set), n_train=len(train_set))
    say(f"accuracy {metrics.accuracy:.4f} ({seconds:.1f} s training)")
    return TrainResult(
        pipeline=pipeline,
        algorithm=algorithm,
        params=effective,
        metrics=metrics,
        n_train=len(train_set),
        n_test=len(test_set),
        training_seconds=seconds,
        dataset_name=dataset.name,
        dataset_fingerprint=dataset.fingerprint(),
        augment=augment,
        seed=seed,
    )


def split_indices(labels: np.ndarray, *, test_size: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Stratified ``(train_idx, test_idx)``, reproducible for a given seed."""
    if not 0 < test_size < 1:
        raise TrainingError(f"test_size must be in (0, 1), got {test_size}")
    counts = np.bincount(labels, minlength=10)
    present = counts[counts > 0]
    if present.size < 2 or present.min() < 2:
        raise TrainingError(f"need at least 2 classes with 2+ samples each to split; class counts {counts.tolist()}")
    idx = np.arange(len(labels))
    try:
        return train_test_split(idx, test_size=test_size, stratify=labels, random_state=seed)
    except ValueError as exc:
        raise TrainingError(f"cannot split {len(labels)} samples with test_size={test_size}: {exc}") from exc


def evaluate(pipeline: Pipeline, dataset: Dataset) -> Metrics:
    """Accuracy, per-class precision/recall/F1 and the confusion matrix over 0–9."""
    if len(dataset) == 0:
        raise TrainingError(f"cannot evaluate on an empty dataset ({dataset.name})")
    predicted = pipeline.predict(dataset.crops)
    precision, recall, f1, support = precision_recall_fscore_support(
        dataset.labels, predicted, labels=CLASSES, zero_division=0
    )
    return Metrics(
        accuracy=float(accuracy_score(dataset.labels, predicted)),
        n_test=len(dataset),
        classes=list(CLASSES),
        precision=[float(v) for v in precision],
        recall=[float(v) for v in recall],
        f1=[float(v) for v in f1],
        support=[int(v) for v in support],
        confusion=confusion_matrix(dataset.labels, predicted, labels=CLASSES).tolist(),
    )


def plot_confusion(matrix: list[list[int]] | np.ndarray, path: str | Path | BinaryIO, *, title: str = "") -> None:
    """Render a confusion matrix (rows true, columns predicted) as PNG to a file path or binary stream.

    Uses a bare :class:`~matplotlib.figure.Figure` with the Agg canvas: no pyplot
    global state, safe in a web process.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    matrix = np.asarray(matrix)
    fig = Figure(figsize=(5.5, 5))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.imshow(matrix, cmap="Blues")
    n = matrix.shape[0]
    ax.set(xticks=range(n), yticks=range(n), xlabel="predicted", ylabel="true", title=title)
    threshold = matrix.max() / 2 if matrix.size else 0
    for (r, c), value in np.ndenumerate(matrix):
        ax.text(c, r, str(value), ha="center", va="center", fontsize=7, color="white" if value > threshold else "black")
    fig.tight_layout()
    if isinstance(path, str | Path):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100, format="png")
