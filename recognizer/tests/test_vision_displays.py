"""Seven-segment displays (meters, clocks): segments joined into digits, the display's polarity."""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
import pytest

from classifiers.ml.segments import HELDOUT_STYLES, TRAIN_STYLES, SegmentStyle, draw_segment_digit, segment_polygons
from recognizer.tests.conftest import assert_boxes_match
from recognizer.vision import SegmentationConfig, recognize, segment
from recognizer.vision.normalize import ink_is_light
from recognizer.vision.synthetic import paper, render_text

CFG = SegmentationConfig()
# The display step alone: without the merge of a faint digit's stacked pieces
# (components.merge_broken), which joins the upper and lower halves of some display digits too.
ALONE = replace(CFG, merge_piece_max_height=0.0)
OFF = replace(ALONE, segment_join=False)  # the step left out
APART = [s for s in TRAIN_STYLES + HELDOUT_STYLES if s.gap >= 0.2]  # narrower gaps fuse at 60 px


def display(
    text: str, style: SegmentStyle, *, height: int = 60, slant: float = 0.0, spacing: float = 0.3, ink: int = 35
) -> tuple[np.ndarray, list[tuple[int, int, int, int]]]:
    """Dark segments on light paper, and each digit's box (its lit segments)."""
    pitch = height * (style.width + style.thickness + spacing)
    img = paper(3 * height, int(len(text) * pitch + 3 * height))
    boxes = []
    for i, ch in enumerate(text):
        origin = (1.5 * height + i * pitch, height)
        draw_segment_digit(img, int(ch), style, origin, height, value=ink, slant=slant)
        pts = np.concatenate(segment_polygons(int(ch), style, height, slant=slant)) + origin
        x0, y0 = np.floor(pts.min(axis=0)).astype(int)
        x1, y1 = np.ceil(pts.max(axis=0)).astype(int)
        boxes.append((int(x0), int(y0), int(x1 - x0), int(y1 - y0)))
    return img, boxes


@pytest.mark.parametrize("style", APART, ids=lambda s: s.name)
@pytest.mark.parametrize("slant", [0.0, 0.12])
def test_the_segments_of_a_display_are_joined_into_its_digits(style, slant):
    img, truth = display("2580417396", style, slant=slant)
    found = segment(img, config=CFG)
    assert found.n_lines == 1
    assert_boxes_match(found.boxes, truth)
    left_out = segment(img, config=OFF)  # each segment a candidate: more boxes, or lines of halves
    assert len(left_out.boxes) != len(truth) or left_out.n_lines > 1


@pytest.mark.parametrize("height", [24, 45, 120])
def test_a_display_is_joined_at_any_size(height):
    img, truth = display("907162", HELDOUT_STYLES[0], height=height, slant=0.1)
    assert_boxes_match(segment(img, config=CFG).boxes, truth)


def test_a_one_and_a_seven_whose_other_segments_touch_join_beside_whole_digits():
    # Narrow gaps fuse the segments that meet at an angle: here only the 1's two bars and
    # the 7's lower right bar stand apart, and the whole digits beside them give the height.
    img, truth = display("417890", HELDOUT_STYLES[2], height=90)
    assert_boxes_match(segment(img, config=CFG).boxes, truth)
    assert len(segment(img, config=OFF).boxes) > len(truth)


def test_a_seven_apart_joins_beside_whole_digits_that_lack_its_top_bar():
    # The whole digits give the row's height, but 4s and 1s have no top or bottom segment:
    # a 7 whose three segments stand apart is a bar's thickness taller than they are
    # (here the 4s' and 1s' segments are fused, as glow or blur fuses them).
    style = SegmentStyle("bold", thickness=0.2, gap=0.3, ends="pointed", width=0.55)
    ink = np.zeros((240, 520), np.uint8)
    truth = []
    for i, ch in enumerate("14147"):
        digit = np.zeros_like(ink)
        origin = (60 + i * 85, 80)
        draw_segment_digit(digit, int(ch), style, origin, 80)
        if ch != "7":
            digit = cv2.morphologyEx(digit, cv2.MORPH_CLOSE, np.ones((13, 13), np.uint8))
        ink = np.maximum(ink, digit)
        pts = np.concatenate(segment_polygons(int(ch), style, 80)) + origin
        x0, y0 = np.floor(pts.min(axis=0)).astype(int)
        x1, y1 = np.ceil(pts.max(axis=0)).astype(int)
        truth.append((int(x0), int(y0), int(x1 - x0), int(y1 - y0)))
    img = paper(240, 520)
    img[ink > 127] = 35
    found = segment(img, config=CFG)
    assert found.n_lines == 1
    assert_boxes_match(found.boxes, truth)
    # Measured against the 4s' and 1s' height alone, the 7 is too tall to be of the row.
    assert len(segment(img, config=replace(ALONE, segment_cell_bar_tol=0.0)).boxes) != len(truth)


def test_a_display_whose_few_upright_bars_read_steep_is_projected_upright():
    # A meter photographed small, blurred and askew (the benchmark's generator, one seed):
    # its only upright bars are the 7s' short lower ones, whose axes lean -0.39 — not the
    # display's lean (it stands upright). Projected at that lean, the 7s' pieces fell
    # into other cells and the 7s at both ends were lost.
    from benchmarks.synth import make_display

    img, text, _ = make_display(np.random.default_rng([2, 103, 20]))
    assert text == "739937"
    found = segment(img, config=CFG)
    assert found.n_lines == 1 and len(found.boxes) == 6
    assert len(segment(img, config=replace(ALONE, segment_max_lean=9.0)).boxes) == 4


