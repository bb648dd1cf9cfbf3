"""End to end with an injected classifier: text, splitting, confidence, result format."""

from __future__ import annotations

import json
import math
import time
from dataclasses import replace

import cv2
import numpy as np
import pytest

from classifiers.ml.crops import turned
from recognizer.vision import Recognition, SegmentationConfig, recognize
from recognizer.vision.binarize import binarize
from recognizer.vision.components import label_components
from recognizer.vision.normalize import normalize
from recognizer.vision.synthetic import (
    PRINT_FONTS,
    dashed_box,
    hand_glyph,
    make_template_classifier,
    paper,
    render_strokes,
    render_text,
)


@pytest.fixture(scope="module")
def classify():
    """Nearest-template classifier over rendered, rotated and sheared Hershey digits."""
    return make_template_classifier()


@pytest.mark.parametrize("font", PRINT_FONTS)
@pytest.mark.parametrize(("height", "thickness"), [(20, 1), (45, 3), (120, 8)])
def test_it_reads_a_printed_number(classify, font, height, thickness):
    img, _ = render_text(
        paper(3 * height, 7 * height),
        "40721",
        origin=(height // 2, 2 * height),
        height=height,
        font=font,
        thickness=thickness,
    )
    result = recognize(img, classify)
    assert result.text == "40721"
    assert [d.line for d in result.digits] == [0] * 5
    assert min(d.confidence for d in result.digits) > 0.3


def _form(layout: str) -> np.ndarray:
    """ "583920" in a form's boxes: a box per digit, a field with dividers (upright or leaning, as
    in perspective), or boxes photographed at 8°."""
    img, truth = render_text(paper(300, 700), "583920", origin=(60, 190), height=60, thickness=4, gap=0.6)
    if layout in ("field", "leaning"):
        cv2.rectangle(img, (truth[0][0] - 15, 118), (truth[-1][0] + truth[-1][2] + 15, 208), 60, 2)
        for a, b in zip(truth[:-1], truth[1:], strict=True):
            middle = (a[0] + a[2] + b[0]) // 2
            cv2.line(img, (middle, 118), (middle, 208), 60, 2)
        if layout == "leaning":  # the dividers lean by 0.08: 7 px over the field's height
            img = cv2.warpAffine(img, np.float32([[1, 0.08, -12], [0, 1, 0]]), (700, 300), borderValue=235)
        return img
    for x, y, w, h in truth:
        cv2.rectangle(img, (x - 12, y - 10), (x + w + 12, y + h + 10), 60, 2)
    if layout == "turned":
        img = cv2.warpAffine(img, cv2.getRotationMatrix2D((350, 150), 8, 1.0), (700, 300), borderValue=235)
    return img


@pytest.mark.parametrize("layout", ["boxes", "field", "leaning", "turned"])
def test_it_reads_digits_written_in_a_forms_boxes(classify, layout):
    # The boxes' sides and dividers used to be read as 1s, or merged into the digits.
    assert recognize(_form(layout), classify).text == "583920"


def test_digits_in_a_row_of_abutting_boxes_are_read_without_the_doubled_sides(classify):
    # Neighbouring boxes' sides run together into dividers bolder than the outline; they
    # used to be taken for solid strokes, not frame, and read as 1s.
    img, truth = render_text(paper(200, 560), "583920", origin=(40, 120), height=36, thickness=3, gap=0.6)
    step = truth[1][0] - truth[0][0]
    for k in range(6):
        x = truth[0][0] - 10 + k * step
        cv2.rectangle(img, (x, 80), (x + step - 1, 124), 90, 3)  # the next box's side right beside it
    cfg = SegmentationConfig()
    mask = binarize(normalize(img, config=cfg).flat, config=cfg)
    row = mask[truth[0][1] - 8, truth[0][0] - 14 : truth[-1][0] + step] > 0  # the sides, above the digits
    widths = np.diff(np.flatnonzero(np.diff(np.concatenate([[0], row.view(np.uint8), [0]]))))[::2]
    assert len(widths) == 7 and min(widths[1:-1]) > max(widths[0], widths[-1])
    assert recognize(img, classify).text == "583920"
    strict = replace(cfg, frame_divider_width=0.0)  # the outline's rule for every line
    assert recognize(img, classify, config=strict).text != "583920"


def test_a_crowded_comb_whose_bold_digits_touch_the_dividers_is_still_a_frame(classify):
    img, truth = render_text(paper(220, 560), "583920", origin=(40, 130), height=50, thickness=9, gap=0.03)
    top, bottom = min(t[1] for t in truth) - 6, max(t[1] + t[3] for t in truth) + 6
    cv2.rectangle(img, (truth[0][0] - 4, top), (truth[-1][0] + truth[-1][2] + 4, bottom), 60, 2)
    for a, b in zip(truth[:-1], truth[1:], strict=True):
        middle = (a[0] + a[2] + b[0]) // 2
        cv2.line(img, (middle, top), (middle, bottom), 60, 2)  # through the digits' edges
    cfg = SegmentationConfig()
    mask = binarize(normalize(img, config=cfg).flat, config=cfg)
    n, _, stats = label_components(mask)
    x, y, w, h, area = stats[1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))]
    assert w >= 2 * h and area > cfg.frame_max_density * w * h  # denser than a lone box may be
    assert recognize(img, classify).text == "583920"
    assert recognize(img, classify, config=replace(cfg, frame_row_max_density=cfg.frame_max_density)).text != "583920"


