"""64-bit perceptual hashes (aHash, dHash, pHash) and their Hamming distance.

Bit order matches the ``imagehash`` library (row-major, most significant bit first), so hashes are
16 lowercase hex digits and can be compared with :func:`hamming`.
"""

from __future__ import annotations

import cv2
import numpy as np

__all__ = ["HASH_BITS", "average_hash", "difference_hash", "hamming", "perceptual_hash"]

HASH_BITS = 64


def _to_hex(bits: np.ndarray) -> str:
    return np.packbits(bits.astype(bool).ravel()).tobytes().hex()


def _shrink(grey: np.ndarray, width: int, height: int) -> np.ndarray:
    return cv2.resize(grey, (width, height), interpolation=cv2.INTER_AREA).astype(np.float32)


def average_hash(grey: np.ndarray) -> str:
    """aHash: 8×8 area-averaged thumbnail thresholded at its mean.

    Parameters
    ----------
    grey : (M, N) ndarray of uint8
        Greyscale image.
    """
    small = _shrink(grey, 8, 8)
    return _to_hex(small > small.mean())


def difference_hash(grey: np.ndarray) -> str:
    """dHash: 9×8 thumbnail, one bit per horizontal neighbour pair (right brighter than left)."""
    small = _shrink(grey, 9, 8)
    return _to_hex(small[:, 1:] > small[:, :-1])


def perceptual_hash(grey: np.ndarray) -> str:
    """pHash: 8×8 lowest frequencies of the DCT of a 32×32 thumbnail, thresholded at their median."""
    low = cv2.dct(_shrink(grey, 32, 32))[:8, :8]
    return _to_hex(low > np.median(low))


def hamming(hash_a: str, hash_b: str) -> int:
    """Number of differing bits between two hex hashes of equal length (0 = identical).

    Raises
    ------
    ValueError
        If the hashes differ in length or are not hexadecimal.
    """
    if len(hash_a) != len(hash_b):
        raise ValueError(f"hash lengths differ: {len(hash_a)} != {len(hash_b)}")
    return (int(hash_a, 16) ^ int(hash_b, 16)).bit_count()
