"""Data sources: IDX and folder loaders, the plug-in hooks, and every error case."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import cv2
import numpy as np
import pytest

from classifiers.ml import fonts, sources
from classifiers.ml.sources import Dataset, DataSourceError, load_source


def idx_bytes(array: np.ndarray) -> bytes:
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(np.uint8).tobytes()


def write_idx(path: Path, array: np.ndarray, *, gz: bool) -> Path:
    data = idx_bytes(array)
    if gz:
        path = path.with_name(path.name + ".gz")
        data = gzip.compress(data)
    path.write_bytes(data)
    return path


def digit_images(n: int, size: int, seed: int = 0) -> np.ndarray:
    """``n`` white-on-black blobs of ``size``×``size`` uint8."""
    rng = np.random.default_rng(seed)
    images = np.zeros((n, size, size), np.uint8)
    for img in images:
        r, c = rng.integers(size // 4, 3 * size // 4, 2)
        img[max(r - 3, 0) : r + 3, max(c - 2, 0) : c + 2] = 255
    return images


def mnist_dir(tmp_path: Path, *, size: int = 28, n: int = 12, gz: bool = True, labels=None) -> Path:
    labels = np.arange(n) % 10 if labels is None else np.asarray(labels)
    write_idx(tmp_path / "train-images-idx3-ubyte", digit_images(n, size), gz=gz)
    write_idx(tmp_path / "train-labels-idx1-ubyte", labels, gz=gz)
    return tmp_path


@pytest.mark.parametrize("gz", [True, False])
def test_idx_round_trip_of_28px_images_scales_only(tmp_path, gz):
    mnist_dir(tmp_path, gz=gz)
    data = load_source(f"mnist:{tmp_path}")
    assert data.crops.shape == (12, 28, 28) and data.crops.dtype == np.float32
    assert data.labels.dtype == np.int64 and data.labels.tolist() == [i % 10 for i in range(12)]
    np.testing.assert_allclose(data.crops, digit_images(12, 28) / 255.0)
    assert data.name == f"mnist:{tmp_path}" and str(tmp_path) in data.origin


@pytest.mark.parametrize("gz", [True, False])
def test_idx_images_of_other_sizes_are_normalised(tmp_path, gz):
    mnist_dir(tmp_path, size=16, gz=gz)
    data = load_source(f"mnist:{tmp_path}")
    assert data.crops.shape == (12, 28, 28)
    assert (data.crops.max(axis=(1, 2)) > 0.9).all()
    assert not data.crops[:, :4].any() and not data.crops[:, -4:].any()  # digit in the 20x20 box


def test_prefix_picks_one_of_several_pairs(tmp_path):
    mnist_dir(tmp_path)
    write_idx(tmp_path / "t10k-images-idx3-ubyte", digit_images(3, 28), gz=False)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.array([1, 2, 3]), gz=False)
    with pytest.raises(DataSourceError, match="exactly one image file"):
        load_source(f"mnist:{tmp_path}")
    assert len(load_source(f"mnist:{tmp_path}", prefix="t10k")) == 3


def _bad_magic(d: Path):
    (d / "train-images-idx3-ubyte").write_bytes(b"\x12\x34\x08\x03" + b"\0" * 12)


def _wrong_dims(d: Path):
    write_idx(d / "train-images-idx3-ubyte", np.zeros((2, 4)), gz=False)


def _truncated(d: Path):
    data = idx_bytes(digit_images(12, 28))
    (d / "train-images-idx3-ubyte").write_bytes(data[:-5])


def _not_gzip(d: Path):
    (d / "train-images-idx3-ubyte.gz").write_bytes(b"\x1f\x8b" + b"garbage")


@pytest.mark.parametrize(
    ("breaker", "message"),
    [
        (_bad_magic, "bad magic"),
        (_wrong_dims, "3 dimension"),
        (_truncated, "bytes of data"),
        (_not_gzip, "cannot read"),
    ],
)
def test_a_broken_image_file_is_named_in_the_error(tmp_path, breaker, message):
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.arange(12) % 10, gz=False)
    breaker(tmp_path)
    with pytest.raises(DataSourceError, match=message) as info:
        load_source(f"mnist:{tmp_path}")
    assert "train-images" in str(info.value)


def test_mismatched_counts_are_refused(tmp_path):
    write_idx(tmp_path / "train-images-idx3-ubyte", digit_images(5, 28), gz=True)
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.arange(4), gz=True)
    with pytest.raises(DataSourceError, match="5 images but .* 4 labels"):
        load_source(f"mnist:{tmp_path}")


def test_labels_outside_0_to_9_are_refused(tmp_path):
    mnist_dir(tmp_path, labels=[0, 1, 12] + [3] * 9)
    with pytest.raises(DataSourceError, match="0-9.*12"):
        load_source(f"mnist:{tmp_path}")


def test_missing_directory_files_and_empty_sets_are_refused(tmp_path):
    with pytest.raises(DataSourceError, match="not a directory"):
        load_source(f"mnist:{tmp_path / 'nowhere'}")
    with pytest.raises(DataSourceError, match="found none"):
        load_source(f"mnist:{tmp_path}")
    with pytest.raises(DataSourceError, match="needs a directory"):
        load_source("mnist")
    write_idx(tmp_path / "train-images-idx3-ubyte", np.zeros((0, 28, 28)), gz=False)
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.zeros(0), gz=False)
    with pytest.raises(DataSourceError, match="empty"):
        load_source(f"mnist:{tmp_path}")


def test_an_unknown_source_lists_the_available_ones():
    with pytest.raises(DataSourceError, match="unknown data source 'nope'.*bundled"):
        load_source("nope:x")


def write_digit_png(path: Path, digit: int, *, dark_ink: bool) -> None:
    img = np.full((40, 32), 235 if dark_ink else 10, np.uint8)
    cv2.putText(img, str(digit), (4, 34), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 20 if dark_ink else 250, 3)
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), img)


def test_folder_source_reads_labels_from_subfolders_and_inverts_dark_ink(tmp_path):
    write_digit_png(tmp_path / "1" / "a.png", 1, dark_ink=True)
    write_digit_png(tmp_path / "7" / "b.PNG", 7, dark_ink=False)
    write_digit_png(tmp_path / "7" / "c.jpg", 7, dark_ink=True)
    (tmp_path / "7" / "notes.txt").write_text("ignored")
    data = load_source(f"folder:{tmp_path}")
    assert data.labels.tolist() == [1, 7, 7]
    assert data.crops.shape == (3, 28, 28)
    for crop in data.crops:  # white ink on a black frame, as normalize_crop makes it
        assert crop.max() > 0.9 and not crop[0].any() and not crop[:, 0].any()
    np.testing.assert_allclose(data.crops[2], data.crops[1], atol=0.35)


def test_folder_source_errors_name_the_problem(tmp_path):
    with pytest.raises(DataSourceError, match="no PNG/JPEG"):
        load_source(f"folder:{tmp_path}")
    (tmp_path / "3").mkdir()
    (tmp_path / "3" / "broken.png").write_bytes(b"not a png")
    with pytest.raises(DataSourceError, match="cannot decode.*broken.png"):
        load_source(f"folder:{tmp_path}")
    (tmp_path / "3" / "broken.png").unlink()
    write_digit_png(tmp_path / "12" / "x.png", 1, dark_ink=True)
    with pytest.raises(DataSourceError, match="not a label 0-9"):
        load_source(f"folder:{tmp_path}")


def test_mnist_bundled_source_is_5000_balanced_mnist_digits():
    data = load_source("mnist-bundled")
    assert data.crops.shape == (5000, 28, 28) and data.crops.dtype == np.float32
    assert 0.0 <= data.crops.min() and data.crops.max() <= 1.0
    assert np.bincount(data.labels).tolist() == [500] * 10
    assert data.name == "mnist-bundled"


def test_fonts_source_gives_printed_crops_of_every_digit():
    data = load_source("fonts")
    assert data.name == "fonts" and "printed digits" in data.origin
    assert data.crops.shape == (len(data), 28, 28) and data.crops.dtype == np.float32
    assert 0.0 <= data.crops.min() and data.crops.max() <= 1.0
    assert set(data.labels.tolist()) == set(range(10))
    assert (data.crops.max(axis=(1, 2)) > 0.5).all()  # no blank glyphs
    assert load_source("fonts:all").name == "fonts:all"


def test_fonts_train_and_heldout_use_disjoint_font_files():
    train_files = {p.name for p in fonts.font_files("train")}
    heldout_files = {p.name for p in fonts.font_files("heldout")}
    assert train_files and heldout_files and not train_files & heldout_files
    assert train_files | heldout_files == {p.name for p in fonts.font_files("all")}
    for subset, files in (("train", train_files), ("heldout", heldout_files)):
        crops, labels, names = fonts.printed_digits(subset, n_variants=1)
        assert set(names) == files and set(labels.tolist()) == set(range(10))
        assert crops.shape == (len(files) * 10, 28, 28)


def test_bundled_is_mnist_bundled_followed_by_fonts():
    mnist, printed, data = load_source("mnist-bundled"), load_source("fonts"), load_source("bundled")
    assert data.name == "bundled"
    assert len(data) == len(mnist) + len(printed)
    assert data.counts() == [("mnist-bundled", len(mnist)), ("fonts", len(printed))]
    np.testing.assert_array_equal(data.labels, np.concatenate([mnist.labels, printed.labels]))
    np.testing.assert_array_equal(data.crops[: len(mnist)], mnist.crops)
    np.testing.assert_array_equal(data.crops[len(mnist) :], printed.crops)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("fonts:italic", r"fonts source: unknown subset 'italic'.*fonts:all\|train\|heldout"),
        ("bundled:x", "bundled source takes no argument"),
        ("mnist-bundled:x", "mnist-bundled source takes no argument"),
    ],
)
def test_fonts_and_bundled_reject_bad_arguments(spec, message):
    with pytest.raises(DataSourceError, match=message):
        load_source(spec)


def test_plugged_in_sources_and_concat_keep_counts():
    def reviewed(arg, *, n=3):
        return Dataset(np.zeros((n, 784)), np.full(n, int(arg or 0)), f"reviewed:{arg}")

    sources.register_source("reviewed", reviewed)
    try:
        one = load_source("reviewed:4", n=2)
        assert one.labels.tolist() == [4, 4] and one.crops.shape == (2, 28, 28)
        both = sources.concat([one, load_source("reviewed")])
        assert len(both) == 5 and both.counts() == [("reviewed:4", 2), ("reviewed:None", 3)]
    finally:
        sources.unregister_source("reviewed")
    assert "reviewed" not in sources.available_sources()


def test_a_dataset_checks_its_own_shapes():
    with pytest.raises(DataSourceError, match="labels of shape"):
        Dataset(np.zeros((2, 28, 28)), np.zeros(3, int), "x")
    with pytest.raises(DataSourceError, match=r"\(N, 28, 28\)"):
        Dataset(np.zeros((2, 16, 16)), np.zeros(2, int), "x")


def test_augmentation_needs_a_registered_augmenter():
    data = Dataset(np.zeros((4, 28, 28)), np.arange(4), "d")
    sources.unregister_augmenter()
    with pytest.raises(DataSourceError, match="no augmenter is registered"):
        sources.augment_dataset(data, 2)
    assert sources.augment_dataset(data, 0) is data

    def flip(crops, labels, n_per_sample, seed):
        return np.tile(crops[:, :, ::-1], (n_per_sample, 1, 1)), np.tile(labels, n_per_sample)

    sources.register_augmenter(flip)
    try:
        bigger = sources.augment_dataset(data, 2, seed=1)
    finally:
        sources.unregister_augmenter()
    assert len(bigger) == 12 and bigger.labels[:4].tolist() == [0, 1, 2, 3]
    assert bigger.counts() == [("d", 4), ("augmented x2", 8)]
