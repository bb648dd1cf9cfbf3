"""Results of :func:`recognize` and :func:`segment` (plain dataclasses, JSON-able)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class Digit:
    """One recognised digit.

    Attributes
    ----------
    label : int
        Most probable digit 0–9.
    confidence : float
        Its probability.
    box : (x, y, w, h)
        In original image pixels.
    line : int
        Index of its text line (0 = top).
    alternatives : list of (label, probability)
        The next most probable labels, best first.
    crop : (28, 28) float32 ndarray
        The normalised crop that was classified.
    """

    label: int
    confidence: float
    box: Box
    line: int
    alternatives: list[tuple[int, float]]
    crop: np.ndarray = field(repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form without the crop."""
        return {
            "label": self.label,
            "confidence": round(self.confidence, 4),
            "box": list(self.box),
            "line": self.line,
            "alternatives": [[lab, round(p, 4)] for lab, p in self.alternatives],
        }


@dataclass(frozen=True)
class Recognition:
    """Everything read from one image.

    Attributes
    ----------
    lines : list of str
        Digits of each text line, top to bottom, left to right.
    digits : list of Digit
        In reading order.
    elapsed_ms : float
        Wall time of the whole call.
    warnings : list of str
        Why the result may be empty or partial.
    """

    lines: list[str]
    digits: list[Digit]
    elapsed_ms: float
    warnings: list[str]

    @property
    def text(self) -> str:
        """The lines joined by newlines."""
        return "\n".join(self.lines)

    @property
    def mean_confidence(self) -> float | None:
        """Mean confidence of the digits read; None when none was."""
        return sum(d.confidence for d in self.digits) / len(self.digits) if self.digits else None

    @property
    def min_confidence(self) -> float | None:
        """Lowest confidence of the digits read; None when none was."""
        return min(d.confidence for d in self.digits) if self.digits else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form (crops excluded)."""
        return {
            "text": self.text,
            "lines": list(self.lines),
            "digits": [d.to_dict() for d in self.digits],
            "elapsed_ms": round(self.elapsed_ms, 2),
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True)
class Candidate:
    """A digit-like region found by :func:`segment` (not classified).

    Attributes
    ----------
    box : (x, y, w, h)
        In original image pixels.
    line : int
        Text line index (0 = top).
    crop : (28, 28) float32 ndarray
        Normalised crop, ready for a classifier.
    """

    box: Box
    line: int
    crop: np.ndarray = field(repr=False, compare=False)


@dataclass(frozen=True)
class Segmentation:
    """Output of :func:`segment`: candidates in reading order.

    Attributes
    ----------
    candidates : list of Candidate
    n_lines : int
    scale : float
        Working size / original size used internally (≤ 1).
    warnings : list of str
    """

    candidates: list[Candidate]
    n_lines: int
    scale: float
    warnings: list[str]

    @property
    def boxes(self) -> list[Box]:
        """Boxes of all candidates, in reading order."""
        return [c.box for c in self.candidates]

    @property
    def crops(self) -> np.ndarray:
        """``(N, 28, 28) float32`` crops of all candidates."""
        if not self.candidates:
            return np.zeros((0, 28, 28), np.float32)
        return np.stack([c.crop for c in self.candidates])
