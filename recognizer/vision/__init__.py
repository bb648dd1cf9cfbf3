"""Framework-free segmentation of multi-digit numbers in photos and scans.

Entry points: :func:`recognize` (segment + one batched classifier call) and
:func:`segment` (regions only). All thresholds live in :class:`SegmentationConfig`.
The single-digit verifier (:class:`SingleDigitVerifier`, :func:`train_verifier`)
is the optional second model that tells one digit from touching ones.
"""

from .config import SegmentationConfig
from .pipeline import Classify, Verify, recognize, segment
from .result import Candidate, Digit, Recognition, Segmentation
from .verifier import SingleDigitVerifier, VerifierError, train_verifier

__all__ = [
    "Candidate",
    "Classify",
    "Digit",
    "Recognition",
    "SegmentationConfig",
    "Segmentation",
    "SingleDigitVerifier",
    "Verify",
    "VerifierError",
    "recognize",
    "segment",
    "train_verifier",
]
