"""Digit sources for the generator: handwritten MNIST digits and printed font glyphs.

Both render one digit as an *ink alpha* mask: a ``(h, w) float32`` array in [0, 1],
1 where the ink is fully opaque, cropped tight to the ink, ``h`` the requested height.
"""

from __future__ import annotations

import gzip
import struct
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from classifiers.ml.fonts import HELDOUT_FONTS, truetype

IDX_IMAGES = "train-images-idx3-ubyte"
IDX_LABELS = "train-labels-idx1-ubyte"


def read_idx(path: str | Path) -> np.ndarray:
    """Read an IDX file (optionally gzip-compressed) into an ndarray of unsigned bytes."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as fh:
        data = fh.read()
    zero, dtype_code, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype_code != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    dims = struct.unpack(f">{ndim}I", data[4 : 4 + 4 * ndim])
    arr = np.frombuffer(data, np.uint8, offset=4 + 4 * ndim)
    if arr.size != int(np.prod(dims)):
        raise ValueError(f"{path}: expected {int(np.prod(dims))} values, found {arr.size}")
    return arr.reshape(dims)


def write_idx(path: str | Path, arr: np.ndarray) -> Path:
    """Write a uint8 array as an IDX file (gzip-compressed when the name ends in .gz)."""
    path = Path(path)
    arr = np.ascontiguousarray(arr, dtype=np.uint8)
    header = struct.pack(">HBB", 0, 0x08, arr.ndim) + struct.pack(f">{arr.ndim}I", *arr.shape)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wb") as fh:
        fh.write(header + arr.tobytes())
    return path


def find_idx_pair(directory: str | Path) -> tuple[Path, Path]:
    """The MNIST training images/labels files in ``directory`` (``.gz`` or plain)."""
    directory = Path(directory)
    found = []
    for stem in (IDX_IMAGES, IDX_LABELS):
        for name in (stem + ".gz", stem):
            if (directory / name).is_file():
                found.append(directory / name)
                break
        else:
            raise FileNotFoundError(f"{directory / stem}[.gz] not found")
    return found[0], found[1]


def load_mnist(directory: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """``(N, 28, 28) uint8`` images (white on black) and ``(N,)`` labels from an MNIST dir."""
    images_path, labels_path = find_idx_pair(directory)
    images, labels = read_idx(images_path), read_idx(labels_path)
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise ValueError(f"{directory}: images {images.shape} and labels {labels.shape} do not match")
    return images, labels.astype(np.int64)


def split_indices(n: int, *, held_out: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Fixed-seed split of ``range(n)`` into (train, held-out) index arrays, both sorted."""
    if not 0 < held_out < n:
        raise ValueError(f"held_out must be in (0, {n}), got {held_out}")
    perm = np.random.default_rng(seed).permutation(n)
    return np.sort(perm[held_out:]), np.sort(perm[:held_out])


def _smooth_threshold(img: np.ndarray, level: float, softness: float = 0.12) -> np.ndarray:
    return np.clip((img - (level - softness)) / (2 * softness), 0.0, 1.0)


