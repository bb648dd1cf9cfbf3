"""Read many images at once: the engine of the ``recognize`` command.

Every input goes through the one intake (:func:`digitsite.intake.read_source`, with
the limits read from settings in this process) and :func:`recognizer.vision.recognize`
with a classifier (and the single-digit verifier) loaded once. With ``jobs > 1`` the
inputs are spread over worker processes, each given the loaded models once when it starts
(no database access, no reloading); outcomes come back in input order.

Workers are forked from multiprocessing's *fork server*, a clean process that imports
what they need (:data:`WORKER_MODULES`) once: not from this process, whose BLAS/OpenMP
threads may already have run (a fork of it can deadlock), and not spawned, which imports
everything again in every worker (~1.8 s to the first result, against ~1.3 s with the
server's imports, ~0.1 s once it runs). Until the first worker answers, this process
reads inputs itself. ``jobs=0`` (automatic) uses workers only for
:data:`MIN_PARALLEL_INPUTS` inputs or more.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import cv2
from sklearn.pipeline import Pipeline
from threadpoolctl import threadpool_limits

from classifiers.ml.predict import digit_classifier
from digitsite import intake
from recognizer import vision

# Two workers read ~1.9× faster than one process once running (2 cores, 640×480 JPEGs), and start in
# ~1.3 s while this process reads on; the whole command was as fast either way at 150 inputs and faster
# with workers at 200 (3.6 vs 3.8 s).
MIN_PARALLEL_INPUTS = 200

# What the fork server imports once for every worker: the reader and every registered
# classifier's modules (so unpickling any pipeline imports nothing more).
WORKER_MODULES = ("recognizer.batch", "classifiers.ml.algorithms")


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
    answers: dict[str, vision.Verify] = field(default_factory=dict)  # the verifier's, for vision.recognize

    def __call__(self, path: str) -> Outcome:
        try:
            image = intake.read_source(path, limits=self.limits)
        except intake.IntakeError as exc:
            return Outcome(path, error=exc.message)
        if image.sha256 in self.stored:  # its recognition is served from the database
            return Outcome(path, None, image if self.keep_images else None)
        result = vision.recognize(image.array, self.classify, **self.answers)
        return Outcome(path, result, image if self.keep_images else None)


_worker_reader: _Reader | None = None  # one per worker process


def _worker_init(
    pipeline: Pipeline,
    limits: intake.Limits,
    keep_images: bool,
    stored: frozenset[str],
    answers: dict[str, vision.Verify],
) -> None:
    global _worker_reader
    # One core per worker. BLAS threads that spin while waiting would otherwise
    # fight the other workers for the same cores (measured: half the throughput).
    cv2.setNumThreads(1)
    threadpool_limits(1)
    _worker_reader = _Reader(digit_classifier(pipeline), limits, keep_images, stored, answers)


def _worker_read_many(items: list[tuple[int, str]]) -> list[tuple[int, Outcome]]:
    assert _worker_reader is not None
    return [(k, _worker_reader(path)) for k, path in items]


def cpu_count() -> int:
    """CPUs this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def worker_count(n_inputs: int, jobs: int = 0) -> int:
    """Worker processes :func:`recognize_paths` uses for ``n_inputs`` (1 = none); see its ``jobs``."""
    if jobs == 0:
        jobs = cpu_count() if n_inputs >= MIN_PARALLEL_INPUTS else 1
    return max(1, min(jobs, n_inputs))


def _context() -> multiprocessing.context.BaseContext:
    if "forkserver" not in multiprocessing.get_all_start_methods():  # Windows
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(WORKER_MODULES))
    return context


def recognize_paths(
    paths: Iterable[str],
    pipeline: Pipeline,
    *,
    jobs: int = 0,
    keep_images: bool = False,
    stored: frozenset[str] = frozenset(),
    answers: dict[str, vision.Verify] | None = None,
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
    answers : dict, optional
        The single-digit verifier's answers (``verify`` and ``letters``,
        :func:`recognizer.services.verifier_answers`), given to every worker once; see
        :func:`recognizer.vision.recognize`.
    """
    paths = list(paths)
    limits = intake.Limits.from_settings()
    answers = dict(answers or {})
    reader = _Reader(digit_classifier(pipeline), limits, keep_images, stored, answers)
    jobs = worker_count(len(paths), jobs)
    if jobs <= 1:
        yield from map(reader, paths)
    else:
        yield from _read_in_parallel(paths, reader, jobs, (pipeline, limits, keep_images, stored, answers))


def _read_in_parallel(paths: list[str], own: _Reader, jobs: int, initargs: tuple) -> Iterator[Outcome]:
    """Outcomes in input order from ``jobs`` workers (built from ``initargs``, see
    :func:`_worker_init`); while they start (about a second), this process reads inputs
    itself with ``own``."""
    handout = _Handout(paths, chunk=max(1, min(8, len(paths) // (4 * jobs))), ahead=2 * jobs)
    started: dict[str, Any] = {}  # the pool, or the error starting it

    def start() -> None:  # blocks until the fork server has imported its modules
        try:
            started["pool"] = _context().Pool(jobs, initializer=_worker_init, initargs=initargs)
        except Exception as exc:  # noqa: BLE001 - re-raised below, in the caller's thread
            started["error"] = exc

    starter = threading.Thread(target=start, name="recognize-workers", daemon=True)
    starter.start()
    done: dict[int, Outcome] = {}
    following = 0  # the next outcome to yield

    def ready() -> Iterator[Outcome]:
        nonlocal following
        while following in done:
            yield done.pop(following)
            following += 1

    cv_threads = cv2.getNumThreads()
    cv2.setNumThreads(1)  # this process reads on one core too (see _worker_init)
    blas = threadpool_limits(1)
    try:
        while starter.is_alive() and (mine := handout.take(1)):
            ((k, path),) = mine
            done[k] = own(path)
            yield from ready()
        starter.join()
        if "error" in started:
            raise started["error"]
        results = started["pool"].imap_unordered(_worker_read_many, handout.chunks())
        while following < len(paths):
            done.update(results.next())
            handout.returned()
            yield from ready()
    finally:
        handout.closed = True  # lets the pool's task thread stop when the caller stops early
        starter.join()
        if "pool" in started:
            started["pool"].terminate()
        blas.restore_original_limits()
        cv2.setNumThreads(cv_threads)


class _Handout:
    """Inputs handed out in order: one by one to this process while the workers start,
    then in chunks to the pool, at most ``ahead`` chunks whose results this process has
    not taken back (a slow caller, storing rows, holds the workers back instead of
    piling up their outcomes)."""

    def __init__(self, paths: list[str], chunk: int, ahead: int) -> None:
        self._paths, self._chunk, self._next = paths, chunk, 0
        self._lock = threading.Lock()
        self._room = threading.Semaphore(ahead)
        self.closed = False

    def take(self, n: int) -> list[tuple[int, str]]:
        with self._lock:
            start = self._next
            self._next = end = min(start + n, len(self._paths))
        return [(k, self._paths[k]) for k in range(start, end)]

    def chunks(self) -> Iterator[list[tuple[int, str]]]:
        """The pool's tasks (iterated in its task thread)."""
        while not self.closed:
            if not self._room.acquire(timeout=0.1):
                continue
            items = self.take(self._chunk)
            if not items:
                return
            yield items

    def returned(self) -> None:
        self._room.release()
