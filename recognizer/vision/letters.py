"""Printed words beside the numbers: what the verifier's letter perceptron learns from, and the rule
that drops them.

A form's labels (``Date``, ``Amount``, ``Invoice No.``) are printed beside the handwritten
numbers. Read as digits they add wrong ones, and a label's small letters set its line's
digit height, so the number beside it is dropped as too tall. The verifier's second
perceptron (:mod:`.verifier`) tells a printed letter from a digit on the same canvas;
:func:`printed_words` drops the words most of whose components it takes for letters,
before the line rules judge heights.

The examples are words rendered from the training fonts of :mod:`classifiers.ml.fonts`
(held-out fonts stay unseen, for the benchmark) and cut into connected components the way
the pipeline sees them: letters that touch are one component, each scaled by its word's
digit height. Letters a reader cannot tell from digits (``O``, ``I``, ``l``, ``S``, ``Z``,
``B``, ``G``, ``q`` …) are never taught as letters, nor are pieces of a broken letter
(which may look like a ``1``); printed numbers rendered the same way are taught as not
letters, so print alone is no sign of a letter.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import cv2
import numpy as np

from classifiers.ml import fonts

from .config import SegmentationConfig
from .lines import digit_height

#: Letters a digit reader cannot tell from digits: never taught as letters.
AMBIGUOUS = frozenset("OoQDIlijJSsZzBGbgqT")
_LOWER = "abcdefghijklmnopqrstuvwxyz"
_UPPER = _LOWER.upper()
_SYMBOLS = "%$€#&@="  # no "/", "!", "+", "?" or "*": a 1, a 7 or a 4 drawn quickly looks like them
_DIGITS = frozenset("0123456789")
_PUNCTUATION = frozenset(".:")


def _word(rng: np.random.Generator) -> str:
    n = int(rng.integers(2, 9))
    kind = rng.uniform()
    if kind < 0.6:
        text = rng.choice(list(_UPPER)) + "".join(rng.choice(list(_LOWER), n - 1))
    elif kind < 0.8:
        text = "".join(rng.choice(list(_LOWER), n))
    elif kind < 0.95:
        text = "".join(rng.choice(list(_UPPER), n))
    else:
        text = "".join(rng.choice(list(_LOWER + _UPPER + _SYMBOLS), n))
    return text + (str(rng.choice([".", ":"])) if rng.uniform() < 0.2 else "")


def render_word(text: str, font_path: str, size: int, *, track: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """``text`` set in ``font_path`` at ``size`` px: ink alpha ``(H, W) float32`` 0..1 and, per
    pixel, the index of the character whose ink is strongest there (-1 on paper). ``track``
    adds that × ``size`` between characters (negative: tighter, so letters touch)."""
    from PIL import Image, ImageDraw

    font = fonts.truetype(str(font_path), int(size))
    left, top, right, bottom = font.getbbox(text, anchor="ls")
    width = right - left + 10 + int(len(text) * max(track, 0.0) * size)
    height = bottom - top + 8
    alpha = np.zeros((height, width), np.float32)
    owner = np.full((height, width), -1, np.int32)
    for i, char in enumerate(text):
        img = Image.new("L", (width, height), 0)
        x = 4 - left + font.getlength(text[:i]) + i * track * size
        ImageDraw.Draw(img).text((x, 4 - top), char, font=font, fill=255, anchor="ls")
        a = np.asarray(img, np.float32) / 255.0
        owner[a > alpha] = i
        alpha = np.maximum(alpha, a)
    return alpha, owner


def _photographed(
    alpha: np.ndarray, owner: np.ndarray, rng: np.random.Generator, size: int
) -> tuple[np.ndarray, np.ndarray]:
    """Turned ±4°, sheared at times, widened or narrowed, blurred and made bolder or thinner."""
    pad = int(0.3 * alpha.shape[0]) + 2
    a = np.pad(alpha, pad)
    o = np.pad(owner, pad, constant_values=-1).astype(np.float32)
    h, w = a.shape
    turn = np.vstack([cv2.getRotationMatrix2D((w / 2, h / 2), rng.uniform(-4, 4), 1.0), [0, 0, 1]])
    shear = rng.uniform(-0.1, 0.25) if rng.uniform() < 0.4 else 0.0
    widen = rng.uniform(0.85, 1.15)
    skew = np.array([[widen, -shear * widen, shear * widen * h / 2 + (1 - widen) * w / 2], [0, 1, 0], [0, 0, 1]])
    m = (skew @ turn)[:2]
    a = cv2.warpAffine(a, m, (w, h), flags=cv2.INTER_LINEAR)
    o = cv2.warpAffine(o, m, (w, h), flags=cv2.INTER_NEAREST, borderValue=-1).astype(np.int32)
    if rng.uniform() < 0.6:
        a = cv2.GaussianBlur(a, (0, 0), rng.uniform(0.3, 1.1) * max(1.0, size / 30))
    weight = int(rng.integers(0, 3))
    if weight and size >= 24:
        kernel = np.ones((2, 2), np.uint8)
        a = cv2.dilate(a, kernel) if weight == 1 else cv2.erode(a, kernel)
    return np.clip(a, 0.0, 1.0), o


def word_components(
    text: str, font_path: str, size: int, rng: np.random.Generator
) -> tuple[list[tuple[np.ndarray, str]], float]:
    """``text`` rendered, photographed and cut into components as the pipeline cuts ink.

    Returns each component's ink patch (0..1, the neighbours' ink cleared) with the
    characters it holds (those owning at least 15% of its ink), and the word's digit
    height (the median component height, ignoring dots). Dots, specks and the pieces of
    a character broken in two are left out.
    """
    alpha, owner = render_word(text, font_path, size, track=rng.uniform(-0.08, 0.04) if rng.uniform() < 0.5 else 0.0)
    alpha, owner = _photographed(alpha, owner, rng, size)
    mask = (alpha >= rng.uniform(0.25, 0.55)).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    inked = owner[(mask > 0) & (owner >= 0)]
    char_ink = np.bincount(inked, minlength=len(text))
    found, heights = [], []
    for k in range(1, n):
        x, y, w, h = (int(v) for v in stats[k, :4])
        own = owner[labels == k]
        own = own[own >= 0]
        if own.size == 0:
            continue
        counts = np.bincount(own, minlength=len(text))
        mains = np.flatnonzero(counts >= 0.15 * own.size)
        if any(counts[i] < 0.7 * char_ink[i] for i in mains):
            continue  # a piece of a broken character: it may look like anything
        inside = labels[y : y + h, x : x + w] == k
        near = cv2.dilate(inside.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
        patch = np.where(near, alpha[y : y + h, x : x + w], 0.0).astype(np.float32)
        found.append((patch, "".join(text[i] for i in mains)))
        heights.append(h)
    if not found:
        return [], 0.0
    ref = digit_height(np.array(heights))
    return [f for f, h in zip(found, heights, strict=True) if h >= 0.45 * ref], ref


def _examples(
    n: int, rng: np.random.Generator, draw: Callable[[], str], keep: Callable[[np.ndarray, str], bool]
) -> list[tuple[np.ndarray, float]]:
    """``n`` components (patch, word's digit height) of words ``draw`` gives, set in a training
    font at 10–80 px, that ``keep(patch, characters)`` keeps."""
    paths = [str(p) for p in fonts.font_files("train")]
    out: list[tuple[np.ndarray, float]] = []
    while len(out) < n:
        size = int(np.exp(rng.uniform(np.log(10), np.log(80))))
        comps, ref = word_components(draw(), paths[int(rng.integers(len(paths)))], size, rng)
        out += [(patch, ref) for patch, chars in comps if keep(patch, chars)]
    return out[:n]


def letter_examples(n: int, rng: np.random.Generator) -> list[tuple[np.ndarray, float]]:
    """``n`` printed letters (or touching runs of them) with their words' digit heights.

    Components that are only letters a reader cannot tell from digits, or narrower than
    0.35 × their own height (an ``f``, a ``t`` or an ``r`` of a narrow font, all but a
    ``1``), are left out.
    """

    def keep(patch: np.ndarray, chars: str) -> bool:
        if set(chars) <= AMBIGUOUS | _PUNCTUATION or set(chars) & _DIGITS:
            return False
        return patch.shape[1] >= 0.35 * patch.shape[0]

    return _examples(n, rng, lambda: _word(rng), keep)


def number_examples(n: int, rng: np.random.Generator) -> list[tuple[np.ndarray, float]]:
    """``n`` components of printed numbers rendered the same way (single digits and touching ones)."""

    def number() -> str:
        return "".join(str(d) for d in rng.integers(0, 10, int(rng.integers(2, 9))))

    return _examples(n, rng, number, lambda patch, chars: True)


Judge = Callable[[Sequence[int], Sequence[float]], np.ndarray]
"""(component indices, their words' digit heights) → ``(N,)`` P(each is a printed letter)."""


def printed_words(
    boxes: np.ndarray, groups: list[list[int]], judge: Judge, *, config: SegmentationConfig
) -> np.ndarray:
    """Which components are the letters of printed words.

    Each group (a line, left to right) is cut into words where the gap between two
    neighbours exceeds ``letter_word_gap`` × the smaller one's height. A word of two or
    more components is dropped when at least two of them and at least half are printed
    letters (P ≥ ``letter_min_p``). What is left of a label is shorter than the number
    written after it: a word of one or two components one of which is surely a letter
    (P ≥ ``letter_pair_p``) is dropped when it is at most ``letter_pair_max_height`` × as
    tall as the nearest word beside it that stays —

    - a word of two on either side (``Qty`` is a ``Q`` and a touching ``ty``; two touching
      digits and one more are not shorter than their neighbours);
    - a lone component, the word after it, and only when nothing before it on its line
      stays but other such lone letters (the ``P`` of ``Phone`` or the ``R`` and ``m`` of
      ``Room`` whose small letters went; a small digit inside a number stays).

    This is asked again as words go. Components narrower than ``letter_min_width`` ×
    their word's height never count as letters: a handwritten ``1`` looks like an ``l``
    or a ``t``.

    Returns a ``(K,) bool`` mask of the components to drop.
    """
    drop = np.zeros(len(boxes), bool)
    h = boxes[:, 3].astype(np.float64)
    runs: list[list[list[int]]] = []  # per group, its words left to right (single components too)
    for group in groups:
        cut = [
            k
            for k in range(1, len(group))
            if boxes[group[k], 0] - (boxes[group[k - 1], 0] + boxes[group[k - 1], 2])
            > config.letter_word_gap * min(h[group[k - 1]], h[group[k]])
        ]
        runs.append([group[a:b] for a, b in zip([0, *cut], [*cut, len(group)], strict=True)])
    tall = [[digit_height(h[word]) for word in line] for line in runs]  # each word's digit height

    def short(g: int, k: int, j: int) -> bool:
        return tall[g][k] <= config.letter_pair_max_height * tall[g][j]

    # A lone component is judged only when a word of its line is taller.
    words = [
        (g, k)
        for g, line in enumerate(runs)
        for k, word in enumerate(line)
        if len(word) >= 2 or any(short(g, k, j) for j in range(len(line)))
    ]
    if not words:
        return drop
    members = [i for g, k in words for i in runs[g][k]]
    heights = [tall[g][k] for g, k in words for _ in runs[g][k]]
    p = np.asarray(judge(members, heights), np.float64)
    if p.shape != (len(members),):
        raise ValueError(f"the letter judge must return {len(members)} probabilities, got shape {p.shape}")
    p = np.where(boxes[members, 2] < config.letter_min_width * np.asarray(heights), 0.0, np.nan_to_num(p))
    starts = np.cumsum([0] + [len(runs[g][k]) for g, k in words])
    judged = {gk: p[starts[n] : starts[n + 1]] for n, gk in enumerate(words)}
    gone = set()
    for gk, pw in judged.items():
        letters = pw >= config.letter_min_p
        if letters.sum() >= 2 and letters.mean() >= 0.5:
            gone.add(gk)
    sure = {gk for gk, pw in judged.items() if len(pw) <= 2 and pw.max() >= config.letter_pair_p}

    def remnant(g: int, k: int) -> bool:
        stay = [j for j in range(len(runs[g])) if j != k and (g, j) not in gone]
        after = [j for j in stay if j > k][:1]
        if len(runs[g][k]) == 2:
            return any(short(g, k, j) for j in [j for j in stay if j < k][-1:] + after)
        lone = all(len(runs[g][j]) == 1 and (g, j) in sure for j in stay if j < k)
        return lone and any(short(g, k, j) for j in after)

    while more := {gk for gk in sure - gone if remnant(*gk)}:
        gone |= more
    for g, k in gone:
        drop[runs[g][k]] = True
    return drop