def test_zeros_whose_halves_stand_apart_join_beside_whole_digits_without_any_bar():
    # A 0 has no middle segment: with square ends its top and bottom halves are two
    # pieces, while the 6s and 8s beside it are whole; no piece is a bar to start from.
    img, truth = display("680086", HELDOUT_STYLES[1], height=40)
    found = segment(img, config=CFG)
    assert found.n_lines == 1
    assert_boxes_match(found.boxes, truth)
    assert segment(img, config=OFF).n_lines == 2  # the halves of the 0s read as a line of their own


def test_two_rows_of_text_with_ones_stacked_are_not_joined_into_tall_digits():
    # 1s written as plain strokes are bars like a display's; these rows lie 6 px apart,
    # closer than a display's halves, and their 1s stand over each other.
    img = paper(220, 420)
    for top, row in ((80, "41171"), (116, "9114")):
        for i, ch in enumerate(row):
            x = 40 + 50 * i
            if ch == "1":
                cv2.line(img, (x + 12, top - 30), (x + 12, top), 25, 4)
            else:
                img, _ = render_text(img, ch, origin=(x, top), height=40, thickness=4)
    found = segment(img, config=CFG)
    assert found.n_lines == 2 and len(found.boxes) == 9
    # What keeps them apart: a display digit is two segments tall (a lone 1 of a row of
    # text is one), and a joined cell is no taller than a whole digit of its row.
    loose = replace(CFG, segment_min_cell_height=0.9, segment_cell_height_tol=3.0)
    assert len(segment(img, config=loose).boxes) < 9


def test_two_rows_of_zeros_close_together_are_not_joined_as_halves():
    # Each 0 over another looks like the two halves of a display's 0; the rows lie 4 px apart.
    img = paper(220, 420)
    for top, n in ((50, 5), (90, 4)):
        for i in range(n):
            cv2.ellipse(img, (52 + 50 * i, top + 16), (11, 16), 0, 0, 360, 25, 4)
    found = segment(img, config=CFG)
    assert found.n_lines == 2 and len(found.boxes) == 9
    loose = replace(CFG, segment_min_cell_height=0.9, segment_cell_height_tol=3.0)  # as above
    assert len(segment(img, config=loose).boxes) < 9


@pytest.mark.parametrize(
    ("window", "height", "style", "text"),
    [
        ((200, 220, 60, 210), 36, HELDOUT_STYLES[0], "40719"),  # 4% of the frame
        ((150, 90, 120, 460), 95, HELDOUT_STYLES[1], "88088"),  # 18%, digits taking over a quarter of it
    ],
)
def test_a_light_display_window_in_a_dark_housing_is_paper_not_ink(window, height, style, text):
    y, x, h, w = window
    img = np.full((480, 640), 45, np.uint8)  # the housing
    img[y : y + h, x : x + w] = 190  # the window
    pitch = (w - 20) / 5
    for i, ch in enumerate(text):
        draw_segment_digit(img, int(ch), style, (x + 10 + i * pitch, y + (h - 1.15 * height) / 2), height, value=40)
    assert not ink_is_light(img)
    assert len(segment(img).boxes) == 5


def test_light_strokes_on_a_dark_ground_are_still_ink():
    led = np.full((480, 640), 30, np.uint8)  # an LED display: bright segments on black
    for i, ch in enumerate("8808"):
        draw_segment_digit(led, int(ch), TRAIN_STYLES[4], (180 + i * 70, 180), 90, value=230)
    assert ink_is_light(led)
    chalk = np.full((480, 640), 40, np.uint8)  # a bold light 8 and 0 (two holes and one)
    cv2.putText(chalk, "80", (150, 330), cv2.FONT_HERSHEY_SIMPLEX, 7, 230, 30)
    assert ink_is_light(chalk)


@pytest.fixture(scope="module")
def meter_model():
    """A classifier trained as the README trains one for meters: the bundled digits, the
    segments source and two augmented copies (``--augment 2``; logreg: fast, the
    product's default is svm)."""
    from classifiers.ml import registry
    from classifiers.ml.predict import digit_classifier
    from classifiers.ml.sources import augment_dataset, concat, load_source

    data = augment_dataset(concat([load_source("bundled"), load_source("segments:train")]), 2, seed=0)
    return digit_classifier(registry.build("logreg").fit(data.crops, data.labels))


@pytest.mark.parametrize("style", HELDOUT_STYLES, ids=lambda s: s.name)
def test_a_meter_is_read_by_a_model_trained_with_the_segments_source(meter_model, style):
    img, truth = display("0471829", style, height=70, slant=0.08)
    result = recognize(img, meter_model)
    assert result.text == "0471829"
    assert_boxes_match([d.box for d in result.digits], truth)


@pytest.mark.parametrize("height", [100, 160])
@pytest.mark.parametrize("blur", [0.0, 1.0])
def test_the_8s_of_a_large_display_keep_their_middle_segment(meter_model, height, blur):
    # A display photographed large is cropped to thin, crisp segments. When the source
    # rendered segment glyphs at a font's sizes only (thick once scaled), the augmented
    # model read these 8s of the held-out meter style as 0s.
    img, _ = display("8008808", HELDOUT_STYLES[0], height=height, slant=0.06)
    if blur:
        img = cv2.GaussianBlur(img, (0, 0), blur)
    assert recognize(img, meter_model).text == "8008808"
