"""Time ``augment.spec.augment_crops`` on 60,000 synthetic 28×28 digit crops.

Digits are drawn with ``cv2.putText`` (random font, size, stroke, offset), so no
data set is needed. Each core count runs in a fresh subprocess pinned to that
many CPUs, with OpenCV and BLAS limited to the same number of threads.

Usage::

    .venv/bin/python benchmarks/augment_bench.py [--n 60000] [--n-per-sample 1] [--repeat 3]

Prints one markdown table row per core count, then all results as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FONTS = (0, 2, 3, 4, 6, 7)  # cv2.FONT_HERSHEY_* faces that look handwritten enough


def synthetic_crops(n: int, *, seed: int = 0):  # noqa: ANN201 (numpy imported lazily in the child)
    import cv2
    import numpy as np

    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, n)
    crops = np.zeros((n, 28, 28), np.uint8)
    for crop, label in zip(crops, labels, strict=True):
        scale = rng.uniform(0.6, 0.9)
        org = (int(rng.integers(5, 10)), int(rng.integers(19, 24)))
        font = int(rng.choice(FONTS))
        cv2.putText(crop, str(label), org, font, scale, 255, int(rng.integers(1, 4)), cv2.LINE_AA)
    return crops.astype(np.float32) / 255, labels


def run_child(n: int, n_per_sample: int, repeat: int) -> dict[str, object]:
    import cv2
    import numpy as np

    from augment.spec import augment_crops

    cores = len(os.sched_getaffinity(0))
    cv2.setNumThreads(cores)
    crops, labels = synthetic_crops(n)
    augment_crops(crops[:512], labels[:512], n_per_sample, 0)  # warm-up (caches, lazy imports)
    walls, cpus = [], []
    for i in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        out, out_labels = augment_crops(crops, labels, n_per_sample, i)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    assert out.shape == (n * n_per_sample, 28, 28) and len(out_labels) == len(out)
    best = min(walls)
    return {
        "cores": cores,
        "crops": n,
        "n_per_sample": n_per_sample,
        "outputs": int(len(out)),
        "best_s": round(best, 3),
        "median_s": round(float(np.median(walls)), 3),
        "cpu_s_of_best": round(cpus[walls.index(best)], 3),
        "outputs_per_s": int(len(out) / best),
        "ink_ratio_median": round(
            float(np.median(out.sum(axis=(1, 2)) / np.repeat(crops.sum(axis=(1, 2)), n_per_sample))), 3
        ),
        "opencv": cv2.__version__,
        "numpy": np.__version__,
    }


def spawn(cores: int, args: argparse.Namespace) -> dict[str, object]:
    cpus = sorted(os.sched_getaffinity(0))[:cores]
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        **{var: str(cores) for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")},
    }
    code = (
        f"import os, sys, json; os.sched_setaffinity(0, {set(cpus)});"
        f"sys.path.insert(0, {str(Path(__file__).parent)!r}); import augment_bench as b;"
        f"print(json.dumps(b.run_child({args.n}, {args.n_per_sample}, {args.repeat})))"
    )
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=60_000, help="number of crops (default 60000)")
    parser.add_argument("--n-per-sample", type=int, default=1, help="augmented copies per crop (default 1)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per core count; best is reported")
    parser.add_argument("--cores", type=int, nargs="+", default=[2, 1], help="core counts to test")
    args = parser.parse_args()
    available = len(os.sched_getaffinity(0))
    results = [spawn(c, args) for c in args.cores if c <= available]
    load = os.getloadavg()[0]
    print("| cores | crops | copies/crop | best s | median s | CPU s | outputs/s |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r['cores']} | {r['crops']:,} | {r['n_per_sample']} | {r['best_s']} | {r['median_s']} "
            f"| {r['cpu_s_of_best']} | {r['outputs_per_s']:,} |"
        )
    print(
        json.dumps(
            {"machine": platform.machine(), "load_avg_1min_at_end": round(load, 2), "results": results}, indent=2
        )
    )


if __name__ == "__main__":
    main()
