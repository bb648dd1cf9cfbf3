"""The single-digit verifier: is this piece of a component exactly one whole digit? And is it a
printed letter?

Splitting touching digits (step e) scores every cut sequence by the digit
classifier's confidence in the pieces. That confidence says which digit a piece
looks most like, not whether it is one: two touching 3s are an "8" at 0.6, a 1
touching a 7 a "0" at 0.94, half a 0 a "1". The verifier answers the other
question. It sees each piece on a canvas scaled by its *line's* digit height, so
width and size count (a pair is wide, a fragment small), and gives P(one whole
digit). The split adds ``verify_weight × log P`` per piece, so a partition is
only as good as its worst piece's chance of being a digit.

It is a small multilayer perceptron (scikit-learn's ``MLPClassifier``, one hidden
layer) on HOG and coarse pixels of the canvas, trained on synthetic examples made
from digit crops: single digits (slanted, wide, bold, thin) and digits cut out of
a touching pair as a split cuts them, against touching pairs and triples,
fragments of one digit and pieces of a pair cut in the wrong place. A second
perceptron on the same canvas tells printed letters (a form's labels) from digits,
for :func:`.letters.printed_words`. Their weights are plain arrays, saved as one
``.npz`` and loaded without pickle, and the forward pass is numpy, so a model file
can never run code.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import cv2
import numpy as np

from classifiers.ml.features import hog_features

from . import letters
from .components import near_ink
from .config import SegmentationConfig
from .split import without_slivers

#: Bump when the canvas, features or training recipe change: older files are refused.
RECIPE = 3
CANVAS_HEIGHT, CANVAS_WIDTH = 28, 56
#: A digit as tall as its line's digits is this tall on the canvas (MNIST's 20-px box).
DIGIT_PX = 20
#: Synthetic examples the product's one-digit perceptron is trained on (15–40 s on 2 cores).
TRAINING_SAMPLES = 20000
#: Examples of the letter perceptron (printed letters against digits, ~20 s) and its hidden units.
LETTER_SAMPLES = 18000
LETTER_HIDDEN = 64
#: Share of the one-digit perceptron's examples that are a digit cut out of a touching pair.
CUT_SHARE = 0.15
_INK_FLOOR = 0.05
_SLIVER_SHARE = SegmentationConfig.split_sliver_share  # as the pipeline's cuts drop them
_CUT_TRIES = 20  # pairs drawn for one cut digit before an example of another kind is taken


class VerifierError(Exception):
    """A verifier file that cannot be used (missing, damaged, another recipe)."""


def canvas(patch: np.ndarray, ref_height: float) -> tuple[np.ndarray, tuple[float, float]]:
    """A piece on the verifier's canvas.

    Parameters
    ----------
    patch : (M, N) float ndarray
        Ink strength 0..1 (bright ink), as the pipeline's upright components carry it.
    ref_height : float
        Height of the digits of its line, px.

    Returns
    -------
    canvas : (28, 56) float32 ndarray
        The piece trimmed to its ink, scaled by ``DIGIT_PX / ref_height`` (shrunk
        further only if it would not fit) and centred.
    dims : (float, float)
        Its width and height relative to ``ref_height``.
    """
    p = _trim(np.clip(np.asarray(patch, np.float32), 0.0, 1.0), _INK_FLOOR)
    out = np.zeros((CANVAS_HEIGHT, CANVAS_WIDTH), np.float32)
    ref = max(float(ref_height), 1.0)
    if p.size == 0:
        return out, (0.0, 0.0)
    h, w = p.shape
    scale = min(DIGIT_PX / ref, (CANVAS_HEIGHT - 2) / h, (CANVAS_WIDTH - 2) / w)
    new_w, new_h = max(1, round(w * scale)), max(1, round(h * scale))
    small = cv2.resize(p, (new_w, new_h), interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    y0, x0 = (CANVAS_HEIGHT - new_h) // 2, (CANVAS_WIDTH - new_w) // 2
    out[y0 : y0 + new_h, x0 : x0 + new_w] = np.clip(small, 0.0, 1.0)
    return out, (w / ref, h / ref)


def features(canvases: np.ndarray, dims: np.ndarray) -> np.ndarray:
    """HOG (4-px cells) of each canvas, its 7×14 mean-pooled pixels, and its relative size.

    ``(N, 28, 56)`` canvases and ``(N, 2)`` dims → ``(N, 2908) float32``.
    """
    c = np.asarray(canvases, np.float32).reshape(-1, CANVAS_HEIGHT, CANVAS_WIDTH)
    pooled = c.reshape(len(c), CANVAS_HEIGHT // 4, 4, CANVAS_WIDTH // 4, 4).mean(axis=(2, 4)).reshape(len(c), -1)
    d = np.asarray(dims, np.float32).reshape(len(c), 2)
    return np.hstack([hog_features(c), pooled, d]).astype(np.float32)


@dataclass(frozen=True, eq=False)
class Perceptron:
    """One hidden ReLU layer and a logistic output, on :func:`features` of canvases; the
    standardisation is folded in as ``mean``/``scale``."""

    mean: np.ndarray
    scale: np.ndarray
    hidden_weights: np.ndarray
    hidden_bias: np.ndarray
    out_weights: np.ndarray
    out_bias: np.ndarray

    FIELDS = ("mean", "scale", "hidden_weights", "hidden_bias", "out_weights", "out_bias")

    @classmethod
    def fit(cls, x: np.ndarray, labels: np.ndarray, *, hidden: int, seed: int) -> Perceptron:
        """scikit-learn's ``MLPClassifier`` fitted to standardised ``x`` (early stopping), its weights kept."""
        from sklearn.neural_network import MLPClassifier

        mean = x.mean(axis=0)
        scale = x.std(axis=0)
        scale[scale < 1e-8] = 1.0
        mlp = MLPClassifier((hidden,), alpha=1e-3, max_iter=200, early_stopping=True, random_state=seed).fit(
            (x - mean) / scale, labels
        )
        return cls(
            mean=mean.astype(np.float64),
            scale=scale.astype(np.float64),
            hidden_weights=mlp.coefs_[0],
            hidden_bias=mlp.intercepts_[0],
            out_weights=mlp.coefs_[1],
            out_bias=mlp.intercepts_[1],
        )

    @cached_property
    def _hidden_layer(self) -> tuple[np.ndarray, np.ndarray]:
        """The hidden layer's weights and bias with the standardisation folded in, single
        precision: ``((x - mean) / scale) @ W + b`` is ``x @ W' + b'``."""
        weights = self.hidden_weights / self.scale[:, None]
        bias = self.hidden_bias - (self.mean / self.scale) @ self.hidden_weights
        return weights.astype(np.float32), bias.astype(np.float32)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        weights, bias = self._hidden_layer
        hidden = np.maximum(np.asarray(x, np.float32) @ weights + bias, 0.0)
        logit = (hidden @ self.out_weights + self.out_bias).ravel()
        return 1.0 / (1.0 + np.exp(-np.clip(logit, -50.0, 50.0)))