def _bold_digits_in_boxes(n_boxes: int, line: int) -> tuple[np.ndarray, np.ndarray]:
    """Bold "5839", each digit touching its box's right side (boxes past the fourth are empty);
    and the ink density of every component as tall as a box."""
    img, truth = render_text(paper(300, 800), "5839", origin=(60, 190), height=60, thickness=6, gap=0.6)
    step, width = truth[1][0] - truth[0][0], max(t[2] for t in truth) + 14
    top, bottom = min(t[1] for t in truth) - 8, max(t[1] + t[3] for t in truth) + 8
    for k in range(n_boxes):
        x = truth[0][0] - 14 + k * step
        cv2.rectangle(img, (x, top), (x + width, bottom), 60, line)
    cfg = SegmentationConfig()
    _, _, stats = label_components(binarize(normalize(img, config=cfg).flat, config=cfg))
    density = stats[1:, cv2.CC_STAT_AREA] / (stats[1:, cv2.CC_STAT_WIDTH] * stats[1:, cv2.CC_STAT_HEIGHT])
    return img, density[stats[1:, cv2.CC_STAT_HEIGHT] > bottom - top - 4]


def test_boxes_that_bold_digits_touch_are_frames_beside_the_empty_boxes_of_their_row(classify):
    img, density = _bold_digits_in_boxes(6, 2)
    cfg = SegmentationConfig()
    assert np.sum(density > cfg.frame_max_density) == 4 and np.sum(density < 0.3) == 2
    assert recognize(img, classify).text == "5839"
    assert recognize(img, classify, config=replace(cfg, frame_box_max_density=0.0)).text != "5839"


def test_a_row_of_bold_boxes_each_touched_by_its_digit_is_a_row_of_frames(classify):
    # No empty box in the row to go by: every box is dense with its digit (see
    # test_vision_steps for the round-cornered 8s this must leave).
    img, density = _bold_digits_in_boxes(4, 4)
    cfg = SegmentationConfig()
    assert len(density) == 4 and np.all(density > cfg.frame_max_density)
    assert recognize(img, classify).text == "5839"
    assert recognize(img, classify, config=replace(cfg, frame_square_corners=False)).text != "5839"


def test_boxes_whose_printed_lines_swell_in_places_are_frames(classify):
    # Blurred or smudged print swells a box's lines in places to 3x their width; those
    # stretches were taken for solid strokes, not frame, left in and read as 1s.
    img, truth = render_text(paper(200, 700), "5839", origin=(60, 120), height=26, thickness=3, gap=2.4)
    top, bottom = min(t[1] for t in truth) - 12, max(t[1] + t[3] for t in truth) + 12
    for x, _, w, _ in truth:
        left, right = x + w // 2 - 24, x + w // 2 + 24
        cv2.rectangle(img, (left, top), (right, bottom), 70, 2)
        for side in (left, right):
            cv2.line(img, (side, top + 10), (side, top + 30), 70, 6)
    assert recognize(img, classify).text == "5839"
    cfg = SegmentationConfig()
    assert "1" in recognize(img, classify, config=replace(cfg, frame_line_width=0.0)).text


