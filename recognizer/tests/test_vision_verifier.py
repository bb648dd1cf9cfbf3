"""The single-digit verifier and how the split uses it (framework-free, no database)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from recognizer.vision import SingleDigitVerifier, VerifierError, recognize, synthetic
from recognizer.vision import verifier as V


def test_the_canvas_keeps_size_relative_to_the_line():
    patch = np.zeros((40, 80), np.float32)
    patch[:, :] = 1.0
    canvas, dims = V.canvas(patch, ref_height=40)
    cols = np.flatnonzero(canvas.max(axis=0) > 0.5)
    rows = np.flatnonzero(canvas.max(axis=1) > 0.5)
    assert dims == (2.0, 1.0)
    assert len(rows) == V.DIGIT_PX and len(cols) == 2 * V.DIGIT_PX  # twice as wide as a digit is tall
    half, half_dims = V.canvas(patch, ref_height=80)  # the same piece on a line of digits twice as tall
    assert half_dims == (1.0, 0.5)
    assert np.count_nonzero(half.max(axis=0) > 0.5) == V.DIGIT_PX
    empty, empty_dims = V.canvas(np.zeros((10, 10)), ref_height=30)
    assert not empty.any() and empty_dims == (0.0, 0.0)


def test_the_feature_count_a_file_is_checked_against_is_what_features_give():
    assert V.features(np.zeros((3, V.CANVAS_HEIGHT, V.CANVAS_WIDTH)), np.zeros((3, 2))).shape == (3, V._N_FEATURES)


def test_a_piece_too_wide_for_the_canvas_is_shrunk_to_fit():
    canvas, dims = V.canvas(np.ones((20, 400), np.float32), ref_height=20)
    assert dims == (20.0, 1.0)
    assert canvas.shape == (V.CANVAS_HEIGHT, V.CANVAS_WIDTH) and canvas[:, 0].max() == 0 and canvas[:, -1].max() == 0


def test_the_training_set_mixes_single_digits_with_pairs_and_fragments(digits):
    canvases, dims, labels = V.training_set(digits.crops[:500], 2000, np.random.default_rng(1))
    assert canvases.shape == (2000, V.CANVAS_HEIGHT, V.CANVAS_WIDTH) and dims.shape == (2000, 2)
    assert 0.35 < labels.mean() < 0.55
    # Touching pairs and triples make the "not one digit" side wider on average, fragments narrower.
    widths = dims[:, 0]
    assert np.percentile(widths[labels == 0], 90) > np.percentile(widths[labels == 1], 90)
    assert np.percentile(widths[labels == 0], 10) < np.percentile(widths[labels == 1], 10)


def test_a_trained_verifier_tells_one_digit_from_touching_ones(small_verifier, digits):
    canvases, dims, labels = V.training_set(digits.crops[4000:], 1500, np.random.default_rng(99))
    p = small_verifier.one_digit(V.features(canvases, dims))
    assert ((p > 0.5) == (labels == 1)).mean() > 0.85  # unseen digits and examples


def test_save_and_load_give_the_same_answers(small_verifier, digits, tmp_path):
    path = small_verifier.save(tmp_path / "models" / "verifier.npz")
    loaded = SingleDigitVerifier.load(path)
    patches = [digits.crops[i] for i in range(5)]
    np.testing.assert_allclose(  # to single precision, in which the layer is computed
        loaded.probabilities(patches, [20.0] * 5), small_verifier.probabilities(patches, [20.0] * 5), rtol=0, atol=1e-6
    )
    assert list(tmp_path.joinpath("models").iterdir()) == [path]  # no temporary file left behind


def test_load_refuses_damaged_foreign_and_pickled_files(small_verifier, tmp_path):
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"not a zip file at all")
    with pytest.raises(VerifierError, match="cannot read") as damaged:
        SingleDigitVerifier.load(garbage)
    assert "not an .npz archive" in str(damaged.value)  # not numpy's hint to unpickle it
    with pytest.raises(VerifierError, match="cannot read"):
        SingleDigitVerifier.load(tmp_path / "missing.npz")
    arrays = {f"{h}_{f}": getattr(getattr(small_verifier, h), f) for h in V._HEADS for f in V.Perceptron.FIELDS}
    np.savez(tmp_path / "old.npz", recipe=np.array(V.RECIPE + 1), **arrays)
    with pytest.raises(VerifierError, match="recipe"):
        SingleDigitVerifier.load(tmp_path / "old.npz")
    for key in ("one_digit_out_bias", "letter_out_bias"):
        np.savez(tmp_path / "shapes.npz", recipe=np.array(V.RECIPE), **{**arrays, key: np.zeros(3)})
        with pytest.raises(VerifierError, match="shapes"):
            SingleDigitVerifier.load(tmp_path / "shapes.npz")
    without_letters = {k: v for k, v in arrays.items() if not k.startswith("letter_")}
    np.savez(tmp_path / "recipe1.npz", recipe=np.array(V.RECIPE), **without_letters)
    with pytest.raises(VerifierError, match="cannot read"):
        SingleDigitVerifier.load(tmp_path / "recipe1.npz")
    # An object array needs pickle to load: refused, never unpickled.
    np.savez(
        tmp_path / "pickled.npz", recipe=np.array(V.RECIPE), **{**arrays, "one_digit_mean": np.array([{}], object)}
    )
    with pytest.raises(VerifierError, match="cannot read"):
        SingleDigitVerifier.load(tmp_path / "pickled.npz")


def _line_with_a_touching_pair(pair: str, gap: float) -> np.ndarray:
    """'4', then ``pair`` drawn touching (a component ~1.1 × the line's height), then '5'."""
    img, _ = synthetic.render_text(synthetic.paper(160, 420), "4", origin=(30, 110), height=60, thickness=4)
    img, _ = synthetic.render_text(img, pair, origin=(120, 110), height=60, gap=gap, thickness=4)
    img, _ = synthetic.render_text(img, "5", origin=(280, 110), height=60, thickness=4)
    return img


def _one_digit_between_4_and_5(text: str) -> bool:
    """The touching pair of "4 17 5" read whole, as one glyph (a doubtful 9 or 0)."""
    return len(text) == 3 and text[0] == "4" and text[2] == "5" and text[1] not in "17"


def test_the_verifier_decides_a_component_the_width_alone_leaves_whole(printed_classifier):
    img = _line_with_a_touching_pair("17", gap=-0.4)
    assert _one_digit_between_4_and_5(recognize(img, printed_classifier).text)  # the classifier alone

    def wide_is_two(patches, heights):
        return np.array([0.001 if p.shape[1] > 0.85 * h else 0.99 for p, h in zip(patches, heights, strict=True)])

    def wide_is_one(patches, heights):
        return 1.0 - wide_is_two(patches, heights)

    assert recognize(img, printed_classifier, verify=wide_is_two).text == "4175"
    assert _one_digit_between_4_and_5(recognize(img, printed_classifier, verify=wide_is_one).text)


def test_a_trained_verifier_splits_narrow_touching_pairs(printed_classifier, small_verifier):
    pairs = ["11", "17", "77", "14"]
    images = [_line_with_a_touching_pair(p, gap=-0.4) for p in pairs]
    truth = [f"4{p}5" for p in pairs]
    alone = sum(recognize(img, printed_classifier).text == t for img, t in zip(images, truth, strict=True))
    verified = [recognize(img, printed_classifier, verify=small_verifier.probabilities).text for img in images]
    assert alone == 0
    assert all(len(text) == 4 for text in verified)  # every pair read as two digits
    assert sum(v == t for v, t in zip(verified, truth, strict=True)) >= 3


def _line_with_a_broken_digit(middle: str, at: float, gap: float = 0.15) -> np.ndarray:
    """'3', ``middle`` (its first glyph cut in two pieces at ``at`` × its width, unless ``at`` is 0), '5'."""
    img, _ = synthetic.render_text(synthetic.paper(160, 420), "3", origin=(30, 110), height=60, thickness=4)
    img, boxes = synthetic.render_text(img, middle, origin=(120, 110), height=60, gap=gap, thickness=4)
    if at:
        x, y, w, h = boxes[0]
        img[y - 2 : y + h + 2, x + int(at * w) - 1 : x + int(at * w) + 1] = 235  # a gap in the ink, 2 px
    img, _ = synthetic.render_text(img, "5", origin=(280, 110), height=60, thickness=4)
    return img


def test_a_trained_verifier_rejoins_a_digit_broken_in_two(printed_classifier, small_verifier):
    for digit, at in (("4", 0.55), ("6", 0.35), ("0", 0.5)):  # a 4 in two strokes, a 6's loop off its stem
        img = _line_with_a_broken_digit(digit, at)
        assert len(recognize(img, printed_classifier).text) == 4  # the classifier alone reads two digits
        assert recognize(img, printed_classifier, verify=small_verifier.probabilities).text == f"3{digit}5"


def test_close_narrow_digits_are_not_joined(printed_classifier, small_verifier):
    for pair, gap in (("11", 0.05), ("11", -0.02), ("17", 0.05), ("71", 0.05)):
        img = _line_with_a_broken_digit(pair, 0.0, gap=gap)
        assert recognize(img, printed_classifier, verify=small_verifier.probabilities).text == f"3{pair}5"


def test_the_verifier_decides_whether_two_pieces_are_one_digit(printed_classifier):
    img = _line_with_a_broken_digit("4", 0.55)

    def pieces_are_fragments(patches, heights):  # the 4 whole is ~0.6 × the height wide, its pieces ~0.3
        return np.array([0.99 if p.shape[1] > 0.45 * h else 0.01 for p, h in zip(patches, heights, strict=True)])

    def pieces_are_digits(patches, heights):
        return 1.0 - pieces_are_fragments(patches, heights)

    joined = recognize(img, printed_classifier, verify=pieces_are_fragments)
    assert joined.text == "345"
    _, (four,) = synthetic.render_text(synthetic.paper(160, 420), "4", origin=(120, 110), height=60, thickness=4)
    assert np.abs(np.subtract(joined.digits[1].box, four)).max() <= 3  # one box around both pieces
    assert len(recognize(img, printed_classifier, verify=pieces_are_digits).text) == 4


def test_a_verifier_giving_the_wrong_number_of_answers_is_an_error(printed_classifier):
    img = _line_with_a_touching_pair("17", gap=-0.4)
    with pytest.raises(ValueError, match="verify must return"):
        recognize(img, printed_classifier, verify=lambda patches, heights: np.ones(len(patches) + 1))


def test_a_narrow_component_the_verifier_takes_for_one_digit_is_not_tried_for_a_split(printed_classifier):
    img = _line_with_a_touching_pair("17", gap=-0.4)  # 1.1 × the line's height: a split candidate only so
    calls = []

    def sure_it_is_one(patches, heights):
        calls.append(len(patches))
        return np.full(len(patches), 0.9)

    assert _one_digit_between_4_and_5(recognize(img, printed_classifier, verify=sure_it_is_one).text)
    assert calls == [1]  # the component, whole; no pieces cut and verified


def _l_shaped_shadow() -> np.ndarray:
    """An empty page with the soft L-shaped shadow of something standing over it."""
    page = synthetic.paper(480, 640).astype(np.float32)
    shade = np.zeros_like(page)
    shade[150:330, 300:330] = 1.0
    shade[300:330, 300:420] = 1.0
    shade = cv2.GaussianBlur(shade, (0, 0), 2)
    return (page * (1 - 0.45 * shade)).clip(0, 255).astype(np.uint8)


def test_a_short_line_the_verifier_takes_for_no_digit_is_dropped(small_verifier, printed_classifier):
    # The classifier reads the shadow as a 6; an empty page has no writing to judge it against.
    result = recognize(_l_shaped_shadow(), printed_classifier, verify=small_verifier.probabilities)
    assert result.text == ""
    assert any("the verifier took for no digit" in w for w in result.warnings)


@pytest.mark.parametrize("text", ["1", "7", "40"])
def test_a_short_line_of_real_digits_stays(small_verifier, printed_classifier, text):
    img, _ = synthetic.render_text(synthetic.paper(300, 400), text, origin=(150, 200), height=80, thickness=5)
    assert recognize(img, printed_classifier, verify=small_verifier.probabilities).text == text


def test_a_short_line_the_classifier_is_sure_of_stays_whatever_the_verifier_says(printed_classifier):
    def rejects_everything(patches, heights):
        return np.zeros(len(patches))

    img, _ = synthetic.render_text(synthetic.paper(300, 400), "7", origin=(150, 200), height=80, thickness=5)
    assert recognize(img, printed_classifier, verify=rejects_everything).text == "7"
    assert recognize(_l_shaped_shadow(), printed_classifier, verify=rejects_everything).text == ""


def test_a_short_line_inside_a_form_box_stays_whatever_the_verifier_says(printed_classifier):
    def rejects_everything(patches, heights):
        return np.zeros(len(patches))

    page = synthetic.paper(300, 400).astype(np.float32)
    mark = np.zeros_like(page)  # a doubtful L-shaped mark, read as a 6 without confidence
    mark[100:190, 180:196] = 1.0
    mark[175:190, 180:240] = 1.0
    img = (page * (1 - 0.45 * cv2.GaussianBlur(mark, (0, 0), 1.5))).clip(0, 255).astype(np.uint8)
    assert recognize(img, printed_classifier, verify=rejects_everything).text == ""
    cv2.rectangle(img, (160, 80), (260, 210), 40, 2)  # the same mark in a form's box: a box holds writing
    assert recognize(img, printed_classifier, verify=rejects_everything).text != ""


def _bar(h: int, w: int) -> np.ndarray:
    g = np.zeros((h, w), np.float32)
    g[:, w // 2 - 2 : w // 2 + 2] = 1.0
    g[:4, :] = 1.0  # a top bar reaching both sides: a pair of them touches
    return g


def test_a_digit_cut_out_of_a_pair_keeps_itself_and_drops_the_neighbours_slivers():
    a, b = _bar(40, 24), _bar(40, 24)
    b[-6:, :] = 1.0  # b has a foot, so its ink differs from a's
    cuts = [V._cut_from_pair(a, b, np.random.default_rng(seed)) for seed in range(40)]
    got = [c for c in cuts if c is not None]
    assert got  # most pairs meet where a straight cut keeps both digits whole
    for piece in got:
        assert piece.shape[0] >= 38 and 18 <= piece.shape[1] <= 30  # one digit's height and width
        ink = piece.sum()
        assert abs(ink - a.sum()) <= 0.15 * a.sum() or abs(ink - b.sum()) <= 0.15 * b.sum()


def test_a_cut_that_would_take_half_a_digit_is_not_an_example(monkeypatch):
    # Two rings overlapping by half their width: no straight cut keeps both whole.
    first, second = np.zeros((44, 64), np.float32), np.zeros((44, 64), np.float32)
    cv2.circle(first, (22, 22), 18, 1.0, 3)
    cv2.circle(second, (42, 22), 18, 1.0, 3)
    monkeypatch.setattr(V, "_joined", lambda parts, rng: (np.maximum(first, second), [first, second]))
    rng = np.random.default_rng(0)
    assert all(V._cut_from_pair(first, second, rng) is None for _ in range(20))
    assert all(V._cut_from_pair(first, second, rng, keep=0.0) is not None for _ in range(20))  # the rule, not the pair


def test_the_training_set_teaches_digits_cut_out_of_pairs_as_one_digit(digits, monkeypatch):
    made = []
    real = V._cut_from_pair

    def spy(a, b, rng, **kw):
        piece = real(a, b, rng, **kw)
        if piece is not None:
            made.append(piece)
        return piece

    monkeypatch.setattr(V, "_cut_from_pair", spy)
    canvases, dims, labels = V.training_set(digits.crops[:500], 1000, np.random.default_rng(2), cuts=0.3)
    assert 250 <= len(made) <= 350  # 30% of the examples
    plain = V.training_set(digits.crops[:500], 1000, np.random.default_rng(2))[2]
    # Each cut digit is a positive: the share of ones rises by about 0.3 × (1 - 0.45).
    assert labels.mean() - plain.mean() > 0.1
