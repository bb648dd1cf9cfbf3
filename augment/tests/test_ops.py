"""Every registered op: dtype/shape/range preserved, reproducible, validated."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from augment.ops import OPS, SpecError, catalogue, greyscale, hflip, invert, rotate, thickness

ALL_OPS = sorted(OPS)
RANDOM_OPS = sorted(name for name, info in OPS.items() if info.random)


def digit_image(*, dtype: type = np.float32, rgb: bool = False, size: int = 32) -> np.ndarray:
    """White-on-black strokes (a rough 4) with a soft gradient, so every op has something to change."""
    img = np.zeros((size, size), np.float32)
    img[size // 5 : size * 3 // 5, size // 4 : size // 4 + 3] = 1.0
    img[size // 2 : size // 2 + 3, size // 4 : size * 3 // 4] = 1.0
    img[size // 5 : size * 4 // 5, size * 3 // 5 : size * 3 // 5 + 3] = 0.9
    img += np.linspace(0, 0.2, size, dtype=np.float32)[None, :]
    img = np.clip(img, 0, 1)
    if rgb:
        img = np.dstack([img, img * 0.5, 1 - img])
    return (img * 255).round().astype(np.uint8) if dtype == np.uint8 else img


@st.composite
def images(draw: st.DrawFn) -> np.ndarray:
    h, w = draw(st.integers(1, 40)), draw(st.integers(1, 40))
    shape = (h, w, 3) if draw(st.booleans()) else (h, w)
    pixels = np.random.default_rng(draw(st.integers(0, 2**32 - 1))).random(shape, dtype=np.float32)
    return (pixels * 255).astype(np.uint8) if draw(st.booleans()) else pixels


@pytest.mark.parametrize("name", ALL_OPS)
@settings(max_examples=12, deadline=None)
@given(image=images(), seed=st.integers(0, 2**31), strength=st.floats(0, 1))
def test_it_preserves_dtype_shape_and_range(name: str, image: np.ndarray, seed: int, strength: float) -> None:
    out = OPS[name].fn(image, np.random.default_rng(seed), strength=strength)
    assert out.dtype == image.dtype
    assert out.shape == image.shape
    if out.dtype == np.float32:
        assert np.isfinite(out).all()
        assert out.min() >= 0.0 and out.max() <= 1.0


@pytest.mark.parametrize("name", ALL_OPS)
@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
@pytest.mark.parametrize("rgb", [False, True])
def test_it_is_deterministic_for_a_seed(name: str, dtype: type, rgb: bool) -> None:
    image = digit_image(dtype=dtype, rgb=rgb)
    first = OPS[name].fn(image, np.random.default_rng(7))
    second = OPS[name].fn(image, np.random.default_rng(7))
    np.testing.assert_array_equal(first, second)


@pytest.mark.parametrize("name", RANDOM_OPS)
@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
def test_it_differs_across_seeds(name: str, dtype: type) -> None:
    image = digit_image(dtype=dtype)
    outputs = {OPS[name].fn(image, np.random.default_rng(seed)).tobytes() for seed in range(5)}
    assert len(outputs) > 1


@pytest.mark.parametrize("name", ALL_OPS)
def test_it_does_not_modify_its_input(name: str) -> None:
    image = digit_image(rgb=True)
    before = image.copy()
    OPS[name].fn(image, np.random.default_rng(0))
    np.testing.assert_array_equal(image, before)


@pytest.mark.parametrize("name", RANDOM_OPS)
def test_it_is_the_identity_at_strength_zero(name: str) -> None:
    image = digit_image(dtype=np.uint8, rgb=True)
    out = OPS[name].fn(image, np.random.default_rng(3), strength=0.0)
    np.testing.assert_array_equal(out, image)


def test_it_makes_rgb_channels_equal_in_greyscale() -> None:
    out = greyscale(digit_image(rgb=True, dtype=np.uint8), np.random.default_rng(0))
    assert out.shape[2] == 3
    np.testing.assert_array_equal(out[..., 0], out[..., 1])
    np.testing.assert_array_equal(out[..., 0], out[..., 2])


def test_it_leaves_grey_images_alone_in_greyscale() -> None:
    image = digit_image(dtype=np.uint8)
    np.testing.assert_array_equal(greyscale(image, np.random.default_rng(0)), image)


@pytest.mark.parametrize("op", [invert, hflip])
@settings(max_examples=20, deadline=None)
@given(image=images())
def test_it_is_an_involution(op: object, image: np.ndarray) -> None:
    rng = np.random.default_rng(0)
    twice = op(op(image, rng), rng)
    if image.dtype == np.uint8:
        np.testing.assert_array_equal(twice, image)
    else:
        np.testing.assert_allclose(twice, image, atol=1e-6)


def test_it_inverts_uint8_exactly() -> None:
    image = np.arange(256, dtype=np.uint8).reshape(16, 16)
    np.testing.assert_array_equal(invert(image, np.random.default_rng(0)), 255 - image)


def test_it_thickens_bright_ink_on_dark_and_dark_ink_on_light() -> None:
    crop = digit_image()
    paper = 1.0 - crop
    # max_pixels=4 at strength 1: amounts far from zero for these seeds either way.
    for seed in range(6):
        rng_a, rng_b = np.random.default_rng(seed), np.random.default_rng(seed)
        grown_crop = thickness(crop, rng_a, max_pixels=4).sum() - crop.sum()
        grown_paper = (1 - thickness(paper, rng_b, max_pixels=4)).sum() - (1 - paper).sum()
        assert np.sign(grown_crop) == np.sign(grown_paper)


def test_it_fills_uncovered_area_with_the_background() -> None:
    paper = np.full((30, 30), 200, np.uint8)
    paper[10:20, 14:16] = 20
    out = rotate(paper, np.random.default_rng(1), max_degrees=45)
    assert out[0, 0] == 200 and out[-1, -1] == 200


def test_it_rejects_an_out_of_range_param_naming_op_and_range() -> None:
    with pytest.raises(SpecError, match=r"rotate.*max_degrees.*500.*\[0, 180\]"):
        rotate(digit_image(), np.random.default_rng(0), max_degrees=500)


def test_it_rejects_an_unknown_param_listing_the_allowed_ones() -> None:
    with pytest.raises(SpecError, match=r"rotate: unknown param 'degrees'; allowed params: max_degrees"):
        rotate(digit_image(), np.random.default_rng(0), degrees=5)


@pytest.mark.parametrize("strength", [-0.1, 1.5, float("nan"), "high", True])
def test_it_rejects_a_bad_strength(strength: object) -> None:
    with pytest.raises(SpecError, match=r"rotate: param 'strength'.*\[0, 1\]"):
        rotate(digit_image(), np.random.default_rng(0), strength=strength)


def test_it_rejects_a_fractional_integer_param() -> None:
    with pytest.raises(SpecError, match=r"cutout: param 'holes' = 1.5 must be a whole number in \[1, 8\]"):
        OPS["cutout"].fn(digit_image(), np.random.default_rng(0), holes=1.5)


@pytest.mark.parametrize(
    ("image", "error"),
    [
        (np.zeros((8, 8), np.float64), TypeError),
        (np.zeros((8, 8, 4), np.uint8), ValueError),
        (np.zeros((0, 8), np.uint8), ValueError),
        ([[0, 1], [1, 0]], TypeError),
    ],
)
def test_it_rejects_unsupported_images(image: object, error: type[Exception]) -> None:
    with pytest.raises(error, match="rotate"):
        rotate(image, np.random.default_rng(0))


def test_it_requires_a_generator() -> None:
    with pytest.raises(TypeError, match="numpy.random.Generator"):
        rotate(digit_image(), 42)


def test_it_describes_every_op_for_a_ui() -> None:
    entries = json.loads(json.dumps(catalogue()))
    assert [e["name"] for e in entries] == list(OPS)
    for entry in entries:
        assert entry["label"] and entry["description"]
        for param in entry["params"]:
            assert param["min"] <= param["default"] <= param["max"]
            assert param["step"] > 0


def test_it_flags_only_hflip_as_not_label_preserving() -> None:
    assert [name for name, info in OPS.items() if not info.label_preserving] == ["hflip"]