def test_digits_in_light_boxes_that_binarise_broken_are_read_without_the_boxes(classify):
    # Light or thin printed boxes binarise as dashes, each its own piece: no outline to
    # find, so their sides were read as 1s.
    img, truth = render_text(paper(480, 640), "5839", origin=(60, 190), height=40, thickness=3, gap=0.6)
    for x, y, w, h in truth:  # grey 2-px lines in dashes 40 px long, 6 px apart
        dashed_box(img, (x - 10, y - 8), (x + w + 10, y + h + 8), value=150, dash=40, gap=6, thickness=2)
    cfg = SegmentationConfig()
    assert recognize(img, classify).text == "5839"
    assert recognize(img, classify, config=replace(cfg, frame_bridge_gap=0.0)).text == "151181131191"  # sides as 1s
    # Lines must be mostly ink (not a row of digits crossed at one height), and of ink as
    # thin as the pieces' (a digit's bolder strokes are not searched): either rule off
    # takes digits for frame.
    assert recognize(img, classify, config=replace(cfg, frame_bridge_support=0.0)).text != "5839"
    assert recognize(img, classify, config=replace(cfg, frame_bridge_stroke=99.0)).text != "5839"


def test_empty_boxes_of_a_form_read_as_nothing(classify):
    img, truth = render_text(paper(300, 800), "5839", origin=(60, 190), height=60, thickness=4, gap=0.6)
    step = truth[1][0] - truth[0][0]
    for k in range(7):  # seven boxes, four filled in
        x = truth[0][0] + k * step
        cv2.rectangle(img, (x - 12, 118), (x + 48, 208), 60, 2)
    assert recognize(img, classify).text == "5839"


@pytest.mark.parametrize("turn", [cv2.ROTATE_90_CLOCKWISE, cv2.ROTATE_90_COUNTERCLOCKWISE])
def test_a_number_scanned_sideways_is_read_with_boxes_in_the_original_image(classify, turn):
    page, truth = render_text(paper(360, 640), "40721", origin=(60, 220), height=80, thickness=6)
    h, w = page.shape
    result = recognize(cv2.rotate(page, turn), classify)
    assert result.text == "40721"
    assert any("sideways" in warning for warning in result.warnings)
    clockwise = turn == cv2.ROTATE_90_CLOCKWISE  # (x, y) goes to (h - 1 - y, x), else to (y, w - 1 - x)
    expected = [(h - y - bh, x, bh, bw) if clockwise else (y, w - x - bw, bh, bw) for x, y, bw, bh in truth]
    assert [d.box for d in result.digits] == expected


def test_the_time_of_a_sideways_page_covers_all_three_readings(classify):
    page, _ = render_text(paper(360, 640), "40721", origin=(60, 220), height=80, thickness=6)
    calls = []

    def slow(crops):
        calls.append(len(crops))
        time.sleep(0.02)
        return classify(crops)

    once = SegmentationConfig(second_look_below=0.0)  # one classifier call per reading
    result = recognize(cv2.rotate(page, cv2.ROTATE_90_CLOCKWISE), slow, config=once)
    assert result.text == "40721" and len(calls) == 3  # upright, then a quarter each way
    assert result.elapsed_ms >= 60


def test_a_column_of_one_digit_lines_is_not_turned(classify):
    page = paper(500, 300)
    for i, digit in enumerate("735"):
        page, _ = render_text(page, digit, origin=(120, 130 + 150 * i), height=80, thickness=6)
    result = recognize(page, classify)
    assert result.text == "7\n3\n5"
    assert not any("sideways" in warning for warning in result.warnings)


def test_numbers_far_apart_on_one_row_are_read_left_to_right(classify):
    # A date and an amount on one row of a form, the amount written a little higher.
    img, _ = render_text(paper(480, 640), "12", origin=(40, 200), height=36, thickness=3)
    img, _ = render_text(img, "450", origin=(420, 194), height=36, thickness=3)
    img, _ = render_text(img, "7", origin=(40, 300), height=36, thickness=3)
    img, _ = render_text(img, "88", origin=(300, 296), height=36, thickness=3)
    result = recognize(img, classify)
    assert result.lines == ["12", "450", "7", "88"]
    assert [d.line for d in result.digits] == [0, 0, 1, 1, 1, 2, 3, 3]
    assert recognize(img, classify, config=SegmentationConfig(line_row_tol=0.0, line_row_slant=0.0)).lines[0] == "450"


def test_it_reads_three_lines_including_a_slanted_one(classify):
    img, _ = render_text(paper(480, 640), "12345", origin=(40, 70), height=40, thickness=2)
    img, _ = render_text(img, "67890", origin=(40, 125), height=40, thickness=2)
    img, _ = render_text(img, "3141", origin=(80, 400), height=40, thickness=3, angle=20)
    assert recognize(img, classify).lines == ["12345", "67890", "3141"]


