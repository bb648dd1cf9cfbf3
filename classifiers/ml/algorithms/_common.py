"""Small pieces shared by several algorithm modules."""

from __future__ import annotations

from typing import Any

from sklearn.decomposition import PCA
from sklearn.preprocessing import StandardScaler

SCALERS = ("none", "standard")


def scaler_step(kind: str) -> Any:
    """``"standard"`` → :class:`StandardScaler`; ``"none"`` → ``"passthrough"``."""
    if kind not in SCALERS:
        raise ValueError(f"scale must be one of {SCALERS}, got {kind!r}")
    return StandardScaler() if kind == "standard" else "passthrough"


def pca_step(n_components: int, seed: int) -> Any:
    """PCA to ``n_components`` dimensions, or ``"passthrough"`` for 0."""
    return PCA(n_components=n_components, random_state=seed) if n_components else "passthrough"
