"""Printed words beside the numbers: the letter examples, the word rule, and the pipeline step
(framework-free, no database)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from classifiers.ml import fonts
from recognizer.vision import SegmentationConfig, letters, recognize, synthetic
from recognizer.vision import verifier as V

CFG = SegmentationConfig()


def _font(name: str) -> str:
    path = fonts.font_dir() / name
    if not path.is_file():
        pytest.skip(f"matplotlib ships no {name}")
    return str(path)


# --- the examples ---------------------------------------------------------------------------


def test_a_word_is_cut_into_its_letters_with_their_characters():
    rng = np.random.default_rng(0)
    comps, ref = letters.word_components("wax", _font("DejaVuSans.ttf"), 40, np.random.default_rng(1))
    assert sorted(chars for _, chars in comps) == ["a", "w", "x"]
    assert 0.4 * 40 < ref < 0.8 * 40  # the x-height of a 40-px font
    for patch, _ in comps:
        assert patch.dtype == np.float32 and 0.0 <= patch.min() and patch.max() <= 1.0 and patch.max() > 0.5
    # Letters set tight enough to touch are one component holding both.
    tight = [letters.word_components("wax", _font("DejaVuSans-Bold.ttf"), 40, rng)[0] for _ in range(30)]
    assert any(len(chars) > 1 for comps in tight for _, chars in comps)


def test_letters_a_reader_cannot_tell_from_digits_are_never_taught_as_letters(monkeypatch):
    drawn = []
    real = letters.word_components

    def spy(text, font_path, size, rng):
        comps, ref = real(text, font_path, size, rng)
        drawn.extend(p for p, chars in comps if set(chars) <= letters.AMBIGUOUS)
        return comps, ref

    monkeypatch.setattr(letters, "word_components", spy)
    monkeypatch.setattr(letters, "_word", lambda rng: "SOIl" if rng.uniform() < 0.5 else "wax")
    examples = letters.letter_examples(30, np.random.default_rng(0))
    assert len(examples) == 30 and drawn  # ambiguous letters were drawn ...
    assert not any(p is a for p, _ in examples for a in drawn)  # ... and none taught


def test_the_letter_training_set_holds_letters_and_every_kind_of_digit(digits):
    canvases, dims, labels = V.letter_training_set(digits.crops[:500], 800, np.random.default_rng(0))
    assert canvases.shape == (800, V.CANVAS_HEIGHT, V.CANVAS_WIDTH) and dims.shape == (800, 2)
    assert labels.sum() == 300  # 3/8 letters
    # Digits include runs of touching digits: far wider than any single digit.
    assert dims[labels == 0, 0].max() > 2.0


def test_a_trained_letter_perceptron_tells_printed_letters_from_digits(small_verifier, digits):
    rng = np.random.default_rng(99)
    printed = letters.letter_examples(300, rng)  # draws unseen in training
    p_letters = small_verifier.letter_probabilities([V.own_ink(p) for p, _ in printed], [r for _, r in printed])
    # Unseen digits written 40 px tall, their ink scaled as the pipeline scales a component's.
    unseen = [V.own_ink(V._glyph(c, rng, 40.0)) for c in digits.crops[4000:4600]]
    p_digits = small_verifier.letter_probabilities(unseen, [40.0] * len(unseen))
    # This small perceptron: ~90% and ~9%; the product's flags 96% of the held-out fonts' letters.
    assert (p_letters >= 0.5).mean() > 0.8
    assert (p_digits >= 0.5).mean() < 0.15


def test_save_and_load_keep_the_letter_answers(small_verifier, digits, tmp_path):
    loaded = V.SingleDigitVerifier.load(small_verifier.save(tmp_path / "verifier.npz"))
    patches = [digits.crops[i] for i in range(5)]
    np.testing.assert_allclose(
        loaded.letter_probabilities(patches, [20.0] * 5),
        small_verifier.letter_probabilities(patches, [20.0] * 5),
        rtol=0,
        atol=1e-6,
    )


# --- the word rule ----------------------------------------------------------------------------


def _row(*words: tuple[int, int, int]) -> np.ndarray:
    """Boxes of one row: per word ``(components, height, width)``, components 0.1 × height apart,
    words 2 × height apart, bottoms aligned."""
    boxes, x = [], 10
    for n, h, w in words:
        for _ in range(n):
            boxes.append((x, 100 - h, w, h))
            x += w + max(1, h // 10)
        x += 2 * h
    return np.array(boxes, np.int64)


def _judge(p):
    return lambda idx, heights: np.asarray([p[i] for i in idx], np.float64)


def test_a_word_mostly_of_letters_goes_and_the_number_beside_it_stays():
    boxes = _row((4, 12, 10), (3, 24, 14))
    drop = letters.printed_words(boxes, [list(range(7))], _judge([0.9, 0.1, 0.8, 0.7, 0.1, 0.95, 0.1]), config=CFG)
    assert drop.tolist() == [True] * 4 + [False] * 3  # one sure "letter" among digits is not a word


def test_a_word_with_one_letter_in_three_stays():
    boxes = _row((3, 12, 10))
    assert not letters.printed_words(boxes, [[0, 1, 2]], _judge([0.99, 0.2, 0.1]), config=CFG).any()


def test_a_two_piece_word_goes_only_when_printed_smaller_than_the_number_beside_it():
    sure = _judge([0.0, 0.99, 0.0, 0.0, 0.0])
    label = _row((2, 12, 10), (3, 24, 14))  # "Qty" as Q and ty, then a number twice as tall
    assert letters.printed_words(label, [list(range(5))], sure, config=CFG).tolist() == [True, True] + [False] * 3
    digits = _row((2, 24, 14), (3, 24, 14))  # two touching digits and another, all one height
    assert not letters.printed_words(digits, [list(range(5))], sure, config=CFG).any()
    alone = _row((2, 12, 10))
    assert not letters.printed_words(alone, [[0, 1]], _judge([0.0, 0.99]), config=CFG).any()
    off = replace(CFG, letter_pair_p=1.01)
    assert not letters.printed_words(label, [list(range(5))], sure, config=off).any()


def test_what_is_left_of_a_label_goes_when_shorter_than_the_number_after_it():
    # "Room" whose small "oo" went before: "R" and "m" alone, then the number twice as tall.
    room = _row((1, 12, 10), (1, 8, 12), (2, 24, 14))
    p = _judge([0.99, 0.95, 0.0, 0.0])
    assert letters.printed_words(room, [[0, 1, 2, 3]], p, config=CFG).tolist() == [True, True, False, False]
    # Only when the letter is sure, and only before a taller number.
    unsure = _judge([0.99, 0.8, 0.0, 0.0])
    assert not letters.printed_words(room, [[0, 1, 2, 3]], unsure, config=CFG).any()
    after = _row((2, 24, 14), (1, 12, 10))  # a sure "letter" after the number, nothing taller after it
    assert not letters.printed_words(after, [[0, 1, 2]], _judge([0.0, 0.0, 0.99]), config=CFG).any()
    level = _row((1, 22, 10), (2, 24, 14))  # as tall as the number: a digit written apart
    assert not letters.printed_words(level, [[0, 1, 2]], _judge([0.99, 0.0, 0.0]), config=CFG).any()


def test_a_small_digit_inside_a_number_stays_though_it_looks_like_a_letter():
    # A boxed number's digits are words of one; the small 6 between 4s looks like a letter.
    boxes = _row((1, 24, 14), (1, 18, 12), (1, 24, 14), (1, 24, 14))
    p = _judge([0.0, 0.99, 0.0, 0.0])
    assert not letters.printed_words(boxes, [[0, 1, 2, 3]], p, config=CFG).any()
    # First on its line, the same piece is a label's letter.
    first = _row((1, 18, 12), (1, 24, 14), (1, 24, 14))
    assert letters.printed_words(first, [[0, 1, 2]], _judge([0.99, 0.0, 0.0]), config=CFG).tolist() == [
        True,
        False,
        False,
    ]


def test_a_narrow_component_never_counts_as_a_letter():
    boxes = _row((3, 20, 4))  # three strokes: 1s
    assert not letters.printed_words(boxes, [[0, 1, 2]], _judge([1.0, 1.0, 1.0]), config=CFG).any()
    wide = _row((3, 20, 10))
    assert letters.printed_words(wide, [[0, 1, 2]], _judge([1.0, 1.0, 1.0]), config=CFG).all()


def test_words_are_cut_at_gaps_wider_than_the_word_gap():
    boxes = np.array([[0, 0, 10, 20], [12, 0, 10, 20], [40, 0, 10, 20], [52, 0, 10, 20]], np.int64)
    p = _judge([0.9, 0.9, 0.1, 0.1])
    assert letters.printed_words(boxes, [[0, 1, 2, 3]], p, config=CFG).tolist() == [True, True, False, False]
    one_word = replace(CFG, letter_word_gap=1.0)  # 18 px apart is then within one word: half are letters
    assert letters.printed_words(boxes, [[0, 1, 2, 3]], p, config=one_word).all()


def test_a_judge_giving_the_wrong_number_of_answers_is_an_error():
    boxes = _row((3, 12, 10))
    with pytest.raises(ValueError, match="3 probabilities"):
        letters.printed_words(boxes, [[0, 1, 2]], lambda idx, heights: np.ones(2), config=CFG)


def test_the_letter_settings_are_validated():
    for bad in ({"letter_word_gap": -0.1}, {"letter_min_p": 0.0}, {"letter_min_p": 0.9, "letter_pair_p": 0.5}):
        with pytest.raises(ValueError, match="letter_"):
            SegmentationConfig(**bad)
    with pytest.raises(ValueError, match="letter_pair_max_height"):
        SegmentationConfig(letter_pair_max_height=-1.0)
    with pytest.raises(ValueError, match="letter_min_width"):
        SegmentationConfig(letter_min_width=3.0)


# --- in the pipeline ---------------------------------------------------------------------------


def _labelled_field(label: str, number: str, *, font: str, label_px: int, number_px: int) -> np.ndarray:
    """A printed ``label`` and, 0.6 × ``number_px`` after it, ``number`` in Hershey digits; one baseline."""
    img = synthetic.paper(3 * number_px, 60 + len(label) * label_px + len(number) * number_px + 40)
    alpha, _ = letters.render_word(label, _font(font), label_px)
    rows, cols = np.nonzero(alpha > 0.05)
    alpha = alpha[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]
    base = 2 * number_px
    y0 = base - alpha.shape[0]  # no descenders in the labels used
    img[y0 : y0 + alpha.shape[0], 30 : 30 + alpha.shape[1]] = np.minimum(
        img[y0 : y0 + alpha.shape[0], 30 : 30 + alpha.shape[1]], (235 - alpha * 210).astype(np.uint8)
    )
    img, _ = synthetic.render_text(
        img, number, origin=(30 + alpha.shape[1] + int(0.6 * number_px), base), height=number_px, thickness=3
    )
    return img


@pytest.mark.parametrize("label", ["Amount", "Meter", "Phone"])
def test_a_printed_label_beside_a_number_is_not_read(label, small_verifier, printed_classifier):
    img = _labelled_field(label, "4503", font="DejaVuSans-Bold.ttf", label_px=28, number_px=40)
    plain = recognize(img, printed_classifier)
    assert plain.text != "4503"  # read as digits without the letter perceptron
    read = recognize(img, printed_classifier, letters=small_verifier.letter_probabilities)
    assert read.text == "4503"
    assert any("printed letter" in w for w in read.warnings)


def test_a_number_alone_is_read_the_same_with_the_letter_perceptron(small_verifier, printed_classifier):
    # Digits set close: one word of eight, which the letter perceptron must let be.
    img, _ = synthetic.render_text(
        synthetic.paper(140, 520), "37192604", origin=(30, 100), height=48, thickness=3, gap=0
    )
    plain = recognize(img, printed_classifier)
    read = recognize(img, printed_classifier, letters=small_verifier.letter_probabilities)
    assert read.text == plain.text == "37192604"
    assert not any("printed letter" in w for w in read.warnings)