@pytest.mark.parametrize(("text", "gap", "thickness"), [("4072", -0.12, 4), ("0088", -0.1, 4), ("53", -0.15, 3)])
def test_it_splits_touching_digits_with_the_classifier(classify, text, gap, thickness):
    img, _ = render_text(paper(200, 500), text, origin=(40, 120), height=60, thickness=thickness, gap=gap)
    mask = img < 128
    n, _ = cv2.connectedComponents(mask.astype(np.uint8))
    assert n - 1 < len(text)  # the digits really touch
    assert recognize(img, classify).text == text


def test_it_reads_a_row_of_ten_touching_digits(classify):
    img, _ = render_text(paper(200, 900), "4072407215", origin=(40, 120), height=60, thickness=4, gap=-0.18)
    assert cv2.connectedComponents((img < 128).astype(np.uint8))[0] - 1 == 1
    # The template classifier matches crops of sharp printed glyphs at their plain ink;
    # the squared ink of the default crops (for MNIST-trained classifiers) tips it into
    # cutting the 5 into "13", with no verifier to rank the cuts.
    assert recognize(img, classify, config=SegmentationConfig(crop_ink_gamma=1.0)).text == "4072407215"


def test_a_row_of_touching_digits_on_a_slanted_line_is_not_taken_for_a_tall_stray(classify):
    # "4", seven touching digits and "6" along a line rising 25°: the row's box is
    # 2.3 × as tall as a digit's, though the row is no taller across the line.
    img, x, y = paper(480, 900), 40.0, 440.0
    for part, gap in (("4", 0.2), ("4072407", -0.18), ("6", 0.2)):
        img, boxes = render_text(img, part, origin=(round(x), round(y)), height=50, thickness=4, gap=gap, angle=25)
        advance = (max(b[0] + b[2] for b in boxes) - x) / math.cos(math.radians(25)) + 25
        x, y = x + advance * math.cos(math.radians(25)), y - advance * math.sin(math.radians(25))
    assert cv2.connectedComponents((img < 128).astype(np.uint8))[0] - 1 == 3
    assert recognize(img, classify).text == "440724076"


@pytest.mark.parametrize("angle", [12, 20, 28])
def test_a_lone_row_of_touching_digits_runs_along_its_own_ink(classify, angle):
    # Nothing else on the page gives the line's direction: the row's ink does. Measured
    # by the page's direction (level) its box is 1.4–1.9 × as tall as a digit, and the
    # row was cut straight down through slanted digits.
    img, _ = render_text(paper(400, 640), "4072", origin=(150, 300), height=50, thickness=4, gap=-0.18, angle=angle)
    assert cv2.connectedComponents((img < 128).astype(np.uint8))[0] - 1 == 1
    assert recognize(img, classify).text == "4072"
    assert recognize(img, classify, config=SegmentationConfig(line_lone_min_elongation=0)).text != "4072"


def test_a_lone_slanted_bar_keeps_the_pages_direction(classify):
    # A short thick bar at 25° is as elongated as a row of digits (too short for a
    # stroke) but fills its moments' rectangle: it is not turned level, measured by its
    # height across and cut into a row of digits.
    img = paper(400, 640)
    cv2.line(img, (300, 250), (354, 225), (30, 30, 30), 16)
    text = recognize(img, classify).text
    assert len(text) <= 1
    assert text == recognize(img, classify, config=SegmentationConfig(line_lone_min_elongation=0)).text


def test_it_splits_touching_pairs_on_a_steep_line_measuring_the_line_upright(classify):
    # Pairs of touching digits along a line rising 30°: their boxes are ~25% taller than
    # the digits, which made each pair look narrow enough to be one digit.
    img = paper(480, 640)
    for k, pair in enumerate(["40", "72", "53", "86"]):
        origin = (60 + round(k * 130 * math.cos(math.radians(30))), 400 - round(k * 130 * math.sin(math.radians(30))))
        img, _ = render_text(img, pair, origin=origin, height=40, thickness=3, gap=-0.12, angle=30)
    n = cv2.connectedComponents((img < 128).astype(np.uint8))[0] - 1
    assert n <= 5  # eight digits: every pair touches (the 4 is drawn in two strokes)
    assert recognize(img, classify).text == "40725386"


