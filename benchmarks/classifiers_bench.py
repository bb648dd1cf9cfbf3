"""Benchmark the registered classifiers: accuracy, training time, prediction latency, size.

(a) every algorithm on the ``mnist-bundled`` 5,000 MNIST digits, stratified held-out split;
(b) with MNIST IDX files available, chosen algorithms on the 60k training set minus
    a stratified validation hold-out (default 10,000);
(c) with ``--printed``: printed digits. Chosen algorithms (default svm) trained on the
    4,000 training digits of ``mnist-bundled`` alone (the old default), plus ``fonts`` and
    plus ``fonts:train``, scored on part (a)'s 1,000 held-out MNIST digits, on
    ``fonts:heldout`` and (with ``--mnist``) on 10,000 unseen MNIST digits; then the
    default model as ``ensure_default_classifier`` trains it on ``bundled``.

Prints a markdown table per part and writes everything as JSON.

Usage::

    .venv/bin/python benchmarks/classifiers_bench.py                 # parts (a) and (b)
    .venv/bin/python benchmarks/classifiers_bench.py --skip-mnist
    .venv/bin/python benchmarks/classifiers_bench.py --skip-bundled --mnist-algorithms svm,knn
    .venv/bin/python benchmarks/classifiers_bench.py --skip-bundled --skip-mnist --printed   # part (c) only
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

import numpy as np  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from benchmarks.synth import digit_keys  # noqa: E402
from classifiers.ml import registry, sources  # noqa: E402
from classifiers.ml.artifacts import library_versions, save_pipeline  # noqa: E402
from classifiers.ml.sources import Dataset, DataSourceError, load_source  # noqa: E402
from classifiers.ml.training import evaluate, plot_confusion, split_indices, train  # noqa: E402

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
    if args.printed:
        print("\n## printed digits: MNIST and printed hold-outs per training data\n", flush=True)
        rows = [row for name in args.printed_algorithms.split(",") for row in printed_rows(name, args)]
        report["printed"] = rows
        print_printed_table(rows)
        write(report, args.out)
    print(f"\nJSON written to {args.out}")
    return 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", default="mnist-bundled", help="data source spec for part (a)")
    parser.add_argument("--algorithms", default="", help="comma-separated; default: all registered")
    parser.add_argument("--test-size", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--augment", type=int, default=0, help="augmented copies per training crop (needs a hook)")
    parser.add_argument("--mnist", type=Path, default=REPO.parent / "shared" / "data" / "mnist")
    parser.add_argument("--mnist-algorithms", default="svm")
    parser.add_argument("--mnist-holdout", type=int, default=10_000)
    parser.add_argument("--skip-bundled", action="store_true")
    parser.add_argument("--skip-mnist", action="store_true")
    parser.add_argument("--printed", action="store_true", help="run part (c): printed-digit hold-outs")
    parser.add_argument("--printed-algorithms", default="svm")
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


def printed_rows(name: str, args: argparse.Namespace) -> list[dict]:
    """Part (c) for one algorithm: MNIST-only and printed-digit scores per training data.

    ``mnist-bundled`` is split 80/20 first (``split_indices``, the split ``train`` makes,
    so the 1,000 held-out digits are those of part (a)); every row trains on its 4,000
    training digits plus nothing, ``fonts`` or ``fonts:train``, and is scored on those
    1,000, on ``fonts:heldout`` (font files and sizes outside ``fonts:train``) and, with
    ``--mnist``, on 10,000 digits of the full MNIST training set that are not among the
    bundled 5,000. A last row is the default model exactly as ``ensure_default_classifier``
    trains it (``bundled``, 80/20 split of all 7,520), scored on the MNIST digits of its own
    held-out split.
    """
    mnist = load_source("mnist-bundled")
    train_idx, test_idx = split_indices(mnist.labels, test_size=args.test_size, seed=args.seed)
    tests = {"mnist held-out": mnist.subset(test_idx), "fonts:heldout": load_source("fonts:heldout")}
    if unseen := unseen_mnist(args, mnist):
        tests["mnist unseen"] = unseen
    rows = []
    for extra in ("", "fonts", "fonts:train"):
        data = sources.concat(
            [mnist.subset(train_idx, name="mnist-bundled (train part)")] + ([load_source(extra)] if extra else [])
        )
        print(f"- {name} on {data.name}: training …", flush=True)
        pipeline = registry.build(name, registry.effective_params(name, {}))
        start = time.perf_counter()
        pipeline.fit(data.crops, data.labels)
        seconds = time.perf_counter() - start
        scores = {k: score(pipeline, d) for k, d in tests.items()}
        rows.append(printed_result(name, data.name, len(data), seconds, scores, fonts_seen=extra == "fonts"))
    recipe = f"bundled (own split, --augment {args.augment})" if args.augment else "bundled (own split)"
    print(f"- {name} on {recipe} (ensure_default_classifier: --augment 2): training …", flush=True)
    start = time.perf_counter()
    bundled = load_source("bundled")
    load_seconds = time.perf_counter() - start
    result = train(name, bundled, test_size=args.test_size, seed=args.seed, augment=args.augment)
    held = split_indices(bundled.labels, test_size=args.test_size, seed=args.seed)[1]
    held_mnist = held[held < len(mnist)]  # bundled = mnist-bundled followed by fonts
    scores = {
        "mnist held-out": score(result.pipeline, bundled.subset(held_mnist)),
        "printed held-out": score(result.pipeline, bundled.subset(held[held >= len(mnist)])),
        "fonts:heldout": score(result.pipeline, tests["fonts:heldout"]),
    }
    if "mnist unseen" in tests:
        scores["mnist unseen"] = score(result.pipeline, tests["mnist unseen"])
    row = printed_result(name, recipe, result.n_train, result.training_seconds, scores)
    row.update(fonts_seen=True, load_seconds=round(load_seconds, 2), accuracy_heldout_all=result.metrics.accuracy)
    rows.append(row)
    return rows


def unseen_mnist(args: argparse.Namespace, bundled: Dataset) -> Dataset | None:
    """Up to 10,000 digits of ``--mnist`` not identical to a bundled one, or None without the files."""
    try:
        full = load_source(f"mnist:{args.mnist}")
    except DataSourceError as exc:
        print(f"(no unseen-MNIST column: {exc})", flush=True)
        return None
    seen = set(digit_keys(bundled.crops))
    fresh = np.flatnonzero([k not in seen for k in digit_keys(full.crops)])
    pick = np.sort(np.random.default_rng(args.seed).choice(fresh, min(10_000, len(fresh)), replace=False))
    return full.subset(pick, name="mnist unseen")


def score(pipeline, dataset) -> dict:
    return {"accuracy": evaluate(pipeline, dataset).accuracy, "n": len(dataset)}


def printed_result(name, data, n_train, seconds, scores, *, fonts_seen=False) -> dict:
    row = {
        "algorithm": name,
        "training_data": data,
        "n_train": n_train,
        "train_seconds": round(seconds, 2),
        "scores": scores,
        "fonts_heldout_seen": fonts_seen,
    }
    print(
        "  "
        + ", ".join(f"{k} {v['accuracy']:.4f} (n={v['n']})" for k, v in scores.items())
        + f"; train {seconds:.1f} s",
        flush=True,
    )
    return row


def print_printed_table(rows: list[dict]) -> None:
    columns = ("mnist held-out", "mnist unseen", "printed held-out", "fonts:heldout")
    print("\n| algorithm | training data | n_train | train s | " + " | ".join(columns) + " |")
    print("|---|---|---|---|" + "---|" * len(columns))
    for r in rows:
        cells = []
        for col in columns:
            v = r["scores"].get(col)
            seen = " (fonts seen)" if col == "fonts:heldout" and r["fonts_heldout_seen"] else ""
            cells.append(f"{100 * v['accuracy']:.2f}% ({v['n']}){seen}" if v else "–")
        print(
            f"| {r['algorithm']} | {r['training_data']} | {r['n_train']} | {r['train_seconds']:.1f} | "
            + " | ".join(cells)
            + " |"
        )


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