@dataclass(frozen=True, eq=False)
class SingleDigitVerifier:
    """Two perceptrons on the same canvas: is a piece one whole digit (``one_digit``), and is
    it a printed letter rather than a digit (``letter``, :mod:`.letters`)?"""

    one_digit: Perceptron
    letter: Perceptron

    def probabilities(self, patches: Sequence[np.ndarray], ref_heights: Sequence[float]) -> np.ndarray:
        """P(each patch is one whole digit of a line whose digits are ``ref_heights`` tall), ``(N,)``."""
        return self._ask(self.one_digit, patches, ref_heights)

    def answers(self) -> dict[str, Callable[[Sequence[np.ndarray], Sequence[float]], np.ndarray]]:
        """Both answers as :func:`recognizer.vision.recognize` takes them: ``recognize(..., **v.answers())``."""
        return {"verify": self.probabilities, "letters": self.letter_probabilities}

    def letter_probabilities(self, patches: Sequence[np.ndarray], ref_heights: Sequence[float]) -> np.ndarray:
        """P(each patch is a printed letter, in a word whose digit height is ``ref_heights``), ``(N,)``."""
        return self._ask(self.letter, patches, ref_heights)

    @staticmethod
    def _ask(head: Perceptron, patches: Sequence[np.ndarray], ref_heights: Sequence[float]) -> np.ndarray:
        if len(patches) == 0:
            return np.zeros(0)
        made = [canvas(p, r) for p, r in zip(patches, ref_heights, strict=True)]
        return head(features(np.stack([m[0] for m in made]), np.array([m[1] for m in made])))

    def save(self, path: str | os.PathLike) -> Path:
        """Write the weights to ``path`` (``.npz``, atomically: a reader never sees half a file)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        arrays = {f"{head}_{f}": getattr(getattr(self, head), f) for head in _HEADS for f in Perceptron.FIELDS}
        try:
            with os.fdopen(fd, "wb") as fh:
                np.savez(fh, recipe=np.array(RECIPE), **arrays)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> SingleDigitVerifier:
        """Read weights written by :meth:`save`; never unpickles. Raises :class:`VerifierError`."""
        if Path(path).is_file() and not zipfile.is_zipfile(path):  # np.load would call it "pickled data"
            raise VerifierError(f"cannot read the verifier file {path}: it is not an .npz archive")
        try:
            with np.load(path, allow_pickle=False) as data:
                recipe = int(data["recipe"])
                if recipe != RECIPE:
                    raise VerifierError(f"the verifier file {path} is of recipe {recipe}, this code needs {RECIPE}")
                arrays = {
                    head: {f: np.asarray(data[f"{head}_{f}"], np.float64) for f in Perceptron.FIELDS} for head in _HEADS
                }
        except (OSError, ValueError, KeyError, EOFError) as exc:
            raise VerifierError(f"cannot read the verifier file {path}: {exc}") from exc
        for head in arrays.values():
            n_in, n_hidden = head["hidden_weights"].shape if head["hidden_weights"].ndim == 2 else (-1, -1)
            expected = {
                "mean": (n_in,),
                "scale": (n_in,),
                "hidden_bias": (n_hidden,),
                "out_weights": (n_hidden, 1),
                "out_bias": (1,),
            }
            if n_in != _N_FEATURES or any(head[f].shape != s for f, s in expected.items()):
                raise VerifierError(f"the verifier file {path} holds arrays of the wrong shapes")
        return cls(**{name: Perceptron(**head) for name, head in arrays.items()})


_HEADS = ("one_digit", "letter")
# HOG (2×2-cell blocks of 9 bins, 4-px cells), pooled 4×4 pixels, the two dims: 2,908 features.
_N_FEATURES = (
    (CANVAS_HEIGHT // 4 - 1) * (CANVAS_WIDTH // 4 - 1) * 4 * 9 + (CANVAS_HEIGHT // 4) * (CANVAS_WIDTH // 4) + 2
)


def train_verifier(
    crops: np.ndarray,
    *,
    n_samples: int = TRAINING_SAMPLES,
    n_letter_samples: int = LETTER_SAMPLES,
    hidden: int = 128,
    seed: int = 0,
) -> SingleDigitVerifier:
    """Train both perceptrons: ``n_samples`` synthetic one-digit examples made from ``crops``,
    and ``n_letter_samples`` printed letters against digits (:func:`letter_training_set`).

    Parameters
    ----------
    crops : (N, 28, 28) float ndarray
        Normalised digit crops (white ink on black), e.g. the bundled training digits.
    """
    canvases, dims, labels = training_set(crops, n_samples, np.random.default_rng(seed), own=True, cuts=CUT_SHARE)
    one_digit = Perceptron.fit(features(canvases, dims), labels, hidden=hidden, seed=seed)
    canvases, dims, labels = letter_training_set(crops, n_letter_samples, np.random.default_rng([seed, 1]))
    letter = Perceptron.fit(features(canvases, dims), labels, hidden=LETTER_HIDDEN, seed=seed)
    return SingleDigitVerifier(one_digit=one_digit, letter=letter)


def letter_training_set(
    crops: np.ndarray, n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``n`` labelled canvases: 1 = a printed letter (3/8), 0 = a digit — the one-digit examples
    made from ``crops`` (2/8: single, touching, fragments), runs of two to five touching
    digits (1/8), seven-segment digits of the training styles made the same way as ``crops``
    (1/8: a display's blocky 2 and 5 look printed) and components of printed numbers (1/8).

    Every patch's ink is scaled as the pipeline scales a component's (:func:`own_ink`):
    its median ink pixel full strength.
    """
    from classifiers.ml.segments import segment_digits

    n_letters, n_runs, n_segments, n_numbers = (3 * n) // 8, n // 8, n // 8, n // 8
    digits, digit_dims, _ = training_set(crops, n - n_letters - n_runs - n_segments - n_numbers, rng, own=True)
    segments, segment_dims, _ = training_set(segment_digits("train")[0], n_segments, rng, own=True)
    crops = np.asarray(crops, np.float32)
    runs = []
    while len(runs) < n_runs:
        k = int(rng.integers(2, 6))
        parts = [_glyph(crops[int(rng.integers(len(crops)))], rng, _REF * rng.uniform(0.8, 1.12)) for _ in range(k)]
        if any(p.size for p in parts):
            runs.append((_join(parts, rng), _REF * rng.uniform(0.9, 1.1)))
    printed = letters.letter_examples(n_letters, rng) + runs + letters.number_examples(n_numbers, rng)
    made = [canvas(own_ink(p), r) for p, r in printed]
    canvases = np.concatenate([digits, segments, np.stack([m[0] for m in made])])
    dims = np.concatenate([digit_dims, segment_dims, np.array([m[1] for m in made], np.float32)])
    labels = np.r_[np.zeros(len(digits) + len(segments)), np.ones(n_letters), np.zeros(len(made) - n_letters)]
    return canvases, dims, labels.astype(np.int64)