def _italic(text: str, shear: float, gap: float) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """``text`` drawn touching, then leaning right by ``shear`` (x per y); each glyph's centre."""
    baseline = 130
    img, boxes = render_text(
        paper(200, 120 + 60 * len(text)), text, origin=(40, baseline), height=60, thickness=4, gap=gap
    )
    lean = np.float32([[1, -shear, shear * baseline], [0, 1, 0]])  # x' = x + shear × (baseline − y)
    img = cv2.warpAffine(img, lean, (img.shape[1], img.shape[0]), flags=cv2.INTER_LINEAR, borderValue=235)
    centres = [(x + w / 2 + shear * (baseline - y - h / 2), y + h / 2) for x, y, w, h in boxes]
    return img, centres


@pytest.mark.parametrize(("text", "shear", "gap"), [("5372", 0.4, -0.15), ("53", 0.5, -0.15), ("2468", 0.5, -0.22)])
def test_touching_italic_digits_are_cut_along_their_slant(classify, text, shear, gap):
    img, centres = _italic(text, shear, gap)
    ink = (img < 128).astype(np.uint8)
    assert cv2.connectedComponents(ink)[0] - 1 == 1  # one component ...
    cols = ink.any(axis=0)
    assert cols[np.flatnonzero(cols)[0] : np.flatnonzero(cols)[-1] + 1].all()  # ... no empty column inside it
    result = recognize(img, classify)
    assert result.text == text
    for digit, (cx, cy) in zip(result.digits, centres, strict=True):  # boxed where it stands, not where it was cut
        x, y, w, h = digit.box
        assert x <= cx <= x + w and y <= cy <= y + h


def test_a_leaning_pair_is_cut_upright_without_the_sheared_alternative(classify):
    """With the sheared cut off, the same italic pair is cut by columns only (and read wrong)."""
    img, _ = _italic("53", 0.5, -0.15)
    assert recognize(img, classify).text == "53"
    assert recognize(img, classify, config=SegmentationConfig(split_deslant_min=0)).text != "53"


@pytest.mark.parametrize(("low", "high"), [(-0.1, 0.4), (0.5, 0.4), (0.1, 1.5)])
def test_the_sheared_cut_refuses_settings_it_cannot_honour(low, high):
    with pytest.raises(ValueError, match="split_deslant_min and split_deslant_max"):
        SegmentationConfig(split_deslant_min=low, split_deslant_max=high)


@pytest.mark.parametrize("digit", ["0", "2", "5"])
def test_a_wide_single_digit_stays_whole(classify, digit):
    img, (box,) = render_text(paper(240, 400), digit, origin=(60, 160), height=100, thickness=8)
    x, y, w, h = box
    # Stretch the glyph sideways until it is as wide as it is tall (a sprawling hand).
    wide = cv2.resize(img[:, x : x + w], (h, img.shape[0]), interpolation=cv2.INTER_LINEAR)
    img = np.hstack([img[:, :x], wide, img[:, x + w :]])
    assert recognize(img, classify).text == digit


@pytest.mark.parametrize("angle", [-25, 25])
def test_digits_on_a_steep_line_are_read_upright_and_boxed_in_place(classify, angle):
    img, truth = render_text(paper(500, 640), "52874", origin=(120, 320), height=50, thickness=3, angle=angle)
    result = recognize(img, classify)
    assert result.text == "52874"
    for digit, (tx, ty, tw, th) in zip(result.digits, truth, strict=True):
        x, y, w, h = digit.box
        assert x <= tx + tw / 2 <= x + w and y <= ty + th / 2 <= y + h  # each box holds its digit's centre


def test_a_lone_stroke_much_taller_than_the_text_is_not_a_one(classify):
    img, _ = render_text(paper(480, 640), "4072", origin=(60, 120), height=50, thickness=3)
    cv2.line(img, (500, 250), (505, 400), 90, 9)  # a table rule, a shadow edge, a pen mark
    img, _ = render_text(img, "1", origin=(300, 300), height=50, thickness=3)  # a real lone one stays
    assert recognize(img, classify).lines == ["4072", "1"]


def test_a_line_far_fainter_than_the_writing_is_ignored_but_pencil_alone_is_read(classify):
    pen, _ = render_text(paper(400, 640), "4072", origin=(60, 120), height=50, thickness=3, ink=20)
    both, _ = render_text(pen, "315", origin=(60, 300), height=50, thickness=3, ink=150)  # show-through
    result = recognize(both, classify)
    assert result.lines == ["4072"] and any("fainter" in w for w in result.warnings)
    assert recognize(both, classify, config=SegmentationConfig(line_min_rel_depth=0)).lines == ["4072", "315"]
    pencil, _ = render_text(paper(400, 640), "4072", origin=(60, 120), height=50, thickness=3, ink=150)
    pencil, _ = render_text(pencil, "315", origin=(60, 300), height=50, thickness=3, ink=170)
    assert recognize(pencil, classify).lines == ["4072", "315"]


