"""Benchmark the registered classifiers: accuracy, training time, prediction latency, size.

(a) every algorithm on the ``bundled`` 5,000 MNIST digits, stratified held-out split;
(b) with MNIST IDX files available, chosen algorithms on the 60k training set minus
    a stratified validation hold-out (default 10,000).

Prints a markdown table per part and writes everything as JSON.

Usage::

    .venv/bin/python benchmarks/classifiers_bench.py                 # both parts
    .venv/bin/python benchmarks/classifiers_bench.py --skip-mnist
    .venv/bin/python benchmarks/classifiers_bench.py --skip-bundled --mnist-algorithms svm,knn
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from threadpoolctl import threadpool_limits  # noqa: E402

from classifiers.ml import registry, sources  # noqa: E402
from classifiers.ml.artifacts import library_versions, save_pipeline  # noqa: E402
from classifiers.ml.sources import DataSourceError, load_source  # noqa: E402
from classifiers.ml.training import plot_confusion, split_indices, train  # noqa: E402

TARGETS = "bundled default >= 98.0% held-out, train <= 60 s, predict <= 1 ms/digit; MNIST >= 99.5%, train <= 15 min"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if args.augment:
        ensure_augmenter()
    report: dict = {"library_versions": library_versions(), "cpu_count": os.cpu_count(), "targets": TARGETS}
    if not args.skip_bundled:
        dataset = load_source(args.source)
        algorithms = args.algorithms.split(",") if args.algorithms else registry.available()
        print(f"## {args.source}: {len(dataset)} digits, test_size={args.test_size}, seed={args.seed}\n", flush=True)
        rows = [run_one(name, dataset, args, test_size=args.test_size) for name in algorithms]
        report["bundled"] = rows
        print_table(rows)
        write(report, args.out)
    if not args.skip_mnist:
        try:
            dataset = load_source(f"mnist:{args.mnist}")
        except DataSourceError as exc:
            print(f"\nskipping the MNIST part: {exc}")
        else:
            test_size = args.mnist_holdout / len(dataset)
            print(f"\n## {dataset.name}: {len(dataset)} digits, {args.mnist_holdout} held out\n", flush=True)
            rows = [run_one(name, dataset, args, test_size=test_size) for name in args.mnist_algorithms.split(",")]
            report["mnist"] = rows
            print_table(rows)
            write(report, args.out)
    print(f"\nJSON written to {args.out}")
    return 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", default="bundled", help="data source spec for part (a)")
    parser.add_argument("--algorithms", default="", help="comma-separated; default: all registered")
    parser.add_argument("--test-size", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--augment", type=int, default=0, help="augmented copies per training crop (needs a hook)")
    parser.add_argument("--mnist", type=Path, default=REPO.parent / "shared" / "data" / "mnist")
    parser.add_argument("--mnist-algorithms", default="svm")
    parser.add_argument("--mnist-holdout", type=int, default=10_000)
    parser.add_argument("--skip-bundled", action="store_true")
    parser.add_argument("--skip-mnist", action="store_true")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "out" / "classifiers.json")
    return parser.parse_args(argv)


def run_one(name: str, dataset, args: argparse.Namespace, *, test_size: float) -> dict:
    print(f"- {name}: training …", flush=True)
    result = train(name, dataset, test_size=test_size, seed=args.seed, augment=args.augment)
    test = dataset.subset(split_indices(dataset.labels, test_size=test_size, seed=args.seed)[1])
    with threadpool_limits(limits=1):  # one core, batched
        start = time.perf_counter()
        result.pipeline.predict_proba(test.crops)
        per_digit_ms = (time.perf_counter() - start) * 1000 / len(test)
    with tempfile.TemporaryDirectory() as tmp:
        info = save_pipeline(result.pipeline, tmp, name=name)
    slug = dataset.name.split(":")[0]
    plot = args.out.parent / f"confusion-{slug}-{name}.png"
    plot_confusion(result.metrics.confusion, plot, title=f"{name} on {slug}")
    row = {
        "algorithm": name,
        "dataset": dataset.name,
        "accuracy": result.metrics.accuracy,
        "n_train": result.n_train,
        "n_test": result.n_test,
        "train_seconds": round(result.training_seconds, 2),
        "predict_ms_per_digit": round(per_digit_ms, 4),
        "artifact_bytes": info.size,
        "augment": args.augment,
        "params": result.params,
        "metrics": result.metrics.to_dict(),
    }
    print(
        f"  accuracy {row['accuracy']:.4f}, train {row['train_seconds']} s, "
        f"predict {row['predict_ms_per_digit']:.3f} ms/digit, artifact {info.size / 1e6:.1f} MB",
        flush=True,
    )
    return row


def ensure_augmenter() -> None:
    """Outside Django nothing registers the augment app's hook; do it here (pure function)."""
    if not sources.has_augmenter():
        from augment.spec import augment_crops

        sources.register_augmenter(augment_crops)


def print_table(rows: list[dict]) -> None:
    print("\n| algorithm | accuracy | train s | predict ms/digit (1 core) | artifact MB | n_train | n_test |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['algorithm']} | {100 * r['accuracy']:.2f}% | {r['train_seconds']:.1f} | "
            f"{r['predict_ms_per_digit']:.3f} | {r['artifact_bytes'] / 1e6:.2f} | {r['n_train']} | {r['n_test']} |"
        )


def write(report: dict, path: Path) -> None:
    path.write_text(json.dumps(report, indent=2, default=str))


if __name__ == "__main__":
    raise SystemExit(main())
