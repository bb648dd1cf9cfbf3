"""recognize/segment never raise for any image content, and stay fast on junk."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recognizer.vision import SegmentationConfig, SingleDigitVerifier, recognize, segment
from recognizer.vision import verifier as V


def uniform(crops: np.ndarray) -> np.ndarray:
    return np.full((len(crops), 10), 0.1)


def confident_seven(crops: np.ndarray) -> np.ndarray:
    probs = np.full((len(crops), 10), 0.01)
    probs[:, 7] = 0.91
    return probs


def _untrained_verifier() -> SingleDigitVerifier:
    """Random weights: the real canvas, features and forward pass on whatever pieces come."""
    rng = np.random.default_rng(0)
    n = V._N_FEATURES

    def head() -> V.Perceptron:
        return V.Perceptron(
            mean=np.zeros(n), scale=np.ones(n), hidden_weights=rng.normal(0, 0.05, (n, 8)),
            hidden_bias=np.zeros(8), out_weights=rng.normal(0, 1, (8, 1)), out_bias=np.zeros(1),
        )  # fmt: skip

    return SingleDigitVerifier(one_digit=head(), letter=head())


VERIFY_ANYTHING = _untrained_verifier().probabilities
LETTERS_ANYTHING = _untrained_verifier().letter_probabilities


@st.composite
def images(draw):
    h = draw(st.integers(1, 260))
    w = draw(st.integers(1, 260))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    kind = draw(st.sampled_from(["blank", "gauss", "uniform", "salt", "blocks", "stripes", "bars", "window"]))
    level = draw(st.integers(0, 255))
    if kind == "blank":
        img = np.full((h, w), level, np.uint8)
    elif kind == "gauss":
        sigma = draw(st.floats(0.0, 80.0))
        img = np.clip(rng.normal(level, sigma, (h, w)), 0, 255).astype(np.uint8)
    elif kind == "uniform":
        img = rng.integers(0, 256, (h, w), dtype=np.uint8)
    elif kind == "salt":
        img = np.full((h, w), level, np.uint8)
        img[rng.random((h, w)) < draw(st.floats(0.0, 0.5))] = 255 - level
    elif kind == "blocks":
        small = rng.integers(0, 256, (max(1, h // 16), max(1, w // 16)), dtype=np.uint8)
        img = np.kron(small, np.ones((16, 16), np.uint8))[:h, :w]
        img = np.pad(img, ((0, h - img.shape[0]), (0, w - img.shape[1])), mode="edge")
    elif kind in ("bars", "window"):  # segments of a display, scattered or in rows; a light window
        img = np.full((h, w), level, np.uint8)
        if kind == "window":
            y0, x0 = int(rng.integers(0, h)), int(rng.integers(0, w))
            img[y0 : y0 + int(rng.integers(1, h + 1)), x0 : x0 + int(rng.integers(1, w + 1))] = 255 - level
        ink = 255 - int(img[rng.integers(0, h), rng.integers(0, w)])
        for _ in range(draw(st.integers(0, 60))):
            y, x = int(rng.integers(0, h)), int(rng.integers(0, w))
            long, thick = int(rng.integers(1, 40)), int(rng.integers(1, 8))
            bh, bw = (long, thick) if rng.random() < 0.5 else (thick, long)
            img[y : y + bh, x : x + bw] = ink
    else:
        img = np.full((h, w), level, np.uint8)
        img[:: draw(st.integers(2, 9))] = 255 - level
    if draw(st.booleans()):
        img = np.dstack([img, img, img])
    return img


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(img=images())
def test_it_never_raises_on_random_content(img):
    readers = (
        (uniform, None, None),
        (confident_seven, None, None),
        (confident_seven, VERIFY_ANYTHING, LETTERS_ANYTHING),
    )
    for classify, verify, letters in readers:
        result = recognize(img, classify, verify=verify, letters=letters)
        assert len(result.lines) == len({d.line for d in result.digits})
        assert "".join(result.lines) == "".join(str(d.label) for d in result.digits)
        for d in result.digits:
            x, y, w, h = d.box
            assert 0 <= x and 0 <= y and x + w <= img.shape[1] and y + h <= img.shape[0]
    segment(img)


@pytest.mark.parametrize(
    "img",
    [
        np.zeros((0, 0), np.uint8),
        np.zeros((1, 1), np.uint8),
        np.zeros((1, 500), np.uint8),
        np.zeros((480, 640), np.uint8),
        np.full((480, 640), 255, np.uint8),
        np.zeros((480, 640, 3), np.uint8),
        np.ones((50, 50), np.float64),
        np.full((64, 64), np.nan, np.float32),
        np.zeros((64, 64, 4), np.uint8),
        np.full((100, 100), 40000, np.uint16),
    ],
    ids=["empty", "1x1", "1x500", "black", "white", "black-rgb", "float-ones", "nan", "rgba", "uint16"],
)
def test_it_returns_an_empty_result_with_a_warning_for_degenerate_images(img):
    result = recognize(img, uniform)
    assert result.text == "" and result.warnings
    assert segment(img).candidates == []


def test_a_huge_noisy_photo_is_analysed_downscaled_and_denoised_and_reads_as_nothing():
    # Its time is the benchmark's to measure; what bounds it is the downscaled analysis.
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (3000, 4000), dtype=np.uint8)
    result = recognize(img, uniform)
    assert result.text == ""
    assert any("downscaled" in w for w in result.warnings) and any("median-filtered" in w for w in result.warnings)


def test_it_rejects_a_wrong_array_shape():
    with pytest.raises(ValueError):
        recognize(np.zeros((2, 2, 2, 2), np.uint8), uniform)
    with pytest.raises(ValueError):
        SegmentationConfig(max_side=4)
