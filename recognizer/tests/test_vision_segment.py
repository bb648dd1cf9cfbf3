"""Segmentation without a classifier: boxes, order, lines, clutter rejection, repair."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from recognizer.tests.conftest import assert_boxes_match
from recognizer.vision import SegmentationConfig, segment
from recognizer.vision.binarize import binarize_labelled
from recognizer.vision.components import find_components, label_components
from recognizer.vision.normalize import normalize
from recognizer.vision.synthetic import PRINT_FONTS, hand_glyph, paper, render_strokes, render_text


@pytest.mark.parametrize("font", PRINT_FONTS)
@pytest.mark.parametrize(("height", "thickness"), [(15, 1), (28, 2), (60, 4), (140, 9)])
def test_it_finds_every_printed_digit_left_to_right(font, height, thickness):
    text = "3859602"
    canvas = paper(3 * height + 20, int(6.5 * height) + 60)
    img, truth = render_text(canvas, text, origin=(20, 2 * height), height=height, font=font, thickness=thickness)
    seg = segment(img)
    assert_boxes_match(seg.boxes, truth)
    assert {c.line for c in seg.candidates} == {0}
    assert seg.crops.shape == (7, 28, 28) and seg.crops.dtype == np.float32


def test_it_accepts_rgb_input_and_never_draws_on_it():
    img, truth = render_text(paper(120, 300), "274", origin=(30, 80), height=40, thickness=3)
    rgb = np.dstack([img, img, img])
    before = rgb.copy()
    seg = segment(rgb)
    assert_boxes_match(seg.boxes, truth)
    assert (rgb == before).all()


def test_it_separates_and_orders_three_close_lines():
    img, t1 = render_text(paper(260, 520), "12345", origin=(40, 70), height=40, thickness=2)
    img, t2 = render_text(img, "67890", origin=(40, 122), height=40, thickness=2)  # 12 px between rows
    img, t3 = render_text(img, "2468", origin=(60, 174), height=40, thickness=2)
    seg = segment(img)
    assert seg.n_lines == 3
    assert [c.line for c in seg.candidates] == [0] * 5 + [1] * 5 + [2] * 4
    assert_boxes_match(seg.boxes, t1 + t2 + t3)


@pytest.mark.parametrize("angle", [20.0, -20.0, 30.0])
def test_it_follows_slanted_lines(angle):
    img, t1 = render_text(paper(520, 640), "31415", origin=(80, 260), height=40, thickness=3, angle=angle)
    img, t2 = render_text(img, "2718", origin=(110, 390), height=40, thickness=3, angle=angle)
    seg = segment(img)
    assert [c.line for c in seg.candidates] == [0] * 5 + [1] * 4
    assert_boxes_match(seg.boxes, t1 + t2, min_iou=0.5)


def test_it_removes_ruled_lines_behind_digits():
    page = paper(300, 640)
    for y in range(20, 300, 30):
        cv2.line(page, (0, y), (639, y), 110, 2)
    img, truth = render_text(page, "58307", origin=(100, 140), height=40, thickness=3)
    seg = segment(img)
    assert_boxes_match(seg.boxes, truth, min_iou=0.5)


def test_it_removes_a_grid_behind_digits():
    page = paper(300, 640)
    for y in range(5, 300, 27):
        cv2.line(page, (0, y), (639, y), 100, 2)
    for x in range(5, 640, 27):
        cv2.line(page, (x, 0), (x, 299), 100, 2)
    img, truth = render_text(page, "2946", origin=(100, 160), height=45, thickness=3)
    seg = segment(img)
    assert_boxes_match(seg.boxes, truth, min_iou=0.5)


def test_it_rejects_specks_dots_commas_and_dashes():
    rng = np.random.default_rng(1)
    img, truth = render_text(paper(300, 640), "31-4.59,", origin=(60, 150), height=50, thickness=4)
    for _ in range(60):
        x, y = rng.integers(0, 640), rng.integers(0, 300)
        cv2.circle(img, (int(x), int(y)), int(rng.integers(1, 3)), 30, -1)
    digits = [b for ch, b in zip("31-4.59,", truth, strict=True) if ch.isdigit()]
    assert_boxes_match(segment(img).boxes, digits)


def test_it_rejects_a_dark_border_strip_and_a_shadow():
    page = paper(300, 640)
    page[:, :170] = 35  # table beyond the paper edge
    page[:, 170:] = np.linspace(235, 140, 470).astype(np.uint8)[None, :]  # shadow falling across
    page[250:, :] = 60  # dark strip at the bottom
    img, truth = render_text(page, "7068", origin=(260, 170), height=50, thickness=3)
    seg = segment(img)
    assert_boxes_match(seg.boxes, truth)


def test_it_reads_digits_across_a_hard_edged_shadow_band():
    # A cast shadow with sharp edges over the last four digits, narrower than the
    # background estimate's kernel: the flattening leaves it in.
    img = _shadow_band_page()
    _, truth = render_text(paper(400, 800), "4599857", origin=(60, 170), height=50, thickness=3)
    seg = segment(img)
    assert_boxes_match(seg.boxes, truth)


def _shadow_band_page() -> np.ndarray:
    img, _ = render_text(paper(400, 800), "4599857", origin=(60, 170), height=50, thickness=3)
    shadow = np.ones_like(img, np.float32)
    shadow[115:185, 180:500] = 0.55
    return np.clip(img * cv2.GaussianBlur(shadow, (5, 5), 0), 0, 255).astype(np.uint8)


def test_the_components_binarize_hands_on_are_those_of_its_mask():
    cfg = SegmentationConfig()
    plain, _ = render_text(paper(300, 640), "4599857", origin=(60, 170), height=50, thickness=3)
    for img, rethresholded in ((plain, False), (_shadow_band_page(), True)):
        mask, labelled, *_ = binarize_labelled(normalize(img, config=cfg).flat, config=cfg)
        if rethresholded:  # the shadow band was thresholded again: its labels are stale
            assert labelled is None
            continue
        n, labels, stats = labelled
        n2, labels2, stats2 = label_components(mask)
        assert n == n2 > 7 and np.array_equal(labels, labels2) and np.array_equal(stats, stats2)
        reused, _ = find_components(mask, config=cfg, labelled=labelled)
        fresh, _ = find_components(mask, config=cfg)
        assert np.array_equal(reused.boxes, fresh.boxes) and reused.members == fresh.members


def test_it_ignores_a_huge_dark_region_touching_the_border():
    page = paper(300, 640)
    page[:, 420:] = 20  # half the frame is the desk under the paper
    img, truth = render_text(page, "513", origin=(60, 170), height=50, thickness=3)
    seg = segment(img)
    assert_boxes_match(seg.boxes, truth)


def test_it_reads_light_ink_on_a_dark_board():
    img, truth = render_text(paper(200, 500, level=30), "365", origin=(40, 120), height=60, thickness=4, ink=220)
    seg = segment(img)
    assert_boxes_match(seg.boxes, truth)
    assert any("inverted" in w for w in seg.warnings)


def test_a_sheet_on_a_dark_desk_half_in_shadow_is_not_taken_for_a_blackboard():
    img = np.full((480, 640), 25, np.uint8)  # the desk
    img[100:380, 60:600] = 230  # the sheet ...
    img[100:380, 280:600] = 90  # ... in shadow right of x=280: 19% of the frame is light
    img, truth = render_text(img, "527", origin=(90, 280), height=70, thickness=4)
    seg = segment(img)
    assert not any("inverted" in w for w in seg.warnings)
    assert_boxes_match(seg.boxes, truth)


@pytest.mark.parametrize(
    ("frame", "desk", "sheet", "origin"),
    [
        ((480, 640), 30, (slice(150, 330), slice(180, 460)), (210, 270)),  # 16% of the frame, dark desk
        ((480, 640), 170, (slice(100, 380), slice(120, 520)), (160, 270)),  # 36%, light grey desk
        ((800, 600), 40, (slice(50, 750), slice(200, 400)), (225, 400)),  # a receipt strip, 29%
    ],
)
def test_a_sheet_covering_little_of_the_frame_is_not_taken_for_a_blackboard(frame, desk, sheet, origin):
    img = np.full(frame, desk, np.uint8)
    img[sheet] = 228
    img, truth = render_text(img, "2048", origin=origin, height=50, thickness=3)
    seg = segment(img)
    assert not any("inverted" in w for w in seg.warnings)
    assert_boxes_match(seg.boxes, truth)


def test_bold_light_digits_filling_a_dark_frame_are_still_inverted():
    img, truth = render_text(paper(480, 640, level=30), "47", origin=(40, 440), height=400, thickness=45, ink=225)
    seg = segment(img)
    assert any("inverted" in w for w in seg.warnings)
    assert_boxes_match(seg.boxes, truth, min_iou=0.8)


def test_it_merges_a_digit_broken_by_a_gap():
    glyphs = [hand_glyph("5", detach_top=0.15), hand_glyph("7"), hand_glyph("4")]
    img, truth = render_strokes(paper(220, 400), glyphs, origin=(50, 60), height=80, thickness=5)
    seg = segment(img)
    assert_boxes_match(seg.boxes, truth, min_iou=0.8)


def test_it_splits_touching_digits_by_width_without_a_classifier():
    # Four digits in one component, far wider (2.8 × its height) than any single digit.
    img, truth = render_text(paper(200, 500), "4072", origin=(40, 120), height=60, thickness=4, gap=-0.18)
    assert cv2.connectedComponents((img < 128).astype(np.uint8))[0] - 1 == 1
    seg = segment(img)
    assert len(seg.candidates) == 4
    xs = [b[0] for b in seg.boxes]
    assert xs == sorted(xs)


def test_it_drops_a_stroke_along_a_slanted_line_but_keeps_the_one():
    img, truth = render_text(paper(400, 640), "2741", origin=(150, 220), height=50, thickness=3, angle=-20)
    # An underline parallel to the text (20° falling), too short for a ruled line.
    x0, y0, length = 160, 262, 110
    end = (round(x0 + length * math.cos(math.radians(20))), round(y0 + length * math.sin(math.radians(20))))
    cv2.line(img, (x0, y0), end, 30, 3)
    assert_boxes_match(segment(img).boxes, truth, min_iou=0.8)


def test_a_long_row_of_touching_digits_is_not_taken_for_a_stroke_along_the_text():
    # Eight digits in one component, 5.7 × as wide as tall: as elongated as a dash.
    img, truth = render_text(paper(200, 640), "40724072", origin=(40, 120), height=60, thickness=4, gap=-0.18)
    assert cv2.connectedComponents((img < 128).astype(np.uint8))[0] - 1 == 1
    seg = segment(img)
    assert len(seg.candidates) >= 6  # split by width alone, without a classifier
    x0, x1 = min(b[0] for b in seg.boxes), max(b[0] + b[2] for b in seg.boxes)
    assert x0 <= truth[0][0] + 5 and x1 >= truth[-1][0] + truth[-1][2] - 5


def test_crops_carry_grey_ink_scaled_to_each_digit_so_pencil_and_pen_look_alike():
    img, _ = render_text(paper(200, 400), "5", origin=(40, 130), height=80, thickness=6, ink=20)
    img, _ = render_text(img, "5", origin=(240, 130), height=80, thickness=6, ink=150)
    img = cv2.GaussianBlur(img, (5, 5), 0)  # soft edges, as any camera gives
    pen, pencil = (c.crop for c in segment(img).candidates)
    assert pen.max() > 0.95 and pencil.max() > 0.95
    assert np.abs(pen - pencil).mean() < 0.05  # a 3 beside the 5 differs by ~0.11
    edges = (pen > 0.1) & (pen < 0.9)
    assert edges.sum() > 0.2 * (pen >= 0.9).sum()  # anti-aliased like MNIST, not a hard mask


def test_crops_of_a_blurred_photo_carry_as_much_ink_as_the_mnist_digits_they_show():
    # MNIST digits painted 3x as ink and blurred like a camera: their crops should hold
    # about the ink of the digits themselves, not the blur's wider soft edges (those
    # came out ~20% heavier before the crop's ink was squared).
    from classifiers.ml.sources import load_source

    digits = load_source("mnist-bundled").crops[:200:20]
    ratios = []
    for digit in digits:
        big = cv2.resize(digit, None, fx=3, fy=3, interpolation=cv2.INTER_LINEAR)
        img = paper(200, 200).astype(np.float32)
        h, w = big.shape
        area = img[100 - h // 2 : 100 - h // 2 + h, 100 - w // 2 : 100 - w // 2 + w]
        area[:] = area * (1 - big) + 30 * big
        img = cv2.GaussianBlur(img, (0, 0), 2.0).clip(0, 255).astype(np.uint8)
        (only,) = segment(img).candidates
        ratios.append(only.crop.sum() / digit.sum())
    assert 0.9 < np.mean(ratios) < 1.12


def test_it_finds_a_digit_filling_the_frame():
    img, truth = render_text(paper(480, 400), "8", origin=(40, 460), height=440, thickness=40)
    assert_boxes_match(segment(img).boxes, truth, min_iou=0.8)


def test_it_maps_boxes_back_to_original_pixels_after_downscaling():
    img, truth = render_text(paper(3000, 4000), "9513", origin=(1500, 1600), height=120, thickness=10)
    seg = segment(img, config=SegmentationConfig(max_side=1000, zoom_digit_px=0))  # no second, sharper pass
    assert seg.scale == pytest.approx(0.25)
    assert_boxes_match(seg.boxes, truth, min_iou=0.85)


def test_it_finds_two_hundred_digits():
    page = paper(1000, 1400)
    for row in range(10):
        text = "".join(str((row * 7 + i * 3) % 10) for i in range(20))
        page, _ = render_text(page, text, origin=(30, 70 + row * 90), height=40, thickness=2, gap=0.6)
    seg = segment(page)
    assert len(seg.candidates) == 200 and seg.n_lines == 10
    assert [c.line for c in seg.candidates] == [i // 20 for i in range(200)]


def test_it_finds_nothing_on_blank_paper_quickly():
    seg = segment(paper(480, 640))
    assert seg.candidates == [] and seg.warnings
