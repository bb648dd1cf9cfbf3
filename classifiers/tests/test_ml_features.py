"""Feature transformers: deskew, HOG, pixels (framework-free, no database)."""

from __future__ import annotations

import pickle

import cv2
import numpy as np
import pytest
from sklearn.base import clone

from classifiers.ml.crops import turned
from classifiers.ml.features import Deskew, Flatten, Hog, Pixels, as_crops, deskew_crops, hog_features


def stroke(shear: float = 0.0) -> np.ndarray:
    """A vertical bar through the centre, optionally sheared by ``shear`` px per row."""
    img = np.zeros((28, 28), np.float32)
    img[4:24, 12:16] = 1.0
    m = np.float32([[1, shear, -shear * 14], [0, 1, 0]])
    return cv2.warpAffine(img, m, (28, 28), flags=cv2.INTER_LINEAR)


def column_slope(img: np.ndarray) -> float:
    """Slope of the ink's column centroid against the row: 0 for an upright stroke."""
    rows = np.flatnonzero(img.sum(axis=1) > 0.5)
    centroids = [(img[r] * np.arange(28)).sum() / img[r].sum() for r in rows]
    return float(np.polyfit(rows, centroids, 1)[0])


def test_deskew_straightens_a_sheared_stroke():
    slanted = stroke(0.4)
    assert abs(column_slope(slanted)) > 0.3
    straight = deskew_crops(slanted[None])[0]
    assert abs(column_slope(straight)) < 0.05
    assert straight.sum() == pytest.approx(slanted.sum(), rel=0.05)


def test_deskew_leaves_an_upright_stroke_and_an_empty_crop_alone():
    upright = stroke(0.0)
    out = deskew_crops(np.stack([upright, np.zeros_like(upright)]))
    np.testing.assert_allclose(out[0], upright, atol=1e-5)
    assert not out[1].any() and np.isfinite(out).all()


def test_deskew_transformer_accepts_flat_and_square_batches():
    batch = np.stack([stroke(0.3), stroke(-0.2)])
    square = Deskew().fit(batch).transform(batch)
    flat = Deskew().fit_transform(batch.reshape(2, -1))
    assert square.shape == (2, 28, 28) and square.dtype == np.float32
    np.testing.assert_array_equal(square, flat)
    np.testing.assert_array_equal(Deskew(enabled=False).fit_transform(batch), batch)


def test_hog_has_the_documented_shape_and_ignores_brightness():
    batch = np.stack([stroke(0.2), stroke(-0.3)])
    features = Hog().fit_transform(batch)
    assert features.shape == (2, 6 * 6 * 2 * 2 * 9) and features.dtype == np.float32
    np.testing.assert_allclose(Hog().fit_transform(batch * 0.4), features, atol=1e-3)
    assert Hog(cell_size=7, orientations=12, signed=True).fit_transform(batch).shape == (2, 3 * 3 * 4 * 12)


def test_hog_tells_orientations_apart_and_handles_empty_crops():
    vertical = stroke(0.0)
    horizontal = vertical.T.copy()
    f = hog_features(np.stack([vertical, horizontal, np.zeros_like(vertical)]))
    assert np.linalg.norm(f[0] - f[1]) > 1.0
    assert np.isfinite(f).all() and not f[2].any()


def test_hog_of_a_wide_canvas_covers_its_whole_width():
    left, right = stroke(0.0), stroke(0.4)
    wide = np.concatenate([left, right], axis=1)[None]  # 28 × 56: 7 × 14 cells, 6 × 13 blocks
    f = hog_features(wide).reshape(6, 13, 36)
    # Blocks wholly inside the left half (cells 0..5) see exactly what the left crop alone gives.
    np.testing.assert_allclose(f[:, :5], hog_features(left[None]).reshape(6, 6, 36)[:, :5], atol=1e-6)
    # The right half counts: another stroke there changes the far blocks.
    other = np.concatenate([left, stroke(-0.4)], axis=1)[None]
    assert np.linalg.norm(hog_features(other).reshape(6, 13, 36)[:, 8:] - f[:, 8:]) > 1.0


def test_hog_rejects_a_grid_that_does_not_fit():
    with pytest.raises(ValueError, match="do not fit"):
        hog_features(np.zeros((1, 28, 28), np.float32), cell_size=20)


def test_pixels_area_averages_and_keeps_the_mean():
    batch = np.random.default_rng(0).random((3, 28, 28)).astype(np.float32)
    out = Pixels(size=7).fit_transform(batch)
    assert out.shape == (3, 49)
    np.testing.assert_allclose(out.mean(axis=1), batch.reshape(3, -1).mean(axis=1), rtol=1e-5)
    np.testing.assert_array_equal(Pixels(size=28).fit_transform(batch), batch.reshape(3, -1))
    with pytest.raises(ValueError):
        Pixels(size=5).fit_transform(batch)


def test_flatten_and_as_crops_reject_non_square_input():
    assert Flatten().fit_transform(np.zeros((2, 28, 28))).shape == (2, 784)
    with pytest.raises(ValueError):
        as_crops(np.zeros((2, 10)))


@pytest.mark.parametrize("transformer", [Deskew(), Hog(), Pixels(), Flatten()])
def test_transformers_follow_the_estimator_contract(transformer):
    batch = np.stack([stroke(0.1)] * 2)
    assert transformer.fit(batch) is transformer
    assert transformer.n_features_in_ == 784
    twin = clone(transformer)
    assert twin.get_params() == transformer.get_params()
    assert not hasattr(twin, "n_features_in_")
    restored = pickle.loads(pickle.dumps(transformer))  # noqa: S301 - our own bytes
    np.testing.assert_array_equal(restored.transform(batch), transformer.transform(batch))


def _orientation(img: np.ndarray) -> float:
    """The ink's principal axis, degrees counter-clockwise from the vertical (image y down)."""
    ys, xs = np.nonzero(img > 0.5)
    cov = np.cov(np.stack([xs, -ys]).astype(float))
    vx, vy = np.linalg.eigh(cov)[1][:, -1]
    return float(np.degrees(np.arctan2(-vx, vy)) + 90) % 180 - 90


@pytest.mark.parametrize("degrees", [-12.0, 8.0, 30.0])
def test_turned_crops_turn_about_the_centre_keeping_ink_and_range(degrees):
    bar = stroke()
    (out,) = turned(bar[None], degrees)
    assert out.dtype == np.float32 and out.min() >= 0.0 and out.max() <= 1.0
    assert _orientation(out) == pytest.approx(degrees, abs=2.0)
    rows, cols = np.indices(out.shape)
    assert (rows * out).sum() / out.sum() == pytest.approx((rows * bar).sum() / bar.sum(), abs=0.3)
    assert (cols * out).sum() / out.sum() == pytest.approx((cols * bar).sum() / bar.sum(), abs=0.3)
    assert out.sum() == pytest.approx(bar.sum(), rel=0.05)


def test_a_crop_turned_by_nothing_is_unchanged():
    crops = np.stack([stroke(), stroke(0.3)])
    assert np.allclose(turned(crops, 0.0), crops, atol=1e-6)
