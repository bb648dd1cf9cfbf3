"""The batch path for training crops: augment_crops and its OpenCV mosaic helpers."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from augment.ops._warp import Field, Projective, inverse_maps, remap_batch, smooth_fields
from augment.spec import DEFAULT_CROP_SPEC, SpecError, augment_crops

EVERY_LABEL_PRESERVING_OP = {
    "ops": [
        {"op": name, "p": 0.7}
        for name in [
            "rotate",
            "shift",
            "scale",
            "shear",
            "perspective",
            "elastic",
            "thickness",
            "gaussian_blur",
            "gaussian_noise",
            "brightness_contrast",
            "cutout",
            "jpeg",
            "greyscale",
            "invert",
        ]
    ]
}


def draw_digits(count: int, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """MNIST-like float32 crops: cv2.putText digits, white on black, 28×28."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, count)
    crops = np.zeros((count, 28, 28), np.uint8)
    for crop, label in zip(crops, labels, strict=True):
        org = (7 + int(rng.integers(-1, 2)), 21 + int(rng.integers(-1, 2)))
        cv2.putText(crop, str(label), org, cv2.FONT_HERSHEY_SIMPLEX, 0.75, 255, 2, cv2.LINE_AA)
    return crops.astype(np.float32) / 255, labels


def test_it_returns_n_copies_per_crop_with_their_labels() -> None:
    crops, labels = draw_digits(50)
    out, out_labels = augment_crops(crops, labels, 3, 0)
    assert out.shape == (150, 28, 28) and out.dtype == np.float32
    np.testing.assert_array_equal(out_labels, np.repeat(labels, 3))
    assert out.min() >= 0.0 and out.max() <= 1.0


def test_it_accepts_keyword_arguments_like_the_hook() -> None:
    crops, labels = draw_digits(4)
    out, out_labels = augment_crops(crops=crops, labels=labels, n_per_sample=2, seed=1)
    assert len(out) == len(out_labels) == 8


def test_it_is_reproducible_and_differs_across_seeds() -> None:
    crops, labels = draw_digits(20)
    first, _ = augment_crops(crops, labels, 2, 5)
    np.testing.assert_array_equal(first, augment_crops(crops, labels, 2, 5)[0])
    assert not np.array_equal(first, augment_crops(crops, labels, 2, 6)[0])


def test_it_makes_copies_that_differ_from_each_other() -> None:
    crops, labels = draw_digits(1)
    out, _ = augment_crops(crops, labels, 4, 0)
    assert len({copy.tobytes() for copy in out}) == 4


def test_it_keeps_ink_mass_and_position_roughly() -> None:
    crops, labels = draw_digits(300)
    out, _ = augment_crops(crops, labels, 2, 3)
    ratio = out.sum(axis=(1, 2)) / np.repeat(crops.sum(axis=(1, 2)), 2)
    assert 0.85 < np.median(ratio) < 1.15
    assert ratio.min() > 0.4 and ratio.max() < 2.0
    rows = (out.sum(axis=2) * np.arange(28)).sum(axis=1) / out.sum(axis=(1, 2))
    cols = (out.sum(axis=1) * np.arange(28)).sum(axis=1) / out.sum(axis=(1, 2))
    assert np.all(np.abs(rows - 13.5) < 6) and np.all(np.abs(cols - 13.5) < 6)


def test_it_keeps_digits_recognisable() -> None:
    # Augmented copies stay closer to their own original than to any other digit's.
    crops, labels = draw_digits(200, seed=1)
    out, _ = augment_crops(crops, labels, 1, 0)
    flat = (crops - crops.mean(axis=(1, 2), keepdims=True)).reshape(200, -1)
    aug = (out - out.mean(axis=(1, 2), keepdims=True)).reshape(200, -1)
    flat /= np.linalg.norm(flat, axis=1, keepdims=True)
    aug /= np.linalg.norm(aug, axis=1, keepdims=True)
    own = np.einsum("ij,ij->i", flat, aug)
    assert np.median(own) > 0.6


def test_it_supports_uint8_crops() -> None:
    crops, labels = draw_digits(10)
    out, _ = augment_crops((crops * 255).astype(np.uint8), labels, 2, 0)
    assert out.dtype == np.uint8 and out.shape == (20, 28, 28)


