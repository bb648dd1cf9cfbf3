"""Benchmark ``extract_metadata`` on a 12 MP (4000×3000) photo-like JPEG with EXIF, on one core.

Usage::

    .venv/bin/python benchmarks/metadata_bench.py [--runs 15] [--json-only]

Prints a markdown table and a JSON line with median / p95 / min / max milliseconds.
Target: median ≤ 300 ms.
"""

from __future__ import annotations

import os

# Pin BLAS/OpenMP pools to one thread *before* numpy, OpenCV or scikit-learn load them.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402
from PIL import ExifTags, Image  # noqa: E402
from PIL.TiffImagePlugin import IFDRational  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from metadata.extract import EXTRACTOR_VERSION, extract_metadata  # noqa: E402

cv2.setNumThreads(1)


def photo_like_jpeg(*, width: int = 4000, height: int = 3000, seed: int = 0) -> bytes:
    """A smooth-gradient scene with shapes, texture and noise, saved as a JPEG with camera EXIF + GPS."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    sky = np.stack([90 + 60 * yy / height, 140 + 50 * yy / height, 230 - 80 * yy / height], axis=-1)
    img = sky.astype(np.uint8)
    for _ in range(40):
        centre = (int(rng.integers(0, width)), int(rng.integers(0, height)))
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        cv2.circle(img, centre, int(rng.integers(40, 500)), colour, -1, lineType=cv2.LINE_AA)
    cv2.putText(img, "0123456789", (300, 2600), cv2.FONT_HERSHEY_SIMPLEX, 12, (20, 20, 20), 25, cv2.LINE_AA)
    img = cv2.add(img, rng.integers(0, 12, img.shape, dtype=np.uint8))
    exif = Image.Exif()
    exif[0x010F], exif[0x0110], exif[0x0112], exif[0x0131] = "BenchCam", "BC-12", 1, "bench 1.0"
    sub = exif.get_ifd(ExifTags.IFD.Exif)
    sub[0x9003], sub[0x829A], sub[0x829D], sub[0x8827] = "2024:05:06 07:08:09", IFDRational(1, 250), 2.8, 200
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[1], gps[2], gps[3], gps[4] = "N", (52.0, 30.0, 0.0), "E", (13.0, 24.0, 0.0)
    out = io.BytesIO()
    Image.fromarray(img).save(out, "JPEG", quality=90, exif=exif)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=2)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    data = photo_like_jpeg()
    for _ in range(args.warmup):
        extract_metadata(data)
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        extract_metadata(data)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    result = {
        "benchmark": "extract_metadata 4000x3000 JPEG",
        "extractor_version": EXTRACTOR_VERSION,
        "jpeg_bytes": len(data),
        "runs": args.runs,
        "cores": sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(p95, 1),
        "min_ms": round(times[0], 1),
        "max_ms": round(times[-1], 1),
        "target_ms": 300,
        "python": platform.python_version(),
    }
    print("| metric | value |\n|---|---|")
    for key in ("median_ms", "p95_ms", "min_ms", "max_ms", "runs", "jpeg_bytes", "cores"):
        print(f"| {key} | {result[key]} |")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