def own_ink(patch: np.ndarray) -> np.ndarray:
    """``patch`` scaled so that its median ink pixel (above 0.1) is full strength, clipped to 0..1."""
    p = np.clip(np.asarray(patch, np.float32), 0.0, 1.0)
    core = p[p > 0.1]
    return np.clip(p / max(float(np.median(core)) if core.size else 1.0, 0.05), 0.0, 1.0)


# --- synthetic training examples ------------------------------------------------------------

_REF = 40.0  # line digit height of the synthetic examples, px


def training_set(
    crops: np.ndarray, n: int, rng: np.random.Generator, *, own: bool = False, cuts: float = 0.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``n`` labelled canvases: 1 = one whole digit, 0 = two or three touching, a fragment, a bad cut.

    With ``own``, each patch's ink is scaled by :func:`own_ink` first. A ``cuts`` share of
    the examples are digits cut out of a touching pair as a split cuts them
    (:func:`_cut_from_pair`), labelled 1: a right cut leaves marks a whole digit written
    alone does not have, and the pieces of a right split must not look like fragments.
    Returns ``(n, 28, 56)`` canvases, ``(n, 2)`` dims and ``(n,)`` int labels (about 45% ones
    besides the cut digits).
    """
    crops = np.asarray(crops, np.float32)
    canvases, dims, labels = [], [], []

    def digit() -> np.ndarray:
        return _glyph(crops[int(rng.integers(len(crops)))], rng, _REF * rng.uniform(0.8, 1.12))

    while len(labels) < n:
        patch = None
        if cuts and rng.uniform() < cuts:
            for _ in range(_CUT_TRIES):  # until a pair meets where a straight cut keeps each digit whole
                a, b = digit(), digit()
                patch = _cut_from_pair(a, b, rng)
                if patch is not None:
                    label = 1
                    break
        if patch is None:
            patch, label = _example(digit, rng)
        if patch.size == 0 or patch.max() <= _INK_FLOOR:
            continue
        cv, d = canvas(own_ink(patch) if own else patch, _REF * rng.uniform(0.9, 1.1))
        canvases.append(cv)
        dims.append(d)
        labels.append(label)
    return np.stack(canvases), np.array(dims, np.float32), np.array(labels, np.int64)


def _example(digit: Callable[[], np.ndarray], rng: np.random.Generator) -> tuple[np.ndarray, int]:
    """One of :func:`training_set`'s examples besides the cut digits: ``(patch, label)``."""
    kind = rng.uniform()
    if kind < 0.45:
        patch, label = digit(), 1
    elif kind < 0.7:
        patch, label = _join([digit(), digit()], rng), 0
    elif kind < 0.78:
        patch, label = _join([digit(), digit(), digit()], rng), 0
    elif kind < 0.9:  # a fragment of one digit
        g = digit()
        c = round(g.shape[1] * rng.uniform(0.15, 0.85))
        patch, label = (g[:, :c] if rng.uniform() < 0.5 else g[:, c:]), 0
    else:  # a pair cut in the wrong place: one digit and a sliver of the next, or less
        a, b = digit(), digit()
        pair = _join([a, b], rng)
        c = round(a.shape[1] + rng.choice([-1, 1]) * rng.uniform(0.15, 0.4) * _REF)
        c = int(np.clip(c, 2, pair.shape[1] - 2))
        patch, label = (pair[:, :c] if rng.uniform() < 0.5 else pair[:, c:]), 0
    return patch, label


def _trim(a: np.ndarray, floor: float = 0.1) -> np.ndarray:
    """``a`` cut to the rows and columns holding a value above ``floor`` (empty when none does)."""
    if a.size == 0:
        return a
    rows = np.flatnonzero(a.max(axis=1) > floor)
    cols = np.flatnonzero(a.max(axis=0) > floor)
    if rows.size == 0 or cols.size == 0:
        return a[:0, :0]
    return a[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def _glyph(crop: np.ndarray, rng: np.random.Generator, height: float) -> np.ndarray:
    """One digit: rotated, sheared, scaled to ``height`` with a varied width, bolder or thinner."""
    g = _trim(crop)
    if g.size == 0:
        return g
    h, w = g.shape
    pad = max(h, w)
    big = np.zeros((h + 2 * pad, w + 2 * pad), np.float32)
    big[pad : pad + h, pad : pad + w] = g
    m = cv2.getRotationMatrix2D((big.shape[1] / 2, big.shape[0] / 2), rng.uniform(-10, 10), 1.0)
    shear = rng.uniform(-0.45, 0.45)
    m[0, 1] -= shear
    m[0, 2] += shear * big.shape[0] / 2
    g = _trim(cv2.warpAffine(big, m, (big.shape[1], big.shape[0]), flags=cv2.INTER_LINEAR))
    if g.size == 0:
        return g
    widen = rng.uniform(0.8, 1.2) if rng.uniform() < 0.7 else rng.uniform(1.2, 1.6)
    s = height / g.shape[0]
    g = cv2.resize(g, (max(1, round(g.shape[1] * s * widen)), max(1, round(height))), interpolation=cv2.INTER_AREA)
    weight = int(rng.integers(0, 3))
    if weight:
        kernel = np.ones((round(height / 28) + 1,) * 2, np.uint8)
        g = cv2.dilate(g, kernel) if weight == 1 else cv2.erode(g, kernel)
    return _trim(np.clip(g, 0.0, 1.0))


def _join(parts: list[np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """Glyphs left to right, each touching or overlapping the previous one a little."""
    return _trim(_joined(parts, rng)[0])


def _joined(parts: list[np.ndarray], rng: np.random.Generator) -> tuple[np.ndarray, list[np.ndarray]]:
    """:func:`_join`, untrimmed, and each glyph alone where it was placed (same shape)."""
    parts = [p for p in parts if p.size]
    height = max(p.shape[0] for p in parts) + 4
    layers: list[np.ndarray] = []
    width = 0
    for glyph in parts:
        top = int(np.clip((height - glyph.shape[0]) // 2 + rng.integers(-2, 3), 0, height - glyph.shape[0]))
        nxt = np.zeros((height, glyph.shape[1]), np.float32)
        nxt[top : top + glyph.shape[0]] = glyph
        x = 0
        if layers:
            out = np.max([np.pad(layer, ((0, 0), (0, width - layer.shape[1]))) for layer in layers], axis=0)
            a, b = out > 0.3, nxt > 0.3
            rows = a.any(axis=1) & b.any(axis=1)
            if rows.any():
                right = a.shape[1] - 1 - np.argmax(a[:, ::-1], axis=1)
                left = np.argmax(b, axis=1)
                x = max(1, int((right[rows] + 1 - left[rows]).max()) - max(0, round(rng.uniform(-0.02, 0.1) * _REF)))
            else:
                x = out.shape[1]
        layers.append(np.pad(nxt, ((0, 0), (x, 0))))
        width = max(width, x + nxt.shape[1])
    layers = [np.pad(layer, ((0, 0), (0, width - layer.shape[1]))) for layer in layers]
    return np.max(layers, axis=0), layers


def _cut_from_pair(a: np.ndarray, b: np.ndarray, rng: np.random.Generator, *, keep: float = 0.9) -> np.ndarray | None:
    """One digit of the touching pair ``a`` ``b`` as a split gives it: cut straight at the column
    of least ink where they meet, the other's slivers dropped (:func:`.split.without_slivers`).

    Only a cut that leaves at least ``keep`` of the digit's ink on its side and at most
    ``1 - keep`` of the other's is used (None otherwise): a whole digit with the marks of a
    cut, not a piece.
    """
    if not (a.size and b.size and a.max() > 0.3 and b.max() > 0.3):
        return None
    pair, (first, second) = _joined([a, b], rng)
    meet_a = np.flatnonzero((first > 0.3).any(axis=0))[-1] + 1  # a's right end
    meet_b = np.flatnonzero((second > 0.3).any(axis=0))[0]  # b's left end
    lo, hi = max(1, min(meet_a, meet_b) - 2), min(pair.shape[1] - 1, max(meet_a, meet_b) + 2)
    ink = (pair[:, lo:hi] > 0.3).sum(axis=0)
    least = np.flatnonzero(ink == ink.min()) if ink.size else np.array([0])
    c = lo + int(least[rng.integers(len(least))])
    left = rng.uniform() < 0.5
    own, other = (first, second) if left else (second, first)
    side = slice(0, c) if left else slice(c, None)
    if own[:, side].sum() < keep * own.sum() or other[:, side].sum() > (1 - keep) * other.sum():
        return None
    piece = pair[:, side]
    mask = without_slivers((piece > 0.3).astype(np.uint8), cut_left=not left, cut_right=left, share=_SLIVER_SHARE)
    return _trim(near_ink(piece.astype(np.float32), mask))
