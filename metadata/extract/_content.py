"""Pixel statistics for the ``content`` group: brightness, contrast, colourfulness, dominant colours,
sharpness and histograms. Inputs are small (already downsampled) uint8 arrays.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
from sklearn.cluster import KMeans
from threadpoolctl import ThreadpoolController

__all__ = [
    "BLUR_THRESHOLD",
    "SHARPNESS_SIDE",
    "colourfulness",
    "content_stats",
    "dominant_colours",
    "histogram",
    "sharpness",
]

#: Long side (px) the grey image is resized to before measuring sharpness, so the score does not
#: depend on the upload's resolution (images already smaller are measured as they are).
SHARPNESS_SIDE = 512
#: Variance-of-Laplacian below which an image is called blurry. 100 is the customary cut-off for
#: 8-bit greyscale at roughly this size (Pech-Pacheco et al. 2000; Rosebrock 2015); in-focus photos
#: usually score several hundred, defocused or motion-blurred ones a few tens.
BLUR_THRESHOLD = 100.0
#: Pixels sampled for KMeans; enough for ±1 % share accuracy, small enough for a few ms.
COLOUR_SAMPLE = 6000
#: Cluster centres closer than this (Euclidean, 0–255 RGB) are reported as one colour.
MERGE_DISTANCE = 24.0

_threadpools = ThreadpoolController()


def grey_of(rgb: np.ndarray) -> np.ndarray:
    """Luma (ITU-R BT.601) of an ``(M, N, 3)`` uint8 RGB array; ``(M, N)`` input is returned as is."""
    return rgb if rgb.ndim == 2 else cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)


def colourfulness(rgb: np.ndarray) -> float:
    """Hasler & Süsstrunk (2003) colourfulness M3 of an ``(M, N, 3)`` uint8 RGB array (0 = grey)."""
    if rgb.ndim == 2:
        return 0.0
    r, g, b = (rgb[..., i].astype(np.float32) for i in range(3))
    rg = r - g
    yb = 0.5 * (r + g) - b
    sigma = np.hypot(rg.std(), yb.std())
    mu = np.hypot(rg.mean(), yb.mean())
    return float(sigma + 0.3 * mu)


def sharpness(grey: np.ndarray, *, side: int = SHARPNESS_SIDE) -> float:
    """Variance of the Laplacian of ``grey`` after downscaling its long side to ``side`` pixels."""
    height, width = grey.shape
    scale = side / max(height, width)
    if scale < 1:
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        grey = cv2.resize(grey, size, interpolation=cv2.INTER_AREA)
    return float(cv2.Laplacian(grey, cv2.CV_64F).var())


def histogram(rgb: np.ndarray) -> dict[str, list[int]]:
    """256-bin counts per channel: keys ``r, g, b`` for colour input, ``l`` for greyscale."""
    if rgb.ndim == 2:
        return {"l": np.bincount(rgb.ravel(), minlength=256).tolist()}
    return {name: np.bincount(rgb[..., i].ravel(), minlength=256).tolist() for i, name in enumerate("rgb")}


def dominant_colours(rgb: np.ndarray, *, n_colours: int = 5, random_state: int = 0) -> list[dict[str, Any]]:
    """Cluster a pixel sample with KMeans; return ``[{"hex", "rgb", "share"}]`` sorted by share.

    Parameters
    ----------
    rgb : (M, N, 3) or (M, N) ndarray of uint8
        Image (greyscale is treated as R = G = B).
    n_colours : int
        Upper bound on clusters (fewer when the sample has fewer distinct colours).
    random_state : int
        Seed for the pixel sample and KMeans, so results are reproducible.
    """
    pixels = (np.repeat(rgb[..., None], 3, axis=-1) if rgb.ndim == 2 else rgb).reshape(-1, 3)
    rng = np.random.default_rng(random_state)
    if len(pixels) > COLOUR_SAMPLE:
        pixels = pixels[rng.choice(len(pixels), COLOUR_SAMPLE, replace=False)]
    distinct, inverse = np.unique(pixels, axis=0, return_inverse=True)
    if len(distinct) <= n_colours:  # few colours: exact counts, no clustering needed
        centres, labels = distinct.astype(np.float64), inverse.ravel()
    else:
        # More distinct colours than clusters, so KMeans cannot warn about empty clusters.
        model = KMeans(n_clusters=n_colours, n_init=2, max_iter=60, random_state=random_state)
        # A few thousand points: OpenMP threads only add spin-wait overhead (10x slower on a busy box).
        with _threadpools.limit(limits=1, user_api="openmp"):
            model.fit(pixels.astype(np.float32))
        centres, labels = model.cluster_centers_, model.labels_
    counts = np.bincount(labels, minlength=len(centres))
    kept: list[tuple[np.ndarray, float]] = []  # (centre, count), largest first
    for index in np.argsort(-counts, kind="stable"):
        centre, count = centres[index], float(counts[index])
        if count == 0:
            continue
        near = next((i for i, (c, _) in enumerate(kept) if np.linalg.norm(c - centre) < MERGE_DISTANCE), None)
        if near is None:
            kept.append((centre, count))
        else:  # near-identical shades (JPEG noise, gradients) are one colour to a person
            c, n = kept[near]
            kept[near] = ((c * n + centre * count) / (n + count), n + count)
    total = float(counts.sum())
    colours = []
    for centre, count in kept:
        rgb_int = [int(v) for v in np.clip(np.rint(centre), 0, 255)]
        hex_code = "#{:02x}{:02x}{:02x}".format(*rgb_int)
        colours.append({"hex": hex_code, "rgb": rgb_int, "share": round(count / total, 4)})
    return sorted(colours, key=lambda c: c["share"], reverse=True)


def content_stats(rgb: np.ndarray, *, n_colours: int = 5, random_state: int = 0) -> dict[str, Any]:
    """All ``content`` statistics of a small uint8 RGB ``(M, N, 3)`` or greyscale ``(M, N)`` image."""
    grey = grey_of(rgb)
    score = sharpness(grey)
    return {
        "brightness": round(float(grey.mean()), 2),
        "contrast": round(float(grey.std()), 2),
        "colourfulness": round(colourfulness(rgb), 2),
        "dominant_colours": dominant_colours(rgb, n_colours=n_colours, random_state=random_state),
        "sharpness": round(score, 2),
        "blurry": score < BLUR_THRESHOLD,
        "blur_threshold": BLUR_THRESHOLD,
        "histogram": histogram(rgb),
    }
