"""The synthetic multi-digit benchmark generator (no MNIST download: a tiny IDX in tmp_path)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from benchmarks.synth import (
    DISPLAY_KINDS,
    TIERS,
    DigitBank,
    available_fonts,
    digit_keys,
    load_mnist,
    make_blank,
    make_dense,
    make_display,
    make_fields,
    make_note,
    make_sample,
    printed_glyph,
    read_idx,
    render_sample,
    split_indices,
    write_idx,
)
from benchmarks.synth.render import compose_form


def _fake_digits(n_per_class: int = 4, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """White-on-black 28×28 digits drawn with Hershey fonts (MNIST layout, 20 px box)."""
    rng = np.random.default_rng(seed)
    images, labels = [], []
    for d in range(10):
        for _ in range(n_per_class):
            img = np.zeros((28, 28), np.uint8)
            font = int(rng.choice([cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_DUPLEX]))
            cv2.putText(img, str(d), (7, 24), font, 0.8, 255, int(rng.integers(2, 4)), cv2.LINE_AA)
            images.append(img)
            labels.append(d)
    return np.stack(images), np.array(labels, np.uint8)


@pytest.fixture(scope="module")
def mnist_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("mnist")
    images, labels = _fake_digits()
    write_idx(directory / "train-images-idx3-ubyte.gz", images)
    write_idx(directory / "train-labels-idx1-ubyte.gz", labels)
    return directory


@pytest.fixture(scope="module")
def bank(mnist_dir):
    return DigitBank.from_mnist(mnist_dir)


def test_idx_round_trip(tmp_path):
    arr = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    for name in ("a-idx3-ubyte", "b-idx3-ubyte.gz"):
        np.testing.assert_array_equal(read_idx(write_idx(tmp_path / name, arr)), arr)


def test_bank_from_tiny_idx(mnist_dir, bank):
    images, labels = load_mnist(mnist_dir)
    assert images.shape == (40, 28, 28) and images.dtype == np.uint8
    assert len(bank) == 40 and sorted(set(bank.labels.tolist())) == list(range(10))
    subset = DigitBank.from_mnist(mnist_dir, np.arange(0, 40, 2))
    assert len(subset) == 20


def test_bank_needs_every_digit():
    images, labels = _fake_digits(1)
    with pytest.raises(ValueError, match="no images of digit"):
        DigitBank(images[labels != 3], labels[labels != 3])


def test_split_is_fixed_and_disjoint():
    train, held = split_indices(100, held_out=20, seed=7)
    train2, held2 = split_indices(100, held_out=20, seed=7)
    np.testing.assert_array_equal(held, held2)
    np.testing.assert_array_equal(train, train2)
    assert len(held) == 20 and len(train) == 80 and not set(train) & set(held)


@pytest.mark.parametrize("height", [20, 60, 300])
def test_handwritten_glyph_has_requested_height(bank, height):
    alpha = bank.glyph(np.random.default_rng(0), 8, height)
    assert alpha.dtype == np.float32 and 0.0 <= alpha.min() and alpha.max() <= 1.0
    assert abs(alpha.shape[0] - height) <= max(3, 0.1 * height)
    assert alpha.max() > 0.9  # solid ink, not a blur


def test_printed_glyphs_from_matplotlib_fonts():
    fonts = available_fonts()
    assert any("DejaVuSans" in f for f in fonts)
    for font in fonts:
        alpha = printed_glyph(4, 40, font)
        assert 34 <= alpha.shape[0] <= 46, font


@pytest.mark.parametrize("tier", TIERS)
def test_every_tier_renders(bank, tier):
    for seed in range(4):
        sample = render_sample(np.random.default_rng(seed), tier, bank)
        image, text = sample.image, sample.text
        assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3
        h, w = image.shape[:2]
        if tier != "scale":
            assert 440 <= min(h, w) <= 520 and 590 <= max(h, w) <= 690
        lines = text.split("\n")
        assert 1 <= len(lines) <= 3
        assert all(1 <= len(line) <= 10 and line.isdigit() for line in lines)
        if tier in ("clean",):
            assert len(lines) == 1
        if tier == "lines":
            assert len(lines) >= 2
        # ink is there: the darkest pixels are much darker than the median (paper)
        grey = image.mean(axis=2)
        assert np.percentile(grey, 0.05) < np.median(grey) - 40


def test_scale_tier_has_large_photos_and_single_digits(bank):
    kinds = {
        kind: [render_sample(np.random.default_rng(seed), "scale", bank, kind=kind) for seed in range(2)]
        for kind in ("fill", "big", "small")
    }
    assert all(s.meta["kind"] == kind for kind, samples in kinds.items() for s in samples)
    assert all(max(s.image.shape[:2]) >= 2000 for s in kinds["small"])
    assert all(len(s.text) == 1 and s.meta["digit_height"] >= 0.6 * min(s.image.shape[:2]) for s in kinds["fill"])


def test_hard_tier_has_touching_digits(bank):
    touching = [render_sample(np.random.default_rng(seed), "hard", bank).meta["touching"] for seed in range(12)]
    assert sum(touching) > 0


@pytest.mark.parametrize("comb", [False, True])
def test_compose_form_puts_each_digit_in_its_own_cell_clear_of_the_lines(comb):
    def glyph(digit: int, height: float) -> np.ndarray:
        g = np.zeros((round(height), round(0.6 * height)), np.float32)
        cv2.rectangle(g, (1, 1), (g.shape[1] - 2, g.shape[0] - 2), 1.0, 2)
        return g

    block = compose_form(np.random.default_rng(3), ["4071", "25"], glyph, 40.0, comb=comb)
    assert block.frames is not None and block.frames.shape == block.alpha.shape
    assert not ((block.alpha > 0.5) & (block.frames > 0.5)).any()  # the digits never touch the lines
    n_ink = cv2.connectedComponents((block.alpha > 0.5).astype(np.uint8))[0] - 1
    n_frames = cv2.connectedComponents((block.frames > 0.5).astype(np.uint8))[0] - 1
    assert n_ink == 6
    assert n_frames == (2 if comb else 6)  # one frame per field, or one box per digit


def test_compose_form_fits_a_wide_digit_into_its_cell_whole():
    # A hollow box 1.3 × as wide as tall: wider than a cell's room, so it must be scaled, not cut.
    def glyph(digit: int, height: float) -> np.ndarray:
        g = np.zeros((round(height), round(1.3 * height)), np.float32)
        cv2.rectangle(g, (1, 1), (g.shape[1] - 2, g.shape[0] - 2), 1.0, 2)
        return g

    block = compose_form(np.random.default_rng(5), ["0202"], glyph, 40.0, comb=False)
    n, _, stats, _ = cv2.connectedComponentsWithStats((block.alpha > 0.5).astype(np.uint8))
    aspects = stats[1:, cv2.CC_STAT_WIDTH] / stats[1:, cv2.CC_STAT_HEIGHT]
    assert n - 1 == 4
    np.testing.assert_allclose(aspects, 1.3, atol=0.1)  # every side kept: the box's shape
    assert not ((block.alpha > 0.5) & (block.frames > 0.5)).any()


def test_forms_tier_draws_the_fields(bank):
    samples = [render_sample(np.random.default_rng(seed), "forms", bank) for seed in range(6)]
    assert {s.meta["form"] for s in samples} == {"boxes", "comb"}
    assert all(1 <= len(s.text.split("\n")) <= 2 for s in samples)


@pytest.mark.parametrize("tier", TIERS)
def test_deterministic_per_seed(bank, tier):
    a_img, a_text = make_sample(np.random.default_rng(123), tier, bank)
    b_img, b_text = make_sample(np.random.default_rng(123), tier, bank)
    c_img, c_text = make_sample(np.random.default_rng(124), tier, bank)
    assert a_text == b_text
    np.testing.assert_array_equal(a_img, b_img)
    assert a_text != c_text or a_img.shape != c_img.shape or not np.array_equal(a_img, c_img)


def test_unknown_tier(bank):
    with pytest.raises(ValueError, match="unknown tier"):
        make_sample(np.random.default_rng(0), "nope", bank)


@pytest.mark.parametrize("kind", ["plain", "ruled", "grid", "photo"])
def test_blank_images(kind):
    image = make_blank(np.random.default_rng(0), kind)
    assert image.shape == (480, 640, 3) and image.dtype == np.uint8


@pytest.mark.parametrize("margin", [3, 10, 25])
def test_a_note_holds_its_number_the_given_distance_from_two_of_its_edges(margin):
    for seed in range(8):
        image, text = make_note(np.random.default_rng(seed), margin)
        assert image.shape == (480, 640) and text in ("7", "40", "318")
        note = image > 150  # the light sheet (desk ~60, ink ~35)
        rows, cols = np.flatnonzero(note.any(axis=1)), np.flatnonzero(note.any(axis=0))
        y0, y1, x0, x1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
        ink = np.argwhere(image[y0:y1, x0:x1] < 150)
        gaps = (ink[:, 0].min(), ink[:, 1].min(), y1 - y0 - 1 - ink[:, 0].max(), x1 - x0 - 1 - ink[:, 1].max())
        # the number hugs a corner: two of its gaps to the edges are the margin (anti-aliasing: ±2 px)
        assert sorted(abs(g - margin) for g in gaps)[1] <= 2, gaps


@pytest.mark.parametrize("kind", DISPLAY_KINDS)
def test_a_display_shows_four_to_eight_digits_in_a_held_out_style_and_is_the_same_for_a_seed(kind):
    for seed in range(6):
        image, text, got = make_display(np.random.default_rng(seed), kind)
        assert image.shape == (480, 640, 3) and image.dtype == np.uint8 and got == kind
        assert text.isdigit() and 4 <= len(text) <= 8
        again, same_text, _ = make_display(np.random.default_rng(seed), kind)
        assert same_text == text and np.array_equal(again, image)
    grey = image.mean(axis=2)
    lit = grey > grey.mean() if kind == "led" else grey < grey.mean()  # the digits are light on an LED
    assert 0.002 < lit.mean() < 0.5


def test_a_form_page_holds_the_same_numbers_with_or_without_its_labels(bank):
    for seed in range(4):
        image, text, meta = make_fields(np.random.default_rng(seed), bank, labels=True)
        bare, bare_text, bare_meta = make_fields(np.random.default_rng(seed), bank, labels=False)
        assert image.shape == bare.shape == (480, 640, 3) and image.dtype == np.uint8
        assert text == bare_text and meta == bare_meta
        numbers = text.split("\n")
        assert all(n.isdigit() and 2 <= len(n) <= 7 for n in numbers)
        assert len(numbers) == meta["rows"] + meta["rows_of_two"] and 2 <= meta["rows"] <= 3
        ink, bare_ink = (image.mean(axis=2) < 128).sum(), (bare.mean(axis=2) < 128).sum()
        assert 0 < bare_ink < ink  # the labels are printed ink of their own
        again, same, _ = make_fields(np.random.default_rng(seed), bank, labels=True)
        assert same == text and np.array_equal(again, image)


def test_a_display_of_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="display kind"):
        make_display(np.random.default_rng(0), "nixie")


def test_dense_image_has_200_digits(bank):
    image, text = make_dense(np.random.default_rng(0), bank)
    assert image.shape == (1200, 1600, 3)
    assert len(text.replace("\n", "")) == 200 and text.count("\n") == 9


def test_digit_keys_match_the_same_digit_as_bytes_or_as_a_crop():
    digits, _ = _fake_digits(n_per_class=1)
    as_crops = digits.astype(np.float32) / 255.0
    assert digit_keys(digits) == digit_keys(as_crops)
    assert len(set(digit_keys(digits))) == len(digits)  # different digits, different keys