def _tight(alpha: np.ndarray, floor: float = 0.05) -> np.ndarray:
    rows = np.flatnonzero(alpha.max(axis=1) > floor)
    cols = np.flatnonzero(alpha.max(axis=0) > floor)
    if rows.size == 0:
        return alpha[:1, :1] * 0
    return alpha[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


@dataclass
class DigitBank:
    """Handwritten digit images (MNIST convention: white ink on black, 28×28) by label.

    Only digits the classifier did not train on belong here.
    """

    images: np.ndarray  # (N, 28, 28) uint8
    labels: np.ndarray  # (N,) int
    _by_label: list[np.ndarray] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.images = np.asarray(self.images, dtype=np.uint8)
        self.labels = np.asarray(self.labels, dtype=np.int64)
        if self.images.ndim != 3 or len(self.images) != len(self.labels):
            raise ValueError("images must be (N, H, W) with one label each")
        self._by_label = [np.flatnonzero(self.labels == d) for d in range(10)]
        missing = [d for d in range(10) if self._by_label[d].size == 0]
        if missing:
            raise ValueError(f"digit bank has no images of digit(s) {missing}")

    @classmethod
    def from_mnist(cls, directory: str | Path, indices: np.ndarray | None = None) -> DigitBank:
        images, labels = load_mnist(directory)
        if indices is not None:
            images, labels = images[indices], labels[indices]
        return cls(images, labels)

    def __len__(self) -> int:
        return len(self.labels)

    def pick(self, rng: np.random.Generator, digit: int) -> np.ndarray:
        """A random 28×28 image of ``digit``."""
        pool = self._by_label[digit]
        return self.images[pool[int(rng.integers(len(pool)))]]

    def glyph(self, rng: np.random.Generator, digit: int, height: float, *, weight: float | None = None) -> np.ndarray:
        """Ink alpha of a random handwritten ``digit``, ``height`` px tall.

        The 28×28 image is upscaled smoothly and re-thresholded (clean anti-aliased edges
        at any size); ``weight`` in [0, 1] thickens the stroke (random when ``None``).
        """
        src = self.pick(rng, digit).astype(np.float32) / 255.0
        src = _tight(src, 0.1)
        h0, w0 = src.shape
        height = max(6.0, float(height))
        scale = height / h0
        new_w, new_h = max(2, round(w0 * scale)), max(4, round(height))
        pad = 2
        padded = np.pad(src, pad)
        big = cv2.resize(
            padded, (new_w + 2 * round(pad * scale), new_h + 2 * round(pad * scale)), interpolation=cv2.INTER_CUBIC
        )
        if scale > 2:  # round off the 28-px staircase before thresholding
            k = int(scale * 0.6) | 1
            big = cv2.GaussianBlur(big, (k, k), 0)
        w = float(rng.uniform(0, 1)) if weight is None else weight
        level = 0.45 - 0.15 * w  # lower level → thicker stroke
        alpha = _smooth_threshold(big, level, softness=min(0.2, 0.6 / max(scale, 1.0) + 0.05))
        return _tight(alpha)


# The printed tier uses only fonts the default classifier never trains on: the
# held-out half of classifiers.ml.fonts (the benchmark trains on ``fonts:train``).
FONT_FILES = HELDOUT_FONTS


def font_dir() -> Path:
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


@lru_cache(maxsize=1)
def available_fonts() -> tuple[str, ...]:
    """Font files (absolute paths) from :data:`FONT_FILES` that matplotlib ships here."""
    base = font_dir()
    return tuple(str(base / name) for name in FONT_FILES if (base / name).is_file())


@lru_cache(maxsize=32)
def digit_height_ratio(path: str) -> float:
    """Height of the digit "0" glyph / font size, measured once per font."""
    return _raw_glyph(path, 200, "0").shape[0] / 200


@lru_cache(maxsize=4096)
def _raw_glyph(path: str, size: int, char: str) -> np.ndarray:
    from PIL import Image, ImageDraw

    canvas = Image.new("L", (size * 2, size * 2), 0)
    ImageDraw.Draw(canvas).text((size // 2, size // 4), char, font=truetype(path, size), fill=255)
    alpha = np.asarray(canvas, dtype=np.float32) / 255.0
    out = _tight(alpha, 0.02)
    out.setflags(write=False)
    return out


def printed_glyph(digit: int, height: float, font_path: str) -> np.ndarray:
    """Ink alpha of ``digit`` typeset in ``font_path`` with a digit height of about ``height`` px."""
    size = max(6, round(float(height) / digit_height_ratio(font_path)))
    return _raw_glyph(font_path, size, str(int(digit))).copy()


def digit_keys(crops: np.ndarray) -> list[bytes]:
    """One key per digit image (``uint8`` 0–255, or float 0–1 crops rounded to it): equal
    images, equal keys — to keep digits a model trained on out of a test set."""
    arr = np.asarray(crops)
    if arr.dtype != np.uint8:
        arr = np.clip(np.round(arr * 255), 0, 255).astype(np.uint8)
    return [img.tobytes() for img in arr]
