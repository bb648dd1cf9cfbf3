"""Read many images at once: the engine of the ``recognize`` command.

Every input goes through the one intake (:func:`digitsite.intake.read_source`, with
the limits read from settings in this process) and :func:`recognizer.vision.recognize`
with a classifier (and the single-digit verifier) loaded once. With ``jobs > 1`` the
inputs are spread over worker processes, each given the loaded models once when it starts (no database access,
no reloading); outcomes come back in input order. Workers are *spawned*, not forked:
a fork of a process whose BLAS/OpenMP threads already ran can deadlock. Starting one
costs about two seconds, so ``jobs=0`` (automatic) uses workers only for
:data:`MIN_PARALLEL_INPUTS` inputs or more.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import cv2
from sklearn.pipeline import Pipeline
from threadpoolctl import threadpool_limits

from classifiers.ml.predict import digit_classifier
from digitsite import intake
from recognizer import vision

# Workers take ~2.3 s to start and then read ~2× faster than one process (measured on 2 cores: 52.7
# vs 102.6 images/s of 640×480 JPEGs), so they pay off from roughly 250 inputs on.
MIN_PARALLEL_INPUTS = 250


@dataclass(frozen=True)
class Outcome:
    """One input's result: ``result`` (and ``image`` when kept) or an intake ``error``.

    ``result`` is None without an error when the content's recognition is already stored.
    """

    path: str
    result: vision.Recognition | None = None
    image: intake.IntakeImage | None = None
    error: str | None = None


@dataclass
class _Reader:
    classify: vision.Classify
    limits: intake.Limits
    keep_images: bool
    stored: frozenset[str] = frozenset()
    verify: vision.Verify | None = None

    def __call__(self, path: str) -> Outcome:
        try:
            image = intake.read_source(path, limits=self.limits)
        except intake.IntakeError as exc:
            return Outcome(path, error=exc.message)
        if image.sha256 in self.stored:  # its recognition is served from the database
            return Outcome(path, None, image if self.keep_images else None)
        result = vision.recognize(image.array, self.classify, verify=self.verify)
        return Outcome(path, result, image if self.keep_images else None)


_worker_reader: _Reader | None = None  # one per worker process


def _worker_init(
    pipeline: Pipeline,
    limits: intake.Limits,
    keep_images: bool,
    stored: frozenset[str],
    verify: vision.Verify | None,
) -> None:
    global _worker_reader
    # One core per worker. BLAS threads that spin while waiting would otherwise
    # fight the other workers for the same cores (measured: half the throughput).
    cv2.setNumThreads(1)
    threadpool_limits(1)
    _worker_reader = _Reader(digit_classifier(pipeline), limits, keep_images, stored, verify)


def _worker_read(path: str) -> Outcome:
    assert _worker_reader is not None
    return _worker_reader(path)


def cpu_count() -> int:
    """CPUs this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def recognize_paths(
    paths: Iterable[str],
    pipeline: Pipeline,
    *,
    jobs: int = 0,
    keep_images: bool = False,
    stored: frozenset[str] = frozenset(),
    verify: vision.Verify | None = None,
) -> Iterator[Outcome]:
    """Read and recognise every path (file or http(s) URL), yielding outcomes in input order.

    Parameters
    ----------
    paths : iterable of str
    pipeline : sklearn Pipeline
        The loaded classifier (see :func:`classifiers.selectors.classifier_load`).
    jobs : int
        Worker processes: 0 = one per CPU when there are at least
        :data:`MIN_PARALLEL_INPUTS` inputs (else none), 1 = none, N = N (at most one per input).
    keep_images : bool
        Return each :class:`~digitsite.intake.IntakeImage` too (to store it).
    stored : frozenset of str
        Content hashes whose recognition is already stored: those inputs are read and
        checked but not recognised again (``result`` is None).
    verify : callable, optional
        The single-digit verifier's answers (:func:`recognizer.services.verify_function`),
        given to every worker once; see :func:`recognizer.vision.recognize`.
    """
    paths = list(paths)
    limits = intake.Limits.from_settings()
    if jobs == 0:
        jobs = cpu_count() if len(paths) >= MIN_PARALLEL_INPUTS else 1
    jobs = min(jobs, len(paths))
    if jobs <= 1:
        yield from map(_Reader(digit_classifier(pipeline), limits, keep_images, stored, verify), paths)
        return
    chunk = max(1, min(8, len(paths) // (4 * jobs)))
    context = multiprocessing.get_context("spawn")
    initargs = (pipeline, limits, keep_images, stored, verify)
    with context.Pool(jobs, initializer=_worker_init, initargs=initargs) as pool:
        yield from pool.imap(_worker_read, paths, chunksize=chunk)
