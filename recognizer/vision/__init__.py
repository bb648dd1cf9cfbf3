"""Framework-free segmentation of multi-digit numbers in photos and scans.

Entry points: :func:`recognize` (segment + one batched classifier call) and
:func:`segment` (regions only). All thresholds live in :class:`SegmentationConfig`.
"""

from .config import SegmentationConfig
from .pipeline import Classify, recognize, segment
from .result import Candidate, Digit, Recognition, Segmentation

__all__ = [
    "Candidate",
    "Classify",
    "Digit",
    "Recognition",
    "SegmentationConfig",
    "Segmentation",
    "recognize",
    "segment",
]