def test_pencil_is_not_faint_beside_a_dark_object_the_classifier_doubts(classify):
    img, _ = render_text(paper(400, 640), "4072", origin=(200, 300), height=50, thickness=3, ink=150)
    for x in (150, 220, 290):  # a dark wire mesh above the pencil writing
        cv2.rectangle(img, (x, 80), (x + 40, 130), 20, 3)
        cv2.line(img, (x, 80), (x + 40, 130), 20, 3)
        cv2.line(img, (x + 40, 80), (x, 130), 20, 3)
    result = recognize(img, classify)
    assert result.lines == ["4072"]
    assert any("not confident" in w for w in result.warnings)
    assert not any("fainter" in w for w in result.warnings)


def test_small_digits_in_a_large_photo_are_read_again_at_full_resolution(classify):
    img, truth = render_text(paper(3000, 4000), "9513", origin=(2500, 2000), height=30, thickness=2)
    result = recognize(img, classify)
    assert result.text == "9513"
    assert any("small digits" in w for w in result.warnings)
    assert [d.box for d in result.digits] == truth  # exact boxes in the original's pixels
    plain = recognize(img, classify, config=SegmentationConfig(zoom_digit_px=0))
    assert not any("small digits" in w for w in plain.warnings)
    assert [d.box for d in plain.digits] != truth  # downscaled boxes are coarser


def test_a_line_cut_by_the_frame_is_ignored_but_a_digit_filling_the_frame_is_read(classify):
    img, _ = render_text(paper(400, 640), "4072", origin=(200, 220), height=50, thickness=3)
    img, _ = render_text(img, "7", origin=(615, 380), height=50, thickness=4)  # an object cut by the edge
    result = recognize(img, classify)
    assert result.lines == ["4072"] and any("edge of the frame" in w for w in result.warnings)
    assert recognize(img, classify, config=SegmentationConfig(edge_band_frac=0)).lines == ["4072", "7"]
    big, _ = render_text(paper(300, 240), "8", origin=(10, 290), height=290, thickness=30)
    assert recognize(big, classify).lines == ["8"]


def test_a_loose_piece_joins_its_digit_when_the_classifier_is_surer_with_it():
    # A 5 whose top bar was written apart, off to the right (common in MNIST): too far
    # sideways for the stacked-pieces merge, and dropped alone as a dash.
    bar, *body = hand_glyph("5", detach_top=0.15)
    img, (truth,) = render_strokes(paper(220, 300), [[bar + np.array([0.5, 0.0]), *body]], origin=(80, 60), height=80)

    def classify(crops):  # "5" when the top right holds ink, else an unsure "6"
        five = crops[:, 4:10, 15:24].mean(axis=(1, 2)) > 0.12
        probs = np.zeros((len(crops), 10))
        probs[five, 5], probs[five, 0] = 0.95, 0.05
        probs[~five, 6], probs[~five, 0] = 0.6, 0.4
        return probs

    with_piece = recognize(img, classify)
    assert with_piece.text == "5" and with_piece.digits[0].box == truth
    alone = recognize(img, classify, config=SegmentationConfig(attach_pieces=False))
    assert alone.text == "6" and alone.digits[0].box[2] < truth[2]


def test_a_loose_piece_joins_a_digit_read_surely_without_it_when_it_makes_the_doubt_far_smaller():
    # Without its bar the 5's body is a sure "7" (0.966); with it a surer "5" (0.999): 0.03
    # more probability, but 30 × less doubt, 3.5 in log-odds.
    bar, *body = hand_glyph("5", detach_top=0.15)
    img, (truth,) = render_strokes(paper(220, 300), [[bar + np.array([0.5, 0.0]), *body]], origin=(80, 60), height=80)

    def classify(crops):
        five = crops[:, 4:10, 15:24].mean(axis=(1, 2)) > 0.12
        probs = np.zeros((len(crops), 10))
        probs[five, 5], probs[five, 3] = 0.999, 0.001
        probs[~five, 7], probs[~five, 1] = 0.966, 0.034
        return probs

    assert recognize(img, classify).text == "5"
    assert recognize(img, classify, config=SegmentationConfig(attach_min_log_odds=4.0)).text == "7"