def test_it_runs_every_label_preserving_op_in_batch() -> None:
    crops, labels = draw_digits(40)
    out, out_labels = augment_crops(crops, labels, 2, 0, spec=EVERY_LABEL_PRESERVING_OP)
    assert out.shape == (80, 28, 28) and len(out_labels) == 80
    assert np.isfinite(out).all() and out.min() >= 0.0 and out.max() <= 1.0


@settings(max_examples=15, deadline=None)
@given(
    n=st.integers(0, 6),
    height=st.integers(1, 20),
    width=st.integers(1, 20),
    n_per_sample=st.integers(0, 3),
    seed=st.integers(0, 2**31),
)
def test_it_handles_any_small_batch(n: int, height: int, width: int, n_per_sample: int, seed: int) -> None:
    crops = np.random.default_rng(seed).random((n, height, width), dtype=np.float32)
    out, labels = augment_crops(crops, np.arange(n), n_per_sample, seed, spec=EVERY_LABEL_PRESERVING_OP)
    assert out.shape == (n * n_per_sample, height, width)
    assert len(labels) == n * n_per_sample
    assert out.size == 0 or (out.min() >= 0.0 and out.max() <= 1.0)


def test_it_rejects_ops_that_change_the_label() -> None:
    crops, labels = draw_digits(2)
    with pytest.raises(SpecError, match="'hflip' is not label-preserving"):
        augment_crops(crops, labels, 1, 0, spec={"ops": [{"op": "hflip"}]})


@pytest.mark.parametrize(
    ("crops", "labels", "n_per_sample", "message"),
    [
        (np.zeros((3, 28), np.float32), np.arange(3), 1, "shape"),
        (np.zeros((3, 28, 28), np.float32), np.arange(2), 1, "3 crops but 2 labels"),
        (np.zeros((3, 28, 28), np.float32), np.arange(3), -1, "n_per_sample"),
    ],
)
def test_it_rejects_bad_input(crops: np.ndarray, labels: np.ndarray, n_per_sample: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        augment_crops(crops, labels, n_per_sample, 0)


def test_default_spec_is_label_preserving() -> None:
    assert DEFAULT_CROP_SPEC.label_preserving


def test_remap_batch_matches_per_image_remap_with_a_constant_border() -> None:
    rng = np.random.default_rng(0)
    images = rng.random((5, 9, 7), dtype=np.float32)
    map_x = rng.uniform(-4, 11, (5, 9, 7)).astype(np.float32)
    map_y = rng.uniform(-4, 13, (5, 9, 7)).astype(np.float32)
    fill = rng.random(5, dtype=np.float32)
    out = remap_batch(images, map_x, map_y, fill)
    for i in range(5):
        expected = cv2.remap(
            images[i], map_x[i], map_y[i], cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=float(fill[i])
        )
        np.testing.assert_allclose(out[i], expected, atol=2e-3)


def test_it_composes_warps_in_order_into_one_map() -> None:
    # shift(+2, 0), then a field (dx = 0.1·x), then shift(0, +3): undo the last first.
    shift_x = Projective(np.array([[[1, 0, 2], [0, 1, 0], [0, 0, 1]]], dtype=float))
    shift_y = Projective(np.array([[[1, 0, 0], [0, 1, 3], [0, 0, 1]]], dtype=float))
    xs = np.broadcast_to(np.arange(12, dtype=np.float32), (10, 12))
    field = Field(np.stack([0.1 * xs, np.zeros_like(xs)])[None])
    map_x, map_y = inverse_maps([shift_x, field, shift_y], 1, 10, 12)
    np.testing.assert_allclose(map_y[0], np.arange(10)[:, None] - 3.0 + 0 * xs, atol=1e-5)
    np.testing.assert_allclose(map_x[0], xs * 1.1 - 2.0, atol=1e-5)


def test_it_makes_smooth_unit_rms_displacement_fields() -> None:
    fields = smooth_fields(np.random.default_rng(0), 16, 28, 28, 4.0)
    assert fields.shape == (16, 2, 28, 28) and fields.dtype == np.float32
    np.testing.assert_allclose(np.sqrt((fields**2).mean(axis=(1, 2, 3))), 1.0, rtol=1e-4)
    assert np.abs(np.diff(fields, axis=-1)).mean() < 0.3


def test_it_resizes_fields_for_large_images() -> None:
    fields = smooth_fields(np.random.default_rng(0), 1, 300, 200, 30.0)
    assert fields.shape == (1, 2, 300, 200)