def test_it_reads_through_ruled_lines_specks_and_punctuation(classify):
    page = paper(300, 640)
    for y in range(20, 300, 30):
        cv2.line(page, (0, y), (639, y), 110, 2)
    img, _ = render_text(page, "31-4.59,", origin=(60, 150), height=50, thickness=4)
    rng = np.random.default_rng(3)
    for _ in range(40):
        cv2.circle(img, (int(rng.integers(0, 640)), int(rng.integers(0, 300))), 1, 30, -1)
    assert recognize(img, classify).text == "31459"


def test_it_rejects_regions_the_classifier_is_unsure_about():
    img, _ = render_text(paper(150, 400), "123", origin=(40, 100), height=50, thickness=3)

    def unsure_about_the_middle(crops):
        probs = np.full((len(crops), 10), 0.02)
        probs[:, 7] = 0.82
        probs[1] = 0.1
        return probs

    result = recognize(img, unsure_about_the_middle)
    assert result.text == "77" and len(result.digits) == 2
    assert any("not confident" in w for w in result.warnings)


def _first_doubtful_then_sure(first: int, then: int):
    """A classifier that reads every crop of its first call as ``first`` at 0.6 (``then``
    at 0.4), and every crop of a later call as a sure ``then``; it records its calls."""
    calls = []

    def classify(crops):
        calls.append(np.array(crops))
        probs = np.zeros((len(crops), 10))
        if len(calls) == 1:
            probs[:, first], probs[:, then] = 0.6, 0.4
        else:
            probs[:, then] = 1.0
        return probs

    return classify, calls


def test_a_doubtful_digit_is_read_again_turned_and_labelled_by_the_mean_of_the_readings():
    img, _ = render_text(paper(200, 300), "1", origin=(120, 140), height=80, thickness=6)
    classify, calls = _first_doubtful_then_sure(7, 1)
    config = SegmentationConfig(try_quarter_turns=False)
    result = recognize(img, classify, config=config)
    (digit,) = result.digits
    # (0.4 + 4 × 1.0) / 5 for "1", 0.6 / 5 for "7"
    assert digit.label == 1 and digit.confidence == pytest.approx(0.88)
    assert digit.alternatives[0] == (7, pytest.approx(0.12))
    first, again = calls
    crop = first[[i for i, c in enumerate(first) if np.array_equal(c, digit.crop)][0]]
    expected = np.stack([turned(crop[None], t)[0] for t in config.second_look_turns])
    assert np.allclose(again, expected)
    alone = recognize(img, _first_doubtful_then_sure(7, 1)[0], config=replace(config, second_look_below=0.0))
    assert alone.text == "7" and alone.digits[0].confidence == pytest.approx(0.6)


def test_a_sure_digit_is_read_once():
    img, _ = render_text(paper(200, 300), "1", origin=(120, 140), height=80, thickness=6)
    classify, calls = _first_doubtful_then_sure(7, 1)
    result = recognize(img, classify, config=SegmentationConfig(try_quarter_turns=False, second_look_below=0.55))
    assert result.text == "7" and len(calls) == 1


def test_the_second_look_never_brings_back_a_region_the_first_reading_rejected():
    img, _ = render_text(paper(150, 400), "123", origin=(40, 100), height=50, thickness=3)
    calls = []

    def unsure_of_the_middle_until_turned(crops):
        calls.append(len(crops))
        probs = np.full((len(crops), 10), 0.02)
        probs[:, 7] = 0.82
        if len(calls) == 1:
            probs[1] = 0.1
        return probs

    result = recognize(img, unsure_of_the_middle_until_turned, config=SegmentationConfig(try_quarter_turns=False))
    assert result.text == "77" and len(result.digits) == 2


def test_a_piece_the_verifier_doubts_is_not_read_again():
    img, _ = render_text(paper(200, 300), "1", origin=(120, 140), height=80, thickness=6)
    config = SegmentationConfig(try_quarter_turns=False)

    def verify(patches, heights):
        return np.full(len(patches), 0.3)  # doubted, but above the short-line gate

    classify, calls = _first_doubtful_then_sure(7, 1)
    assert recognize(img, classify, config=config, verify=verify).text == "7" and len(calls) == 1
    sure = replace(config, second_look_min_one_digit=0.2)
    assert recognize(img, _first_doubtful_then_sure(7, 1)[0], config=sure, verify=verify).text == "1"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [("second_look_below", 1.5, "second_look_below"), ("second_look_turns", (-40.0, 8.0), "second_look_turns")],
)
def test_the_second_look_refuses_settings_it_cannot_honour(field, value, message):
    with pytest.raises(ValueError, match=message):
        SegmentationConfig(**{field: value})


def test_it_calls_the_classifier_once_with_normalised_crops(classify):
    calls = []

    def spy(crops):
        calls.append(crops)
        return classify(crops)

    img, _ = render_text(paper(200, 500), "40721", origin=(40, 120), height=60, thickness=4, gap=-0.12)
    config = SegmentationConfig(try_quarter_turns=False)
    recognize(img, spy, config=replace(config, second_look_below=0.0))
    assert len(calls) == 1
    recognize(img, spy, config=config)  # and at most once more, for all the doubtful digits
    assert len(calls) in (2, 3) and np.array_equal(calls[1], calls[0])
    crops = calls[0]
    assert crops.dtype == np.float32 and crops.shape[1:] == (28, 28)
    assert crops.min() >= 0 and crops.max() <= 1 and crops[:, 0, :].max() == 0  # ink white, margin black


def test_it_never_calls_the_classifier_for_a_blank_image():
    def boom(crops):
        raise AssertionError("must not be called")

    result = recognize(paper(480, 640), boom)
    assert result.text == "" and result.digits == [] and result.warnings


def test_it_rejects_a_classifier_returning_the_wrong_shape():
    img, _ = render_text(paper(150, 300), "12", origin=(40, 100), height=50, thickness=3)
    with pytest.raises(ValueError, match="classify must return"):
        recognize(img, lambda crops: np.ones((len(crops), 9)))


def test_it_produces_json_ready_dicts(classify):
    img, _ = render_text(paper(200, 400), "12", origin=(40, 70), height=40, thickness=3)
    img, _ = render_text(img, "345", origin=(40, 150), height=40, thickness=3)
    result = recognize(img, classify)
    assert isinstance(result, Recognition)
    data = json.loads(json.dumps(result.to_dict()))
    assert data["text"] == "12\n345" and data["lines"] == ["12", "345"]
    first = data["digits"][0]
    assert set(first) == {"label", "confidence", "box", "line", "alternatives"}
    assert first["label"] == 1 and first["line"] == 0 and len(first["box"]) == 4
    assert len(first["alternatives"]) == 2 and all(len(a) == 2 for a in first["alternatives"])
    assert data["digits"][-1]["line"] == 1
    assert data["elapsed_ms"] >= 0 and isinstance(data["warnings"], list)
    assert result.digits[0].crop.shape == (28, 28)
    probs = [first["confidence"]] + [p for _, p in first["alternatives"]]
    assert probs == sorted(probs, reverse=True)


def test_it_maps_digit_boxes_to_the_original_image(classify):
    img, truth = render_text(paper(2400, 3200), "861", origin=(1200, 1300), height=150, thickness=12)
    result = recognize(img, classify, config=SegmentationConfig(max_side=800))
    assert result.text == "861"
    for d, t in zip(result.digits, truth, strict=True):
        assert np.allclose(d.box, t, atol=6), (d.box, t)


def test_it_reads_two_hundred_digits(classify):
    page = paper(1000, 1400)
    lines = []
    for row in range(10):
        text = "".join(str((row * 7 + i * 3) % 10) for i in range(20))
        lines.append(text)
        page, _ = render_text(page, text, origin=(30, 70 + row * 90), height=40, thickness=2, gap=0.6)
    result = recognize(page, classify)
    assert result.lines == lines


@pytest.mark.parametrize("sigma", [10.0, 30.0])
def test_it_reads_through_pixel_noise(classify, sigma):
    rng = np.random.default_rng(int(sigma))
    img, _ = render_text(paper(200, 500), "40721", origin=(40, 120), height=50, thickness=4)
    noisy = np.clip(img + rng.normal(0, sigma, img.shape), 0, 255).astype(np.uint8)
    assert recognize(noisy, classify).text == "40721"


@pytest.mark.parametrize("sigma", [5.0, 20.0, 40.0])
def test_it_finds_no_digits_in_pure_noise(classify, sigma):
    rng = np.random.default_rng(int(sigma))
    img = np.clip(rng.normal(180, sigma, (300, 400)), 0, 255).astype(np.uint8)
    result = recognize(img, classify)
    assert result.text == "" and result.warnings
